// The SQLite store's class, shared by the files that implement it table by
// table (sqlite_store.cc opens the database and owns the schema order; each
// sqlite_*.cc holds the queries of the tables one stage owns). Private to
// outbox/: everything else uses store.h and OpenSqliteStore.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <mutex>
#include <string>
#include <vector>

#include "connector/outbox/store.h"

namespace sfn::connector::sqlite {

// Each table's DDL, defined in the file that owns the table; run in this order.
extern const char* const kNotificationsSchema;    // notifications
extern const char* const kRecipientsSchema;       // recipients
extern const char* const kHistorySchema;          // history
extern const char* const kEarlyStatusesSchema;    // early_statuses
extern const char* const kOptOutSyncSchema;       // opt_out_sync
extern const char* const kInboundMessagesSchema;  // inbound_messages
extern const char* const kSuppressionsSchema;     // suppressions
extern const char* const kEventChunksSchema;      // event_chunks
extern const char* const kWebhookInboxSchema;     // webhook_inbox
extern const char* const kWebSessionsSchema;      // web_sessions

NotificationStatus ParseNotificationStatus(const std::string& s);
std::string JoinIds(const std::vector<std::string>& ids);
std::vector<std::string> SplitIds(const std::string& text);

inline constexpr const char* kRecipientColumns =
    "id, notification_id, contact_point, record_id, object_type, owner_id, phone_raw, phone_e164, "
    "time_zone, body, "
    "encoding, units, segments, state, reason, deferred_until_ms, attempts, last_attempt_ms, "
    "next_attempt_ms, "
    "gateway_sid, error_code, task_id, task_state, responded, updated_ms, merge_json, record_name, created_ms";
RecipientRow ReadRecipient(SQLite::Statement& q);

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(const SqliteStoreOptions& options);
  void AddColumnIfMissing(const std::string& table, const std::string& column,
                          const std::string& type);
  Result<IntakeResult> Intake(const NotificationRequest& request) override;
  Result<IntakeResult> IntakeRefused(const NotificationRequest& request,
                                     const std::string& reason) override;
  Result<ChunkIntakeResult> AddChunk(const NotificationRequest& chunk,
                                     int64_t received_ms) override;
  std::vector<std::string> ChunkedRequestsDue(int64_t first_before_ms) override;
  Result<std::optional<IntakeResult>> JoinChunks(
      const std::string& request_id,
      const std::function<std::string(const JoinedRequest&)>& refusal_for) override;
  Status Refuse(const std::string& notification_id, const std::string& reason) override;
  Status SetRequesterName(const std::string& notification_id, const std::string& name) override;
  Status SaveRecipients(const std::string& notification_id,
                        const std::vector<RecipientPlan>& plans) override;
  std::vector<NotificationRow> NotificationsInStatus(NotificationStatus status,
                                                     size_t limit) override;
  Result<NotificationRow> GetNotification(const std::string& notification_id) override;
  std::optional<std::string> NotificationIdForRequest(const std::string& request_id) override;
  std::vector<RecipientRow> Recipients(const std::string& notification_id) override;
  std::vector<StateCount> CountByState(const std::string& notification_id) override;
  Result<RecipientRow> GetRecipient(int64_t recipient_id) override;
  int ReleaseDeferred(int64_t now_ms) override;
  std::vector<RecipientRow> DuePending(int64_t now_ms, size_t limit) override;
  Result<bool> BeginAttempt(int64_t recipient_id, int64_t now_ms) override;
  Result<std::vector<int64_t>> BeginAttempts(const std::vector<int64_t>& ids,
                                             int64_t now_ms) override;
  Status RecordAttempts(const std::vector<std::pair<int64_t, AttemptResult>>& results,
                        int64_t now_ms) override;
  Status RecordAttempt(int64_t recipient_id, const AttemptResult& result, int64_t now_ms) override;
  std::vector<RecipientRow> InFlight(size_t limit) override;
  std::vector<RecipientRow> AwaitingFinalStatus(int64_t sent_after_ms, int64_t sent_before_ms,
                                                int64_t after_id, size_t limit) override;
  Status SuppressPending(int64_t recipient_id, const std::string& reason) override;
  Result<bool> ApplyGatewayStatus(const std::string& sid, RecipientState state, int error_code,
                                  const std::string& raw_status) override;
  // Status callbacks that arrived before their SID was recorded, applied in arrival order.
  void ApplyEarlyStatusesLocked(const std::string& sid, int64_t id, const std::string& nid,
                                int rank, int64_t now);
  // Records one gateway status event for a known recipient; forward-only.
  bool ApplyGatewayStatusLocked(const std::string& sid, RecipientState state, int error_code,
                                const std::string& raw_status, int64_t now);
  bool ApplyStatusLocked(int64_t id, const std::string& nid, int rank, RecipientState state,
                         int error_code, const std::string& raw_status, int64_t now);
  Status ApplyGatewayStatuses(const std::vector<GatewayStatus>& statuses) override;
  Result<RecipientRow> RecipientBySid(const std::string& sid) override;
  std::optional<RecipientRow> LatestSentTo(const std::string& phone,
                                           const std::string& contact_point) override;
  bool SendsUnderWay() override;
  std::vector<RecipientRow> TasksToWrite(size_t limit) override;
  Status MarkTasksInFlight(const std::vector<int64_t>& ids) override;
  std::vector<RecipientRow> TasksInFlight(size_t limit) override;
  Status RecordTaskOutcomes(const std::vector<TaskOutcome>& outcomes) override;
  bool IsSuppressed(const std::string& phone, const std::string& contact_point) override;
  Status AddSuppression(const std::string& phone, const std::string& contact_point,
                        const std::string& reason) override;
  Status RemoveSuppression(const std::string& phone, const std::string& contact_point) override;
  std::vector<OptOutSync> PendingOptOutSyncs(size_t limit) override;
  Status CompleteOptOutSync(int64_t id) override;
  std::vector<std::pair<std::string, std::string>> Suppressions() override;
  Result<bool> RecordInbound(const InboundMessage& m) override;
  bool InboundSeen(const std::string& sid) override;
  Status MarkResponded(int64_t recipient_id, const std::string& detail) override;
  std::vector<Conversation> Conversations(size_t limit, int64_t before_id) override;
  Result<bool> EnqueueWebhook(const WebhookItem& item) override;
  std::vector<WebhookItem> DueWebhooks(int64_t now_ms, size_t limit) override;
  Status SetWebhookProgress(int64_t id, const std::string& progress) override;
  Status RetryWebhook(int64_t id, int64_t next_attempt_ms, const std::string& error) override;
  Status FinishWebhooks(const std::vector<std::pair<int64_t, std::string>>& outcomes) override;
  int64_t PendingWebhooks() override;
  std::vector<TaskStatusUpdate> TaskStatusUpdates(size_t limit) override;
  Status MarkTaskStatusSynced(const std::vector<TaskStatusUpdate>& updates) override;
  Status CompleteIfFinished(const std::string& notification_id) override;
  std::vector<HistoryEntry> History(const std::string& notification_id) override;
  Status AppendHistory(const HistoryEntry& entry) override;
  StoreCounters Counters() override;
  Status CreateWebSession(const WebSession& session) override;
  std::optional<WebSession> FindWebSession(const std::string& id_hash, int64_t now_ms) override;
  Status DeleteWebSession(const std::string& id_hash) override;
  int PurgeWebSessions(int64_t now_ms) override;

