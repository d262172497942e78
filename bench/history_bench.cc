// View-history first-page latency at 1M and 10M recipient rows.
//
// Builds a store with the connector's own schema (OpenSqliteStore) and history
// indexes (PrepareHistorySchema), bulk-loads notifications and recipients with
// realistic shapes (most sends go to one person, some to lists, a few to
// campaigns; skewed users and contact points; ~85% delivered, a few percent
// failed/undelivered, ~8% suppressed), then times HistoryQuery::List for the
// first page (50 rows, with the per-state counts the API returns) for common
// filters. The 10M store is the 1M store grown in place.
//
// Usage: history_bench [--sizes 1000000,10000000] [--queries 200] [--dir DIR]
// Notes: the page cache is warm (the rows were just written), as on a busy
// connector; history rows (the event log) and the FTS5 text index are not
// loaded because no list filter timed here reads them.
#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "common/time_util.h"
#include "connector/history/history_query.h"
#include "connector/outbox/store.h"
#include "salesforce/record_id.h"

using namespace sfn::connector;

namespace {

constexpr int kRecordPool = 1000000;  // distinct Leads/Contacts
constexpr int kUsers = 200;
const char* kContactPoints[] = {"Main",   "Main",   "Main",    "Main",
                                "Alerts", "Alerts", "Billing", "Support"};
constexpr int64_t kDayMs = 86400000;

uint64_t Mix(uint64_t x) {  // splitmix64: cheap, deterministic "randomness"
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

std::string RecordId(uint64_t k) {
  return sfn::salesforce::MakeId(k % 3 ? "00Q" : "003", 1000000 + k);
}
std::string Phone(uint64_t k) {
  return "+1" + std::to_string(2000000000ULL + k * 7919 % 7000000000ULL);
}
std::string UserId(uint64_t u) {
  return sfn::salesforce::MakeId("005", 5000 + u);
}

struct Loader {
  SQLite::Database& db;
  uint64_t notifications = 0;
  uint64_t recipients = 0;
  int64_t start_ms;
  int64_t last_created_ms = 0;

  // Adds notifications until the store holds `target` recipients.
  void GrowTo(uint64_t target) {
    SQLite::Statement n(
        db,
        "INSERT INTO notifications (id, request_id, fingerprint, contact_point, requested_by, "
        "source, "
        "message, template_name, record_ids, campaign_id, replay_id, status, refusal_reason, "
        "created_ms, updated_ms) VALUES (?,?,'',?,?,'event',?,'','','',0,?,?,?,?)");
    SQLite::Statement r(
        db,
        "INSERT OR IGNORE INTO recipients (notification_id, contact_point, record_id, object_type, "
        "owner_id, "
        "phone_raw, phone_e164, time_zone, body, encoding, units, segments, state, state_rank, "
        "reason, "
        "gateway_sid, error_code, task_id, task_state, created_ms, updated_ms, last_attempt_ms) "
        "VALUES (?,?,?,?,'',?,?,'America/New_York',?,'GSM-7',?,?,?,?,?,?,?,?,?,?,?,?)");
    while (recipients < target) {
      db.exec("BEGIN");
      for (int chunk = 0; chunk < 2000 && recipients < target; ++chunk) {
        uint64_t i = notifications++;
        uint64_t h = Mix(i);
        char id[40];
        std::snprintf(id, sizeof id, "ntf_%016llx%08llx", static_cast<unsigned long long>(h),
                      static_cast<unsigned long long>(i & 0xffffffff));
        // 60% one recipient, 30% a list of 2-30, 10% a campaign of 30-130.
        int shape = static_cast<int>(h % 100);
        uint64_t size = shape < 60 ? 1 : shape < 90 ? 2 + (h >> 8) % 29 : 30 + (h >> 8) % 101;
        size = std::min<uint64_t>(size, target - recipients);
        std::string cp = kContactPoints[(h >> 20) % 8];
        double u = static_cast<double>((h >> 24) % 10000) / 10000.0;
        std::string user = UserId(static_cast<uint64_t>(u * u * kUsers));  // a few users send most
        int64_t created =
            start_ms + static_cast<int64_t>(i) * 20000 + static_cast<int64_t>((h >> 40) % 20000);
        last_created_ms = created;
        bool refused = (h >> 12) % 200 == 0;
        std::string body = "Hi {{name}}, your appointment with Acme Dental is on " +
                           sfn::timeutil::FormatDate(created / 1000 + 86400) +
                           ". Reply STOP to opt out.";
        n.reset();
        n.bind(1, id);
        n.bind(2, std::string("req-") + id);
        n.bind(3, cp);
        n.bind(4, user);
        n.bind(5, body);
        n.bind(6, refused ? "refused" : "done");
        n.bind(7, refused ? "not_permitted" : "");
        n.bind(8, created);
        n.bind(9, created);
        n.exec();
        if (refused) continue;
        for (uint64_t k = 0; k < size; ++k) {
          uint64_t rh = Mix(h + k * 0x51);
          uint64_t record = rh % kRecordPool;
          int roll = static_cast<int>((rh >> 32) % 1000);
          const char* state = roll < 850   ? "delivered"
                              : roll < 880 ? "undelivered"
                              : roll < 900 ? "failed"
                              : roll < 920 ? "sent"
                                           : "suppressed";
          const char* reason = "";
          if (roll >= 920)
            reason = roll < 960 ? "no_consent" : roll < 985 ? "opted_out" : "invalid_phone";
          if (roll >= 880 && roll < 900) reason = "gateway_21610";
          bool has_sid = roll < 920;
          int segments = 1 + static_cast<int>((rh >> 16) % 10 == 0);
          r.reset();
          r.bind(1, id);
          r.bind(2, cp);
          r.bind(3, RecordId(record));
          r.bind(4, record % 3 ? "Lead" : "Contact");
          r.bind(5, Phone(record));
          r.bind(6, Phone(record));
          r.bind(7, body);
          r.bind(8, 120 * segments);
          r.bind(9, segments);
          r.bind(10, state);
          r.bind(11, roll < 920 && roll >= 900 ? 4 : 9);
          r.bind(12, reason);
          r.bind(13, has_sid ? "SM" + std::to_string(rh) : std::string());
          r.bind(14, roll >= 850 && roll < 900 ? 30003 : 0);
          r.bind(15, has_sid ? "00T" + std::to_string(rh % 1000000000) : std::string());
          r.bind(16, has_sid ? "written" : "none");
          r.bind(17, created);
          r.bind(18, created + 5000);
          r.bind(19, has_sid ? created : 0);
          if (r.exec() == 1) ++recipients;
        }
      }
      db.exec("COMMIT");
    }
  }
};

struct Figures {
  double median_ms, p99_ms;
  double rows;
};

Figures Time(int queries, const std::function<int(int)>& run) {
  std::vector<double> ms;
  double rows = 0;
  for (int q = 0; q < queries; ++q) {
    auto t0 = std::chrono::steady_clock::now();
    rows += run(q);
    auto t1 = std::chrono::steady_clock::now();
    ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  auto at = [&](double p) {
    return ms[std::min(ms.size() - 1, static_cast<size_t>(p * static_cast<double>(ms.size())))];
  };
  return {at(0.5), at(0.99), rows / queries};
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<uint64_t> sizes = {1000000, 10000000};
  int queries = 200;
  std::string dir;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--sizes") {
      sizes.clear();
      std::string list = argv[i + 1];
      size_t pos = 0;
      while (pos < list.size()) {
        size_t comma = list.find(',', pos);
        sizes.push_back(std::stoull(list.substr(pos, comma - pos)));
        if (comma == std::string::npos) break;
        pos = comma + 1;
      }
    } else if (a == "--queries") {
      queries = std::atoi(argv[i + 1]);
    } else if (a == "--dir") {
      dir = argv[i + 1];
    }
  }
  if (dir.empty()) {
    char tmpl[] = "/tmp/sfn-history-bench-XXXXXX";
    if (!mkdtemp(tmpl)) return 1;
    dir = tmpl;
  }
  std::string path = dir + "/history.sqlite";
  {
    auto store = OpenSqliteStore({path});  // the connector's own schema
    if (!store.ok()) {
      std::fprintf(stderr, "%s\n", store.status().message().c_str());
      return 1;
    }
  }
  auto prepared = PrepareHistorySchema({path, /*full_text_search=*/false});
  if (!prepared.ok()) {
    std::fprintf(stderr, "%s\n", prepared.message().c_str());
    return 1;
  }
  SQLite::Database db(path, SQLite::OPEN_READWRITE);
  db.exec("PRAGMA synchronous=OFF");  // a bulk load, not the engine's durability
  db.exec("PRAGMA cache_size=-2000000");
  Loader loader{db, 0, 0, sfn::timeutil::NowMillis() - 180 * kDayMs};

  std::printf(
      "history_bench: first page (50 rows + per-state counts) via HistoryQuery::List, %d queries "
      "each\n",
      queries);
  std::printf("%-12s %-28s %10s %10s %10s\n", "recipients", "filter", "median_ms", "p99_ms",
              "rows/page");
  for (uint64_t size : sizes) {
    auto t0 = std::chrono::steady_clock::now();
    loader.GrowTo(size);
    db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    auto query = HistoryQuery::Open({path, 5000, false, {}});
    if (!query.ok()) return 1;
    auto list = [&](const HistoryFilter& f) {
      auto page = (*query)->List(f, "", 50);
      if (!page.ok()) {
        std::fprintf(stderr, "query failed: %s\n", page.status().message().c_str());
        std::exit(1);
      }
      return static_cast<int>(page->items.size());
    };
    // Record ids and phones of existing recipients (a user looks up someone who was messaged).
    std::vector<std::string> sample_records, sample_phones;
    {
      SQLite::Statement pick(db, "SELECT record_id, phone_e164 FROM recipients WHERE id = ?");
      for (int q = 0; q < queries; ++q) {
        pick.reset();
        pick.bind(1, static_cast<int64_t>(1 + Mix(q + 4242) % loader.recipients));
        if (pick.executeStep()) {
          sample_records.push_back(pick.getColumn(0).getString());
          sample_phones.push_back(pick.getColumn(1).getString());
        }
      }
    }
    if (sample_records.empty()) return 1;
    const char* states[] = {"failed", "undelivered", "suppressed", "delivered"};
    struct Case {
      const char* name;
      std::function<HistoryFilter(int)> make;
    } cases[] = {
        {"none (newest first)", [](int) { return HistoryFilter{}; }},
        {"contact point + status",
         [&](int q) {
           HistoryFilter f;
           f.contact_point = kContactPoints[Mix(q) % 8];
           f.recipient_state = states[q % 4];
           return f;
         }},
        {"record id",
         [&](int q) {
           HistoryFilter f;
           f.record_id = sample_records[static_cast<size_t>(q) % sample_records.size()];
           return f;
         }},
        {"phone",
         [&](int q) {
           HistoryFilter f;
           f.phone_e164 = sample_phones[static_cast<size_t>(q) % sample_phones.size()];
           return f;
         }},
        {"user + last 7 days",
         [&](int q) {
           HistoryFilter f;
           f.requested_by = UserId(Mix(q) % 20);
           f.from_ms = loader.last_created_ms - 7 * kDayMs;
           return f;
         }},
    };
    for (auto& c : cases) {
      Figures fig = Time(queries, [&](int q) { return list(c.make(q)); });
      std::printf("%-12llu %-28s %10.3f %10.3f %10.1f\n", static_cast<unsigned long long>(size),
                  c.name, fig.median_ms, fig.p99_ms, fig.rows);
    }
    std::printf("%-12llu (%llu notifications; loaded in %.0f s)\n",
                static_cast<unsigned long long>(size),
                static_cast<unsigned long long>(loader.notifications), load_s);
    std::fflush(stdout);
  }
  std::string cleanup = "rm -rf '" + dir + "'";
  if (std::system(cleanup.c_str()) != 0) std::fprintf(stderr, "could not remove %s\n", dir.c_str());
  return 0;
}
