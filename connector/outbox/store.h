// The outbox and view-history store: one row per notification, one per
// (notification, recipient), an append-only history of every state change, the
// suppression list and the Task write-back queue. Every state change and its
// history row are written in one transaction, so the history never disagrees
// with the outbox, and a crash at any point leaves a state from which the
// engine resumes without a second send.
//
// `Store` is the seam (SQLite now, PostgreSQL when several connector nodes
// share one store); all methods are thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "connector/outbox/recipient_state.h"

namespace sfn::connector {

struct NotificationRequest {
  std::string request_id;     // idempotency key (from the event or the API caller)
  std::string contact_point;
  std::string requested_by;   // Salesforce User Id (18)
  std::string source;         // "event" | "api"
  std::string message;        // literal text, or empty when a template is named
  std::string template_name;
  std::vector<std::string> record_ids;  // 18-char Lead/Contact ids
  std::string campaign_id;
  int64_t replay_id = 0;      // for events
  // Not part of the fingerprint nor stored with the notification:
  int chunk_index =
      0;  // events: Chunk_Index__c (1-based) of a request split over events; 0 = whole
  int chunk_count = 0;           // events: Chunk_Count__c; 0 or 1 = not split
  int64_t event_created_ms = 0;  // events: CreatedDate as Salesforce sent it
  std::string api_key;  // api: name of the key that sent it (recorded in the intake history row)
};

// One chunk of a split request as held until its siblings arrived.
struct ChunkIntakeResult {
  bool duplicate = false;  // this chunk was already taken (a redelivered event); nothing changed
  bool late = false;  // its request was already joined without it; the caller decides what to do
  int chunks_present = 0;  // chunks of the request now held (incl. this one)
};

struct JoinedRequest {
  NotificationRequest request;      // record ids of every chunk held, in chunk order
  std::vector<int> missing;         // chunk indexes that never arrived
  int64_t oldest_event_age_ms = 0;  // max over chunks of (received - CreatedDate)
};

// Canonical fingerprint of a request's content: same request id with another
// fingerprint is a conflict.
std::string RequestFingerprint(const NotificationRequest& request);

struct IntakeResult {
  std::string notification_id;
  bool created = false;  // false: the same request was already taken (no-op)
};

enum class NotificationStatus { kReceived, kRefused, kSending, kDone };
const char* NotificationStatusName(NotificationStatus s);

struct NotificationRow {
  std::string id;
  NotificationRequest request;
  NotificationStatus status = NotificationStatus::kReceived;
  std::string refusal_reason;
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
  std::string requested_by_name;  // the requesting User's Name ("" in rows from before names)
};

// What the resolver decided for one recipient.
struct RecipientPlan {
  std::string record_id;
  std::string object_type;       // Lead | Contact
  std::string record_name;       // the record's Name, for the history ("" when unknown)
  std::string owner_id;          // record owner (for Task OwnerId rules)
  std::string phone_raw;
  std::string phone_e164;        // empty when invalid/missing
  std::string time_zone;
  std::string body;              // rendered message
  std::string merge_json;        // JSON object of the values Task templates may merge (record fields, Sender.*)
  std::string encoding;          // GSM-7 | UCS-2
  int units = 0;
  int segments = 0;
  RecipientState state = RecipientState::kPending;  // pending, suppressed or deferred
  std::string reason;            // for suppressed/deferred: invalid_phone, no_consent, opted_out, ...
  int64_t deferred_until_ms = 0;
};

struct RecipientRow {
  int64_t id = 0;                // stable recipient key
  std::string notification_id;
  std::string contact_point;
  RecipientPlan plan;
  RecipientState state = RecipientState::kPending;
  std::string reason;
  int attempts = 0;
  int64_t last_attempt_ms = 0;
  int64_t next_attempt_ms = 0;
  std::string gateway_sid;
  int error_code = 0;
  std::string task_id;
  std::string task_state;        // none | pending | in_flight | written | failed
  bool responded = false;
  int64_t updated_ms = 0;
  int64_t created_ms = 0;  // when the recipient was planned (its send window starts here)
};

struct HistoryEntry {
  int64_t id = 0;
  std::string notification_id;
  int64_t recipient_id = 0;      // 0 for notification-level entries
  int64_t at_ms = 0;
  std::string kind;              // intake | refused | resolved | state | task | reply | opt_out | ...
  std::string state;
  std::string detail;
};

// What happened when the sender called the gateway.
struct AttemptResult {
  // kSuppressed: not sent after all (opted out after it was claimed); `error_message` holds the
  // reason. kDeferred: not sent, inside its quiet window at send time: deferred until
  // `retry_at_ms`. kExpired: not sent, its send window ended during transient trouble:
  // failed(expired).
  enum class Kind {
    kAccepted,
    kRejected,
    kRetry,
    kUnknown,
    kSuppressed,
    kDeferred,
    kExpired
  } kind = Kind::kUnknown;
  std::string sid;
  std::string gateway_status;
  int segments = 0;
  int error_code = 0;
  std::string error_message;
  int64_t retry_at_ms = 0;
  bool suppress_number = false;  // e.g. 21610: add (number, contact point) to the suppression list
};

struct TaskOutcome {
  int64_t recipient_id = 0;
  bool success = false;
  std::string task_id;
  std::string error;
  bool retryable = false;
  std::string status_written;  // terminal delivery state written with the Task ("" = none)
};

// A change of a number's opt-out state still to be written to Salesforce (the
// mapped opt-out field on every Lead/Contact with that number).
struct OptOutSync {
  int64_t id = 0;
  std::string phone_e164;
  std::string contact_point;
  bool opted_out = true;  // false: opted back in (START)
  std::string reason;     // stop_reply, gateway_opt_out, start_reply, ...
  int64_t created_ms = 0;
};

// An inbound message (a reply) as received from the gateway.
struct InboundMessage {
  int64_t id = 0;
  std::string sid;            // gateway message id (idempotency key)
  std::string from;           // E.164 of the handset
  std::string to;             // our sender
  std::string body;
  std::string contact_point;  // "" when the To number is none of ours
  std::string kind;           // stop | start | help | reply | unmatched
  int64_t recipient_id = 0;   // the recipient last sent to that number (0 when none)
  std::string notification_id;
  std::string record_id;
  int64_t at_ms = 0;
};

// The replies that answer one recipient (a notification sent to a record).
struct Conversation {
  int64_t recipient_id = 0;
  std::string record_name;               // the recipient's Name ("" when unknown)
  std::vector<InboundMessage> messages;  // oldest first; the latest 100 at most
};

// A Task whose delivery status field must be brought up to date.
struct TaskStatusUpdate {
  int64_t recipient_id = 0;
  std::string task_id;
  RecipientState state = RecipientState::kAccepted;
  int error_code = 0;
  int64_t changed_ms = 0;  // when the state changed (batches wait to fill up, not forever)
};

// A verified gateway webhook kept in the durable inbox until it has been processed: the webhook
// is answered once it is committed here, and a worker does what it asks (state, STOP, reply Task,
// opt-out write-back) with retries, so a Salesforce outage delays it but never loses it.
struct WebhookItem {
  int64_t id = 0;
  std::string source;   // twilio_status | twilio_inbound | quiq
  std::string key;      // idempotency key within the source (a second copy is a duplicate)
  std::string payload;  // the request body as received (form or JSON)
  int64_t received_ms = 0;
  int attempts = 0;      // failed processing attempts so far
  std::string progress;  // the processor's record of the steps already done (for retries)
  std::string last_error;
};

// A person signed in to the history web page with Salesforce (docs/history.md).
// The session id in the cookie is never stored: rows are keyed by its SHA-256,
// so a copy of the store file opens no session.
struct WebSession {
  std::string id_hash;  // hex SHA-256 of the cookie value
  std::string user_id;  // Salesforce User Id (18)
  std::string user_name;
  std::vector<std::string> permission_sets;  // as read at sign-in (lifetime bounds staleness)
  std::string csrf_token;                    // sent back with every state-changing request
  std::string access_token;                  // the user's Salesforce token, to revoke at sign-out
  int64_t created_ms = 0;
  int64_t expires_ms = 0;
};

struct StoreCounters {
  int64_t pending = 0, deferred = 0, sending = 0, accepted = 0, sent = 0, delivered = 0, undelivered = 0,
          failed = 0, suppressed = 0, tasks_pending = 0, tasks_written = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Records a request. Same request id + same fingerprint: returns the existing
  // notification with created=false. Same id, other content: kConflict.
  virtual Result<IntakeResult> Intake(const NotificationRequest& request) = 0;
  // Intake and refusal in one transaction (e.g. an expired event): never resolved, never sent.
  virtual Result<IntakeResult> IntakeRefused(const NotificationRequest& request,
                                             const std::string& reason) = 0;

