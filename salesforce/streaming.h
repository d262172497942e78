// A CometD long-poll subscriber for one Platform Event channel
// (default /event/Outbound_Notification__e) on its own thread and its own
// HTTP client (timeout above the server's 110 s hold).
//
// Delivery contract: events reach the handler one at a time, in replay-id
// order. A replay id is saved to the ReplayStore only after the handler
// returned ok; on restart the subscription resumes after the saved id, and
// events at or below the last handled id are skipped, so nothing is handled
// twice while the stored id is retained. When the handler fails, the client
// backs off and resubscribes from the last saved id, so the event comes again.
//
// Recovery: network errors -> backoff, handshake and resubscribe;
// 403::Unknown client -> handshake and resubscribe; 401::Authentication
// invalid -> new token (Connection's single-flight refresh), handshake,
// resubscribe. A stored replay id the org no longer retains is logged as an
// error, recorded as a gap in the store, and the subscription restarts from -2
// (all retained events): the handler must be idempotent for that case.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/http_client.h"
#include "common/status.h"
#include "salesforce/bayeux.h"
#include "salesforce/connection.h"
#include "salesforce/replay_store.h"
#include "salesforce/retry_policy.h"

namespace sfn::salesforce {

struct StreamingEvent {
  std::string channel;
  int64_t replay_id = 0;
  std::string event_uuid;
  std::string payload_json;  // the event's fields, incl. CreatedById and CreatedDate
};

// Returns ok when the event is handled (its replay id is then saved).
using EventHandler = std::function<Status(const StreamingEvent& event)>;

struct StreamingOptions {
  std::string channel = "/event/Outbound_Notification__e";
  // Where to start when the store has no replay id: -1 new events only, -2 all retained.
  int64_t initial_replay_from = -1;
  // Above Salesforce's 110 s connect hold, so a held connect is never cut short.
  std::chrono::milliseconds long_poll_timeout{130000};
  // Backoff between reconnection attempts (max_attempts is ignored: it retries until Stop).
  RetryOptions reconnect{0, std::chrono::milliseconds(250), std::chrono::milliseconds(30000), 2.0};
};

class StreamingClient {
 public:
  // `connection` provides tokens and the instance URL; `store` may be null
  // (then nothing survives a restart). Both must outlive the client.
  StreamingClient(Connection& connection, ReplayStore* store, StreamingOptions options,
                  EventHandler handler);
  ~StreamingClient();  // Stop()
  StreamingClient(const StreamingClient&) = delete;
  StreamingClient& operator=(const StreamingClient&) = delete;

  // Loads the stored replay id and starts the subscriber thread. Errors only for
  // local problems (store unreadable, already started); remote trouble is retried.
  Status Start();
  // Stops the thread promptly (does not wait for a held long-poll) and says
  // goodbye to the server. Safe to call twice.
  void Stop();

  struct Stats {
    int64_t handshakes = 0;
    int64_t subscriptions = 0;  // successful subscribes
    int64_t reauthentications = 0;
    int64_t network_errors = 0;
    int64_t events_handled = 0;
    int64_t duplicates_skipped = 0;
    int64_t handler_failures = 0;
    int64_t replay_fallbacks = 0;
    int64_t last_handled_replay_id = 0;  // 0 until an event was handled
    bool subscribed = false;
  };
  Stats stats() const;

 private:
  enum class Step { kHandshake, kSubscribe, kConnect };
  void Run();
  Step DoHandshake();
  Step DoSubscribe();
  Step DoConnect();
  Step Recover(const bayeux::Message& failure);
  Step AfterNetworkError(const Status& error);
  // Posts a Bayeux body; waits interruptibly. Also keeps cookies.
  Result<std::vector<bayeux::Message>> Post(const std::string& body);
  bool SleepUnlessStopped(std::chrono::milliseconds delay);
  bool HandleEvent(const bayeux::Message& message);  // false when the handler failed
  std::string NextId();

  Connection& connection_;
  ReplayStore* store_;
  StreamingOptions options_;
  EventHandler handler_;
  Backoff backoff_;

  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::mutex sleep_mu_;
  std::condition_variable sleep_cv_;

  // Owned by the subscriber thread (read by Stop() only after the join).
  std::shared_ptr<http::Client> client_;
  std::string base_url_;
  std::string access_token_;
  std::string client_id_;
  std::map<std::string, std::string> cookies_;
  std::optional<int64_t> watermark_;  // last handled (or stored) replay id
  int64_t replay_from_ = -1;
  int failures_in_a_row_ = 0;
  int64_t next_id_ = 0;

  mutable std::mutex stats_mu_;
  Stats stats_;
};

}  // namespace sfn::salesforce
