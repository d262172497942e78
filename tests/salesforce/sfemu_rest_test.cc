// REST behaviour against sfemu: retries, paging, collections, quoting, budget.
#include <set>

#include "salesforce/api_error.h"
#include "salesforce/collections.h"
#include "salesforce/composite.h"
#include "salesforce/query.h"
#include "salesforce/record_id.h"
#include "salesforce/sobjects.h"
#include "salesforce/soql.h"
#include "sfemu_fixture.h"

using namespace sfn;
using namespace sfn::salesforce;
using namespace sfn::salesforce::testing;

namespace {

rapidjson::Document Fields(std::initializer_list<std::pair<const char*, std::string>> fields) {
  rapidjson::Document d(rapidjson::kObjectType);
  for (const auto& [name, value] : fields) {
    d.AddMember(rapidjson::StringRef(name), json::Str(value, d.GetAllocator()), d.GetAllocator());
  }
  return d;
}

std::vector<rapidjson::Document> Leads(const std::string& company, size_t n) {
  std::vector<rapidjson::Document> out;
  for (size_t i = 0; i < n; ++i)
    out.push_back(Fields({{"LastName", "Lead " + std::to_string(i)}, {"Company", company}}));
  return out;
}

}  // namespace

TEST_CASE("each retryable fault is retried until the call succeeds", "[sfemu][retry]") {
  Sfemu emu;
  auto connection = emu.Connect();
  REQUIRE(connection->Connect().ok());
  std::string limits = connection->data_path() + "/limits";
  for (const char* fault : {"UNABLE_TO_LOCK_ROW", "SERVER_UNAVAILABLE", "http_503"}) {
    DYNAMIC_SECTION("GET with " << fault) {
      emu.ClearRequests();
      emu.Fault(fault, 2, "GET", limits);
      auto result = connection->CallJson("GET", "/limits/");
      INFO(result.status().ToString());
      CHECK(result.ok());
      CHECK(emu.Count("GET", limits) == 3);
    }
  }
  SECTION("a create (not idempotent) is retried on UNABLE_TO_LOCK_ROW: the row was not written") {
    emu.ClearRequests();
    emu.Fault("UNABLE_TO_LOCK_ROW", 1, "POST", connection->data_path() + "/sobjects/Lead");
    auto id =
        CreateRecord(*connection, "Lead", Fields({{"LastName", "Lock"}, {"Company", "Retry Co"}}));
    REQUIRE(id.ok());
    CHECK(emu.Count("POST", connection->data_path() + "/sobjects/Lead") == 2);
  }
  SECTION("retries stop at the cap") {
    emu.ClearRequests();
    emu.Fault("http_503", 10, "GET", limits);
    auto result = connection->CallJson("GET", "/limits/");
    CHECK(result.status().code() == StatusCode::kUnavailable);
    CHECK(emu.Count("GET", limits) == 4);  // RetryOptions::max_attempts
  }
}

TEST_CASE("non-retryable faults are not retried", "[sfemu][retry]") {
  Sfemu emu;
  auto connection = emu.Connect();
  REQUIRE(connection->Connect().ok());
  std::string limits = connection->data_path() + "/limits";
  emu.ClearRequests();
  emu.Fault("http_500", 1, "GET", limits);
  auto result = connection->CallJson("GET", "/limits/");
  REQUIRE_FALSE(result.ok());
  CHECK(ApiError::From(result.status())->http_status == 500);
  CHECK(emu.Count("GET", limits) == 1);
  auto bad = connection->CallJson("GET", "/sobjects/Lead/" + MakeId("00Q", 999999));
  CHECK(bad.status().code() == StatusCode::kNotFound);
  CHECK(emu.Count("GET", connection->data_path() + "/sobjects/Lead/") == 1);
}

TEST_CASE("a connection failure is retried and then reported as unavailable", "[retry]") {
  // Nothing listens on port 1: every attempt fails before anything is sent.
  RetryOptions retry{3, std::chrono::milliseconds(1), std::chrono::milliseconds(5), 2.0};
  OAuthOptions o;
  o.login_url = "http://127.0.0.1:1";
  o.client_id = kClientId;
  o.client_secret = kClientSecret;
  o.retry = retry;
  auto token = ClientCredentialsTokenSource(o).Fetch();
  CHECK(token.status().code() == StatusCode::kUnavailable);
}