 private:
  static constexpr const char* kNotificationSelect =
      "SELECT id, request_id, contact_point, requested_by, source, message, template_name, "
      "record_ids, "
      "campaign_id, replay_id, status, refusal_reason, created_ms, updated_ms, requested_by_name "
      "FROM "
      "notifications";
  static NotificationRow ReadNotification(SQLite::Statement& q);
  // Intake inside a transaction; `notes` (kind, state, detail) are history rows written after
  // the intake row of a new notification; a non-empty `refusal` refuses it in the same transaction.
  Result<IntakeResult> IntakeLocked(const NotificationRequest& request, const std::string& refusal,
                                    const std::vector<HistoryEntry>& notes = {});
  // Runs fn inside BEGIN IMMEDIATE ... COMMIT under the mutex; rolls back on error.
  template <typename T, typename Fn>
  Result<T> Write(Fn&& fn) {
    std::lock_guard<std::mutex> lock(mu_);
    try {
      db_.exec("BEGIN IMMEDIATE");
      Result<T> result = fn();
      if (result.ok()) {
        db_.exec("COMMIT");
      } else {
        db_.exec("ROLLBACK");
      }
      return result;
    } catch (const std::exception& e) {
      try {
        db_.exec("ROLLBACK");
      } catch (...) {
      }
      return Status::IOError(std::string("store: ") + e.what());
    }
  }
  template <typename Fn>
  Status WriteStatus(Fn&& fn) {
    auto r = Write<bool>([&]() -> Result<bool> {
      Status s = fn();
      if (!s.ok()) return s;
      return true;
    });
    return r.status();
  }
  template <typename Bind>
  std::vector<RecipientRow> SelectRecipients(const std::string& where, Bind&& bind) {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<RecipientRow> out;
    SQLite::Statement q(db_,
                        std::string("SELECT ") + kRecipientColumns + " FROM recipients " + where);
    bind(q);
    while (q.executeStep()) out.push_back(ReadRecipient(q));
    return out;
  }
  bool BeginAttemptLocked(int64_t recipient_id, int64_t now_ms);
  // Returns the recipient's notification id (for the caller's completion check).
  std::string RecordAttemptLocked(int64_t recipient_id, const AttemptResult& result,
                                  int64_t now_ms);
  std::optional<RecipientRow> GetRecipientLocked(int64_t id);
  std::string NotificationOf(int64_t recipient_id);
  void InsertHistory(const HistoryEntry& e);
  void AddSuppressionLocked(const std::string& phone, const std::string& contact_point,
                            const std::string& reason, int64_t now);
  void QueueOptOutSyncLocked(const std::string& phone, const std::string& contact_point,
                             bool opted_out, const std::string& reason, int64_t now);
  void CompleteIfFinishedLocked(const std::string& notification_id, int64_t now);
  std::mutex mu_;
  SQLite::Database db_;
  std::mutex reader_mu_;
  SQLite::Database reader_;  // read-only, for the hot pre-send check
};

}  // namespace sfn::connector::sqlite
