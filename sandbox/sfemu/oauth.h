// sfemu's OAuth 2.0 server: the web server flow (/services/oauth2/authorize
// with a login form for the demo users, PKCE S256, callbacks on 127.0.0.1 /
// localhost only), the token endpoint (authorization code, JWT bearer, client
// credentials, refresh token with optional rotation, username-password),
// /services/oauth2/revoke and /services/oauth2/introspect, the identity
// service (/services/oauth2/userinfo and the identity URL /id/ORG/USER),
// /services/oauth2/singleaccess (frontdoor URLs), and the table of
// issued tokens the router checks bearer tokens against. Error bodies and
// texts follow Salesforce ({"error":"invalid_grant","error_description":...}).
// Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/http_types.h"
#include "sandbox/sfemu/org_store.h"

namespace sfemu {

struct OAuthOptions {
  std::string client_id = "sfnotify-local";
  std::string client_secret = "sfnotify-local-secret";
  std::string jwt_cert_pem;  // certificate (or public key) that verifies JWT assertions
  int64_t token_ttl_seconds =
      7200;  // access tokens expire this long after issue (absolute, not idle)
  bool rotate_refresh_tokens =
      false;           // each refresh returns a new refresh token; reuse revokes the family
  std::string org_id;  // 18-char Organization Id (00D...)
  std::string api_version = "62.0";  // "latest" in the identity URL's ?version=
};

struct TokenInfo {
  std::string user_id;  // 18-char User Id
  std::string username;
  int64_t issued_ms = 0;
  int64_t expires_ms = 0;
  std::string scope;
};

class OAuthServer {
 public:
  OAuthServer(OrgStore& store, OAuthOptions options);
  ~OAuthServer();

  // Handles GET/POST /services/oauth2/authorize, POST
  // /services/oauth2/{token,revoke,introspect}, GET /services/oauth2/{userinfo,singleaccess}
  // and the identity URL /id/ORG/USER. `instance_url` is sfemu's own base URL (returned as
  // instance_url and in the id URL).
  sfn::http::Response Handle(const sfn::http::Request& request, const std::string& instance_url);

  // The token's user when it is known, unexpired and not revoked.
  std::optional<TokenInfo> Validate(std::string_view access_token) const;
  // Test hook: every access token issued so far stops working; refresh tokens stay valid.
  void ExpireAllAccessTokens();
  // Test hook standing in for the authorization-code flow: a refresh token for
  // `username`, or nullopt when the user is unknown.
  std::optional<std::string> IssueRefreshToken(const std::string& username);
  void set_rotate_refresh_tokens(bool on);

 private:
  struct Impl;
  struct Identity;
  // GET /services/oauth2/userinfo (userinfo=true) or the identity URL /id/ORG/USER.
  sfn::http::Response IdentityResponse(const sfn::http::Request& request,
                                       const std::string& instance_url, bool userinfo);
  // /services/oauth2/singleaccess: {"frontdoor_uri": ".../secur/frontdoor.jsp?otp=..."}.
  sfn::http::Response SingleAccess(const sfn::http::Request& request,
                                   const std::string& instance_url);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sfemu
