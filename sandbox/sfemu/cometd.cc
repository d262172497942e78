#include "sandbox/sfemu/cometd.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "common/crypto.h"
#include "common/json.h"
#include "common/time_util.h"

namespace sfemu {

namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

constexpr char kBrowserCookie[] = "BAYEUX_BROWSER";
constexpr char kDefaultChannel[] = "/event/Outbound_Notification__e";

void Key(JsonWriter& w, const char* key) {
  w.Key(key);
}
void String(JsonWriter& w, const std::string& s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

// A clientId in Salesforce's shape: lowercase base-36, 26 characters.
std::string NewClientId() {
  static constexpr char kAlphabet[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string hex = sfn::crypto::RandomHex(26);
  std::string id;
  for (size_t i = 0; i < 26; ++i)
    id += kAlphabet[std::stoi(hex.substr(2 * i, 2), nullptr, 16) % 36];
  return id;
}

// "/cometd/62.0[/...]" -> "62.0"; empty when the segment is not a version.
std::string VersionFromPath(const std::string& path) {
  const std::string prefix = "/cometd/";
  if (path.compare(0, prefix.size(), prefix) != 0) return "";
  std::string rest = path.substr(prefix.size());
  std::string segment = rest.substr(0, rest.find('/'));
  auto dot = segment.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == segment.size()) return "";
  for (size_t i = 0; i < segment.size(); ++i) {
    if (i != dot && !std::isdigit(static_cast<unsigned char>(segment[i]))) return "";
  }
  return segment;
}

// Value of cookie `name` in a Cookie header; nullopt when absent.
std::optional<std::string> CookieValue(const std::string& header, const std::string& name) {
  size_t pos = 0;
  while (pos < header.size()) {
    size_t end = header.find(';', pos);
    if (end == std::string::npos) end = header.size();
    std::string part = header.substr(pos, end - pos);
    size_t start = part.find_first_not_of(' ');
    if (start != std::string::npos) {
      part = part.substr(start);
      auto eq = part.find('=');
      if (eq != std::string::npos && part.substr(0, eq) == name) return part.substr(eq + 1);
    }
    pos = end + 1;
  }
  return std::nullopt;
}

// The replay map as Salesforce prints it (a Java map): {/event/A__e=-1, /event/B__e=null}.
std::string ReplayMapText(const rapidjson::Value& map) {
  std::string out = "{";
  bool first = true;
  for (auto it = map.MemberBegin(); it != map.MemberEnd(); ++it) {
    if (!first) out += ", ";
    first = false;
    out += std::string(it->name.GetString(), it->name.GetStringLength()) + "=";
    out += it->value.IsString() ? std::string(it->value.GetString(), it->value.GetStringLength())
                                : sfn::json::Serialize(it->value);
  }
  return out + "}";
}

struct HeldConnect {
  sfn::http::Responder responder;
  std::vector<std::string> replies;  // answers to the batch's other messages, sent first
  std::string connect_id;            // the connect's serialised "id", or empty
  int64_t deadline_ms = 0;
};

struct Session {
  std::string client_id;
  std::string user_id;
  std::map<std::string, int64_t> subscriptions;  // channel -> replay id of the last event queued
  std::vector<StoredEvent> pending;              // queued for the next connect, in replay order
  bool connected_once = false;
  std::optional<HeldConnect> held;
  int64_t last_seen_ms = 0;
};

// One finished HTTP answer, sent after the endpoint's lock is released.
struct Outgoing {
  sfn::http::Responder responder;
  sfn::http::Response response;
};

sfn::http::Response BayeuxResponse(int status, const std::vector<std::string>& messages) {
  std::string body = "[";
  for (size_t i = 0; i < messages.size(); ++i) {
    if (i) body += ",";
    body += messages[i];
  }
  body += "]";
  auto response = sfn::http::JsonResponse(status, std::move(body));
  response.headers.Set("Content-Type", "application/json;charset=UTF-8");
  return response;
}

// Builds one Bayeux reply object field by field.
class Reply {
 public:
  Reply(const std::string& channel, const std::string& id_json) {
    w_.StartObject();
    Key(w_, "channel");
    String(w_, channel);
    if (!id_json.empty()) {
      Key(w_, "id");
      w_.RawValue(id_json.data(), id_json.size(), rapidjson::kStringType);
    }
  }
  Reply& Str(const char* key, const std::string& value) {
    Key(w_, key);
    String(w_, value);
    return *this;
  }
  Reply& Bool(const char* key, bool value) {
    Key(w_, key);
    w_.Bool(value);
    return *this;
  }
  Reply& Raw(const char* key, const std::string& json) {
    Key(w_, key);
    w_.RawValue(json.data(), json.size(), rapidjson::kObjectType);
    return *this;
  }
  std::string Done() {
    w_.EndObject();
    return std::string(buf_.GetString(), buf_.GetSize());
  }

 private:
  rapidjson::StringBuffer buf_;
  JsonWriter w_{buf_};
};

std::string EventMessage(const StoredEvent& e) {
  rapidjson::StringBuffer buf;
  JsonWriter w(buf);
  w.StartObject();
  Key(w, "data");
  w.StartObject();
  Key(w, "schema");
  String(w, e.schema);
  Key(w, "payload");
  w.RawValue(e.payload_json.data(), e.payload_json.size(), rapidjson::kObjectType);
  Key(w, "event");
  w.StartObject();
  Key(w, "EventUuid");
  String(w, e.event_uuid);
  Key(w, "replayId");
  w.Int64(e.replay_id);
  w.EndObject();
  w.EndObject();
  Key(w, "channel");
  String(w, e.channel);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace

struct CometdEndpoint::Impl {
  EventBus& bus;
  CometdOptions options;
  int listener = 0;

  mutable std::mutex mu;  // guards everything below
  std::condition_variable timer_cv;
  std::map<std::string, Session> sessions;  // by clientId
  bool shutting_down = false;
  bool stop_timer = false;
  std::thread timer;

  Impl(EventBus& b, CometdOptions o) : bus(b), options(std::move(o)) {}

  bool ChannelExists(const std::string& channel) const {
    if (options.channel_exists) return options.channel_exists(channel);
    return channel == kDefaultChannel;
  }

  std::string ConnectAdvice() const {
    return R"({"reconnect":"retry","interval":0,"timeout":)" +
           std::to_string(options.connect_timeout_ms) + "}";
  }

  // Answers `session`'s held connect with whatever is pending. Caller holds mu.
  void Release(Session& session, std::vector<Outgoing>& out) {
    if (!session.held) return;
    HeldConnect held = std::move(*session.held);
    session.held.reset();
    out.push_back({held.responder, ConnectAnswer(session, held.replies, held.connect_id)});
  }

  // The response to a connect: the batch's other replies, then queued events
  // (up to the per-connect limit), then the connect reply. Caller holds mu.
  sfn::http::Response ConnectAnswer(Session& session, std::vector<std::string> messages,
                                    const std::string& connect_id) {
    size_t n = std::min(session.pending.size(), options.max_events_per_connect);
    for (size_t i = 0; i < n; ++i) messages.push_back(EventMessage(session.pending[i]));
    session.pending.erase(session.pending.begin(), session.pending.begin() + n);
    messages.push_back(Reply("/meta/connect", connect_id)
                           .Str("clientId", session.client_id)
                           .Bool("successful", true)
                           .Raw("advice", ConnectAdvice())
                           .Done());
    session.connected_once = true;
    session.last_seen_ms = sfn::timeutil::NowMillis();
    return BayeuxResponse(200, messages);
  }

  // Queues events on `channel` newer than what `session` already has. Caller holds mu.
  void Enqueue(Session& session, const std::string& channel) {
    auto sub = session.subscriptions.find(channel);
    if (sub == session.subscriptions.end()) return;
    auto events = bus.After(channel, sub->second, SIZE_MAX);
    if (events.empty()) return;
    sub->second = events.back().replay_id;
    session.pending.insert(session.pending.end(), events.begin(), events.end());
  }

  void OnPublish(const StoredEvent& e) {
    std::vector<Outgoing> out;
    {
      std::lock_guard<std::mutex> lock(mu);
      for (auto& [id, session] : sessions) {
        Enqueue(session, e.channel);
        if (!session.pending.empty()) Release(session, out);
      }
    }
    Send(out);
  }

  static void Send(std::vector<Outgoing>& out) {
    for (auto& o : out) o.responder.Send(std::move(o.response));
  }

  void TimerLoop() {
    std::unique_lock<std::mutex> lock(mu);
    while (!stop_timer) {
      int64_t now = sfn::timeutil::NowMillis();
      std::vector<Outgoing> out;
      int64_t next = now + 1000;
      for (auto it = sessions.begin(); it != sessions.end();) {
        Session& s = it->second;
        if (s.held && s.held->deadline_ms <= now) Release(s, out);
        if (s.held) {
          next = std::min(next, s.held->deadline_ms);
        } else if (now - s.last_seen_ms > options.max_idle_ms) {
          it = sessions.erase(it);
          continue;
        }
        ++it;
      }
      if (!out.empty()) {
        lock.unlock();
        Send(out);
        lock.lock();
        continue;
      }
      timer_cv.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(1, next - now)));
    }
  }

  // --- message handlers; each returns the reply object, caller holds mu ---

  std::string Handshake(const std::string& id, const AuthInfo& auth) {
    if (!auth.present || !auth.valid) {
      std::string reason =
          auth.present ? "401::Authentication invalid" : "401::Request requires authentication";
      return Reply("/meta/handshake", id)
          .Raw("ext", R"({"sfdc":{"failureReason":")" + reason + R"("},"replay":true})")
          .Raw("advice", R"({"reconnect":"none"})")
          .Str("error", "403::Handshake denied")
          .Bool("successful", false)
          .Done();
    }
    Session session;
    session.client_id = NewClientId();
    session.user_id = auth.user_id;
    session.last_seen_ms = sfn::timeutil::NowMillis();
    std::string client_id = session.client_id;
    sessions[client_id] = std::move(session);
    return Reply("/meta/handshake", id)
        .Raw("ext", R"({"replay":true,"payload.format":true})")
        .Str("minimumVersion", "1.0")
        .Str("clientId", client_id)
        .Raw("supportedConnectionTypes", R"(["long-polling"])")
        .Str("version", "1.0")
        .Bool("successful", true)
        .Done();
  }

  // Checks what every message but a handshake needs: a valid token, a known
  // client and the browser cookie. Returns the failure reply, or empty.
  std::string Precheck(const std::string& channel, const std::string& id,
                       const std::string& client_id, const std::string& subscription,
                       const AuthInfo& auth, bool has_cookie, Session** session) {
    auto fail = [&](const std::string& error, const std::string& advice) {
      Reply r(channel, id);
      if (!client_id.empty()) r.Str("clientId", client_id);
      if (!subscription.empty()) r.Str("subscription", subscription);
      if (!advice.empty()) r.Raw("advice", advice);
      return r.Str("error", error).Bool("successful", false).Done();
    };
    if (!auth.present) return fail("401::Request requires authentication", "");
    if (!auth.valid) {
      return fail("401::Authentication invalid", R"({"reconnect":"none","interval":0})");
    }
    auto it = sessions.find(client_id);
    if (client_id.empty() || it == sessions.end()) {
      return fail("403::Unknown client", R"({"reconnect":"handshake","interval":0})");
    }
    if (!has_cookie) {
      return fail("400::Client {" + client_id + "} has established a session, but no " +
                      kBrowserCookie + " cookie present",
                  "");
    }
    *session = &it->second;
    (*session)->last_seen_ms = sfn::timeutil::NowMillis();
    return "";
  }

  std::string Subscribe(Session& session, const std::string& id, const std::string& subscription,
                        const rapidjson::Value& message) {
    auto fail = [&](const std::string& error) {
      Reply r("/meta/subscribe", id);
      r.Str("clientId", session.client_id);
      if (!subscription.empty()) r.Str("subscription", subscription);
      return r.Str("error", error).Bool("successful", false).Done();
    };
    if (subscription.empty()) return fail("400::Channel name not specified");
    if (subscription[0] != '/')
      return fail("400::Channel subscriptions must start with a leading '/'");
    if (!ChannelExists(subscription)) {
      return fail("400::The channel you requested to subscribe to does not exist {" + subscription +
                  "}");
    }
    int64_t replay = -1;  // without the replay extension: new events only
    auto ext = message.FindMember("ext");
    if (ext != message.MemberEnd() && ext->value.IsObject()) {
      auto map = ext->value.FindMember("replay");
      if (map != ext->value.MemberEnd() && map->value.IsObject()) {
        auto entry = map->value.FindMember(subscription.c_str());
        if (entry == map->value.MemberEnd() || entry->value.IsNull()) {
          return fail("400::The replayId for channel {" + subscription +
                      "} wasn't found using the provided replay ID map {" +
                      ReplayMapText(map->value) +
                      "}. Ensure that the channel name you provided in the replay map is valid "
                      "and matches the channel name used for subscribing.");
        }
        const auto& v = entry->value;
        std::string text = v.IsString() ? std::string(v.GetString(), v.GetStringLength())
                                        : sfn::json::Serialize(v);
        bool parsed = false;
        if (v.IsInt64()) {
          replay = v.GetInt64();
          parsed = true;
        } else if (v.IsString() && !text.empty()) {
          char* end = nullptr;
          long long n = std::strtoll(text.c_str(), &end, 10);
          if (end && *end == '\0') {
            replay = n;
            parsed = true;
          }
        }
        if (!parsed || !bus.IsRetained(subscription, replay)) {
          return fail("400::The replayId {" + text +
                      "} you provided was invalid. Please provide a valid ID, -2 to replay all "
                      "events, or -1 to replay only new events.");
        }
      }
    }
    if (!session.subscriptions.count(subscription)) {
      session.subscriptions[subscription] =
          replay == -1 ? bus.LatestReplayId(subscription) : (replay == -2 ? 0 : replay);
      Enqueue(session, subscription);
    }
    return Reply("/meta/subscribe", id)
        .Str("clientId", session.client_id)
        .Str("subscription", subscription)
        .Bool("successful", true)
        .Done();
  }

  std::string Unsubscribe(Session& session, const std::string& id,
                          const std::string& subscription) {
    session.subscriptions.erase(subscription);
    auto& p = session.pending;
    p.erase(std::remove_if(p.begin(), p.end(),
                           [&](const StoredEvent& e) { return e.channel == subscription; }),
            p.end());
    return Reply("/meta/unsubscribe", id)
        .Str("clientId", session.client_id)
        .Str("subscription", subscription)
        .Bool("successful", true)
        .Done();
  }
};

CometdEndpoint::CometdEndpoint(EventBus& bus, CometdOptions options)
    : impl_(std::make_unique<Impl>(bus, std::move(options))) {
  Impl* impl = impl_.get();
  impl_->listener = bus.Listen([impl](const StoredEvent& e) { impl->OnPublish(e); });
  impl_->timer = std::thread([impl] { impl->TimerLoop(); });
}

CometdEndpoint::~CometdEndpoint() {
  impl_->bus.Unlisten(impl_->listener);
  Shutdown();
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->stop_timer = true;
  }
  impl_->timer_cv.notify_all();
  impl_->timer.join();
}

