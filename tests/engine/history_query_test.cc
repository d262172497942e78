// The view history's read side over seeded stores: keyset pagination, every
// filter against a brute-force answer, query plans that use indexes, usage
// aggregates and cost, masking, and the retention purge.
#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <set>
#include <tuple>

#include "common/crypto.h"
#include "common/time_util.h"
#include "connector/history/history_api.h"
#include "connector/history/history_query.h"
#include "connector/history/retention.h"
#include "history_seed.h"
#include "support/test_env.h"

using namespace sfn::connector;
using history_seed::SeededNotification;

namespace {

struct Fixture {
  sfn::test::TempDir dir;
  std::string path = dir.File("store.sqlite");
  std::vector<SeededNotification> seeded;
  std::unique_ptr<HistoryQuery> query;

  explicit Fixture(int count, bool prepare_first = false) {
    if (prepare_first) {
      REQUIRE(sfn::connector::OpenSqliteStore({path}).ok());
      REQUIRE(PrepareHistorySchema({path}).ok());
    }
    seeded = history_seed::Seed(path, count);
    // Prepared after the rows exist: the FTS index must be backfilled.
    REQUIRE(PrepareHistorySchema({path}).ok());
    HistoryQueryOptions o;
    o.path = path;
    o.price_per_segment = {{"Main", 0.0079}, {"Alerts", 0.01}};
    auto q = HistoryQuery::Open(o);
    REQUIRE(q.ok());
    query = std::move(q.value());
  }

  std::vector<std::string> All(const HistoryFilter& filter, int page_size = 7) {
    std::vector<std::string> ids;
    std::string cursor;
    for (int guard = 0; guard < 1000; ++guard) {
      auto page = query->List(filter, cursor, page_size);
      REQUIRE(page.ok());
      for (const auto& item : page->items) ids.push_back(item.id);
      if (page->next_cursor.empty()) break;
      cursor = page->next_cursor;
    }
    return ids;
  }

  // Expected ids (newest first) of seeded notifications that satisfy `keep`.
  std::vector<std::string> Expected(const std::function<bool(const SeededNotification&)>& keep) {
    std::vector<const SeededNotification*> rows;
    for (const auto& s : seeded) {
      if (keep(s)) rows.push_back(&s);
    }
    std::sort(rows.begin(), rows.end(), [](auto* a, auto* b) {
      return a->created_ms != b->created_ms ? a->created_ms > b->created_ms : a->id > b->id;
    });
    std::vector<std::string> ids;
    for (auto* r : rows) ids.push_back(r->id);
    return ids;
  }
};

bool AnyRecipient(const SeededNotification& s,
                  const std::function<bool(const history_seed::SeededRecipient&)>& f) {
  return std::any_of(s.recipients.begin(), s.recipients.end(), f);
}

}  // namespace

TEST_CASE("history pages walk every notification once, newest first, ties broken by id",
          "[history]") {
  Fixture f(120);
  auto expected = f.Expected([](const SeededNotification&) { return true; });
  for (int page_size : {1, 7, 50, 500}) {
    auto ids = f.All({}, page_size);
    CHECK(ids == expected);
    CHECK(std::set<std::string>(ids.begin(), ids.end()).size() == ids.size());
  }
}

TEST_CASE("history pagination is stable while new notifications arrive", "[history]") {
  Fixture f(60);
  auto expected = f.Expected([](const SeededNotification&) { return true; });
  auto first = f.query->List({}, "", 10);
  REQUIRE(first.ok());
  REQUIRE(first->items.size() == 10);
  // New sends land between pages (created now, i.e. after every seeded row).
  auto more = history_seed::Seed(f.path, 8, 1000, sfn::timeutil::NowMillis());
  std::vector<std::string> ids;
  for (const auto& item : first->items) ids.push_back(item.id);
  std::string cursor = first->next_cursor;
  while (!cursor.empty()) {
    auto page = f.query->List({}, cursor, 10);
    REQUIRE(page.ok());
    for (const auto& item : page->items) ids.push_back(item.id);
    cursor = page->next_cursor;
  }
  CHECK(ids == expected);  // no duplicate, no gap, none of the newer rows in older pages
  auto fresh = f.query->List({}, "", 8);
  REQUIRE(fresh.ok());
  std::set<std::string> new_ids;
  for (const auto& s : more) new_ids.insert(s.id);
  for (const auto& item : fresh->items) CHECK(new_ids.count(item.id) == 1);
}

