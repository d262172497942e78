// Salesforce error bodies as typed values, and their mapping onto Status.
//
// REST errors arrive as [{"errorCode","message","fields"}]; OAuth errors as
// {"error","error_description"}. Both become an ApiError. Library calls return
// a Status whose code tells the caller what to do (retry, re-authenticate,
// fix the input) and whose message is produced by ToStatus(); ApiError::From()
// recovers the typed error from such a Status, so callers that need the
// errorCode (e.g. DUPLICATE_VALUE) never parse free text themselves.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace sfn::salesforce {

struct ApiError {
  int http_status = 0;              // 0 when the error came inside a 2xx body (per-record result)
  std::string error_code;           // "INVALID_SESSION_ID", "invalid_grant", ...
  std::string message;              // Salesforce's human text
  std::vector<std::string> fields;  // fields named by the error (may be empty)

  // Recovers the error from a Status built by ToStatus(); nullopt for other Statuses.
  static std::optional<ApiError> From(const Status& status);
};

// Parses a REST error body (array or single object) or an OAuth error body.
// Returns an empty vector when the body is not a recognisable error.
std::vector<ApiError> ParseApiErrors(int http_status, std::string_view body);

// The Status category for an error: INVALID_SESSION_ID -> kUnauthenticated,
// REQUEST_LIMIT_EXCEEDED -> kRateLimited, UNABLE_TO_LOCK_ROW / 503 -> kUnavailable,
// NOT_FOUND -> kNotFound, field/validation errors -> kInvalidArgument, and so on.
StatusCode CategoryFor(const ApiError& error);

// "ERROR_CODE (HTTP 400): message [fields: A, B]" with the code from CategoryFor().
Status ToStatus(const ApiError& error);
Status ToStatus(const ApiError& error, StatusCode code);

// True for errors worth retrying unchanged: the server did not apply the request.
bool IsRetryableError(const ApiError& error);

}  // namespace sfn::salesforce
