#include "sandbox/sfemu/oauth.h"

#include "sandbox/sfemu/html.h"
#include <map>
#include <mutex>

#include "common/crypto.h"
#include "common/form.h"
#include "common/json.h"
#include "common/log.h"
#include "common/time_util.h"
#include "salesforce/record_id.h"

namespace sfemu {

namespace {

const char* kLoginAudience = "https://login.salesforce.com";
const char* kTestAudience = "https://test.salesforce.com";
// Salesforce's JWT bearer flow documents exp as the assertion's expiry with "a 3-minute buffer
// for clock skew": an assertion is refused only once exp lies more than 3 minutes in the past.
// There is no upper bound; the Salesforce CLI (@salesforce/core) sends exp = Date.now() + 300,
// i.e. milliseconds, and real orgs accept it.
constexpr int64_t kClockSkewSeconds = 180;

sfn::http::Response OAuthError(int status, const std::string& error,
                               const std::string& description) {
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  doc.AddMember("error", sfn::json::Str(error, a), a);
  doc.AddMember("error_description", sfn::json::Str(description, a), a);
  auto r = sfn::http::JsonResponse(status, sfn::json::Serialize(doc));
  r.headers.Set("Content-Type", "application/json;charset=UTF-8");
  return r;
}

struct AccessToken {
  TokenInfo info;
  std::string family;  // refresh-token family it came from; empty for none
  bool revoked = false;
};

struct RefreshToken {
  std::string user_id;
  std::string username;
  std::string family;
  bool rotated = false;  // replaced by a newer token of the family
  bool revoked = false;
};

struct User {
  std::string id;
  std::string username;
};

// An authorization code of the web server flow: single use, bound to the
// client, the redirect URI and (with PKCE) the code challenge.
struct AuthorizationCode {
  User user;
  std::string client_id;
  std::string redirect_uri;
  std::string code_challenge;  // base64url(SHA-256(code_verifier)); empty without PKCE
  std::string scope;
  int64_t expires_ms = 0;
};

// Salesforce keeps an authorization code valid for 15 minutes.
constexpr int64_t kAuthorizationCodeTtlMs = 15 * 60 * 1000;

// Without a registered callback list, sfemu accepts callbacks on this machine only (its
// stand-in for the Connected App's Callback URL field).
bool LoopbackCallback(const std::string& uri) {
  for (const char* prefix : {"http://127.0.0.1:", "http://127.0.0.1/", "http://localhost:",
                             "http://localhost/", "https://127.0.0.1:", "https://localhost:"}) {
    if (uri.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

sfn::http::Response HtmlPage(int status, const std::string& body) {
  auto r = sfn::http::TextResponse(status, body, "text/html; charset=utf-8");
  r.headers.Set("Cache-Control", "no-store");
  r.headers.Set("X-Frame-Options", "DENY");
  return r;
}

}  // namespace

struct OAuthServer::Impl {
  OrgStore& store;
  OAuthOptions options;
  mutable std::mutex mu;
  std::map<std::string, AccessToken> access;
  std::map<std::string, RefreshToken> refresh;
  std::map<std::string, AuthorizationCode> codes;  // web server flow, until redeemed

  Impl(OrgStore& s, OAuthOptions o) : store(s), options(std::move(o)) {}

  std::optional<User> FindUser(const std::string& username) {
    auto txn = store.Begin();
    const Record* r = txn.FindBy("User", "Username", username);
    if (!r) return std::nullopt;
    auto active = r->fields.find("IsActive");
    if (active != r->fields.end() && std::holds_alternative<bool>(active->second) &&
        !std::get<bool>(active->second)) {
      return std::nullopt;
    }
    return User{r->id, std::get<std::string>(r->fields.at("Username"))};
  }

  // Client authentication: body parameters or HTTP Basic.
  void ClientCredentials(const sfn::http::Request& req, const sfn::form::Params& params,
                         std::string* id, std::string* secret, bool* secret_given) {
    bool found = false;
    *id = sfn::form::Get(params, "client_id");
    *secret = sfn::form::Get(params, "client_secret", &found);
    *secret_given = found;
    std::string auth = req.headers.Get("Authorization");
    if (auth.rfind("Basic ", 0) == 0) {
      auto decoded = sfn::crypto::Base64Decode(auth.substr(6));
      if (decoded.ok()) {
        auto colon = decoded->find(':');
        if (colon != std::string::npos) {
          *id = sfn::form::Decode(decoded->substr(0, colon));
          *secret = sfn::form::Decode(decoded->substr(colon + 1));
          *secret_given = true;
        }
      }
    }
  }

  sfn::http::Response Issue(const User& user, const std::string& instance_url,
                            const std::string& scope, const std::string& family,
                            const std::string& new_refresh) {
    std::string org15 = options.org_id.substr(0, 15);
    std::string token = org15 + "!AQ" + sfn::crypto::Base64UrlEncode(sfn::crypto::RandomHex(36));
    int64_t now = sfn::timeutil::NowMillis();
    AccessToken at;
    at.info = TokenInfo{user.id, user.username, now, now + options.token_ttl_seconds * 1000, scope};
    at.family = family;
    {
      std::lock_guard<std::mutex> lock(mu);
      access[token] = at;
    }
    std::string id_url = instance_url + "/id/" + options.org_id + "/" + user.id;
    std::string issued_at = std::to_string(now);
    std::string signature = sfn::crypto::Base64Encode(
        sfn::crypto::HmacSha256(options.client_secret, id_url + issued_at));
    rapidjson::Document doc(rapidjson::kObjectType);
    auto& a = doc.GetAllocator();
    doc.AddMember("access_token", sfn::json::Str(token, a), a);
    if (!new_refresh.empty()) doc.AddMember("refresh_token", sfn::json::Str(new_refresh, a), a);
    doc.AddMember("signature", sfn::json::Str(signature, a), a);
    doc.AddMember("scope", sfn::json::Str(scope, a), a);
    doc.AddMember("instance_url", sfn::json::Str(instance_url, a), a);
    doc.AddMember("id", sfn::json::Str(id_url, a), a);
    doc.AddMember("token_type", "Bearer", a);
    doc.AddMember("issued_at", sfn::json::Str(issued_at, a), a);
    auto r = sfn::http::JsonResponse(200, sfn::json::Serialize(doc));
    r.headers.Set("Content-Type", "application/json;charset=UTF-8");
    return r;
  }

  std::string NewRefreshToken(const User& user, const std::string& family) {
    std::string token = "5Aep861" + sfn::crypto::Base64UrlEncode(sfn::crypto::RandomHex(40));
    RefreshToken rt{user.id, user.username, family.empty() ? token : family, false, false};
    std::lock_guard<std::mutex> lock(mu);
    refresh[token] = rt;
    return token;
  }

  // Caller holds mu.
  void RevokeFamily(const std::string& family) {
    for (auto& [t, r] : refresh) {
      if (r.family == family) r.revoked = true;
    }
    for (auto& [t, at] : access) {
      if (at.family == family) at.revoked = true;
    }
  }

  sfn::http::Response Jwt(const std::string& assertion, const std::string& instance_url) {
    auto invalid = [] { return OAuthError(400, "invalid_grant", "invalid assertion"); };
    auto dot1 = assertion.find('.');
    auto dot2 = dot1 == std::string::npos ? std::string::npos : assertion.find('.', dot1 + 1);
    if (dot2 == std::string::npos || assertion.find('.', dot2 + 1) != std::string::npos)
      return invalid();
    auto header_json = sfn::crypto::Base64UrlDecode(assertion.substr(0, dot1));
    auto claims_json = sfn::crypto::Base64UrlDecode(assertion.substr(dot1 + 1, dot2 - dot1 - 1));
    auto signature = sfn::crypto::Base64UrlDecode(assertion.substr(dot2 + 1));
    if (!header_json.ok() || !claims_json.ok() || !signature.ok()) return invalid();
    auto header = sfn::json::Parse(*header_json);
    auto claims = sfn::json::Parse(*claims_json);
    if (!header.ok() || !claims.ok() || !header->IsObject() || !claims->IsObject())
      return invalid();
    if (sfn::json::GetString(*header, "alg").value_or("") != "RS256") {
      return OAuthError(400, "invalid_grant", "invalid assertion: algorithm must be RS256");
    }
    auto verified =
        sfn::crypto::VerifyRs256(options.jwt_cert_pem, assertion.substr(0, dot2), *signature);
    if (!verified.ok() || !*verified) return invalid();
    if (sfn::json::GetString(*claims, "iss").value_or("") != options.client_id) {
      return OAuthError(400, "invalid_client_id", "client identifier invalid");
    }
    bool audience_ok = false;
    if (claims->HasMember("aud")) {
      const auto& aud = (*claims)["aud"];
      auto ok = [](const rapidjson::Value& v) {
        return v.IsString() && (std::string(v.GetString()) == kLoginAudience ||
                                std::string(v.GetString()) == kTestAudience);
      };
      if (aud.IsArray()) {
        for (const auto& v : aud.GetArray()) audience_ok = audience_ok || ok(v);
      } else {
        audience_ok = ok(aud);
      }
    }
    if (!audience_ok) return OAuthError(400, "invalid_grant", "audience is invalid");
    // exp may be a number or (as in Salesforce's own example) a string of digits.
    int64_t exp = 0;
    if (claims->HasMember("exp") && (*claims)["exp"].IsNumber()) {
      exp = static_cast<int64_t>((*claims)["exp"].GetDouble());
    } else if (auto s = sfn::json::GetString(*claims, "exp")) {
      exp = std::atoll(s->c_str());
    }
    int64_t now = sfn::timeutil::NowSeconds();
    if (exp == 0) return invalid();
    if (exp + kClockSkewSeconds <= now)
      return OAuthError(400, "invalid_grant", "expired authorization code");
    // The legacy "prn" claim wins over "sub" when both are present.
    std::string subject = sfn::json::GetString(*claims, "prn")
                              .value_or(sfn::json::GetString(*claims, "sub").value_or(""));
    auto user = FindUser(subject);
    if (!user) return OAuthError(400, "invalid_grant", "user hasn't approved this consumer");
    return Issue(*user, instance_url, "api web openid", "", "");
  }

  // GET /services/oauth2/authorize shows the login form; POST (the form) checks the password and
  // redirects to the callback with ?code=&state=. Problems with the client or the callback are
  // shown on the page (never redirected to an unchecked URI); the rest go to the callback as
  // ?error=.
  sfn::http::Response Authorize(const sfn::http::Request& req) {
    auto params = sfn::form::Parse(req.method == "POST" ? req.body : req.query);
    auto get = [&](const char* name) { return sfn::form::Get(params, name); };
    const std::string client_id = get("client_id");
    const std::string redirect_uri = get("redirect_uri");
    const std::string state = get("state");
    auto page_error = [](const std::string& code, const std::string& description) {
      return HtmlPage(400,
                      "<!doctype html><html><head><link rel=\"icon\" "
                      "href=\"data:,\"><title>Error</title></head><body><h1>" +
                          code + "</h1><p id=\"error\">error=" + code + "&amp;error_description=" +
                          HtmlEscape(description) + "</p></body></html>");
    };
    if (client_id != options.client_id)
      return page_error("invalid_client_id", "client identifier invalid");
    if (redirect_uri.empty() || !LoopbackCallback(redirect_uri)) {
      return page_error("redirect_uri_mismatch", "redirect_uri must match configuration");
    }
    auto redirect_error = [&](const std::string& code, const std::string& description) {
      std::string location =
          redirect_uri + (redirect_uri.find('?') == std::string::npos ? "?" : "&") +
          "error=" + code + "&error_description=" + sfn::form::Encode(description);
      if (!state.empty()) location += "&state=" + sfn::form::Encode(state);
      auto r = HtmlPage(302, "");
      r.headers.Set("Location", location);
      return r;
    };
    if (get("response_type") != "code") {
      return redirect_error("unsupported_response_type", "response type not supported");
    }
    const std::string challenge = get("code_challenge");
    const std::string method = get("code_challenge_method");
    if (!challenge.empty() && !method.empty() && method != "S256") {
      return redirect_error("invalid_request", "code_challenge_method must be S256");
    }
    if (req.method != "POST") return LoginForm(params, "");
    std::string username = get("username");
    auto user = FindUser(username);
    if (!user || !store.CheckPassword(username, get("password"))) {
      return LoginForm(
          params,
          "Please check your username and password. If you still can't log in, contact "
          "your Salesforce administrator.");
    }
    std::string code = "aPrx" + sfn::crypto::Base64UrlEncode(sfn::crypto::RandomHex(32));
    std::string scope = get("scope").empty() ? "api" : get("scope");
    {
      std::lock_guard<std::mutex> lock(mu);
      codes[code] = AuthorizationCode{
          *user,     client_id, redirect_uri,
          challenge, scope,     sfn::timeutil::NowMillis() + kAuthorizationCodeTtlMs};
    }
    std::string location = redirect_uri +
                           (redirect_uri.find('?') == std::string::npos ? "?" : "&") +
                           "code=" + sfn::form::Encode(code);
    if (!state.empty()) location += "&state=" + sfn::form::Encode(state);
    auto r = HtmlPage(302, "");
    r.headers.Set("Location", location);
    return r;
  }

  // The demo users' login page: the request's parameters ride along as hidden fields.
  sfn::http::Response LoginForm(const sfn::form::Params& params, const std::string& error) {
    std::string hidden;
    for (const char* name : {"response_type", "client_id", "redirect_uri", "state", "scope",
                             "code_challenge", "code_challenge_method"}) {
      hidden += "<input type=\"hidden\" name=\"" + std::string(name) + "\" value=\"" +
                HtmlEscape(sfn::form::Get(params, name)) + "\">";
    }
    std::string body =
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><link rel=\"icon\" "
        "href=\"data:,\"><title>Login | "
        "sfemu</title></head>"
        "<body><h1>Log in to sfemu</h1>" +
        (error.empty() ? std::string()
                       : "<p id=\"error\" role=\"alert\">" + HtmlEscape(error) + "</p>") +
        "<form method=\"post\" action=\"/services/oauth2/authorize\">" + hidden +
        "<p><label for=\"username\">Username</label> <input id=\"username\" name=\"username\" "
        "autocomplete=\"username\"></p>"
        "<p><label for=\"password\">Password</label> <input id=\"password\" name=\"password\" "
        "type=\"password\" autocomplete=\"current-password\"></p>"
        "<p><button id=\"Login\" type=\"submit\">Log In</button></p></form>"
        "<p>Demo users: sender@sfnotify.demo, viewer@sfnotify.demo, "
        "integration@sfnotify.demo</p></body></html>";
    return HtmlPage(200, body);
  }

  // grant_type=authorization_code: the code once, with the same client and redirect URI, and the
  // PKCE verifier when the authorization carried a challenge (else the client secret).
  sfn::http::Response AuthorizationCodeGrant(const sfn::http::Request& req,
                                             const sfn::form::Params& params,
                                             const std::string& instance_url) {
    std::string client_id, secret;
    bool secret_given = false;
    ClientCredentials(req, params, &client_id, &secret, &secret_given);
    if (client_id != options.client_id)
      return OAuthError(400, "invalid_client_id", "client identifier invalid");
    if (secret_given && !sfn::crypto::ConstantTimeEquals(secret, options.client_secret)) {
      return OAuthError(400, "invalid_client", "invalid client credentials");
    }
    AuthorizationCode code;
    {
      std::lock_guard<std::mutex> lock(mu);
      auto it = codes.find(sfn::form::Get(params, "code"));
      if (it == codes.end()) return OAuthError(400, "invalid_grant", "invalid authorization code");
      code = it->second;
      codes.erase(it);  // single use, whatever happens next
    }
    if (code.expires_ms <= sfn::timeutil::NowMillis()) {
      return OAuthError(400, "invalid_grant", "expired authorization code");
    }
    if (code.client_id != client_id)
      return OAuthError(400, "invalid_grant", "invalid authorization code");
    if (sfn::form::Get(params, "redirect_uri") != code.redirect_uri) {
      return OAuthError(400, "redirect_uri_mismatch", "redirect_uri must match configuration");
    }
    std::string verifier = sfn::form::Get(params, "code_verifier");
    if (!code.code_challenge.empty()) {
      std::string digest = sfn::crypto::Base64UrlEncode(sfn::crypto::Sha256(verifier));
      if (verifier.empty() || !sfn::crypto::ConstantTimeEquals(digest, code.code_challenge)) {
        return OAuthError(400, "invalid_grant", "invalid code verifier");
      }
    } else if (!secret_given) {
      return OAuthError(400, "invalid_client", "invalid client credentials");
    }
    bool refresh_scope = (" " + code.scope + " ").find(" refresh_token ") != std::string::npos ||
                         (" " + code.scope + " ").find(" offline_access ") != std::string::npos;
    std::string family, next;
    if (refresh_scope) {
      next = NewRefreshToken(code.user, "");
      std::lock_guard<std::mutex> lock(mu);
      family = refresh[next].family;
    }
    return Issue(code.user, instance_url, code.scope, family, next);
  }

  sfn::http::Response Token(const sfn::http::Request& req, const std::string& instance_url) {
    auto params = sfn::form::Parse(req.body);
    std::string grant = sfn::form::Get(params, "grant_type");
    if (grant == "urn:ietf:params:oauth:grant-type:jwt-bearer") {
      return Jwt(sfn::form::Get(params, "assertion"), instance_url);
    }
    if (grant == "authorization_code") return AuthorizationCodeGrant(req, params, instance_url);
    if (grant != "password" && grant != "client_credentials" && grant != "refresh_token") {
      return OAuthError(400, "unsupported_grant_type", "grant type not supported");
    }
    std::string client_id, secret;
    bool secret_given = false;
    ClientCredentials(req, params, &client_id, &secret, &secret_given);
    if (client_id != options.client_id)
      return OAuthError(400, "invalid_client_id", "client identifier invalid");
    bool secret_ok = sfn::crypto::ConstantTimeEquals(secret, options.client_secret);
    // Refresh may omit the secret (as when "Require Secret for Refresh Token Flow" is off); a wrong
    // one fails.
    if ((grant != "refresh_token" || secret_given) && !secret_ok) {
      return OAuthError(400, "invalid_client", "invalid client credentials");
    }
    if (grant == "password") {
      std::string username = sfn::form::Get(params, "username");
      std::string password = sfn::form::Get(params, "password");
      auto user = FindUser(username);
      if (!user || !store.CheckPassword(username, password)) {
        return OAuthError(400, "invalid_grant", "authentication failure");
      }
      return Issue(*user, instance_url, "api web", "", "");
    }
    if (grant == "client_credentials") {
      auto user = FindUser("integration@sfnotify.demo");
      if (!user) return OAuthError(400, "invalid_grant", "no client credentials user enabled");
      return Issue(*user, instance_url, "api", "", "");
    }
    return Refresh(sfn::form::Get(params, "refresh_token"), instance_url);
  }

  sfn::http::Response Refresh(const std::string& token, const std::string& instance_url) {
    User user;
    std::string family;
    {
      std::lock_guard<std::mutex> lock(mu);
      auto it = refresh.find(token);
      if (it == refresh.end() || it->second.revoked) {
        return OAuthError(400, "invalid_grant", "expired access/refresh token");
      }
      if (it->second.rotated) {
        // A rotated token used again: someone replayed it (or two refreshes raced). Revoke the
        // family.
        RevokeFamily(it->second.family);
        return OAuthError(400, "invalid_grant", "expired authorization code");
      }
      if (options.rotate_refresh_tokens) it->second.rotated = true;
      user = User{it->second.user_id, it->second.username};
      family = it->second.family;
    }
    std::string next = options.rotate_refresh_tokens ? NewRefreshToken(user, family) : "";
    return Issue(user, instance_url, "api refresh_token", family, next);
  }

  sfn::http::Response Revoke(const sfn::http::Request& req) {
    auto params = sfn::form::Parse(req.body);
    std::string token = sfn::form::Get(params, "token");
    if (token.empty()) token = sfn::form::Get(sfn::form::Parse(req.query), "token");
    if (token.empty()) return OAuthError(400, "unsupported_token_type", "missing token parameter");
    std::lock_guard<std::mutex> lock(mu);
    if (auto it = access.find(token); it != access.end()) {
      it->second.revoked = true;
      return sfn::http::JsonResponse(200, "");
    }
    if (auto it = refresh.find(token); it != refresh.end()) {
      RevokeFamily(it->second.family);
      return sfn::http::JsonResponse(200, "");
    }
    return OAuthError(400, "invalid_token", "invalid token");
  }

  sfn::http::Response Introspect(const sfn::http::Request& req, const std::string& instance_url) {
    auto params = sfn::form::Parse(req.body);
    std::string client_id, secret;
    bool secret_given = false;
    ClientCredentials(req, params, &client_id, &secret, &secret_given);
    if (client_id != options.client_id ||
        !sfn::crypto::ConstantTimeEquals(secret, options.client_secret)) {
      return OAuthError(401, "invalid_client", "invalid client credentials");
    }
    std::string token = sfn::form::Get(params, "token");
    rapidjson::Document doc(rapidjson::kObjectType);
    auto& a = doc.GetAllocator();
    std::lock_guard<std::mutex> lock(mu);
    int64_t now = sfn::timeutil::NowMillis();
    auto add_user = [&](const std::string& user_id, const std::string& username) {
      doc.AddMember("client_id", sfn::json::Str(options.client_id, a), a);
      doc.AddMember("username", sfn::json::Str(username, a), a);
      doc.AddMember("sub",
                    sfn::json::Str(instance_url + "/id/" + options.org_id + "/" + user_id, a), a);
    };
    if (auto it = access.find(token);
        it != access.end() && !it->second.revoked && it->second.info.expires_ms > now) {
      const auto& info = it->second.info;
      doc.AddMember("active", true, a);
      doc.AddMember("scope", sfn::json::Str(info.scope, a), a);
      add_user(info.user_id, info.username);
      doc.AddMember("token_type", "access_token", a);
      doc.AddMember("exp", info.expires_ms / 1000, a);
      doc.AddMember("iat", info.issued_ms / 1000, a);
      doc.AddMember("nbf", info.issued_ms / 1000, a);
    } else if (auto rt = refresh.find(token);
               rt != refresh.end() && !rt->second.revoked && !rt->second.rotated) {
      doc.AddMember("active", true, a);
      doc.AddMember("scope", "api refresh_token", a);
      add_user(rt->second.user_id, rt->second.username);
      doc.AddMember("token_type", "refresh_token", a);
    } else {
      doc.AddMember("active", false, a);
    }
    return sfn::http::JsonResponse(200, sfn::json::Serialize(doc));
  }
};

namespace {

// Identity-service errors are plain text with 403 (Salesforce: "Bad_OAuth_Token",
// "Missing_OAuth_Token", "Bad_Id").
sfn::http::Response IdentityError(int status, const std::string& text) {
  return sfn::http::TextResponse(status, text);
}

std::string Text(const Record& r, const char* field) {
  auto it = r.fields.find(field);
  if (it == r.fields.end() || !std::holds_alternative<std::string>(it->second)) return "";
  return std::get<std::string>(it->second);
}

rapidjson::Value StrOrNull(const std::string& s, rapidjson::Document::AllocatorType& a) {
  return s.empty() ? rapidjson::Value(rapidjson::kNullType) : sfn::json::Str(s, a);
}

// The "urls" map of the identity URL and userinfo responses; {version} stays literal unless the
// request asked for a version ("latest" = the newest one served).
rapidjson::Value IdentityUrls(const std::string& base, const std::string& org,
                              const std::string& user, const std::string& version,
                              rapidjson::Document::AllocatorType& a) {
  auto v = [&](std::string path) {
    if (version.empty()) return sfn::json::Str(base + path, a);  // keeps "{version}"
    for (size_t pos; (pos = path.find("{version}")) != std::string::npos;)
      path.replace(pos, 9, version);
    return sfn::json::Str(base + path, a);
  };
  rapidjson::Value urls(rapidjson::kObjectType);
  urls.AddMember("enterprise", v("/services/Soap/c/{version}/" + org), a);
  urls.AddMember("metadata", v("/services/Soap/m/{version}/" + org), a);
  urls.AddMember("partner", v("/services/Soap/u/{version}/" + org), a);
  urls.AddMember("rest", v("/services/data/v{version}/"), a);
  urls.AddMember("sobjects", v("/services/data/v{version}/sobjects/"), a);
  urls.AddMember("search", v("/services/data/v{version}/search/"), a);
  urls.AddMember("query", v("/services/data/v{version}/query/"), a);
  urls.AddMember("recent", v("/services/data/v{version}/recent/"), a);
  urls.AddMember("tooling_soap", v("/services/Soap/T/{version}/" + org), a);
  urls.AddMember("tooling_rest", v("/services/data/v{version}/tooling/"), a);
  urls.AddMember("profile", v("/" + user), a);
  urls.AddMember("feeds", v("/services/data/v{version}/chatter/feeds"), a);
  urls.AddMember("groups", v("/services/data/v{version}/chatter/groups"), a);
  urls.AddMember("users", v("/services/data/v{version}/chatter/users"), a);
  urls.AddMember("feed_items", v("/services/data/v{version}/chatter/feed-items"), a);
  urls.AddMember("feed_elements", v("/services/data/v{version}/chatter/feed-elements"), a);
  urls.AddMember("custom_domain", sfn::json::Str(base, a), a);
  return urls;
}

}  // namespace

struct OAuthServer::Identity {
  // The caller's token: Authorization Bearer/OAuth header or the oauth_token parameter.
  static std::string TokenOf(const sfn::http::Request& req) {
    std::string header = req.headers.Get("Authorization");
    if (header.rfind("Bearer ", 0) == 0) return header.substr(7);
    if (header.rfind("OAuth ", 0) == 0) return header.substr(6);
    return sfn::form::Get(sfn::form::Parse(req.query), "oauth_token");
  }
};

sfn::http::Response OAuthServer::IdentityResponse(const sfn::http::Request& request,
                                                  const std::string& instance_url, bool userinfo) {
  std::string token = Identity::TokenOf(request);
  if (token.empty()) return IdentityError(403, "Missing_OAuth_Token");
  auto caller = Validate(token);
  if (!caller) return IdentityError(403, "Bad_OAuth_Token");
  std::string user_id = caller->user_id;
  const std::string& org = impl_->options.org_id;
  if (!userinfo) {
    // /id/ORG/USER: the org must be this one (15 or 18 characters); any user of the org may be
    // viewed by an internal user's token.
    std::vector<std::string> parts;
    std::string cur;
    for (char c : request.path.substr(4) + "/") {
      if (c == '/') {
        if (!cur.empty()) parts.push_back(cur);
        cur.clear();
      } else {
        cur.push_back(c);
      }
    }
    auto org_id = parts.size() == 2 ? sfn::salesforce::NormalizeId(parts[0])
                                    : sfn::Result<std::string>(sfn::Status::InvalidArgument(""));
    auto uid = parts.size() == 2 ? sfn::salesforce::NormalizeId(parts[1])
                                 : sfn::Result<std::string>(sfn::Status::InvalidArgument(""));
    if (!org_id.ok() || !uid.ok() || *org_id != org) return IdentityError(404, "Bad_Id");
    user_id = *uid;
  }
  auto txn = impl_->store.Begin();
  const Record* user = txn.Find(user_id);
  if (!user || user->deleted || !EqualsIgnoreCase(user->type, "User"))
    return IdentityError(404, "Bad_Id");
  std::string version = sfn::form::Get(sfn::form::Parse(request.query), "version");
  if (version == "latest") version = impl_->options.api_version;
  const std::string id_url = instance_url + "/id/" + org + "/" + user->id;
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  std::string first = Text(*user, "FirstName"), last = Text(*user, "LastName");
  std::string name = Text(*user, "Name");
  std::string email = Text(*user, "Email"), username = Text(*user, "Username");
  std::string alias = Text(*user, "Alias");
  std::string tz = Text(*user, "TimeZoneSidKey");
  if (tz.empty()) tz = "America/Los_Angeles";
  auto active_it = user->fields.find("IsActive");
  bool active = active_it == user->fields.end() ||
                !std::holds_alternative<bool>(active_it->second) ||
                std::get<bool>(active_it->second);
  rapidjson::Value photos(rapidjson::kObjectType);
  photos.AddMember("picture", sfn::json::Str(instance_url + "/profilephoto/005/F", a), a);
  photos.AddMember("thumbnail", sfn::json::Str(instance_url + "/profilephoto/005/T", a), a);
  std::string modified = Text(*user, "LastModifiedDate");
  if (userinfo) {
    // OpenID Connect UserInfo (Salesforce's field set).
    doc.AddMember("sub", sfn::json::Str(id_url, a), a);
    doc.AddMember("user_id", sfn::json::Str(user->id, a), a);
    doc.AddMember("organization_id", sfn::json::Str(org, a), a);
    doc.AddMember("preferred_username", sfn::json::Str(username, a), a);
    doc.AddMember("nickname", sfn::json::Str(alias.empty() ? username : alias, a), a);
    doc.AddMember("name", sfn::json::Str(name, a), a);
    doc.AddMember("email", sfn::json::Str(email, a), a);
    doc.AddMember("email_verified", true, a);
    doc.AddMember("given_name", sfn::json::Str(first, a), a);
    doc.AddMember("family_name", sfn::json::Str(last, a), a);
    doc.AddMember("zoneinfo", sfn::json::Str(tz, a), a);
    doc.AddMember("photos", photos, a);
    doc.AddMember("profile", sfn::json::Str(instance_url + "/" + user->id, a), a);
    doc.AddMember("picture", sfn::json::Str(instance_url + "/profilephoto/005/F", a), a);
    rapidjson::Value address(rapidjson::kObjectType);
    doc.AddMember("address", address, a);
    doc.AddMember("is_salesforce_integration_user", false, a);
    doc.AddMember("urls", IdentityUrls(instance_url, org, user->id, version, a), a);
    doc.AddMember("active", active, a);
    doc.AddMember("user_type", "STANDARD", a);
    doc.AddMember("language", "en_US", a);
    doc.AddMember("locale", "en_US", a);
    doc.AddMember("utcOffset", 0, a);
    doc.AddMember("updated_at", sfn::json::Str(modified, a), a);
    doc.AddMember("is_app_installed", true, a);
  } else {
    doc.AddMember("id", sfn::json::Str(id_url, a), a);
    doc.AddMember("asserted_user", user->id == caller->user_id, a);
    doc.AddMember("user_id", sfn::json::Str(user->id, a), a);
    doc.AddMember("organization_id", sfn::json::Str(org, a), a);
    doc.AddMember("username", sfn::json::Str(username, a), a);
    doc.AddMember("nick_name", sfn::json::Str(alias.empty() ? username : alias, a), a);
    doc.AddMember("display_name", sfn::json::Str(name, a), a);
    doc.AddMember("email", sfn::json::Str(email, a), a);
    doc.AddMember("email_verified", true, a);
    doc.AddMember("first_name", StrOrNull(first, a), a);
    doc.AddMember("last_name", sfn::json::Str(last, a), a);
    doc.AddMember("timezone", sfn::json::Str(tz, a), a);
    doc.AddMember("photos", photos, a);
    for (const char* f :
         {"addr_street", "addr_city", "addr_state", "addr_country", "addr_zip", "mobile_phone"}) {
      doc.AddMember(rapidjson::StringRef(f), rapidjson::Value(rapidjson::kNullType), a);
    }
    doc.AddMember("mobile_phone_verified", false, a);
    doc.AddMember("is_lightning_login_user", false, a);
    rapidjson::Value status(rapidjson::kObjectType);
    status.AddMember("created_date", rapidjson::Value(rapidjson::kNullType), a);
    status.AddMember("body", rapidjson::Value(rapidjson::kNullType), a);
    doc.AddMember("status", status, a);
    doc.AddMember("urls", IdentityUrls(instance_url, org, user->id, version, a), a);
    doc.AddMember("active", active, a);
    doc.AddMember("user_type", "STANDARD", a);
    doc.AddMember("language", "en_US", a);
    doc.AddMember("locale", "en_US", a);
    doc.AddMember("utcOffset", 0, a);
    doc.AddMember("last_modified_date", sfn::json::Str(modified, a), a);
    doc.AddMember("is_app_installed", true, a);
  }
  auto r = sfn::http::JsonResponse(200, sfn::json::Serialize(doc));
  r.headers.Set("Content-Type", "application/json;charset=UTF-8");
  return r;
}

sfn::http::Response OAuthServer::SingleAccess(const sfn::http::Request& request,
                                              const std::string& instance_url) {
  std::string token = Identity::TokenOf(request);
  if (token.empty() || !Validate(token))
    return OAuthError(403, "invalid_token", "Invalid or expired access token");
  auto params = sfn::form::Parse(request.query + "&" + request.body);
  std::string redirect = sfn::form::Get(params, "redirect_uri");
  std::string uri = instance_url + "/secur/frontdoor.jsp?otp=" +
                    sfn::crypto::Base64UrlEncode(sfn::crypto::RandomHex(24)) +
                    "&cshc=" + sfn::crypto::RandomHex(8);
  if (!redirect.empty()) uri += "&startURL=" + sfn::form::Encode(redirect);
  rapidjson::Document doc(rapidjson::kObjectType);
  doc.AddMember("frontdoor_uri", sfn::json::Str(uri, doc.GetAllocator()), doc.GetAllocator());
  auto r = sfn::http::JsonResponse(200, sfn::json::Serialize(doc));
  r.headers.Set("Content-Type", "application/json;charset=UTF-8");
  return r;
}

OAuthServer::OAuthServer(OrgStore& store, OAuthOptions options)
    : impl_(std::make_unique<Impl>(store, std::move(options))) {}
OAuthServer::~OAuthServer() = default;

sfn::http::Response OAuthServer::Handle(const sfn::http::Request& request,
                                        const std::string& instance_url) {
  const std::string& p = request.path;
  bool post = request.method == "POST";
  if (p == "/services/oauth2/token" && post) return impl_->Token(request, instance_url);
  if (p == "/services/oauth2/authorize" && (post || request.method == "GET"))
    return impl_->Authorize(request);
  if (p == "/services/oauth2/revoke" && (post || request.method == "GET"))
    return impl_->Revoke(request);
  if (p == "/services/oauth2/introspect" && post) return impl_->Introspect(request, instance_url);
  bool get = request.method == "GET";
  if (p == "/services/oauth2/userinfo" && (get || post))
    return IdentityResponse(request, instance_url, true);
  if (p.rfind("/id/", 0) == 0 && (get || post))
    return IdentityResponse(request, instance_url, false);
  if (p == "/services/oauth2/singleaccess" && (get || post))
    return SingleAccess(request, instance_url);
  return OAuthError(404, "not_found", "unknown OAuth endpoint " + p);
}

std::optional<TokenInfo> OAuthServer::Validate(std::string_view access_token) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  auto it = impl_->access.find(std::string(access_token));
  if (it == impl_->access.end() || it->second.revoked) return std::nullopt;
  if (it->second.info.expires_ms <= sfn::timeutil::NowMillis()) return std::nullopt;
  return it->second.info;
}

void OAuthServer::ExpireAllAccessTokens() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  for (auto& [t, at] : impl_->access) at.revoked = true;
}

std::optional<std::string> OAuthServer::IssueRefreshToken(const std::string& username) {
  auto user = impl_->FindUser(username);
  if (!user) return std::nullopt;
  return impl_->NewRefreshToken(*user, "");
}

void OAuthServer::set_rotate_refresh_tokens(bool on) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->options.rotate_refresh_tokens = on;
}

}  // namespace sfemu