TEST_CASE("history filters return exactly the matching notifications", "[history]") {
  Fixture f(90, /*prepare_first=*/true);  // FTS kept in step by triggers
  using history_seed::SeededRecipient;
  using Keep = std::function<bool(const SeededNotification&)>;
  auto any = [](const SeededNotification& s, const std::function<bool(const SeededRecipient&)>& r) {
    return AnyRecipient(s, r);
  };
  std::vector<std::tuple<std::string, HistoryFilter, Keep>> cases;
  HistoryFilter h;
  h.contact_point = "Alerts";
  cases.emplace_back("contact point", h, [](auto& s) { return s.contact_point == "Alerts"; });
  h = {};
  h.requested_by = history_seed::kUsers[1];
  cases.emplace_back("requesting user", h,
                     [](auto& s) { return s.user == history_seed::kUsers[1]; });
  h = {};
  h.record_id = history_seed::Lead(4);
  cases.emplace_back("record id", h, [&](auto& s) {
    return any(s, [](const SeededRecipient& r) { return r.record_id == history_seed::Lead(4); });
  });
  h = {};
  h.phone_e164 = history_seed::Phone(7);
  cases.emplace_back("phone", h, [&](auto& s) {
    return any(s, [](const SeededRecipient& r) { return r.phone == history_seed::Phone(7); });
  });
  h = {};
  h.status = "refused";
  cases.emplace_back("notification status", h, [](auto& s) { return s.status == "refused"; });
  h = {};
  h.recipient_state = "failed";
  h.contact_point = "Main";
  cases.emplace_back("recipient state with contact point", h, [&](auto& s) {
    return s.contact_point == "Main" &&
           any(s, [](const SeededRecipient& r) { return r.state == "failed"; });
  });
  h = {};
  h.reason = "no_consent";
  cases.emplace_back("a recipient's reason", h, [&](auto& s) {
    return any(s, [](const SeededRecipient& r) { return r.reason == "no_consent"; });
  });
  h = {};
  h.reason = "not_permitted";
  cases.emplace_back("the refusal reason", h, [](auto& s) { return s.status == "refused"; });
  h = {};
  h.text = "invoice";
  cases.emplace_back("text in the body", h, [](auto& s) {
    return s.status != "refused" && s.message.find("invoice") != std::string::npos;
  });
  h = {};
  h.from_ms = history_seed::kBaseMs + 10 * history_seed::kMinute;
  h.to_ms = history_seed::kBaseMs + 20 * history_seed::kMinute;
  cases.emplace_back("time range", h, [from = h.from_ms, to = h.to_ms](auto& s) {
    return s.created_ms >= from && s.created_ms < to;
  });
  h = {};
  h.record_id = history_seed::Lead(1);
  h.recipient_state = "delivered";
  cases.emplace_back("record id and state of the same recipient", h, [&](auto& s) {
    return any(s, [](const SeededRecipient& r) {
      return r.record_id == history_seed::Lead(1) && r.state == "delivered";
    });
  });
  for (const auto& [name, filter, keep] : cases) {
    auto expected = f.Expected(keep);
    INFO(name << ": expected " << expected.size() << " notifications");
    CHECK_FALSE(expected.empty());
    CHECK(f.All(filter, 5) == expected);
  }
  HistoryFilter quotes;
  quotes.text = "Quarterly \"invoice";  // quotes are words, never FTS operators
  CHECK(f.query->List(quotes, "", 10).ok());
}

TEST_CASE("history summaries count recipients by state and segments sent", "[history]") {
  Fixture f(30);
  auto page = f.query->List({}, "", 500);
  REQUIRE(page.ok());
  std::map<std::string, const SeededNotification*> by_id;
  for (const auto& s : f.seeded) by_id[s.id] = &s;
  for (const auto& item : page->items) {
    const auto& s = *by_id.at(item.id);
    CHECK(item.recipients == static_cast<int>(s.recipients.size()));
    int segments = 0;
    std::map<std::string, int> states;
    for (const auto& r : s.recipients) {
      states[r.state]++;
      if (r.state != "suppressed") segments += r.segments;
    }
    CHECK(item.by_state == states);
    CHECK(item.segments == segments);
    CHECK(item.status == s.status);
  }
}

TEST_CASE("a bad cursor is refused", "[history]") {
  Fixture f(3);
  CHECK(f.query->List({}, "not-a-cursor!", 10).status().code() ==
        sfn::StatusCode::kInvalidArgument);
  CHECK(f.query->List({}, sfn::crypto::Base64UrlEncode("x:y"), 10).status().code() ==
        sfn::StatusCode::kInvalidArgument);
  auto c = DecodeHistoryCursor(EncodeHistoryCursor(1234, "ntf_ab:c"));
  REQUIRE(c.ok());
  CHECK(c->first == 1234);
  CHECK(c->second == "ntf_ab:c");
}

