// Read side of the view history: the notifications list (filters, keyset
// pagination), one notification's detail, and usage/billing aggregates, read
// from the store's SQLite file through a connection of its own. WAL lets these
// reads run while the sender writes; nothing here takes the store's lock.
//
// PrepareHistorySchema() must run once at startup (before the engine writes):
// it adds the indexes the list needs (every filtered first page is served from
// an index, see docs/history.md) and, optionally, an FTS5 index over the
// rendered message bodies kept in step by triggers. It never alters the
// store's own tables.
//
// HistoryQuery is thread-safe (calls are serialised on its connection).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "connector/compliance/phone_mask.h"  // MaskPhone

namespace SQLite {
class Database;
}

namespace sfn::connector {

struct HistorySchemaOptions {
  std::string path;              // the store's SQLite file
  bool full_text_search = true;  // FTS5 over recipients.body (triggers + backfill of existing rows)
  int busy_timeout_ms = 5000;
};
Status PrepareHistorySchema(const HistorySchemaOptions& options);

// Filters of GET /v1/history. Empty / zero fields do not filter.
struct HistoryFilter {
  int64_t from_ms = 0;  // created at or after
  int64_t to_ms = 0;    // created before
  std::string contact_point;
  std::string requested_by;     // Salesforce User Id (18)
  std::string requested_by_name;  // the requesting User's Name (case-insensitive, whole name)
  std::string record_id;        // Lead/Contact Id (18): notifications that included it
  std::string record_name;      // a Lead/Contact Name (case-insensitive, whole name): notifications
                                // that included it
  std::string phone_e164;       // notifications sent to this number
  std::string status;           // notification status (received|refused|sending|done)
  std::string recipient_state;  // notifications with at least one recipient in this state
  std::string reason;           // suppression/failure reason of a recipient, or the refusal reason
  std::string text;             // words in the rendered body (FTS5 query syntax is not exposed)
  // Who is looking (visibility.h): when set, only these contact points' notifications (none when
  // empty).
  std::optional<std::vector<std::string>> visible_contact_points;
};

// Opaque keyset cursor: the (created_ms, id) of the last row of a page.
std::string EncodeHistoryCursor(int64_t created_ms, const std::string& id);
Result<std::pair<int64_t, std::string>> DecodeHistoryCursor(const std::string& cursor);

struct NotificationSummary {
  std::string id;
  std::string request_id;
  std::string contact_point;
  std::string requested_by;
  std::string requested_by_name;  // "" for notifications stored before names were kept
  std::string source;
  std::string message;
  std::string template_name;
  std::string campaign_id;
  std::string status;
  std::string refusal_reason;
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
  int recipients = 0;
  int segments = 0;  // segments of recipients that reached the gateway
  int responded = 0;
  std::map<std::string, int> by_state;
};

struct HistoryPage {
  std::vector<NotificationSummary> items;
  std::string next_cursor;  // empty on the last page
};

struct RecipientDetail {
  int64_t id = 0;
  std::string record_id;
  std::string record_name;  // "" for rows stored before names were kept
  std::string object_type;
  std::string phone_e164;  // unmasked: callers mask for their audience
  std::string state;
  std::string reason;
  int segments = 0;
  std::string encoding;
  std::string body;
  std::string gateway_sid;
  int error_code = 0;
  std::string task_id;
  std::string task_state;
  bool responded = false;
  std::string reply;  // latest reply text, when one was recorded
  int64_t created_ms = 0, last_attempt_ms = 0, updated_ms = 0;
  std::map<std::string, int64_t> state_times;  // first time each state was reached
};

struct HistoryEvent {
  int64_t at_ms = 0;
  int64_t recipient_id = 0;
  std::string kind, state, detail;
};

struct NotificationDetail {
  NotificationSummary summary;
  std::vector<RecipientDetail> recipients;
  std::vector<HistoryEvent> events;
};

enum class UsageGroupBy { kContactPoint, kUser, kDay };
std::optional<UsageGroupBy> ParseUsageGroupBy(const std::string& text);
const char* UsageGroupByName(UsageGroupBy g);

// One row of a usage report. A message counts when the gateway took it
// (it has a message SID). Billable units are the segments of those messages
// that did not end `failed` (gateways do not bill refused or failed sends;
// undelivered ones are billed).
struct UsageRow {
  std::string key;  // contact point, user id, or YYYY-MM-DD (UTC)
  std::string name;  // group_by user: the user's Name when the history kept it
  int64_t messages = 0;
  int64_t segments = 0;
  int64_t billable_units = 0;
  double estimated_cost = 0;  // billable units × price per segment of the contact point
  int64_t failed = 0;
  int64_t suppressed = 0;
  std::map<std::string, int64_t> suppressed_by_reason;
};

struct UsageReport {
  int64_t from_ms = 0, to_ms = 0;
  UsageGroupBy group_by = UsageGroupBy::kContactPoint;
  std::vector<UsageRow> rows;  // sorted by key
  UsageRow total;              // key "total"
};

struct HistoryQueryOptions {
  std::string path;  // the store's SQLite file
  int busy_timeout_ms = 5000;
  bool full_text_search = true;                     // text filter uses FTS5 (else LIKE over bodies)
  std::map<std::string, double> price_per_segment;  // by contact point
};

class HistoryQuery {
 public:
  static Result<std::unique_ptr<HistoryQuery>> Open(HistoryQueryOptions options);
  ~HistoryQuery();

  // Newest first, (created_ms DESC, id DESC); `limit` is clamped to 1..500.
  // A bad cursor is kInvalidArgument.
  Result<HistoryPage> List(const HistoryFilter& filter, const std::string& cursor, int limit);
  // kNotFound when there is no such notification.
  Result<NotificationDetail> Detail(const std::string& notification_id);
  // Recipients created in [from_ms, to_ms); with `contact_points`, only theirs.
  Result<UsageReport> Usage(
      int64_t from_ms, int64_t to_ms, UsageGroupBy group_by,
      const std::optional<std::vector<std::string>>& contact_points = std::nullopt);
  // The SQLite query plan List() uses for `filter` (one line per step), for tests.
  Result<std::vector<std::string>> ExplainList(const HistoryFilter& filter);

 private:
  explicit HistoryQuery(HistoryQueryOptions options);
  struct Sql;
  Sql BuildListSql(const HistoryFilter& filter, bool with_cursor, int limit) const;

  HistoryQueryOptions options_;
  std::mutex mu_;
  std::unique_ptr<SQLite::Database> db_;
};

}  // namespace sfn::connector
