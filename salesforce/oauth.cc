#include "salesforce/oauth.h"

#include <thread>

#include "common/crypto.h"
#include "common/form.h"
#include "common/http_client.h"
#include "common/json.h"
#include "common/log.h"
#include "common/time_util.h"
#include "salesforce/api_error.h"

namespace sfn::salesforce {

namespace {

constexpr const char* kComponent = "salesforce.oauth";

std::string HostOf(const std::string& url) {
  size_t scheme = url.find("://");
  size_t start = scheme == std::string::npos ? 0 : scheme + 3;
  size_t end = url.find_first_of(":/", start);
  std::string host = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  for (auto& c : host) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return host;
}

std::string IdSegment(const std::string& id_url, int from_end) {
  // ".../id/<org>/<user>": from_end 0 = user, 1 = org.
  size_t id = id_url.find("/id/");
  if (id == std::string::npos) return "";
  std::string tail = id_url.substr(id + 4);
  size_t slash = tail.find('/');
  if (slash == std::string::npos) return "";
  return from_end == 0 ? tail.substr(slash + 1) : tail.substr(0, slash);
}

Result<Token> ParseTokenResponse(const std::string& body, std::string* signature) {
  auto doc = json::Parse(body);
  if (!doc.ok())
    return Status::Unavailable("token response is not JSON: " + doc.status().message());
  const auto& v = doc.value();
  Token t;
  t.access_token = json::GetString(v, "access_token").value_or("");
  t.instance_url = json::GetString(v, "instance_url").value_or("");
  if (t.access_token.empty() || t.instance_url.empty()) {
    return Status::Unauthenticated("token response lacks access_token or instance_url");
  }
  t.id = json::GetString(v, "id").value_or("");
  // issued_at is a string of milliseconds in real responses; accept a number too.
  if (auto s = json::GetString(v, "issued_at")) {
    t.issued_at = *s;
  } else if (auto n = json::GetInt(v, "issued_at")) {
    t.issued_at = std::to_string(*n);
  }
  t.scope = json::GetString(v, "scope").value_or("");
  if (auto r = json::GetString(v, "refresh_token")) t.refresh_token = *r;
  *signature = json::GetString(v, "signature").value_or("");
  while (!t.instance_url.empty() && t.instance_url.back() == '/') t.instance_url.pop_back();
  return t;
}

}  // namespace

std::string Token::user_id() const {
  return IdSegment(id, 0);
}
std::string Token::org_id() const {
  return IdSegment(id, 1);
}

std::string DefaultAudience(const std::string& login_url) {
  std::string host = HostOf(login_url);
  auto ends_with = [&](const std::string& suffix) {
    return host.size() >= suffix.size() &&
           host.compare(host.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  bool sandbox = host == "test.salesforce.com" || ends_with(".sandbox.my.salesforce.com") ||
                 (ends_with(".my.salesforce.com") && host.find("--") != std::string::npos);
  return sandbox ? "https://test.salesforce.com" : "https://login.salesforce.com";
}

Result<std::string> BuildJwtAssertion(const std::string& issuer, const std::string& subject,
                                      const std::string& audience, int64_t expires_at_epoch_seconds,
                                      const std::string& private_key_pem) {
  if (issuer.empty()) return Status::InvalidArgument("JWT: client_id (iss) is required");
  if (subject.empty()) return Status::InvalidArgument("JWT: username (sub) is required");
  if (audience.empty()) return Status::InvalidArgument("JWT: audience (aud) is required");
  rapidjson::Document claims(rapidjson::kObjectType);
  auto& a = claims.GetAllocator();
  claims.AddMember("iss", json::Str(issuer, a), a);
  claims.AddMember("sub", json::Str(subject, a), a);
  claims.AddMember("aud", json::Str(audience, a), a);
  claims.AddMember("exp", rapidjson::Value(expires_at_epoch_seconds), a);
  std::string signing_input = crypto::Base64UrlEncode(R"({"alg":"RS256"})") + "." +
                              crypto::Base64UrlEncode(json::Serialize(claims));
  auto signature = crypto::SignRs256(private_key_pem, signing_input);
  if (!signature.ok())
    return Status::InvalidArgument("JWT: cannot sign with the private key: " +
                                   signature.status().message());
  return signing_input + "." + crypto::Base64UrlEncode(signature.value());
}

bool VerifyTokenSignature(const std::string& client_secret, const std::string& id,
                          const std::string& issued_at, const std::string& signature) {
  std::string expected = crypto::Base64Encode(crypto::HmacSha256(client_secret, id + issued_at));
  return crypto::ConstantTimeEquals(expected, signature);
}

// Posts a grant to the token endpoint with retries, and checks the answer.
class TokenEndpoint {
 public:
  explicit TokenEndpoint(const OAuthOptions& options) : options_(options), backoff_(options.retry) {
    std::string target;
    if (!http::SplitUrl(options.login_url, &base_, &target).ok()) base_ = options.login_url;
    while (!base_.empty() && base_.back() == '/') base_.pop_back();
    http::ClientOptions client_options;
    client_options.timeout = options.timeout;
    client_ = std::make_unique<http::Client>(base_, client_options);
  }

  // `retry_unknown_outcome` is false for grants that must not be replayed once
  // they may have reached the server (a rotating refresh token).
  Result<Token> Post(form::Params params, bool retry_unknown_outcome) {
    if (options_.client_id.empty()) return Status::InvalidArgument("OAuth: client_id is required");
    http::Request request;
    request.method = "POST";
    request.path = "/services/oauth2/token";
    request.headers.Set("Content-Type", "application/x-www-form-urlencoded");
    request.headers.Set("Accept", "application/json");
    request.body = form::Serialize(params);
    for (int attempt = 1;; ++attempt) {
      Status failure;
      auto response = client_->Send(request);
      if (!response.ok()) {
        failure = response.status();
        bool retry = failure.code() == StatusCode::kUnavailable ||
                     (retry_unknown_outcome && failure.code() == StatusCode::kUnknownOutcome);
        if (!retry) return failure;
      } else if (response->status == 200) {
        return Check(response->body);
      } else {
        auto errors = ParseApiErrors(response->status, response->body);
        ApiError error = errors.empty() ? ApiError{response->status,
                                                   "http_" + std::to_string(response->status),
                                                   "unexpected token endpoint answer",
                                                   {}}
                                        : errors.front();
        failure = ToStatus(error);
        if (!IsRetryableError(error) && response->status < 500) return failure;
      }
      if (!backoff_.ShouldRetry(attempt)) return failure;
      auto delay = backoff_.Delay(attempt - 1);
      log::Warn(kComponent, "token request failed (" + failure.message() + "); retry in " +
                                std::to_string(delay.count()) + " ms");
      std::this_thread::sleep_for(delay);
    }
  }

 private:
  Result<Token> Check(const std::string& body) {
    std::string signature;
    auto token = ParseTokenResponse(body, &signature);
    if (!token.ok()) return token;
    // Only some flows return a signature; when they do and we know the secret, it must match,
    // otherwise the answer did not come from the authorisation server we trust.
    if (!signature.empty() && !options_.client_secret.empty() &&
        !VerifyTokenSignature(options_.client_secret, token->id, token->issued_at, signature)) {
      return Status::Unauthenticated(
          "token response signature does not match (id + issued_at, HMAC-SHA256)");
    }
    return token;
  }

  OAuthOptions options_;
  Backoff backoff_;
  std::string base_;
  std::unique_ptr<http::Client> client_;
};

namespace {
void AddClientAuth(const OAuthOptions& o, form::Params* params) {
  params->emplace_back("client_id", o.client_id);
  if (!o.client_secret.empty()) params->emplace_back("client_secret", o.client_secret);
}
}  // namespace

JwtBearerTokenSource::JwtBearerTokenSource(JwtBearerOptions options)
    : options_(std::move(options)), endpoint_(std::make_unique<TokenEndpoint>(options_)) {
  if (options_.audience.empty()) options_.audience = DefaultAudience(options_.login_url);
}
JwtBearerTokenSource::~JwtBearerTokenSource() = default;

Result<Token> JwtBearerTokenSource::Fetch() {
  // A fresh assertion per Fetch: exp bounds only the assertion, and Connection
  // caches the resulting token, so this runs once per token lifetime.
  auto assertion = BuildJwtAssertion(options_.client_id, options_.username, options_.audience,
                                     timeutil::NowSeconds() + options_.assertion_lifetime.count(),
                                     options_.private_key_pem);
  if (!assertion.ok()) return assertion.status();
  form::Params params{{"grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"},
                      {"assertion", assertion.value()}};
  return endpoint_->Post(std::move(params), true);
}

ClientCredentialsTokenSource::ClientCredentialsTokenSource(OAuthOptions options)
    : options_(std::move(options)), endpoint_(std::make_unique<TokenEndpoint>(options_)) {}
ClientCredentialsTokenSource::~ClientCredentialsTokenSource() = default;

Result<Token> ClientCredentialsTokenSource::Fetch() {
  if (options_.client_secret.empty())
    return Status::InvalidArgument("client credentials: client_secret is required");
  form::Params params{{"grant_type", "client_credentials"}};
  AddClientAuth(options_, &params);
  return endpoint_->Post(std::move(params), true);
}

RefreshTokenSource::RefreshTokenSource(RefreshTokenOptions options)
    : options_(std::move(options)),
      refresh_token_(options_.refresh_token),
      endpoint_(std::make_unique<TokenEndpoint>(options_)) {}
RefreshTokenSource::~RefreshTokenSource() = default;

std::string RefreshTokenSource::current_refresh_token() const {
  std::lock_guard<std::mutex> lock(mu_);
  return refresh_token_;
}

Result<Token> RefreshTokenSource::Fetch() {
  std::lock_guard<std::mutex> lock(mu_);
  if (refresh_token_.empty())
    return Status::InvalidArgument("refresh token flow: refresh_token is required");
  form::Params params{{"grant_type", "refresh_token"}, {"refresh_token", refresh_token_}};
  AddClientAuth(options_, &params);
  // Never replay a refresh whose outcome is unknown: with rotation on, the
  // server may already have rotated the token, and reusing it revokes the session.
  auto token = endpoint_->Post(std::move(params), false);
  if (token.ok() && token->refresh_token && *token->refresh_token != refresh_token_) {
    refresh_token_ = *token->refresh_token;
    log::Info(kComponent, "refresh token rotated (now " + log::Redact(refresh_token_) + ")");
    if (options_.on_rotated) options_.on_rotated(refresh_token_);
  }
  return token;
}

PasswordTokenSource::PasswordTokenSource(PasswordOptions options)
    : options_(std::move(options)), endpoint_(std::make_unique<TokenEndpoint>(options_)) {}
PasswordTokenSource::~PasswordTokenSource() = default;

Result<Token> PasswordTokenSource::Fetch() {
  if (options_.username.empty())
    return Status::InvalidArgument("password flow: username is required");
  form::Params params{
      {"grant_type", "password"}, {"username", options_.username}, {"password", options_.password}};
  AddClientAuth(options_, &params);
  return endpoint_->Post(std::move(params), true);
}

}  // namespace sfn::salesforce
