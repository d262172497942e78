#include "connector/history/web_login.h"

#include <cmath>

#include "common/crypto.h"
#include "common/form.h"
#include "common/json.h"
#include "common/json_writer.h"
#include "common/log.h"
#include "common/time_util.h"
#include "salesforce/oauth.h"
#include "salesforce/record_id.h"

namespace sfn::connector {

namespace {

constexpr const char* kSessionCookie = "sfn_session";
constexpr const char* kLoginCookie = "sfn_login";  // the state, bound to the browser that started
constexpr const char* kCallbackPath = "/auth/callback";

http::Response Redirect(const std::string& location) {
  http::Response r = http::TextResponse(302, "", "text/plain; charset=utf-8");
  r.headers.Set("Location", location);
  r.headers.Set("Cache-Control", "no-store");
  return r;
}

std::string SessionHash(const std::string& session_id) {
  return crypto::Hex(crypto::Sha256(session_id));
}

// The User Id at the end of the identity URL the token response names:
// https://login.salesforce.com/id/00D.../005...
std::optional<std::string> UserIdFromIdentityUrl(const std::string& url) {
  size_t slash = url.rfind('/');
  if (slash == std::string::npos) return std::nullopt;
  auto id = salesforce::NormalizeId(url.substr(slash + 1));
  if (!id.ok() || salesforce::KeyPrefix(*id) != "005") return std::nullopt;
  return *id;
}

}  // namespace

std::string CookieValue(const std::string& header, const std::string& name) {
  size_t pos = 0;
  while (pos < header.size()) {
    size_t end = header.find(';', pos);
    if (end == std::string::npos) end = header.size();
    std::string part = header.substr(pos, end - pos);
    size_t start = part.find_first_not_of(' ');
    if (start != std::string::npos) part = part.substr(start);
    size_t eq = part.find('=');
    if (eq != std::string::npos && part.compare(0, eq, name) == 0 && eq == name.size()) {
      return part.substr(eq + 1);
    }
    pos = end + 1;
  }
  return "";
}

WebLogin::WebLogin(WebLoginSettings settings, Store& store, UserDirectory directory)
    : settings_(std::move(settings)),
      store_(store),
      directory_(std::move(directory)),
      workers_(std::make_unique<WorkQueue>(2)) {
  callback_url_ = settings_.login.callback_url;
  std::string target;
  if (!http::SplitUrl(settings_.login.login_url, &login_base_, &target).ok()) {
    login_base_ = settings_.login.login_url;
  }
  http::ClientOptions client_options;
  client_options.timeout = std::chrono::milliseconds(15000);
  client_options.verify_tls = settings_.verify_tls;
  client_options.follow_redirects = false;  // the OAuth endpoints answer; they never send us on
  login_host_ = std::make_unique<http::Client>(login_base_, client_options);
}

WebLogin::~WebLogin() {
  workers_.reset();
}

void WebLogin::SetPublicUrl(const std::string& base_url) {
  std::lock_guard<std::mutex> lock(mu_);
  if (settings_.login.callback_url.empty()) callback_url_ = base_url + kCallbackPath;
}

std::string WebLogin::CallbackUrl() const {
  std::lock_guard<std::mutex> lock(mu_);
  return callback_url_;
}

std::string WebLogin::Cookie(const std::string& name, const std::string& value,
                             int64_t max_age_seconds, const std::string& path) const {
  std::string c = name + "=" + value + "; Path=" + path +
                  "; Max-Age=" + std::to_string(max_age_seconds) + "; HttpOnly; SameSite=Lax";
  // Secure whenever people reach the page over https (the callback says how they do).
  if (CallbackUrl().rfind("https://", 0) == 0) c += "; Secure";
  return c;
}

bool WebLogin::Handle(http::Request& request, http::Responder& responder) {
  const std::string& path = request.path;
  if (path.rfind("/auth/", 0) != 0) return false;
  auto only = [&](const char* method) {
    if (request.method == method) return true;
    responder.Send(ApiError(405, "method_not_allowed", std::string("use ") + method));
    return false;
  };
  if (path == "/auth/login") {
    if (only("GET")) {
      http::Responder reply = responder;
      workers_->Post([this, reply] { Login(reply); });  // it purges expired sessions (a write)
    }
  } else if (path == kCallbackPath) {
    if (only("GET")) {
      auto req = std::make_shared<http::Request>(request);
      http::Responder reply = responder;
      workers_->Post([this, req, reply] { Callback(*req, reply); });
    }
  } else if (path == "/auth/me") {
    if (only("GET")) Me(request, responder);
  } else if (path == "/auth/logout") {
    if (only("POST")) {
      auto req = std::make_shared<http::Request>(request);
      http::Responder reply = responder;
      workers_->Post([this, req, reply] { Logout(*req, reply); });
    }
  } else {
    responder.Send(ApiError(404, "not_found", "no such endpoint: " + path));
  }
  return true;
}

void WebLogin::Login(http::Responder responder) {
  int64_t now = timeutil::NowMillis();
  std::string state = crypto::RandomHex(16);
  // RFC 7636: 43-128 unreserved characters; 64 hex digits carry 256 random bits.
  std::string verifier = crypto::RandomHex(32);
  store_.PurgeWebSessions(now);  // sessions that expired without a sign-out
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = pending_.begin(); it != pending_.end();) {
      it = now - it->second.created_ms > settings_.login_timeout_ms ? pending_.erase(it)
                                                                    : std::next(it);
    }
    if (pending_.size() >= settings_.max_pending_logins) {
      responder.Send(
          ApiError(503, "unavailable", "too many sign-ins under way; try again in a minute"));
      return;
    }
    pending_[state] = PendingLogin{verifier, now};
  }
  form::Params params = {{"response_type", "code"},
                         {"client_id", settings_.login.client_id},
                         {"redirect_uri", CallbackUrl()},
                         {"scope", settings_.login.scopes},
                         {"state", state},
                         {"code_challenge", crypto::Base64UrlEncode(crypto::Sha256(verifier))},
                         {"code_challenge_method", "S256"}};
  http::Response r =
      Redirect(login_base_ + "/services/oauth2/authorize?" + form::Serialize(params));
  r.headers.Add("Set-Cookie",
                Cookie(kLoginCookie, state, settings_.login_timeout_ms / 1000, kCallbackPath));
  responder.Send(std::move(r));
}