  // Chunks of split requests (request.chunk_count > 1), held durably until joined.
  virtual Result<ChunkIntakeResult> AddChunk(const NotificationRequest& chunk,
                                             int64_t received_ms) = 0;
  // Request ids whose chunks are all held, or whose first chunk arrived before `first_before_ms`.
  virtual std::vector<std::string> ChunkedRequestsDue(int64_t first_before_ms) = 0;
  // Joins the chunks held for `request_id` into one notification and takes it in (Intake), in one
  // transaction: the chunks are marked joined, the history records which chunks were joined and
  // which are missing. `refusal_for` (called inside the transaction; must not use the store)
  // returns a refusal reason ("" = none), e.g. for expired events. nullopt when nothing is held.
  virtual Result<std::optional<IntakeResult>> JoinChunks(
      const std::string& request_id,
      const std::function<std::string(const JoinedRequest&)>& refusal_for) = 0;
  virtual Status Refuse(const std::string& notification_id, const std::string& reason) = 0;
  // Keeps the requesting User's display name with the notification (the resolver read it).
  virtual Status SetRequesterName(const std::string& notification_id, const std::string& name) = 0;
  // Stores the resolved recipients (once; a second call is a no-op) and moves
  // the notification to sending.
  virtual Status SaveRecipients(const std::string& notification_id, const std::vector<RecipientPlan>& plans) = 0;
  virtual std::vector<NotificationRow> NotificationsInStatus(NotificationStatus status, size_t limit) = 0;
  virtual Result<NotificationRow> GetNotification(const std::string& notification_id) = 0;
  virtual std::optional<std::string> NotificationIdForRequest(const std::string& request_id) = 0;
  virtual std::vector<RecipientRow> Recipients(const std::string& notification_id) = 0;
  // Recipients grouped by (state, reason) with their segments, without loading the rows.
  struct StateCount {
    RecipientState state = RecipientState::kPending;
    std::string reason;
    int count = 0;
    int segments = 0;
  };
  virtual std::vector<StateCount> CountByState(const std::string& notification_id) = 0;
  virtual Result<RecipientRow> GetRecipient(int64_t recipient_id) = 0;

