#include "salesforce/streaming.h"

#include "common/log.h"
#include "common/utf8.h"

namespace sfn::salesforce {

namespace {

constexpr const char* kComponent = "salesforce.streaming";

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  size_t e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

// Set-Cookie values may arrive folded into one header joined by ", " (and
// Expires dates contain commas): keep every "name=value" that starts a segment.
void CollectCookies(const http::Headers& headers, std::map<std::string, std::string>* jar) {
  for (const auto& [name, value] : headers.items()) {
    if (!http::EqualsIgnoreCase(name, "Set-Cookie")) continue;
    size_t start = 0;
    while (start <= value.size()) {
      size_t comma = value.find(',', start);
      std::string segment =
          value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      std::string pair = Trim(segment.substr(0, segment.find(';')));
      size_t eq = pair.find('=');
      if (eq != std::string::npos && eq > 0 && pair.find(' ') == std::string::npos) {
        (*jar)[pair.substr(0, eq)] = pair.substr(eq + 1);
      }
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
}

const bayeux::Message* FindChannel(const std::vector<bayeux::Message>& messages,
                                   const std::string& channel) {
  for (const auto& m : messages) {
    if (m.channel == channel) return &m;
  }
  return nullptr;
}

}  // namespace

StreamingClient::StreamingClient(Connection& connection, ReplayStore* store,
                                 StreamingOptions options, EventHandler handler)
    : connection_(connection),
      store_(store),
      options_(std::move(options)),
      handler_(std::move(handler)),
      backoff_(options_.reconnect) {}

StreamingClient::~StreamingClient() {
  Stop();
}

Status StreamingClient::Start() {
  if (thread_.joinable()) return Status::InvalidArgument("streaming client already started");
  if (!handler_) return Status::InvalidArgument("streaming client needs an event handler");
  replay_from_ = options_.initial_replay_from;
  if (store_) {
    auto stored = store_->Load(options_.channel);
    if (!stored.ok()) return stored.status();
    if (stored.value()) {
      watermark_ = *stored.value();
      log::Info(kComponent, options_.channel + ": resuming after stored replay id " +
                                std::to_string(*watermark_));
    }
  }
  stop_ = false;
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void StreamingClient::Stop() {
  stop_ = true;
  sleep_cv_.notify_all();
  if (!thread_.joinable()) return;
  thread_.join();
  if (client_ && !client_id_.empty()) {
    // Best effort: lets the server release the held connect and forget us now.
    http::ClientOptions quick;
    quick.timeout = std::chrono::milliseconds(3000);
    http::Client goodbye(base_url_, quick);
    http::Request request;
    request.method = "POST";
    request.path = "/cometd/" + connection_.api_version();
    request.headers.Set("Authorization", "Bearer " + access_token_);
    request.headers.Set("Content-Type", "application/json");
    request.body = bayeux::Disconnect(client_id_, NextId());
    (void)goodbye.Send(request);
  }
  std::lock_guard<std::mutex> lock(stats_mu_);
  stats_.subscribed = false;
}

StreamingClient::Stats StreamingClient::stats() const {
  std::lock_guard<std::mutex> lock(stats_mu_);
  return stats_;
}

std::string StreamingClient::NextId() {
  return std::to_string(++next_id_);
}

bool StreamingClient::SleepUnlessStopped(std::chrono::milliseconds delay) {
  std::unique_lock<std::mutex> lock(sleep_mu_);
  sleep_cv_.wait_for(lock, delay, [this] { return stop_.load(); });
  return !stop_;
}

void StreamingClient::Run() {
  Step step = Step::kHandshake;
  while (!stop_) {
    switch (step) {
      case Step::kHandshake:
        step = DoHandshake();
        break;
      case Step::kSubscribe:
        step = DoSubscribe();
        break;
      case Step::kConnect:
        step = DoConnect();
        break;
    }
  }
}

Result<std::vector<bayeux::Message>> StreamingClient::Post(const std::string& body) {
  http::Request request;
  request.method = "POST";
  request.path = "/cometd/" + connection_.api_version();
  request.headers.Set("Authorization", "Bearer " + access_token_);
  request.headers.Set("Content-Type", "application/json");
  if (!cookies_.empty()) {
    std::string cookie;
    for (const auto& [name, value] : cookies_)
      cookie += (cookie.empty() ? "" : "; ") + name + "=" + value;
    request.headers.Set("Cookie", cookie);
  }
  request.body = body;
  auto pending = client_->SendAsync(std::move(request));
  // Wait in slices so Stop() never waits for a connect the server holds for 110 s.
  while (pending.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
    if (stop_) return Status::Unavailable("stopped");
  }
  auto response = pending.get();
  if (!response.ok()) return response.status();
  CollectCookies(response->headers, &cookies_);
  if (response->status == 401) return Status::Unauthenticated("CometD answered HTTP 401");
  if (response->status != 200) {
    return Status::Unavailable("CometD answered HTTP " + std::to_string(response->status) + ": " +
                               utf8::TruncateBytes(response->body, 200));
  }
  return bayeux::Parse(response->body);
}

StreamingClient::Step StreamingClient::AfterNetworkError(const Status& error) {
  if (stop_) return Step::kHandshake;
  if (error.code() == StatusCode::kUnauthenticated) {
    bayeux::Message denied;
    denied.error = "401::" + error.message();
    return Recover(denied);
  }
  {
    std::lock_guard<std::mutex> lock(stats_mu_);
    stats_.network_errors++;
    stats_.subscribed = false;
  }
  auto delay = backoff_.Delay(failures_in_a_row_++);
  log::Warn(kComponent, "CometD request failed (" + error.message() + "); handshake again in " +
                            std::to_string(delay.count()) + " ms");
  SleepUnlessStopped(delay);
  return Step::kHandshake;
}

StreamingClient::Step StreamingClient::Recover(const bayeux::Message& failure) {
  {
    std::lock_guard<std::mutex> lock(stats_mu_);
    stats_.subscribed = false;
  }
  int code = failure.ErrorCode();
  std::string what = failure.error.empty() ? failure.failure_reason : failure.error;
  if (code == 401) {
    {
      std::lock_guard<std::mutex> lock(stats_mu_);
      stats_.reauthentications++;
    }
    log::Info(kComponent, "CometD says '" + what + "'; getting a new access token");
    auto token = connection_.RefreshToken(access_token_);
    if (!token.ok()) {
      auto delay = backoff_.Delay(failures_in_a_row_++);
      log::Warn(kComponent, "re-authentication failed (" + token.status().message() +
                                "); retry in " + std::to_string(delay.count()) + " ms");
      SleepUnlessStopped(delay);
    }
    return Step::kHandshake;
  }
  // 403::Unknown client (server forgot us), advice handshake/none, or anything
  // else: a new handshake and subscription from the last handled replay id.
  log::Info(kComponent, "CometD says '" + what + "'; handshaking again");
  if (failures_in_a_row_ > 0) SleepUnlessStopped(backoff_.Delay(failures_in_a_row_ - 1));
  failures_in_a_row_++;
  return Step::kHandshake;
}

StreamingClient::Step StreamingClient::DoHandshake() {
  auto token = connection_.CurrentToken();
  if (!token.ok())
    return AfterNetworkError(Status::Unavailable("no access token: " + token.status().message()));
  access_token_ = token->access_token;
  if (!client_ || base_url_ != token->instance_url) {
    base_url_ = token->instance_url;
    http::ClientOptions client_options;
    client_options.timeout = options_.long_poll_timeout;
    client_ = std::make_shared<http::Client>(base_url_, client_options);
  }
  client_id_.clear();
  {
    std::lock_guard<std::mutex> lock(stats_mu_);
    stats_.handshakes++;
  }
  auto messages = Post(bayeux::Handshake(NextId()));
  if (!messages.ok()) return AfterNetworkError(messages.status());
  const auto* reply = FindChannel(messages.value(), "/meta/handshake");
  if (!reply) return AfterNetworkError(Status::Unavailable("handshake reply missing"));
  if (!reply->successful || reply->client_id.empty()) return Recover(*reply);
  client_id_ = reply->client_id;
  return Step::kSubscribe;
}

StreamingClient::Step StreamingClient::DoSubscribe() {
  int64_t from = watermark_ ? *watermark_ : replay_from_;
  auto messages = Post(bayeux::Subscribe(client_id_, options_.channel, from, NextId()));
  if (!messages.ok()) return AfterNetworkError(messages.status());
  const auto* reply = FindChannel(messages.value(), "/meta/subscribe");
  if (!reply) return AfterNetworkError(Status::Unavailable("subscribe reply missing"));
  if (reply->successful) {
    log::Info(kComponent,
              "subscribed to " + options_.channel + " from replay id " + std::to_string(from));
    std::lock_guard<std::mutex> lock(stats_mu_);
    stats_.subscriptions++;
    stats_.subscribed = true;
    failures_in_a_row_ = 0;
    return Step::kConnect;
  }
  if (reply->ErrorCode() == 400 && reply->error.find("replayId") != std::string::npos &&
      from >= 0) {
    // The stored position is past retention: events after it may be lost. Say
    // so loudly, keep a record, and take everything still retained.
    log::Error(kComponent,
               options_.channel + ": stored replay id " + std::to_string(from) +
                   " is no longer retained (" + reply->error +
                   "); events may have been MISSED; resuming from -2 (all retained events), "
                   "handlers must be idempotent");
    if (store_) (void)store_->RecordGap(options_.channel, from, -2);
    watermark_.reset();
    replay_from_ = -2;
    std::lock_guard<std::mutex> lock(stats_mu_);
    stats_.replay_fallbacks++;
    return Step::kHandshake;
  }
  return Recover(*reply);
}

bool StreamingClient::HandleEvent(const bayeux::Message& message) {
  if (watermark_ && message.replay_id <= *watermark_) {
    std::lock_guard<std::mutex> lock(stats_mu_);
    stats_.duplicates_skipped++;
    return true;
  }
  StreamingEvent event{message.channel, message.replay_id, message.event_uuid,
                       message.payload_json};
  Status handled = handler_(event);
  if (!handled.ok()) {
    log::Warn(kComponent, "handler failed for replay id " + std::to_string(message.replay_id) +
                              ": " + handled.message() + "; it will be delivered again");
    std::lock_guard<std::mutex> lock(stats_mu_);
    stats_.handler_failures++;
    return false;
  }
  if (store_) {
    Status saved = store_->Save(options_.channel, message.replay_id);
    if (!saved.ok()) log::Error(kComponent, "replay id not saved: " + saved.message());
  }
  watermark_ = message.replay_id;
  std::lock_guard<std::mutex> lock(stats_mu_);
  stats_.events_handled++;
  stats_.last_handled_replay_id = message.replay_id;
  return true;
}

StreamingClient::Step StreamingClient::DoConnect() {
  auto messages = Post(bayeux::Connect(client_id_, NextId()));
  if (!messages.ok()) return AfterNetworkError(messages.status());
  for (const auto& m : messages.value()) {
    if (!m.is_event || m.channel != options_.channel) continue;
    if (!HandleEvent(m)) {
      // Resubscribing from the last saved id makes the server send it again.
      SleepUnlessStopped(backoff_.Delay(failures_in_a_row_++));
      return Step::kHandshake;
    }
  }
  if (FindChannel(messages.value(), "/meta/disconnect")) return Step::kHandshake;
  const auto* reply = FindChannel(messages.value(), "/meta/connect");
  if (!reply) return Step::kConnect;
  if (!reply->successful) return Recover(*reply);
  failures_in_a_row_ = 0;
  if (reply->advice.reconnect == "handshake") return Step::kHandshake;
  if (reply->advice.interval_ms > 0) {
    SleepUnlessStopped(
        std::chrono::milliseconds(std::min<int64_t>(reply->advice.interval_ms, 40000)));
  }
  return Step::kConnect;
}

}  // namespace sfn::salesforce
