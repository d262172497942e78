#include "sandbox/sfemu/faults.h"

#include "sandbox/sfemu/api_error.h"

namespace sfemu {

namespace {
const char* kKinds[] = {"INVALID_SESSION_ID",
                        "REQUEST_LIMIT_EXCEEDED",
                        "UNABLE_TO_LOCK_ROW",
                        "SERVER_UNAVAILABLE",
                        "http_500",
                        "http_503",
                        "latency",
                        "unknown_error"};
}

sfn::Result<std::string> FaultInjector::Add(Fault fault) {
  bool known = false;
  for (const char* k : kKinds) known = known || fault.kind == k;
  if (!known) return sfn::Status::InvalidArgument("fault: unknown kind '" + fault.kind + "'");
  if (fault.count <= 0) return sfn::Status::InvalidArgument("count: must be a positive number");
  if (fault.kind == "latency" && (fault.latency_ms <= 0 || fault.latency_ms > 60000)) {
    return sfn::Status::InvalidArgument(
        "latency_ms: must be between 1 and 60000 for a latency fault");
  }
  std::lock_guard<std::mutex> lock(mu_);
  fault.id = "f" + std::to_string(next_id_++);
  faults_.push_back(fault);
  return fault.id;
}

void FaultInjector::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  faults_.clear();
}

std::optional<Fault> FaultInjector::Take(const std::string& method, const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    if (!it->method.empty() && !sfn::http::EqualsIgnoreCase(it->method, method)) continue;
    if (!it->path.empty() && path.compare(0, it->path.size(), it->path) != 0) continue;
    Fault taken = *it;
    if (--it->count <= 0) faults_.erase(it);
    return taken;
  }
  return std::nullopt;
}

sfn::http::Response FaultInjector::ResponseFor(const Fault& f) {
  auto sf = [](int status, const char* code, const char* message) {
    auto r = sfn::http::JsonResponse(status, ErrorArrayJson(ApiError{status, code, message, {}}));
    r.headers.Set("Content-Type", "application/json;charset=UTF-8");
    return r;
  };
  if (f.kind == "INVALID_SESSION_ID")
    return sf(401, "INVALID_SESSION_ID", "Session expired or invalid");
  if (f.kind == "REQUEST_LIMIT_EXCEEDED")
    return sf(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.");
  if (f.kind == "UNABLE_TO_LOCK_ROW") {
    return sf(400, "UNABLE_TO_LOCK_ROW",
              "unable to obtain exclusive access to this record or 1 records");
  }
  if (f.kind == "SERVER_UNAVAILABLE") {
    return sf(503, "SERVER_UNAVAILABLE", "Server temporarily unavailable, please try again later");
  }
  if (f.kind == "http_500") {
    return sf(500, "UNKNOWN_EXCEPTION",
              "An unexpected error occurred. Please include this ErrorId if you contact support: "
              "1234567890-12345 (-1234567890)");
  }
  if (f.kind == "http_503") {
    return sfn::http::TextResponse(503, "<html><body>Service Unavailable</body></html>",
                                   "text/html");
  }
  auto r = sfn::http::JsonResponse(
      400, R"({"error":"unknown_error","error_description":"retry your request"})");
  r.headers.Set("Content-Type", "application/json;charset=UTF-8");
  return r;
}

}  // namespace sfemu
