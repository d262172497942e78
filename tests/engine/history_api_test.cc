// The view history through the running connector: /v1/history, /v1/usage and
// the web page over a seeded store, the `sfnotify history` / `usage` CLI, a
// notification sent through the real stack, and the retention purge in the daemon.
#include <algorithm>
#include <catch2/catch.hpp>
#include <set>

#include "common/form.h"
#include "common/time_util.h"
#include "history_seed.h"
#include "stack.h"

using namespace e2e;
using history_seed::SeededNotification;

namespace {

struct CliOutcome {
  int code;
  std::string out, err;
};

CliOutcome RunCli(const sfn::test::TempDir& dir, std::vector<std::string> args,
                  std::vector<std::string> env = {}) {
  args.insert(args.begin(), sfn::test::BinDir() + "/sfnotify");
  std::string err_path = dir.File("cli-stderr.txt");
  std::remove(err_path.c_str());
  auto child = sfn::ChildProcess::Start(args, err_path, env);
  REQUIRE(child.ok());
  std::string out = child->ReadRemaining(std::chrono::seconds(30));
  int code = child->Wait(std::chrono::seconds(30));
  return {code, out, sfn::test::ReadFile(err_path)};
}

std::vector<std::string> NewestFirst(std::vector<const SeededNotification*> rows) {
  std::sort(rows.begin(), rows.end(), [](auto* a, auto* b) {
    return a->created_ms != b->created_ms ? a->created_ms > b->created_ms : a->id > b->id;
  });
  std::vector<std::string> ids;
  for (auto* r : rows) ids.push_back(r->id);
  return ids;
}

std::vector<std::string> ApiAll(Stack& stack, const std::string& query,
                                const std::string& key = kReadKey) {
  std::vector<std::string> ids;
  std::string cursor;
  for (int guard = 0; guard < 100; ++guard) {
    std::string target = "/v1/history?" + query + (cursor.empty() ? "" : "&cursor=" + cursor);
    auto r = stack.Api("GET", target, "", key);
    INFO(target << " → " << r.body);
    REQUIRE(r.status == 200);
    auto doc = Json(r.body);
    for (const auto& item : doc["items"].GetArray())
      ids.push_back(item["notification_id"].GetString());
    if (!doc["next_cursor"].IsString()) break;
    cursor = doc["next_cursor"].GetString();
  }
  return ids;
}

}  // namespace