  // Moves deferred recipients whose time has come back to pending; returns how many.
  virtual int ReleaseDeferred(int64_t now_ms) = 0;
  // Pending recipients due now, oldest first.
  virtual std::vector<RecipientRow> DuePending(int64_t now_ms, size_t limit) = 0;
  // pending → sending, recording the attempt before the gateway is called.
  // Returns false when another worker (or an earlier run) already claimed it.
  virtual Result<bool> BeginAttempt(int64_t recipient_id, int64_t now_ms) = 0;
  virtual Status RecordAttempt(int64_t recipient_id, const AttemptResult& result, int64_t now_ms) = 0;
  // The same for many recipients in one transaction (one fsync instead of one per row).
  // Returns the ids actually claimed.
  virtual Result<std::vector<int64_t>> BeginAttempts(const std::vector<int64_t>& recipient_ids, int64_t now_ms) = 0;
  virtual Status RecordAttempts(const std::vector<std::pair<int64_t, AttemptResult>>& results, int64_t now_ms) = 0;
  // Recipients left in `sending` (a crash or an unknown outcome): reconcile before any retry.
  virtual std::vector<RecipientRow> InFlight(size_t limit) = 0;
  // Recipients still `accepted`/`sent` (no final status) whose last attempt lies in
  // [sent_after_ms, sent_before_ms], id > after_id, by id: the status poller's pages.
  virtual std::vector<RecipientRow> AwaitingFinalStatus(int64_t sent_after_ms,
                                                        int64_t sent_before_ms, int64_t after_id,
                                                        size_t limit) = 0;
  // pending → suppressed right before sending (consent re-check, STOP that arrived meanwhile).
  virtual Status SuppressPending(int64_t recipient_id, const std::string& reason) = 0;

  // Applies a gateway status (forward only). Returns false when it changed nothing.
  virtual Result<bool> ApplyGatewayStatus(const std::string& sid, RecipientState state, int error_code,
                                          const std::string& raw_status) = 0;
  // The same for several callbacks, in order, in one transaction (one fsync for a burst).
  struct GatewayStatus {
    std::string sid;
    RecipientState state = RecipientState::kAccepted;
    int error_code = 0;
    std::string raw_status;
  };
  virtual Status ApplyGatewayStatuses(const std::vector<GatewayStatus>& statuses) = 0;
  virtual Result<RecipientRow> RecipientBySid(const std::string& sid) = 0;
  // Latest recipient sent to `phone` from `contact_point` (for replies).
  virtual std::optional<RecipientRow> LatestSentTo(const std::string& phone_e164, const std::string& contact_point) = 0;