void CometdEndpoint::Handle(sfn::http::Request&& request, sfn::http::Responder responder,
                            const AuthInfo& auth) {
  Impl& impl = *impl_;
  std::string uri_format = "URI format: '/cometd/" + impl.options.api_version + "'";

  auto parsed = sfn::json::Parse(request.body);
  const rapidjson::Value* messages = nullptr;
  if (parsed.ok() && (parsed->IsArray() || parsed->IsObject())) messages = &parsed.value();

  // Answers every message of the request with the same error.
  auto reject_all = [&](int status, const std::string& error) {
    std::vector<std::string> replies;
    auto reject = [&](const rapidjson::Value& m) {
      std::string channel = m.IsObject() ? sfn::json::GetString(m, "channel").value_or("") : "";
      std::string id;
      if (m.IsObject() && m.HasMember("id")) id = sfn::json::Serialize(m["id"]);
      replies.push_back(Reply(channel, id).Str("error", error).Bool("successful", false).Done());
    };
    if (messages && messages->IsArray()) {
      for (const auto& m : messages->GetArray()) reject(m);
    } else if (messages) {
      reject(*messages);
    }
    if (replies.empty()) {
      replies.push_back(Reply("", "").Str("error", error).Bool("successful", false).Done());
    }
    responder.Send(BayeuxResponse(status, replies));
  };

  if (request.method != "POST") return reject_all(400, "400::Only POST is supported");
  std::string version = VersionFromPath(request.path);
  if (version.empty())
    return reject_all(400, "400::API version in the URI is mandatory. " + uri_format);
  if (std::stod(version) < 37.0) {
    return reject_all(400,
                      "400::Unsupported API version. Only API versions '37.0' and later are "
                      "supported. " +
                          uri_format);
  }
  if (!messages) {
    return reject_all(400, "400::Request body must be a JSON array of Bayeux messages" +
                               (parsed.ok() ? std::string() : ": " + parsed.status().message()));
  }

  std::string cookie_header = request.headers.Get("Cookie");
  auto browser = CookieValue(cookie_header, kBrowserCookie);
  bool set_cookie = false;

  std::vector<const rapidjson::Value*> batch;
  if (messages->IsArray()) {
    for (const auto& m : messages->GetArray()) batch.push_back(&m);
  } else {
    batch.push_back(messages);
  }

  std::vector<std::string> replies;
  std::vector<Outgoing> out;
  std::optional<Outgoing> answer_now;
  {
    std::lock_guard<std::mutex> lock(impl.mu);
    const rapidjson::Value* connect = nullptr;
    Session* connect_session = nullptr;
    std::string connect_id;
    for (const rapidjson::Value* m : batch) {
      if (!m->IsObject()) {
        replies.push_back(Reply("", "")
                              .Str("error", "400::Each Bayeux message must be a JSON object")
                              .Bool("successful", false)
                              .Done());
        continue;
      }
      std::string channel = sfn::json::GetString(*m, "channel").value_or("");
      std::string id = m->HasMember("id") ? sfn::json::Serialize((*m)["id"]) : "";
      std::string client_id = sfn::json::GetString(*m, "clientId").value_or("");
      std::string subscription = sfn::json::GetString(*m, "subscription").value_or("");

      if (channel == "/meta/handshake") {
        replies.push_back(impl.Handshake(id, auth));
        if (auth.present && auth.valid && !browser) {
          browser = sfn::crypto::RandomHex(16);
          set_cookie = true;
        }
        continue;
      }
      if (channel.empty()) {
        replies.push_back(Reply("", id)
                              .Str("error", "400::Channel name not specified")
                              .Bool("successful", false)
                              .Done());
        continue;
      }
      Session* session = nullptr;
      std::string failure =
          impl.Precheck(channel, id, client_id, subscription, auth, browser.has_value(), &session);
      if (!failure.empty()) {
        replies.push_back(failure);
        continue;
      }
      if (channel == "/meta/connect") {
        std::string type = sfn::json::GetString(*m, "connectionType").value_or("long-polling");
        if (type != "long-polling") {
          replies.push_back(Reply(channel, id)
                                .Str("clientId", client_id)
                                .Str("error", "400::Invalid connection type {" + type + "}")
                                .Bool("successful", false)
                                .Done());
        } else if (connect) {
          // A second connect in one batch: answer it at once, hold only the last.
          replies.push_back(Reply(channel, id)
                                .Str("clientId", client_id)
                                .Bool("successful", true)
                                .Raw("advice", impl.ConnectAdvice())
                                .Done());
        } else {
          connect = m;
          connect_session = session;
          connect_id = id;
        }
      } else if (channel == "/meta/subscribe") {
        replies.push_back(impl.Subscribe(*session, id, subscription, *m));
      } else if (channel == "/meta/unsubscribe") {
        replies.push_back(impl.Unsubscribe(*session, id, subscription));
      } else if (channel == "/meta/disconnect") {
        impl.Release(*session, out);
        impl.sessions.erase(client_id);
        if (connect_session == session) {
          connect = nullptr;
          connect_session = nullptr;
        }
        replies.push_back(
            Reply(channel, id).Str("clientId", client_id).Bool("successful", true).Done());
      } else {
        // Platform events are published over REST or Apex, never through CometD.
        replies.push_back(Reply(channel, id)
                              .Str("clientId", client_id)
                              .Str("error", "403::Publish denied")
                              .Bool("successful", false)
                              .Done());
      }
    }

    sfn::http::Response headers_only;
    if (connect && connect_session) {
      Session& s = *connect_session;
      // Salesforce answers the first connect at once; later ones wait for events.
      if (impl.shutting_down || !s.connected_once || !s.pending.empty()) {
        answer_now = Outgoing{responder, impl.ConnectAnswer(s, replies, connect_id)};
      } else {
        impl.Release(s, out);  // a client has at most one connect waiting
        HeldConnect held{responder, std::move(replies), connect_id,
                         sfn::timeutil::NowMillis() + impl.options.connect_timeout_ms};
        s.held = std::move(held);
        impl.timer_cv.notify_all();
      }
    } else {
      answer_now = Outgoing{responder, BayeuxResponse(200, replies)};
    }
  }
  if (answer_now && set_cookie) {
    answer_now->response.headers.Add(
        "Set-Cookie", std::string(kBrowserCookie) + "=" + *browser + "; Path=/; HttpOnly");
  }
  if (answer_now) out.push_back(std::move(*answer_now));
  Impl::Send(out);
}