TEST_CASE("every filtered history page is served from an index", "[history]") {
  Fixture f(40);
  std::vector<std::pair<std::string, HistoryFilter>> filters;
  HistoryFilter h;
  filters.push_back({"none", h});
  h = {};
  h.contact_point = "Main";
  h.recipient_state = "failed";
  filters.push_back({"contact point + state", h});
  h = {};
  h.record_id = history_seed::Lead(2);
  filters.push_back({"record", h});
  h = {};
  h.phone_e164 = history_seed::Phone(2);
  filters.push_back({"phone", h});
  h = {};
  h.requested_by = history_seed::kUsers[0];
  h.from_ms = 1;
  h.to_ms = INT64_MAX;
  filters.push_back({"user + time", h});
  h = {};
  h.status = "done";
  filters.push_back({"status", h});
  h = {};
  h.reason = "opted_out";
  filters.push_back({"reason", h});
  h = {};
  h.text = "invoice";
  h.contact_point = "Main";
  filters.push_back({"text", h});
  h = {};
  h.requested_by_name = "Sam Sender";
  filters.push_back({"user name", h});
  h = {};
  h.record_name = "Wendy Webview";
  filters.push_back({"record name", h});
  h = {};
  h.visible_contact_points = std::vector<std::string>{"Main"};
  filters.push_back({"one visible contact point", h});
  h = {};
  h.visible_contact_points = std::vector<std::string>{"Main", "Alerts"};
  h.status = "done";
  filters.push_back({"visible contact points + status", h});
  h = {};
  h.visible_contact_points = std::vector<std::string>{"Main"};
  h.record_name = "Wendy Webview";
  filters.push_back({"visible contact point + record name", h});
  for (const auto& [name, filter] : filters) {
    auto plan = f.query->ExplainList(filter);
    REQUIRE(plan.ok());
    std::string all;
    for (const auto& line : plan.value()) all += line + "\n";
    INFO(name << " plan:\n" << all);
    for (const auto& line : plan.value()) {
      bool full_scan = line.rfind("SCAN ", 0) == 0 && line.find("USING") == std::string::npos &&
                       line.find("VIRTUAL TABLE") == std::string::npos;
      CHECK_FALSE(full_scan);
    }
  }
}

TEST_CASE("history detail lists recipients with timestamps and events", "[history]") {
  Fixture f(12);
  const SeededNotification* sample = nullptr;
  for (const auto& s : f.seeded) {
    if (s.recipients.size() == 3) sample = &s;
  }
  REQUIRE(sample);
  auto d = f.query->Detail(sample->id);
  REQUIRE(d.ok());
  REQUIRE(d->recipients.size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    CHECK(d->recipients[i].record_id == sample->recipients[i].record_id);
    CHECK(d->recipients[i].state == sample->recipients[i].state);
    CHECK(d->recipients[i].gateway_sid == sample->recipients[i].sid);
    if (!sample->recipients[i].sid.empty())
      CHECK(d->recipients[i].state_times.count("accepted") == 1);
  }
  CHECK_FALSE(d->events.empty());
  CHECK(f.query->Detail("ntf_missing").status().code() == sfn::StatusCode::kNotFound);
}

TEST_CASE("phone masking keeps the last four digits", "[history]") {
  CHECK(MaskPhone("+14155551234") == "+*******1234");
  CHECK(MaskPhone("") == "");
  CHECK(MaskPhone("123") == "123");
  CHECK(MaskPhonesInText("STOP from +14155551234 at 5") == "STOP from +*******1234 at 5");
  // Numbers typed into replies, in national formats too; dates, times and short numbers stay.
  CHECK(MaskPhonesInText("call (415) 555-0123 or 415.555.0124") ==
        "call (***) ***-0123 or ***.***.0124");
  CHECK(MaskPhonesInText("+44 20 7946 0958, ok?") == "+** ** **** 0958, ok?");
  CHECK(MaskPhonesInText("until=2026-12-04T19:00:00.000Z") == "until=2026-12-04T19:00:00.000Z");
  CHECK(MaskPhonesInText("2026-12-04 19:30, order 12345, room 7") ==
        "2026-12-04 19:30, order 12345, room 7");
}