TEST_CASE("history API over a seeded store: keys, paging, filters, masking, errors, usage",
          "[history][e2e]") {
  std::vector<SeededNotification> seeded;
  StackOptions options;
  options.seed_store = [&](const std::string& path) { seeded = history_seed::Seed(path, 40); };
  Stack stack(options);
  REQUIRE(seeded.size() == 40);
  std::vector<const SeededNotification*> all;
  for (const auto& s : seeded) all.push_back(&s);

  SECTION("the page and its assets need no key; the data does") {
    auto page = stack.Api("GET", "/", "", "");
    CHECK(page.status == 200);
    CHECK(page.headers.Get("Content-Type").find("text/html") == 0);
    CHECK(page.body.find("/web/app.js") != std::string::npos);
    auto js = stack.Api("GET", "/web/app.js", "", "");
    CHECK(js.status == 200);
    CHECK(js.headers.Get("Content-Type").find("text/javascript") == 0);
    CHECK(stack.Api("GET", "/web/app.css", "", "").status == 200);
    CHECK(stack.Api("GET", "/web/missing.js", "", "").status == 404);
    auto no_key = stack.Api("GET", "/v1/history", "", "");
    CHECK(no_key.status == 401);
    CHECK(Json(no_key.body)["error"]["code"] == "unauthenticated");
    CHECK(stack.Api("GET", "/v1/usage", "", "wrong").status == 401);
    CHECK(stack.Api("POST", "/v1/history", "{}", kReadKey).status == 405);
  }

  SECTION("cursor pages cover every notification once, newest first") {
    CHECK(ApiAll(stack, "limit=15") == NewestFirst(all));
    CHECK(ApiAll(stack, "limit=500") == NewestFirst(all));
  }

  SECTION("filters") {
    auto expect = [&](const std::string& query,
                      const std::function<bool(const SeededNotification&)>& keep) {
      std::vector<const SeededNotification*> rows;
      for (const auto& s : seeded) {
        if (keep(s)) rows.push_back(&s);
      }
      INFO(query);
      CHECK_FALSE(rows.empty());
      CHECK(ApiAll(stack, query + "&limit=4") == NewestFirst(rows));
    };
    expect("status=failed&contact_point=Main", [](auto& s) {
      return s.contact_point == "Main" && std::any_of(s.recipients.begin(), s.recipients.end(),
                                                      [](auto& r) { return r.state == "failed"; });
    });
    expect("status=refused", [](auto& s) { return s.status == "refused"; });
    // A national-format number is normalised like the resolver does.
    expect("phone=" + sfn::form::Encode("(415) 555-1007"), [](auto& s) {
      return std::any_of(s.recipients.begin(), s.recipients.end(),
                         [](auto& r) { return r.phone == history_seed::Phone(7); });
    });
    // 15-character ids are accepted.
    expect("record_id=" + history_seed::Lead(3).substr(0, 15), [](auto& s) {
      return std::any_of(s.recipients.begin(), s.recipients.end(),
                         [](auto& r) { return r.record_id == history_seed::Lead(3); });
    });
    const int64_t from = history_seed::kBaseMs + 5 * history_seed::kMinute;
    const int64_t to = history_seed::kBaseMs + 15 * history_seed::kMinute;
    expect("requested_by=" + std::string(history_seed::kUsers[0]) +
               "&from=2026-01-01T00:05:00Z&to=2026-01-01T00:15:00Z",
           [&](auto& s) {
             return s.user == history_seed::kUsers[0] && s.created_ms >= from && s.created_ms < to;
           });
  }

  SECTION("bad parameters are refused with the parameter named") {
    const std::pair<std::string, std::string> cases[] = {
        {"/v1/history?limit=0", "limit"},
        {"/v1/history?limit=abc", "limit"},
        {"/v1/history?status=bogus", "status"},
        {"/v1/history?record_id=00Qxyz", "record_id"},  // a mistyped Id (a name is fine)
        {"/v1/history?requested_by=" + history_seed::Lead(1), "requested_by"},
        {"/v1/history?cursor=zzz", "cursor"},
        {"/v1/history?colour=red", "colour"},
        {"/v1/history?from=yesterday", "from"},
        {"/v1/history?phone=12", "phone"},
        {"/v1/history?from=2026-02-01&to=2026-01-01", "from"},
        {"/v1/usage?group_by=week", "group_by"},
        {"/v1/usage?to=soon", "to"},
        {"/v1/usage?x=1", "x"},
    };
    for (const auto& [target, field] : cases) {
      auto r = stack.Api("GET", target, "", kReadKey);
      INFO(target << " → " << r.body);
      CHECK(r.status == 400);
      auto doc = Json(r.body);
      CHECK(doc["error"]["field"] == field.c_str());
    }
    CHECK(stack.Api("GET", "/v1/history/ntf_nope", "", kReadKey).status == 404);
  }

  SECTION("phones are masked for read keys and shown to admins") {
    const SeededNotification* sample = nullptr;
    for (const auto& s : seeded) {
      if (s.recipients.size() == 3) sample = &s;
    }
    REQUIRE(sample);
    auto read = Json(stack.Api("GET", "/v1/history/" + sample->id, "", kReadKey).body);
    auto admin = Json(stack.Api("GET", "/v1/history/" + sample->id, "", kApiKey).body);
    CHECK(read["phones_masked"].GetBool());
    CHECK_FALSE(admin["phones_masked"].GetBool());
    REQUIRE(read["recipients"].Size() == 3);
    for (rapidjson::SizeType i = 0; i < 3; ++i) {
      const auto& seeded_r = sample->recipients[i];
      std::string masked = read["recipients"][i]["phone"].GetString();
      CHECK(masked == "+*******" + seeded_r.phone.substr(seeded_r.phone.size() - 4));
      CHECK(admin["recipients"][i]["phone"] == seeded_r.phone.c_str());
      CHECK(read["recipients"][i]["state"] == seeded_r.state.c_str());
      CHECK(read["recipients"][i]["gateway_sid"] == seeded_r.sid.c_str());
      CHECK(read["recipients"][i]["record_id"] == seeded_r.record_id.c_str());
      CHECK(read.HasMember("events"));
    }
    CHECK(read["notification"]["recipients"].GetInt() == 3);
  }

  SECTION("usage groups messages, segments, billable units and cost") {
    auto r = stack.Api("GET", "/v1/usage?from=2026-01-01&to=2026-02-01&group_by=contact_point", "",
                       kReadKey);
    INFO(r.body);
    REQUIRE(r.status == 200);
    auto doc = Json(r.body);
    std::map<std::string, int64_t> billable, messages, suppressed;
    for (const auto& s : seeded) {
      for (const auto& rcp : s.recipients) {
        if (!rcp.sid.empty()) messages[s.contact_point]++;
        if (!rcp.sid.empty() && rcp.state != "failed") billable[s.contact_point] += rcp.segments;
        if (rcp.state == "suppressed") suppressed[s.contact_point]++;
      }
    }
    REQUIRE(doc["rows"].Size() == 2);
    for (const auto& row : doc["rows"].GetArray()) {
      std::string cp = row["key"].GetString();
      CHECK(row["messages"].GetInt64() == messages[cp]);
      CHECK(row["billable_units"].GetInt64() == billable[cp]);
      CHECK(row["suppressed"].GetInt64() == suppressed[cp]);
      // The stack prices Main at 0.0079 per segment; Alerts has no price.
      double price = cp == "Main" ? 0.0079 : 0.0;
      CHECK(row["estimated_cost"].GetDouble() == Approx(billable[cp] * price).margin(0.0001));
    }
    CHECK(doc["total"]["messages"].GetInt64() == messages["Main"] + messages["Alerts"]);
    auto by_day =
        Json(stack.Api("GET", "/v1/usage?from=2026-01-01&to=2026-01-03&group_by=day", "", kReadKey)
                 .body);
    REQUIRE(by_day["rows"].Size() == 1);
    CHECK(by_day["rows"][0]["key"] == "2026-01-01");
  }

  SECTION("the CLI lists, filters and reports through the API") {
    const auto& dir = stack.dir();
    std::string url = stack.api->client->base_url();
    auto table = RunCli(dir, {"history", "--url", url, "--key", kReadKey, "--limit", "500"});
    INFO(table.err);
    CHECK(table.code == 0);
    CHECK(table.out.rfind("CREATED", 0) == 0);
    for (const auto& s : seeded) CHECK(table.out.find(s.id) != std::string::npos);

    auto csv = RunCli(
        dir, {"history", "--url", url, "--status", "refused", "--csv", "--all", "--limit", "2"},
        {std::string("SFNOTIFY_API_KEY=") + kReadKey});
    CHECK(csv.code == 0);
    size_t refused =
        std::count_if(seeded.begin(), seeded.end(), [](auto& s) { return s.status == "refused"; });
    CHECK(std::count(csv.out.begin(), csv.out.end(), '\n') ==
          static_cast<long>(refused + 1));  // header + rows

    auto json = RunCli(
        dir, {"history", "--url", url, "--key", kReadKey, "--json", "--all", "--limit", "7"});
    CHECK(json.code == 0);
    auto doc = Json(json.out);
    CHECK(doc["items"].Size() == seeded.size());

    auto show = RunCli(dir, {"history", "show", seeded[2].id, "--url", url, "--key", kReadKey});
    CHECK(show.code == 0);
    CHECK(show.out.find("notification " + seeded[2].id) != std::string::npos);
    CHECK(show.out.find("+*******") != std::string::npos);

    auto usage = RunCli(dir, {"usage", "--url", url, "--key", kReadKey, "--from", "2026-01-01",
                              "--to", "2026-02-01", "--group-by", "user", "--csv"});
    CHECK(usage.code == 0);
    CHECK(usage.out.rfind("USER,MESSAGES,SEGMENTS,BILLABLE UNITS", 0) == 0);
    CHECK(usage.out.find(history_seed::kUsers[0]) != std::string::npos);
    CHECK(usage.out.find("\ntotal,") != std::string::npos);

    auto bad = RunCli(dir, {"history", "--url", url, "--key", kReadKey, "--limit", "0"});
    CHECK(bad.code == 1);
    CHECK(bad.err.find("(parameter limit)") != std::string::npos);
    auto no_key = RunCli(dir, {"history", "--url", url});
    CHECK(no_key.code == 2);
    CHECK(no_key.err.find("API key is required") != std::string::npos);
    auto wrong = RunCli(dir, {"usage", "--url", url, "--key", kReadKey, "--bogus", "1"});
    CHECK(wrong.code == 2);
  }
}

