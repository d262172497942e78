#include "common/http_client.h"

#include <cpprest/http_client.h>

#include <system_error>

namespace sfn::http {

namespace wh = web::http;

struct Client::Impl {
  std::unique_ptr<wh::client::http_client> client;
};

Client::Client(std::string base_url, ClientOptions options)
    : base_url_(std::move(base_url)), impl_(std::make_unique<Impl>()) {
  wh::client::http_client_config config;
  config.set_timeout(options.timeout);
  config.set_validate_certificates(options.verify_tls);
  if (!options.follow_redirects) config.set_max_redirects(0);
  impl_->client = std::make_unique<wh::client::http_client>(web::uri(base_url_), config);
}

Client::~Client() = default;

namespace {
wh::http_request ToCpprest(const Request& request) {
  wh::http_request out(request.method);
  out.set_request_uri(web::uri(request.Target()));
  std::string content_type;
  for (const auto& [name, value] : request.headers.items()) {
    if (EqualsIgnoreCase(name, "Content-Type")) {
      content_type = value;
      continue;
    }
    out.headers().add(name, value);
  }
  if (!request.body.empty() || !content_type.empty()) {
    out.set_body(request.body, content_type.empty() ? "application/octet-stream" : content_type);
  }
  return out;
}

Status MapTransportError(const std::exception& e) {
  if (const auto* he = dynamic_cast<const wh::http_exception*>(&e)) {
    auto code = he->error_code();
    if (code == std::errc::connection_refused || code == std::errc::host_unreachable ||
        code == std::errc::network_unreachable || code == std::errc::address_not_available) {
      return Status::Unavailable(std::string("connection failed: ") + he->what());
    }
    return Status::UnknownOutcome(std::string("transport error: ") + he->what());
  }
  return Status::UnknownOutcome(std::string("transport error: ") + e.what());
}

}  // namespace

Result<Response> Client::Send(const Request& request) const { return SendAsync(request).get(); }

std::future<Result<Response>> Client::SendAsync(Request request) const {
  auto promise = std::make_shared<std::promise<Result<Response>>>();
  auto future = promise->get_future();
  SendAsync(std::move(request),
            [promise](Result<Response> r) { promise->set_value(std::move(r)); });
  return future;
}

void Client::SendAsync(Request request, std::function<void(Result<Response>)> done) const {
  pplx::task<wh::http_response> task;
  try {
    task = impl_->client->request(ToCpprest(request));
  } catch (const std::exception& e) {
    done(Status::InvalidArgument(std::string("bad request: ") + e.what()));
    return;
  }
  // Never block a pool thread: with many requests in flight, continuations that wait for their
  // bodies (extract_vector().get()) would hold every pplx thread while the reads they wait for
  // need one, and the whole process (listener included) would stall.
  task.then([done](pplx::task<wh::http_response> t) -> pplx::task<void> {
    wh::http_response response;
    try {
      response = t.get();  // ready: this continuation runs once the headers are in
    } catch (const std::exception& e) {
      done(MapTransportError(e));
      return pplx::task_from_result();
    }
    auto head = std::make_shared<Response>();
    head->status = response.status_code();
    for (const auto& [name, value] : response.headers()) head->headers.Add(name, value);
    return response.extract_vector().then(
        [done, head](pplx::task<std::vector<unsigned char>> body) {
          try {
            auto bytes = body.get();
            head->body.assign(bytes.begin(), bytes.end());
          } catch (const std::exception& e) {
            done(MapTransportError(e));
            return;
          }
          done(std::move(*head));
        });
  });
}

Status SplitUrl(const std::string& url, std::string* base, std::string* target) {
  size_t scheme = url.find("://");
  if (scheme == std::string::npos) return Status::InvalidArgument("'" + url + "' is not an absolute URL");
  size_t slash = url.find('/', scheme + 3);
  if (slash == std::string::npos) {
    *base = url;
    *target = "/";
  } else {
    *base = url.substr(0, slash);
    *target = url.substr(slash);
  }
  return Status::Ok();
}

}  // namespace sfn::http
