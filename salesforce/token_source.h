// An OAuth access token and the seam that produces one. Connection owns the
// caching and refresh policy; a TokenSource only knows how to obtain a fresh
// token from the authorization server.
#pragma once

#include <optional>
#include <string>

#include "common/status.h"

namespace sfn::salesforce {

struct Token {
  std::string access_token;
  std::string instance_url;  // "https://acme.my.salesforce.com": base of REST and CometD calls
  std::string id;            // identity URL ".../id/<OrgId>/<UserId>"
  std::string issued_at;     // milliseconds since the epoch, as sent (may be empty)
  std::string scope;
  std::optional<std::string> refresh_token;  // only the refresh-token flow returns one

  // The User and Org IDs from the identity URL (empty when it has another shape).
  std::string user_id() const;
  std::string org_id() const;
};

// Obtains a new access token. Implementations are thread-safe; Connection
// calls Fetch only when it has no token or the org rejected the cached one.
class TokenSource {
 public:
  virtual ~TokenSource() = default;
  // A fresh token, or kUnauthenticated (rejected grant: fix configuration),
  // kUnavailable (transient, after the source's own retries), kRateLimited.
  virtual Result<Token> Fetch() = 0;
  // "jwt-bearer", "client-credentials", "refresh-token", "password".
  virtual const char* flow() const = 0;
};

}  // namespace sfn::salesforce