  // True while any recipient is pending or sending (deferred ones excluded).
  virtual bool SendsUnderWay() = 0;

  // Task write-back queue.
  virtual std::vector<RecipientRow> TasksToWrite(size_t limit) = 0;
  virtual Status MarkTasksInFlight(const std::vector<int64_t>& recipient_ids) = 0;
  virtual std::vector<RecipientRow> TasksInFlight(size_t limit) = 0;
  virtual Status RecordTaskOutcomes(const std::vector<TaskOutcome>& outcomes) = 0;

  // Suppression list keyed by (E.164, contact point).
  virtual bool IsSuppressed(const std::string& phone_e164, const std::string& contact_point) = 0;
  virtual Status AddSuppression(const std::string& phone_e164, const std::string& contact_point,
                                const std::string& reason) = 0;
  virtual Status RemoveSuppression(const std::string& phone_e164, const std::string& contact_point) = 0;

  // Opt-out write-back queue: AddSuppression queues opted_out=true for a new
  // entry and RemoveSuppression opted_out=false for a removed one, in the same
  // transaction, so Salesforce hears of every change even across crashes.
  virtual std::vector<OptOutSync> PendingOptOutSyncs(size_t limit) = 0;
  virtual Status CompleteOptOutSync(int64_t id) = 0;
  // Every (phone, contact point) on the suppression list.
  virtual std::vector<std::pair<std::string, std::string>> Suppressions() = 0;

  // Replies. RecordInbound returns false when the sid was already recorded (a
  // redelivered webhook). MarkResponded sets the flag and writes a history row.
  virtual Result<bool> RecordInbound(const InboundMessage& message) = 0;
  virtual bool InboundSeen(const std::string& sid) = 0;
  virtual Status MarkResponded(int64_t recipient_id, const std::string& detail) = 0;
  // Conversations (replies grouped by the recipient they answer), the one with
  // the newest reply first; with before_id > 0 only those whose newest reply
  // id is below it, so the newest reply id of a page's last one is the cursor.
  virtual std::vector<Conversation> Conversations(size_t limit, int64_t before_id) = 0;

  // Webhook inbox. EnqueueWebhook returns false when (source, key) is already in the inbox (a
  // redelivered webhook). DueWebhooks lists unfinished items due now, oldest first (one worker
  // processes them, so nothing is leased: an item a crash interrupted is simply due again). An
  // item ends with FinishWebhooks ("done", or why it was refused for good) or goes back with
  // RetryWebhook. Finished items are kept a week for deduplication, then purged.
  virtual Result<bool> EnqueueWebhook(const WebhookItem& item) = 0;
  virtual std::vector<WebhookItem> DueWebhooks(int64_t now_ms, size_t limit) = 0;
  virtual Status SetWebhookProgress(int64_t id, const std::string& progress) = 0;
  virtual Status RetryWebhook(int64_t id, int64_t next_attempt_ms, const std::string& error) = 0;
  // Finishes several in one transaction (id, outcome) — one fsync for a pass of the worker.
  virtual Status FinishWebhooks(const std::vector<std::pair<int64_t, std::string>>& outcomes) = 0;
  // Items not finished yet (for metrics and tests).
  virtual int64_t PendingWebhooks() = 0;

  // Tasks whose delivery status changed since it was last written to Salesforce.
  virtual std::vector<TaskStatusUpdate> TaskStatusUpdates(size_t limit) = 0;
  virtual Status MarkTaskStatusSynced(const std::vector<TaskStatusUpdate>& updates) = 0;

  // Marks the notification done when no recipient is left to send.
  virtual Status CompleteIfFinished(const std::string& notification_id) = 0;
  virtual std::vector<HistoryEntry> History(const std::string& notification_id) = 0;
  virtual Status AppendHistory(const HistoryEntry& entry) = 0;
  virtual StoreCounters Counters() = 0;

  // Web sign-in sessions. FindWebSession ignores (and deletes) expired ones.
  virtual Status CreateWebSession(const WebSession& session) = 0;
  virtual std::optional<WebSession> FindWebSession(const std::string& id_hash, int64_t now_ms) = 0;
  virtual Status DeleteWebSession(const std::string& id_hash) = 0;
  // Removes every session expired at `now_ms`; returns how many.
  virtual int PurgeWebSessions(int64_t now_ms) = 0;
};

struct SqliteStoreOptions {
  std::string path = "sfnotify.sqlite";  // WAL mode, synchronous FULL
  int busy_timeout_ms = 5000;
};

Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteStoreOptions& options);

}  // namespace sfn::connector
