#include "sandbox/sfemu/router.h"

#include <chrono>
#include <thread>

#include "sandbox/sfemu/record_page.h"

namespace sfemu {

namespace {

sfn::http::Response SalesforceError(int status, const char* code, const char* message) {
  auto r = sfn::http::JsonResponse(status, ErrorArrayJson(ApiError{status, code, message, {}}));
  r.headers.Set("Content-Type", "application/json;charset=UTF-8");
  return r;
}

bool StartsWith(const std::string& s, const char* prefix) {
  return s.rfind(prefix, 0) == 0;
}

// Salesforce serves "//services/data/..." like "/services/data/...": clients that store an
// instance URL ending in '/' (the Salesforce CLI does) join paths with a doubled slash.
std::string CollapseSlashes(const std::string& path) {
  std::string out;
  out.reserve(path.size());
  for (char c : path) {
    if (c == '/' && !out.empty() && out.back() == '/') continue;
    out.push_back(c);
  }
  return out;
}

}  // namespace

AuthInfo Router::Authenticate(const sfn::http::Request& request) const {
  AuthInfo auth;
  std::string header = request.headers.Get("Authorization");
  if (header.empty()) return auth;
  auth.present = true;
  std::string token;
  if (StartsWith(header, "Bearer "))
    token = header.substr(7);
  else if (StartsWith(header, "OAuth "))
    token = header.substr(6);  // older clients
  auto info = token.empty() ? std::nullopt : t_.oauth.Validate(token);
  if (!info) return auth;
  auth.valid = true;
  auth.user_id = info->user_id;
  auth.org_id = t_.org_id;
  return auth;
}

std::string Router::InstanceUrl(const sfn::http::Request& request) const {
  std::string host = request.headers.Get("Host");
  std::lock_guard<std::mutex> lock(mu_);
  if (host.empty()) return base_url_;
  return (base_url_.rfind("https://", 0) == 0 ? "https://" : "http://") + host;
}

void Router::Finish(const sfn::http::Request& request, const sfn::http::Responder& responder,
                    sfn::http::Response response, bool api_call, const std::string& user) {
  t_.log.Add(LoggedRequest{0, request.method, request.path, request.query, response.status,
                           api_call, user});
  responder.Send(std::move(response));
}

void Router::Handle(sfn::http::Request&& request, sfn::http::Responder responder) {
  request.path = CollapseSlashes(request.path);
  const std::string& path = request.path;
  bool rest = StartsWith(path, "/services/data");
  auto with_limits = [&](sfn::http::Response r) {
    if (rest) r.headers.Set("Sforce-Limit-Info", t_.usage.HeaderValue());
    return r;
  };

  size_t uri_bytes = request.Target().size();
  size_t header_bytes = uri_bytes;
  for (const auto& [name, value] : request.headers.items())
    header_bytes += name.size() + value.size() + 4;
  if (uri_bytes > kMaxUriAndHeaderBytes) {
    return Finish(
        request, responder,
        sfn::http::TextResponse(414, "414 URI Too Long: the request URI exceeds 16384 bytes"),
        false, "");
  }
  if (header_bytes > kMaxUriAndHeaderBytes) {
    return Finish(
        request, responder,
        sfn::http::TextResponse(
            431, "431 Request Header Fields Too Large: URI and headers exceed 16384 bytes"),
        false, "");
  }

  if (StartsWith(path, "/__emulator/")) {
    responder.Send(t_.hooks.Handle(request));
    return;
  }

  AuthInfo auth = Authenticate(request);
  if (auto fault = t_.faults.Take(request.method, path)) {
    if (fault->kind == "latency") {
      std::this_thread::sleep_for(std::chrono::milliseconds(fault->latency_ms));
    } else {
      return Finish(request, responder, with_limits(FaultInjector::ResponseFor(*fault)), false,
                    auth.user_id);
    }
  }

  if (StartsWith(path, "/services/oauth2/") || StartsWith(path, "/id/")) {
    return Finish(request, responder, t_.oauth.Handle(request, InstanceUrl(request)), false, "");
  }
  if (StartsWith(path, "/cometd/") || path == "/cometd") {
    // CometD answers (possibly much later) in Bayeux form; the log records the request as accepted.
    t_.log.Add(LoggedRequest{0, request.method, path, request.query, 200, false, auth.user_id});
    t_.cometd.Handle(std::move(request), responder, auth);
    return;
  }
  if (path == "/services/data" || path == "/services/data/") {
    if (request.method != "GET") {
      return Finish(request, responder,
                    with_limits(SalesforceError(405, "METHOD_NOT_ALLOWED",
                                                "HTTP Method not allowed. Allowed are GET,HEAD")),
                    false, "");
    }
    return Finish(request, responder, with_limits(t_.rest.Versions()), false, auth.user_id);
  }
  std::string version;
  if (rest && t_.rest.ParseVersion(path, &version)) {
    if (!auth.valid) {
      return Finish(
          request, responder,
          with_limits(SalesforceError(401, "INVALID_SESSION_ID", "Session expired or invalid")),
          false, "");
    }
    if (!t_.usage.TryConsume()) {
      return Finish(request, responder,
                    with_limits(SalesforceError(403, "REQUEST_LIMIT_EXCEEDED",
                                                "TotalRequests Limit exceeded.")),
                    false, auth.user_id);
    }
    return Finish(request, responder, with_limits(t_.rest.Handle(request, auth.user_id)), true,
                  auth.user_id);
  }
  if (t_.store) {
    if (auto page = RecordPage(*t_.store, request)) {
      return Finish(request, responder, std::move(*page), false, auth.user_id);
    }
  }
  Finish(request, responder,
         with_limits(SalesforceError(404, "NOT_FOUND", "The requested resource does not exist")),
         false, auth.user_id);
}

}  // namespace sfemu