void WebLogin::Callback(const http::Request& request, http::Responder responder) {
  auto params = form::Parse(request.query);
  std::string state = form::Get(params, "state");
  std::string code = form::Get(params, "code");
  std::optional<PendingLogin> pending;
  if (!state.empty()) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pending_.find(state);
    if (it != pending_.end()) {
      pending = it->second;
      pending_.erase(it);  // single use, whatever happens next
    }
  }
  int64_t now = timeutil::NowMillis();
  if (!pending || now - pending->created_ms > settings_.login_timeout_ms) {
    responder.Send(ApiError(400, "invalid_state",
                            "unknown or expired sign-in; start again at /auth/login", "state"));
    return;
  }
  // The state must also come back in the cookie of the browser that started: a link made by
  // someone else (login CSRF) carries their state, not this browser's.
  if (!crypto::ConstantTimeEquals(CookieValue(request.headers.Get("Cookie"), kLoginCookie),
                                  state)) {
    responder.Send(
        ApiError(400, "invalid_state", "this sign-in was started in another browser", "state"));
    return;
  }
  if (std::string error = form::Get(params, "error"); !error.empty()) {
    responder.Send(ApiError(
        400, "salesforce_refused",
        "Salesforce refused the sign-in: " + error + " " + form::Get(params, "error_description"),
        "error"));
    return;
  }
  if (code.empty()) {
    responder.Send(
        ApiError(400, "invalid_request", "the callback carries no authorization code", "code"));
    return;
  }
  form::Params token_params = {{"grant_type", "authorization_code"},
                               {"code", code},
                               {"client_id", settings_.login.client_id},
                               {"redirect_uri", CallbackUrl()},
                               {"code_verifier", pending->code_verifier}};
  if (!settings_.client_secret.empty())
    token_params.push_back({"client_secret", settings_.client_secret});
  http::Request token_request;
  token_request.method = "POST";
  token_request.path = "/services/oauth2/token";
  token_request.headers.Set("Content-Type", "application/x-www-form-urlencoded");
  token_request.headers.Set("Accept", "application/json");
  token_request.body = form::Serialize(token_params);
  auto answer = login_host_->Send(token_request);
  if (!answer.ok()) {
    responder.Send(ApiError(502, "salesforce_unreachable",
                            "cannot reach Salesforce: " + answer.status().message()));
    return;
  }
  auto doc = json::Parse(answer->body);
  if (answer->status != 200 || !doc.ok() || !doc->IsObject()) {
    std::string detail = doc.ok() && doc->IsObject()
                             ? json::GetString(*doc, "error").value_or("") + ": " +
                                   json::GetString(*doc, "error_description").value_or("")
                             : "HTTP " + std::to_string(answer->status);
    log::Warn("web_login", "token exchange refused: " + detail);
    responder.Send(ApiError(400, "salesforce_refused",
                            "Salesforce refused the sign-in (" + detail + ")", "code"));
    return;
  }
  std::string access_token = json::GetString(*doc, "access_token").value_or("");
  std::string identity = json::GetString(*doc, "id").value_or("");
  if (!settings_.client_secret.empty() && doc->HasMember("signature")) {
    if (!salesforce::VerifyTokenSignature(settings_.client_secret, identity,
                                          json::GetString(*doc, "issued_at").value_or(""),
                                          json::GetString(*doc, "signature").value_or(""))) {
      responder.Send(
          ApiError(400, "salesforce_refused", "the token response's signature does not verify"));
      return;
    }
  }
  auto user_id = UserIdFromIdentityUrl(identity);
  if (access_token.empty() || !user_id) {
    responder.Send(ApiError(502, "salesforce_refused", "the token response names no user"));
    return;
  }
  auto user = directory_(*user_id);
  if (!user.ok()) {
    responder.Send(ApiError(503, "unavailable",
                            "cannot read the user from Salesforce: " + user.status().message()));
    return;
  }
  if (!user->found || !user->active) {
    responder.Send(ApiError(403, "forbidden", "user " + *user_id + " is unknown or inactive"));
    return;
  }
  std::string session_id = crypto::RandomHex(32);
  WebSession session;
  session.id_hash = SessionHash(session_id);
  session.user_id = *user_id;
  session.user_name = user->name;
  session.permission_sets = user->permission_sets;
  session.csrf_token = crypto::RandomHex(24);
  session.access_token = access_token;
  session.created_ms = now;
  auto lifetime_ms = static_cast<int64_t>(std::llround(settings_.session_hours * 3600.0 * 1000.0));
  session.expires_ms = now + lifetime_ms;
  Status stored = store_.CreateWebSession(session);
  if (!stored.ok()) {
    responder.Send(ApiError(503, "unavailable", "cannot store the session: " + stored.message()));
    return;
  }
  log::Info("web_login", "user " + *user_id + " signed in");
  http::Response r = Redirect("/");
  r.headers.Add("Set-Cookie", Cookie(kSessionCookie, session_id, lifetime_ms / 1000, "/"));
  responder.Send(std::move(r));
}

