// Sign-in to the history web page with Salesforce: the OAuth 2.0 web server
// flow with PKCE (S256) against the configured org, and the server-side
// sessions behind the page's cookie (docs/history.md):
//   GET  /auth/login     302 to {login_url}/services/oauth2/authorize with a
//                        fresh `state` and code challenge; the state is also
//                        set in a short-lived cookie bound to this browser
//   GET  /auth/callback  checks `state` (server record, single use, 10 minutes,
//                        and the browser's cookie), exchanges the code and the
//                        PKCE verifier at /services/oauth2/token, reads the
//                        user's name and permission sets, stores a session and
//                        sets the `sfn_session` cookie (HttpOnly, SameSite=Lax,
//                        Secure when the callback URL is https), 302 to /
//   GET  /auth/me        who is signed in, what they see, and the CSRF token
//   POST /auth/logout    needs the CSRF token (X-CSRF-Token header or a
//                        csrf_token form field); revokes the Salesforce token
//                        at /services/oauth2/revoke, deletes the session
// Errors on /auth/* are JSON ({"error":{"code","message","field"}}), 4xx.
//
// Sessions give read access to the history routes only, with the visibility
// of intake/visibility.h; sending still needs an API key.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/http_client.h"
#include "common/http_server.h"
#include "common/status.h"
#include "common/work_queue.h"
#include "connector/config/config.h"
#include "connector/intake/api_server.h"
#include "connector/intake/visibility.h"
#include "connector/outbox/store.h"

namespace sfn::connector {

// A Salesforce user as the resolver's permission check reads it.
struct DirectoryUser {
  bool found = false;
  bool active = false;
  std::string name;
  std::vector<std::string> permission_sets;  // API names
};
// Looks a user up by Id (in production: SalesforceResolver::DescribeUser, cached).
using UserDirectory = std::function<Result<DirectoryUser>(const std::string& user_id)>;

struct WebLoginSettings {
  WebLoginOptions login;      // client id, callback URL, login URL, scopes (config.h)
  std::string client_secret;  // "" when the Connected App does not require it (PKCE alone)
  double session_hours = 8;   // a session ends this long after sign-in, used or not
  VisibilityOptions visibility;
  int64_t login_timeout_ms = 10 * 60 * 1000;  // between /auth/login and the callback
  size_t max_pending_logins = 10000;          // sign-ins under way at once (memory bound)
  bool verify_tls = true;
};

class WebLogin {
 public:
  WebLogin(WebLoginSettings settings, Store& store, UserDirectory directory);
  ~WebLogin();  // finishes queued token exchanges

  // A RouteHandler for /auth/*: true when the request was one of them.
  bool Handle(http::Request& request, http::Responder& responder);
  // The signed-in person of a request (its sfn_session cookie), or nullopt.
  std::optional<Principal> Authenticate(const http::Request& request) const;
  // The callback when settings.login.callback_url is empty: {public URL}/auth/callback, known once
  // the API server listens.
  void SetPublicUrl(const std::string& base_url);

 private:
  struct PendingLogin {
    std::string code_verifier;
    int64_t created_ms = 0;
  };
  void Login(http::Responder responder);
  void Callback(const http::Request& request, http::Responder responder);
  void Me(const http::Request& request, http::Responder responder) const;
  void Logout(const http::Request& request, http::Responder responder);
  std::optional<WebSession> SessionOf(const http::Request& request) const;
  std::string Cookie(const std::string& name, const std::string& value, int64_t max_age_seconds,
                     const std::string& path) const;
  std::string CallbackUrl() const;

  WebLoginSettings settings_;
  Store& store_;
  UserDirectory directory_;
  std::unique_ptr<http::Client> login_host_;  // authorize/token/revoke host
  std::string login_base_;                    // its scheme://host[:port]
  mutable std::mutex mu_;
  std::string callback_url_;                     // guarded by mu_
  std::map<std::string, PendingLogin> pending_;  // by state
  std::unique_ptr<WorkQueue> workers_;           // token exchanges and revokes (they block)
};

// The value of cookie `name` in a Cookie header, or "".
std::string CookieValue(const std::string& cookie_header, const std::string& name);

}  // namespace sfn::connector
