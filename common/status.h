// Status and Result<T>: expected failures travel as values, never as exceptions
// across module boundaries. The code tells the caller what to do next.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace sfn {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,   // the caller's input is wrong; do not retry
  kNotFound,          // the thing asked for does not exist
  kConflict,          // same key, different content (idempotency clash)
  kUnauthenticated,   // credentials missing, expired or rejected
  kPermissionDenied,  // authenticated but not allowed
  kRateLimited,       // too many requests; retry later
  kUnavailable,       // transient failure; safe to retry with backoff
  kUnknownOutcome,    // the effect may or may not have happened; reconcile first
  kPermanent,         // the remote refused for good (e.g. 21610, STRING_TOO_LONG)
  kIOError,           // local file or database failure
  kInternal,          // a bug
};

const char* StatusCodeName(StatusCode code);

class Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  static Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status Conflict(std::string m) { return {StatusCode::kConflict, std::move(m)}; }
  static Status Unauthenticated(std::string m) { return {StatusCode::kUnauthenticated, std::move(m)}; }
  static Status PermissionDenied(std::string m) { return {StatusCode::kPermissionDenied, std::move(m)}; }
  static Status RateLimited(std::string m) { return {StatusCode::kRateLimited, std::move(m)}; }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status UnknownOutcome(std::string m) { return {StatusCode::kUnknownOutcome, std::move(m)}; }
  static Status Permanent(std::string m) { return {StatusCode::kPermanent, std::move(m)}; }
  static Status IOError(std::string m) { return {StatusCode::kIOError, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // True for failures that may succeed when retried unchanged.
  bool retryable() const { return code_ == StatusCode::kUnavailable || code_ == StatusCode::kRateLimited; }
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Result<T> holds either a value or a non-ok Status.
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace sfn