TEST_CASE("sObject CRUD, describe cache and limits", "[sfemu][rest]") {
  Sfemu emu;
  auto connection = emu.Connect();
  auto id =
      CreateRecord(*connection, "Lead", Fields({{"LastName", "Crud"}, {"Company", "CRUD Inc"}}));
  REQUIRE(id.ok());
  CHECK(KeyPrefix(id.value()) == "00Q");
  REQUIRE(UpdateRecord(*connection, "Lead", id.value(), Fields({{"LastName", "Crud2"}})).ok());
  auto lead = RetrieveRecord(*connection, "Lead", id.value(), {"LastName", "Company"});
  REQUIRE(lead.ok());
  CHECK(json::GetString(lead.value(), "LastName") == "Crud2");
  auto missing = CreateRecord(*connection, "Lead", Fields({{"Company", "No Name"}}));
  REQUIRE_FALSE(missing.ok());
  CHECK(ApiError::From(missing.status())->error_code == "REQUIRED_FIELD_MISSING");
  REQUIRE(DeleteRecord(*connection, "Lead", id.value()).ok());
  CHECK(RetrieveRecord(*connection, "Lead", id.value()).status().code() == StatusCode::kNotFound);
  CHECK(RetrieveRecord(*connection, "Lead", "00Q' OR 1=1").status().code() ==
        StatusCode::kInvalidArgument);

  DescribeCache describes(*connection);
  auto fields = describes.FieldNames("Task");
  REQUIRE(fields.ok());
  CHECK(std::count(fields->begin(), fields->end(), "SMS_Message_Sid__c") == 1);
  REQUIRE(describes.Describe("Task").ok());
  CHECK(describes.fetches() == 1);

  auto limits = GetLimits(*connection);
  REQUIRE(limits.ok());
  CHECK(connection->usage().known());
}

TEST_CASE("the API budget refuses non-essential calls above the threshold", "[sfemu][rest]") {
  Sfemu emu;
  emu.Hook("POST", "limits", R"({"DailyApiRequests":{"Max":1000,"Remaining":50}})");
  ConnectionOptions options;
  options.budget_threshold = 0.9;
  auto connection = emu.Connect(options);
  REQUIRE(connection->CallJson("GET", "/limits/").ok());  // essential: goes, and reports usage
  CHECK(connection->usage().max == 1000);
  CHECK(connection->usage().used >= 950);
  emu.ClearRequests();
  CallOptions background;
  background.essential = false;
  auto refused = connection->CallJson("GET", "/limits/", "", background);
  CHECK(refused.status().code() == StatusCode::kRateLimited);
  CHECK(refused.status().message().find("API budget") != std::string::npos);
  CHECK(emu.Count("GET", "/services/data/") == 0);  // refused locally, no API call spent
}

TEST_CASE("1,000 Tasks go in 5 collection calls with a failure mapped to its item",
          "[sfemu][collections]") {
  Sfemu emu;
  auto connection = emu.Connect();
  auto lead =
      CreateRecord(*connection, "Lead", Fields({{"LastName", "Who"}, {"Company", "Tasks Inc"}}));
  REQUIRE(lead.ok());
  size_t before = emu.Hook("GET", "records?type=Task")["records"].Size();
  std::vector<rapidjson::Document> tasks;
  for (int i = 0; i < 1000; ++i) {
    tasks.push_back(
        Fields({{"WhoId", lead.value()},
                {"Subject", i == 637 ? std::string(256, 'x') : "SMS " + std::to_string(i)},
                {"Status", "Completed"},
                {"SMS_Notification_Id__c", "n-" + std::to_string(i)}}));
  }
  emu.ClearRequests();
  auto results = InsertRecords(*connection, "Task", tasks);
  REQUIRE(results.size() == 1000);
  CHECK(emu.Count("POST", connection->data_path() + "/composite/sobjects") == 5);
  CHECK(CountSucceeded(results) == 999);
  REQUIRE_FALSE(results[637].ok());
  REQUIRE_FALSE(results[637].errors.empty());
  CHECK(results[637].errors[0].error_code == "STRING_TOO_LONG");
  CHECK(std::count(results[637].errors[0].fields.begin(), results[637].errors[0].fields.end(),
                   "Subject") == 1);
  std::set<std::string> ids;
  for (size_t i = 0; i < results.size(); ++i) {
    if (i != 637) ids.insert(results[i].id);
  }
  CHECK(ids.size() == 999);
  // Index stability: item 638's record really is "SMS 638".
  auto task =
      RetrieveRecord(*connection, "Task", results[638].id, {"Subject", "SMS_Notification_Id__c"});
  REQUIRE(task.ok());
  CHECK(json::GetString(task.value(), "SMS_Notification_Id__c") == "n-638");
  CHECK(emu.Hook("GET", "records?type=Task")["records"].Size() == before + 999);

  std::vector<std::string> to_delete{results[0].id, results[1].id, "bogus"};
  auto deleted = DeleteRecords(*connection, to_delete);
  CHECK(deleted[0].ok());
  CHECK(deleted[1].ok());
  CHECK(deleted[2].status.code() == StatusCode::kInvalidArgument);
}