TEST_CASE("usage sums messages, segments, billable units and cost per group", "[history][usage]") {
  Fixture f(45);
  const std::map<std::string, double> price = {{"Main", 0.0079}, {"Alerts", 0.01}};
  std::map<std::string, UsageRow> by_cp, by_user, by_day;
  for (const auto& s : f.seeded) {
    std::string day = sfn::timeutil::FormatDate(s.created_ms / 1000);
    for (UsageRow* row : {&by_cp[s.contact_point], &by_user[s.user], &by_day[day]}) {
      for (const auto& r : s.recipients) {
        if (!r.sid.empty()) {
          row->messages++;
          row->segments += r.segments;
          if (r.state != "failed") {
            row->billable_units += r.segments;
            row->estimated_cost += r.segments * price.at(s.contact_point);
          }
        }
        if (r.state == "failed") row->failed++;
        if (r.state == "suppressed") {
          row->suppressed++;
          row->suppressed_by_reason[r.reason]++;
        }
      }
    }
  }
  auto compare = [&](UsageGroupBy g, std::map<std::string, UsageRow>& expected) {
    auto report = f.query->Usage(history_seed::kBaseMs, history_seed::kBaseMs + 86400000LL * 30, g);
    REQUIRE(report.ok());
    std::map<std::string, UsageRow> actual;
    for (const auto& row : report->rows) actual[row.key] = row;
    for (auto& [key, e] : expected) {
      if (e.messages == 0 && e.suppressed == 0 && e.failed == 0) continue;
      INFO(UsageGroupByName(g) << " " << key);
      REQUIRE(actual.count(key) == 1);
      CHECK(actual[key].messages == e.messages);
      CHECK(actual[key].segments == e.segments);
      CHECK(actual[key].billable_units == e.billable_units);
      CHECK(actual[key].estimated_cost == Approx(e.estimated_cost));
      CHECK(actual[key].failed == e.failed);
      CHECK(actual[key].suppressed_by_reason == e.suppressed_by_reason);
    }
  };
  compare(UsageGroupBy::kContactPoint, by_cp);
  compare(UsageGroupBy::kUser, by_user);
  compare(UsageGroupBy::kDay, by_day);
  auto empty = f.query->Usage(0, history_seed::kBaseMs, UsageGroupBy::kDay);
  REQUIRE(empty.ok());
  CHECK(empty->rows.empty());
  CHECK(empty->total.messages == 0);
}

TEST_CASE("retention purges old finished notifications in batches and keeps the rest",
          "[history][retention]") {
  Fixture f(0);
  const int64_t now = history_seed::kBaseMs + 40LL * 86400000;
  auto old_rows = history_seed::Seed(f.path, 30, 0, history_seed::kBaseMs);  // 40 days old
  auto recent =
      history_seed::Seed(f.path, 10, 500, history_seed::kBaseMs + 39LL * 86400000);  // 1 day old
  // One old notification still waits for its final status: it must stay.
  std::string waiting = old_rows[1].id;
  {
    SQLite::Database db(f.path, SQLite::OPEN_READWRITE);
    SQLite::Statement u(db,
                        "UPDATE recipients SET state='sent', state_rank=4 WHERE notification_id=?");
    u.bind(1, waiting);
    REQUIRE(u.exec() > 0);
  }
  auto retention = Retention::Open({f.path, 30, 1000, 4, 3});
  REQUIRE(retention.ok());
  auto purged = (*retention)->PurgeOnce(now);
  REQUIRE(purged.ok());
  CHECK(purged->notifications == 29);
  int64_t old_recipients = 0;
  for (const auto& s : old_rows)
    old_recipients += s.id == waiting ? 0 : static_cast<int64_t>(s.recipients.size());
  CHECK(purged->recipients == old_recipients);
  CHECK(purged->history > 0);

  HistoryFilter all;
  auto left = f.All(all, 100);
  std::set<std::string> left_set(left.begin(), left.end());
  CHECK(left.size() == recent.size() + 1);
  CHECK(left_set.count(waiting) == 1);
  for (const auto& s : recent) CHECK(left_set.count(s.id) == 1);
  // The text index forgot the purged bodies too.
  HistoryFilter text;
  text.text = "invoice";
  for (const auto& id : f.All(text, 100)) CHECK(left_set.count(id) == 1);
  SQLite::Database db(f.path, SQLite::OPEN_READONLY);
  CHECK(db.execAndGet("SELECT COUNT(*) FROM history WHERE notification_id NOT IN (SELECT id FROM "
                      "notifications)")
            .getInt() == 0);
  auto again = (*retention)->PurgeOnce(now);
  REQUIRE(again.ok());
  CHECK(again->notifications == 0);
  CHECK((*retention)->totals().notifications == 29);
  CHECK((*retention)->Metrics().find("sfnotify_history_purged_total{kind=\"notifications\"} 29") !=
        std::string::npos);
  // retention_days 0 keeps everything.
  auto keep = Retention::Open({f.path, 0});
  REQUIRE(keep.ok());
  CHECK((*keep)->PurgeOnce(now + 1000LL * 86400000)->notifications == 0);
}