std::optional<WebSession> WebLogin::SessionOf(const http::Request& request) const {
  std::string id = CookieValue(request.headers.Get("Cookie"), kSessionCookie);
  if (id.size() != 64) return std::nullopt;
  return store_.FindWebSession(SessionHash(id), timeutil::NowMillis());
}

std::optional<Principal> WebLogin::Authenticate(const http::Request& request) const {
  auto session = SessionOf(request);
  if (!session) return std::nullopt;
  Principal p;
  p.role = ApiRole::kRead;
  p.session = true;
  p.user_id = session->user_id;
  p.user_name = session->user_name;
  p.rights = RightsFor(settings_.visibility, session->user_id, session->permission_sets);
  return p;
}

void WebLogin::Me(const http::Request& request, http::Responder responder) const {
  auto session = SessionOf(request);
  if (!session) {
    responder.Send(ApiError(401, "unauthenticated", "not signed in (or the session expired)"));
    return;
  }
  ViewerRights rights = RightsFor(settings_.visibility, session->user_id, session->permission_sets);
  json::Writer w;
  w.StartObject();
  w.KeyStr("user_id", session->user_id);
  w.KeyStr("name", session->user_name);
  w.Key("sees_all");
  w.Bool(rights.sees_all);
  w.Key("full_numbers");
  w.Bool(rights.full_numbers);
  w.Key("contact_points");
  w.StartArray();
  for (const auto& cp : rights.contact_points) w.Str(cp);
  w.EndArray();
  w.KeyStr("csrf_token", session->csrf_token);
  w.KeyTime("expires_at", session->expires_ms);
  w.EndObject();
  http::Response r = w.Response(200);
  r.headers.Set("Cache-Control", "no-store");
  responder.Send(std::move(r));
}

void WebLogin::Logout(const http::Request& request, http::Responder responder) {
  auto session = SessionOf(request);
  if (!session) {
    responder.Send(ApiError(401, "unauthenticated", "not signed in (or the session expired)"));
    return;
  }
  std::string presented = request.headers.Get("X-CSRF-Token");
  if (presented.empty()) presented = form::Get(form::Parse(request.body), "csrf_token");
  if (presented.empty() || !crypto::ConstantTimeEquals(presented, session->csrf_token)) {
    responder.Send(ApiError(
        403, "csrf_token_invalid",
        "sign-out needs this session's CSRF token (X-CSRF-Token header or csrf_token field)",
        "csrf_token"));
    return;
  }
  // Revoke first: the session goes either way, but a token Salesforce still honours is logged.
  http::Request revoke;
  revoke.method = "POST";
  revoke.path = "/services/oauth2/revoke";
  revoke.headers.Set("Content-Type", "application/x-www-form-urlencoded");
  revoke.body = form::Serialize({{"token", session->access_token}});
  auto revoked = login_host_->Send(revoke);
  if (!revoked.ok() || revoked->status != 200) {
    log::Warn("web_login", "user " + session->user_id +
                               ": Salesforce did not confirm the token revocation (" +
                               (revoked.ok() ? "HTTP " + std::to_string(revoked->status)
                                             : revoked.status().message()) +
                               ")");
  }
  Status deleted = store_.DeleteWebSession(session->id_hash);
  if (!deleted.ok()) {
    responder.Send(ApiError(503, "unavailable", "cannot end the session: " + deleted.message()));
    return;
  }
  log::Info("web_login", "user " + session->user_id + " signed out");
  http::Response r = http::JsonResponse(200, R"({"signed_out":true})");
  r.headers.Add("Set-Cookie", Cookie(kSessionCookie, "", 0, "/"));
  r.headers.Set("Cache-Control", "no-store");
  responder.Send(std::move(r));
}

}  // namespace sfn::connector