void CometdEndpoint::DropAllSessions() {
  std::vector<Outgoing> out;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    for (auto& [id, session] : impl_->sessions) impl_->Release(session, out);
    impl_->sessions.clear();
  }
  Impl::Send(out);
}

void CometdEndpoint::InvalidateAuthentication() {
  std::vector<Outgoing> out;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    for (auto& [id, session] : impl_->sessions) {
      if (!session.held) continue;
      HeldConnect held = std::move(*session.held);
      session.held.reset();
      session.last_seen_ms = sfn::timeutil::NowMillis();
      auto messages = held.replies;
      messages.push_back(Reply("/meta/connect", held.connect_id)
                             .Str("clientId", session.client_id)
                             .Raw("advice", R"({"reconnect":"none","interval":0})")
                             .Str("error", "401::Authentication invalid")
                             .Bool("successful", false)
                             .Done());
      out.push_back({held.responder, BayeuxResponse(200, messages)});
    }
  }
  Impl::Send(out);
}

void CometdEndpoint::Shutdown() {
  std::vector<Outgoing> out;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->shutting_down = true;
    for (auto& [id, session] : impl_->sessions) impl_->Release(session, out);
  }
  Impl::Send(out);
}

size_t CometdEndpoint::ActiveClients() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->sessions.size();
}

size_t CometdEndpoint::HeldConnects() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  size_t held = 0;
  for (const auto& [id, session] : impl_->sessions) held += session.held ? 1 : 0;
  return held;
}

}  // namespace sfemu