TEST_CASE(
    "a notification sent through the stack appears in the history with what the gateway recorded",
    "[history][e2e]") {
  Stack stack;
  auto leads = stack.RecordIds("Lead");
  REQUIRE(leads.size() >= 4);
  std::string body =
      R"({"request_id":"hist-1","contact_point":"Alerts","requested_by":"0055g0000000002AAA",)"
      R"("message":"History check","record_ids":[")" +
      leads[0] + "\",\"" + leads[1] + "\",\"" + leads[2] + "\",\"" + leads[3] + "\"]}";
  auto sent = stack.Api("POST", "/v1/notifications", body);
  INFO(sent.body);
  REQUIRE(sent.status == 202);
  std::string id = Json(sent.body)["notification_id"].GetString();

  // Wait until every recipient left the outbox (sent to the gateway, or never sent).
  rapidjson::Document detail;
  REQUIRE(Stack::WaitUntil([&] {
    auto r = stack.Api("GET", "/v1/history/" + id, "", kApiKey);
    if (r.status != 200) return false;
    detail = Json(r.body);
    if (std::string(detail["notification"]["status"].GetString()) != "done") return false;
    for (const auto& rcp : detail["recipients"].GetArray()) {
      std::string state = rcp["state"].GetString();
      if (state == "pending" || state == "deferred" || state == "sending") return false;
    }
    return true;
  }));
  auto messages = stack.Messages();
  std::map<std::string, std::string> sid_to_phone;
  for (const auto& m : messages["messages"].GetArray())
    sid_to_phone[m["sid"].GetString()] = m["to"].GetString();
  int sent_count = 0;
  for (const auto& rcp : detail["recipients"].GetArray()) {
    std::string sid = rcp["gateway_sid"].GetString();
    if (sid.empty()) continue;
    ++sent_count;
    REQUIRE(sid_to_phone.count(sid) == 1);
    CHECK(sid_to_phone[sid] == rcp["phone"].GetString());  // admin key: unmasked
    CHECK(rcp["timestamps"].HasMember("accepted"));
    CHECK(rcp["segments"].GetInt() == 1);
  }
  CHECK(sent_count == static_cast<int>(sid_to_phone.size()));
  CHECK(sent_count > 0);

  auto list =
      Json(stack.Api("GET", "/v1/history?status=done&contact_point=Alerts", "", kReadKey).body);
  REQUIRE(list["items"].Size() == 1);
  CHECK(list["items"][0]["notification_id"] == id.c_str());
  CHECK(list["items"][0]["recipients"].GetInt() == 4);
  CHECK(list["items"][0]["segments"].GetInt() == sent_count);
  CHECK(Json(stack.Api("GET", "/v1/history?status=done&contact_point=Main", "", kReadKey)
                 .body)["items"]
            .Size() == 0);
  CHECK(
      Json(stack.Api("GET", "/v1/history?q=History%20check", "", kReadKey).body)["items"].Size() ==
      1);
  CHECK(Json(stack.Api("GET", "/v1/history?q=nothing-like-this", "", kReadKey).body)["items"]
            .Size() == 0);
  CHECK(Json(stack.Api("GET", "/v1/history?record_id=" + leads[2], "", kReadKey).body)["items"]
            .Size() == 1);

  auto usage = Json(stack.Api("GET", "/v1/usage?group_by=contact_point", "", kReadKey).body);
  REQUIRE(usage["rows"].Size() == 1);
  CHECK(usage["rows"][0]["key"] == "Alerts");
  CHECK(usage["rows"][0]["messages"].GetInt64() == sent_count);
}

TEST_CASE("the daemon purges history past retention and counts it in /metrics",
          "[history][retention][e2e]") {
  std::vector<SeededNotification> old_rows, recent;
  StackOptions options;
  options.extra_config_json = R"("history": {"retention_days": 30, "purge_interval_seconds": 1},)";
  options.seed_store = [&](const std::string& path) {
    old_rows = history_seed::Seed(path, 12, 0, sfn::timeutil::NowMillis() - 60LL * 86400000);
    recent = history_seed::Seed(path, 5, 100, sfn::timeutil::NowMillis() - 86400000);
  };
  Stack stack(options);
  REQUIRE(Stack::WaitUntil([&] { return ApiAll(stack, "limit=100").size() == recent.size(); },
                           std::chrono::seconds(20)));
  auto left = ApiAll(stack, "limit=100");
  std::set<std::string> left_set(left.begin(), left.end());
  for (const auto& s : recent) CHECK(left_set.count(s.id) == 1);
  auto metrics = stack.Api("GET", "/metrics", "", "");
  CHECK(metrics.body.find("sfnotify_history_purged_total{kind=\"notifications\"} " +
                          std::to_string(old_rows.size())) != std::string::npos);
}