TEST_CASE("paging streams 5,000 records page by page", "[sfemu][query]") {
  Sfemu emu;
  auto connection = emu.Connect();
  auto inserted = InsertRecords(*connection, "Lead", Leads("Paging Co", 5000));
  REQUIRE(CountSucceeded(inserted) == 5000);
  emu.ClearRequests();
  std::set<std::string> seen;
  size_t pages = 0, largest_page = 0;
  int64_t total = 0;
  Status s = ForEachPage(
      *connection, "SELECT Id, LastName FROM Lead WHERE Company = " + soql::Quote("Paging Co"),
      [&](const QueryPage& page) {
        pages++;
        total = page.total_size;
        largest_page = std::max<size_t>(largest_page, page.records().Size());
        for (const auto& r : page.records().GetArray())
          seen.insert(json::GetString(r, "Id").value());
        return Status::Ok();
      });
  REQUIRE(s.ok());
  CHECK(total == 5000);
  CHECK(seen.size() == 5000);
  CHECK(pages >= 3);
  CHECK(largest_page <= 2000);
  CHECK(emu.Count("GET", connection->data_path() + "/query") == pages);
}

TEST_CASE("a query too long for a URI goes through composite", "[sfemu][query]") {
  Sfemu emu;
  auto connection = emu.Connect();
  auto inserted = InsertRecords(*connection, "Lead", Leads("Long Co", 1000));
  REQUIRE(CountSucceeded(inserted) == 1000);
  std::vector<std::string> ids;
  for (const auto& r : inserted) ids.push_back(r.id);
  auto q = soql::SelectBuilder("Lead").Fields({"Id"}).WhereIdIn("Id", ids).Build();
  REQUIRE(q.ok());
  REQUIRE(q->size() > 16384);
  emu.ClearRequests();
  size_t count = 0;
  REQUIRE(ForEachRecord(*connection, q.value(), [&](const rapidjson::Value&) {
            count++;
            return Status::Ok();
          }).ok());
  CHECK(count == 1000);
  CHECK(emu.Count("POST", connection->data_path() + "/composite") == 1);
  for (const auto& r : emu.Requests()) CHECK(r.status != 414);
}

TEST_CASE("hostile strings in SOQL literals find exactly the right record", "[sfemu][query]") {
  Sfemu emu;
  auto connection = emu.Connect();
  const std::vector<std::string> names{
      "O'Brien",       "O\\'Brien", "back\\slash", "x' OR LastName != '",
      "quote\"double", "\\",        "'",           "percent%_under"};
  std::vector<std::string> ids;
  for (const auto& name : names) {
    auto id =
        CreateRecord(*connection, "Lead", Fields({{"LastName", name}, {"Company", "Hostile Co"}}));
    REQUIRE(id.ok());
    ids.push_back(id.value());
  }
  for (size_t i = 0; i < names.size(); ++i) {
    INFO("LastName " << names[i]);
    auto q = soql::SelectBuilder("Lead")
                 .Fields({"Id", "LastName"})
                 .WhereEquals("LastName", names[i])
                 .WhereEquals("Company", "Hostile Co")  // the demo seed has O'Briens of its own
                 .Build();
    REQUIRE(q.ok());
    std::vector<std::string> found;
    Status s = ForEachRecord(*connection, q.value(), [&](const rapidjson::Value& r) {
      found.push_back(json::GetString(r, "Id").value());
      return Status::Ok();
    });
    REQUIRE(s.ok());
    CHECK(found == std::vector<std::string>{ids[i]});
  }
}

TEST_CASE("composite runs up to 25 subrequests and refuses more", "[sfemu][rest]") {
  Sfemu emu;
  auto connection = emu.Connect();
  REQUIRE(connection->Connect().ok());
  std::string base = connection->data_path();
  std::vector<CompositeSubrequest> subs{
      {"POST", base + "/sobjects/Lead", "newLead",
       R"({"LastName":"Comp","Company":"Composite Co"})"},
      {"GET", base + "/sobjects/Lead/@{newLead.id}?fields=LastName", "readLead", ""}};
  auto result = SendComposite(*connection, subs, true);
  REQUIRE(result.ok());
  REQUIRE(result->size() == 2);
  CHECK(result.value()[0].http_status == 201);
  CHECK(result.value()[1].http_status == 200);
  CHECK(json::GetString(result.value()[1].body, "LastName") == "Comp");
  std::vector<CompositeSubrequest> too_many(26, {"GET", base + "/limits", "r", ""});
  for (size_t i = 0; i < too_many.size(); ++i) too_many[i].reference_id = "r" + std::to_string(i);
  CHECK(SendComposite(*connection, too_many, false).status().code() ==
        StatusCode::kInvalidArgument);
}