TEST_CASE("names kept with the outbox rows are shown and filtered on, any case",
          "[history][names]") {
  sfn::test::TempDir dir;
  std::string path = dir.File("store.sqlite");
  auto store = OpenSqliteStore({path});
  REQUIRE(store.ok());
  NotificationRequest req;
  req.request_id = "named-1";
  req.contact_point = "Main";
  req.requested_by = history_seed::kUsers[0];
  req.source = "api";
  req.message = "Hello";
  req.record_ids = {history_seed::Lead(1)};
  auto intake = (*store)->Intake(req);
  REQUIRE(intake.ok());
  REQUIRE((*store)->SetRequesterName(intake->notification_id, "Sam Sender").ok());
  RecipientPlan plan;
  plan.record_id = history_seed::Lead(1);
  plan.object_type = "Lead";
  plan.record_name = "Wendy Webview";
  plan.state = RecipientState::kSuppressed;
  plan.reason = "no_consent";
  REQUIRE((*store)->SaveRecipients(intake->notification_id, {plan}).ok());
  CHECK((*store)->GetNotification(intake->notification_id)->requested_by_name == "Sam Sender");
  CHECK((*store)->Recipients(intake->notification_id).front().plan.record_name == "Wendy Webview");

  REQUIRE(PrepareHistorySchema({path}).ok());
  HistoryQueryOptions query_options;
  query_options.path = path;
  auto query = HistoryQuery::Open(query_options);
  REQUIRE(query.ok());
  auto detail = (*query)->Detail(intake->notification_id);
  REQUIRE(detail.ok());
  CHECK(detail->summary.requested_by_name == "Sam Sender");
  CHECK(detail->recipients.front().record_name == "Wendy Webview");
  HistoryFilter by_user;
  by_user.requested_by_name = "sam sender";
  CHECK((*query)->List(by_user, "", 10)->items.size() == 1);
  HistoryFilter by_record;
  by_record.record_name = "WENDY WEBVIEW";
  CHECK((*query)->List(by_record, "", 10)->items.size() == 1);
  by_record.record_name = "Wendy";  // whole names only
  CHECK((*query)->List(by_record, "", 10)->items.empty());
  HistoryFilter hidden;
  hidden.visible_contact_points = std::vector<std::string>{"Alerts"};
  CHECK((*query)->List(hidden, "", 10)->items.empty());
  hidden.visible_contact_points = std::vector<std::string>{};
  CHECK((*query)->List(hidden, "", 10)->items.empty());
  auto usage = (*query)->Usage(0, INT64_MAX, UsageGroupBy::kContactPoint,
                               std::vector<std::string>{"Alerts"});
  REQUIRE(usage.ok());
  CHECK(usage->rows.empty());
}

TEST_CASE("a store from before names were kept opens, gains the columns and shows its Ids",
          "[history][names]") {
  sfn::test::TempDir dir;
  std::string path = dir.File("store.sqlite");
  auto seeded = history_seed::Seed(path, 6);
  {
    // Turn it into a store of the earlier release: no name columns.
    SQLite::Database db(path, SQLite::OPEN_READWRITE);
    db.exec("ALTER TABLE recipients DROP COLUMN record_name");
    db.exec("ALTER TABLE notifications DROP COLUMN requested_by_name");
    db.exec("DROP TABLE web_sessions");
  }
  auto store = OpenSqliteStore({path});
  REQUIRE(store.ok());
  REQUIRE(PrepareHistorySchema({path}).ok());
  HistoryQueryOptions query_options;
  query_options.path = path;
  auto query = HistoryQuery::Open(query_options);
  REQUIRE(query.ok());
  auto page = (*query)->List({}, "", 50);
  REQUIRE(page.ok());
  CHECK(page->items.size() == seeded.size());
  for (const auto& item : page->items) CHECK(item.requested_by_name.empty());
  auto detail = (*query)->Detail(seeded[0].id);
  REQUIRE(detail.ok());
  for (const auto& r : detail->recipients) {
    CHECK(r.record_name.empty());
    CHECK_FALSE(r.record_id.empty());
  }
  // The store works on: sessions too.
  WebSession session;
  session.id_hash = "h";
  session.user_id = history_seed::kUsers[0];
  session.expires_ms = INT64_MAX;
  REQUIRE((*store)->CreateWebSession(session).ok());
  CHECK((*store)->FindWebSession("h", 0).has_value());
}
