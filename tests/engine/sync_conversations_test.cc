// GET /v1/conversations: replies grouped by the recipient they answer, the
// conversation with the newest reply first, pages, masking by key role, and
// what is not a conversation (keywords, texts from numbers never messaged).
#include <catch2/catch.hpp>

#include "stack.h"

using namespace e2e;

namespace {

constexpr const char* kSender = "+15005550006";

std::string Send(Stack& stack, const std::string& request_id, const std::vector<std::string>& ids) {
  std::string list;
  for (const auto& id : ids) list += (list.empty() ? "\"" : ",\"") + id + "\"";
  auto r = stack.Api("POST", "/v1/notifications",
                     R"({"request_id":")" + request_id +
                         R"(","contact_point":"Alerts","requested_by":"0055g0000000002AAA",)"
                         R"("message":"Inbox test","record_ids":[)" +
                         list + "]}");
  INFO(r.body);
  REQUIRE(r.status == 202);
  std::string id = Json(r.body)["notification_id"].GetString();
  stack.WaitSettled(id);
  return id;
}

void Text(Stack& stack, const std::string& from, const std::string& body) {
  auto r = stack.gateway->Send(
      "POST", "/__emulator/inbound",
      R"({"From":")" + from + R"(","To":")" + kSender + R"(","Body":")" + body + R"("})");
  INFO(r.body);
  REQUIRE(r.status == 200);
  REQUIRE(Json(r.body)["webhook_status"].GetInt() == 200);
  REQUIRE(stack.WaitInboxDrained());  // answered once kept; processed right after
}

std::vector<std::string> Bodies(const rapidjson::Value& conversation) {
  std::vector<std::string> out;
  for (const auto& m : conversation["messages"].GetArray()) out.push_back(m["body"].GetString());
  return out;
}

}  // namespace

TEST_CASE("conversations group replies per recipient, newest first, in pages", "[e2e][sync]") {
  Stack stack;
  stack.RouteInboundToConnector();
  auto ids = stack.CreateConsentingLeads("Inbox", {"+12125550191", "+12125550192"}, "Lee");
  std::string nid = Send(stack, "inbox-1", ids);

  Text(stack, "+12125550191", "Can we move it to Friday?");
  Text(stack, "+12125550192", "Thanks");
  Text(stack, "+12125550191", "Morning works best");
  Text(stack, "+12125550191", "HELP");  // a keyword: not a conversation message
  size_t tasks_before = stack.Records("Task")["records"].Size();
  Text(stack, "+12125550199", "wrong number?");  // never messaged: unmatched, no conversation
  CHECK(stack.Records("Task")["records"].Size() == tasks_before);  // nothing created in Salesforce

  auto all = Json(stack.Api("GET", "/v1/conversations").body);
  const auto& list = all["conversations"];
  REQUIRE(list.Size() == 2);
  // The first lead wrote last, so its conversation comes first, messages oldest first.
  CHECK(std::string(list[0]["record_id"].GetString()) == ids[0]);
  CHECK(Bodies(list[0]) ==
        std::vector<std::string>{"Can we move it to Friday?", "Morning works best"});
  CHECK(std::string(list[0]["body"].GetString()) == "Morning works best");
  CHECK(std::string(list[0]["notification_id"].GetString()) == nid);
  CHECK(std::string(list[0]["contact_point"].GetString()) == "Alerts");
  CHECK(std::string(list[0]["from"].GetString()) == "+12125550191");  // admin key: full number
  CHECK(std::string(list[1]["record_id"].GetString()) == ids[1]);
  CHECK(Bodies(list[1]) == std::vector<std::string>{"Thanks"});
  CHECK(all["next_before"].IsNull());

  // Pages of one: the cursor leads from the first conversation to the second, then ends.
  auto first = Json(stack.Api("GET", "/v1/conversations?limit=1", "", kReadKey).body);
  REQUIRE(first["conversations"].Size() == 1);
  CHECK(std::string(first["conversations"][0]["record_id"].GetString()) == ids[0]);
  CHECK(std::string(first["conversations"][0]["from"].GetString()) ==
        "********0191");  // read key: masked
  REQUIRE(first["next_before"].IsInt64());
  auto second = Json(stack
                         .Api("GET",
                              "/v1/conversations?limit=1&before=" +
                                  std::to_string(first["next_before"].GetInt64()),
                              "", kReadKey)
                         .body);
  REQUIRE(second["conversations"].Size() == 1);
  CHECK(std::string(second["conversations"][0]["record_id"].GetString()) == ids[1]);
  auto third = Json(stack
                        .Api("GET",
                             "/v1/conversations?limit=1&before=" +
                                 std::to_string(second["next_before"].GetInt64()),
                             "", kReadKey)
                        .body);
  CHECK(third["conversations"].Size() == 0);
  CHECK(third["next_before"].IsNull());

  // Bad parameters get a 400 naming the field; no key gets a 401.
  auto bad = stack.Api("GET", "/v1/conversations?limit=0");
  CHECK(bad.status == 400);
  CHECK(Json(bad.body)["error"]["field"] == "limit");
  CHECK(stack.Api("GET", "/v1/conversations?before=x").status == 400);
  CHECK(stack.Api("GET", "/v1/conversations", "", "").status == 401);
}
