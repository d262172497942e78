// The four OAuth 2.0 flows a server-side Salesforce integration uses, each a
// TokenSource with its own Options. Choose (see docs/salesforce.md):
// JWT bearer for unattended servers (no secret on the wire, certificate in the
// connected app); client credentials when the org has My Domain and a Run-As
// user; refresh token when a user authorised the app interactively once;
// username-password only for legacy orgs that still allow it.
//
// Every source POSTs to {login_url}/services/oauth2/token, retries transient
// failures (unknown_error, 5xx, connection refused) with backoff, and verifies
// the response `signature` (HMAC-SHA256 of id + issued_at with the client
// secret) whenever the response has one and the secret is known.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "salesforce/retry_policy.h"
#include "salesforce/token_source.h"

namespace sfn::salesforce {

struct OAuthOptions {
  // Token endpoint host: https://login.salesforce.com (production), https://test.salesforce.com
  // (sandbox) or a My Domain URL (required for client credentials).
  std::string login_url = "https://login.salesforce.com";
  std::string client_id;  // the connected app's consumer key (required)
  std::string
      client_secret;  // consumer secret; JWT needs none, but when set signatures are verified
  std::chrono::milliseconds timeout{30000};
  RetryOptions retry;  // for unknown_error, 5xx and connection failures
};

// "https://test.salesforce.com" when `login_url` is a sandbox host (test.salesforce.com,
// *.sandbox.my.salesforce.com, legacy "--" sandbox My Domains), else
// "https://login.salesforce.com". Never a My Domain: Salesforce rejects that audience.
std::string DefaultAudience(const std::string& login_url);

// Builds the signed assertion: header {"alg":"RS256"}, claims iss/sub/aud/exp.
Result<std::string> BuildJwtAssertion(const std::string& issuer, const std::string& subject,
                                      const std::string& audience, int64_t expires_at_epoch_seconds,
                                      const std::string& private_key_pem);

// base64(HMAC-SHA256(secret, id + issued_at)) compared in constant time.
bool VerifyTokenSignature(const std::string& client_secret, const std::string& id,
                          const std::string& issued_at, const std::string& signature);

class TokenEndpoint;  // shared plumbing of the four sources (oauth.cc)

struct JwtBearerOptions : OAuthOptions {
  std::string username;         // the `sub`: the integration user's Salesforce username
  std::string private_key_pem;  // PEM private key matching the certificate in the connected app
  std::string audience;         // empty: DefaultAudience(login_url)
  std::chrono::seconds assertion_lifetime{180};  // Salesforce accepts at most 3 minutes
};

class JwtBearerTokenSource : public TokenSource {
 public:
  explicit JwtBearerTokenSource(JwtBearerOptions options);
  ~JwtBearerTokenSource() override;
  Result<Token> Fetch() override;
  const char* flow() const override { return "jwt-bearer"; }

 private:
  JwtBearerOptions options_;
  std::unique_ptr<TokenEndpoint> endpoint_;
};

// Runs as the connected app's Run-As user; the login_url must be the org's My Domain.
class ClientCredentialsTokenSource : public TokenSource {
 public:
  explicit ClientCredentialsTokenSource(OAuthOptions options);
  ~ClientCredentialsTokenSource() override;
  Result<Token> Fetch() override;
  const char* flow() const override { return "client-credentials"; }

 private:
  OAuthOptions options_;
  std::unique_ptr<TokenEndpoint> endpoint_;
};

struct RefreshTokenOptions : OAuthOptions {
  std::string refresh_token;  // from an earlier authorisation (required)
  // Called (under the source's lock) with the new refresh token when the org
  // rotates it, so the caller can persist it before anything else uses it.
  std::function<void(const std::string& new_refresh_token)> on_rotated;
};

// Rotation aware: when a response carries a new refresh_token, it replaces the
// old one for every later Fetch (reusing a rotated token revokes the session).
class RefreshTokenSource : public TokenSource {
 public:
  explicit RefreshTokenSource(RefreshTokenOptions options);
  ~RefreshTokenSource() override;
  Result<Token> Fetch() override;
  const char* flow() const override { return "refresh-token"; }
  std::string current_refresh_token() const;

 private:
  RefreshTokenOptions options_;
  mutable std::mutex mu_;  // serialises Fetch so one refresh token is never sent twice
  std::string refresh_token_;
  std::unique_ptr<TokenEndpoint> endpoint_;
};

struct PasswordOptions : OAuthOptions {
  std::string username;
  std::string password;  // with the security token appended when the org requires it
};

// Legacy username-password flow (blocked by default in orgs created since Summer '23).
class PasswordTokenSource : public TokenSource {
 public:
  explicit PasswordTokenSource(PasswordOptions options);
  ~PasswordTokenSource() override;
  Result<Token> Fetch() override;
  const char* flow() const override { return "password"; }

 private:
  PasswordOptions options_;
  std::unique_ptr<TokenEndpoint> endpoint_;
};

}  // namespace sfn::salesforce
