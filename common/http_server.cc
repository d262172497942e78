#include "common/http_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cpprest/http_listener.h>
#include <atomic>

namespace sfn::http {

namespace wh = web::http;

struct Responder::State {
  wh::http_request request;
  std::atomic<bool> sent{false};
  explicit State(wh::http_request r) : request(std::move(r)) {}
};

void Responder::Send(Response response) const {
  if (state_->sent.exchange(true)) return;
  wh::http_response out(static_cast<wh::status_code>(response.status));
  std::string content_type = "text/plain; charset=utf-8";
  for (const auto& [name, value] : response.headers.items()) {
    if (EqualsIgnoreCase(name, "Content-Type")) {
      content_type = value;
      continue;
    }
    out.headers().add(name, value);
  }
  if (!response.body.empty() || response.status != 204) {
    out.set_body(std::move(response.body), content_type);
  }
  try {
    state_->request.reply(out).then([](pplx::task<void> t) {
      try {
        t.get();
      } catch (...) {
        // The client went away; nothing to do.
      }
    });
  } catch (...) {
  }
}

bool Responder::sent() const {
  return state_->sent.load();
}

struct Server::Impl {
  std::unique_ptr<wh::experimental::listener::http_listener> listener;
};

Server::Server(ServerOptions options, Handler handler)
    : options_(std::move(options)), handler_(std::move(handler)), impl_(std::make_unique<Impl>()) {}

Server::~Server() {
  Stop();
}

namespace {
// Asks the kernel for a free port. cpprestsdk cannot report the port it bound
// for port 0, so we probe and then bind; Start() retries if another process
// takes the port in between.
int PickFreePort(const std::string& host) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = 0;
  inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    socklen_t len = sizeof addr;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
      port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}
}  // namespace

Status Server::Start() {
  std::string last_error;
  for (int attempt = 0; attempt < 20; ++attempt) {
    int port = options_.port != 0 ? options_.port : PickFreePort(options_.host);
    if (port <= 0) return Status::IOError("cannot find a free port on " + options_.host);
    bool tls = !options_.tls_cert_file.empty() && !options_.tls_key_file.empty();
    wh::experimental::listener::http_listener_config config;
    if (tls) {
      std::string cert = options_.tls_cert_file, key = options_.tls_key_file;
      config.set_ssl_context_callback([cert, key](boost::asio::ssl::context& ctx) {
        ctx.set_options(boost::asio::ssl::context::default_workarounds |
                        boost::asio::ssl::context::no_sslv2 | boost::asio::ssl::context::no_sslv3 |
                        boost::asio::ssl::context::no_tlsv1 |
                        boost::asio::ssl::context::no_tlsv1_1);
        ctx.use_certificate_chain_file(cert);
        ctx.use_private_key_file(key, boost::asio::ssl::context::pem);
      });
    }
    auto listener = std::make_unique<wh::experimental::listener::http_listener>(
        web::uri(std::string(tls ? "https://" : "http://") + options_.host + ":" +
                 std::to_string(port) + "/"),
        config);
    Handler handler = handler_;
    size_t max_body = options_.max_body_bytes;
    listener->support([handler, max_body](wh::http_request req) {
      auto state = std::make_shared<Responder::State>(req);
      Responder responder(state);
      auto length = req.headers().content_length();
      if (length > max_body) {
        responder.Send(JsonResponse(413, R"({"error":"request body too large"})"));
        return;
      }
      req.extract_vector().then(
          [handler, req, responder, max_body](pplx::task<std::vector<unsigned char>> t) {
            Request request;
            try {
              auto bytes = t.get();
              if (bytes.size() > max_body) {
                responder.Send(JsonResponse(413, R"({"error":"request body too large"})"));
                return;
              }
              request.body.assign(bytes.begin(), bytes.end());
            } catch (...) {
              responder.Send(JsonResponse(400, R"({"error":"unreadable request body"})"));
              return;
            }
            request.method = req.method();
            const auto& uri = req.request_uri();
            request.path = uri.path();
            // cpprestsdk parses an origin-form target starting with "//" ("//services/data/...") as
            // an authority; put it back so handlers see the path the client sent.
            if (uri.scheme().empty() && !uri.host().empty())
              request.path = "//" + uri.host() + request.path;
            request.query = uri.query();
            for (const auto& [name, value] : req.headers()) request.headers.Add(name, value);
            request.remote_address = req.remote_address();
            try {
              handler(std::move(request), responder);
            } catch (...) {
              responder.Send(JsonResponse(500, R"({"error":"internal error"})"));
            }
          });
    });
    try {
      listener->open().wait();
      impl_->listener = std::move(listener);
      port_ = port;
      return Status::Ok();
    } catch (const std::exception& e) {
      last_error = e.what();
      if (options_.port != 0) break;
    }
  }
  return Status::IOError("cannot listen on " + options_.host + ":" + std::to_string(options_.port) +
                         ": " + last_error);
}

void Server::Stop() {
  if (!impl_ || !impl_->listener) return;
  try {
    impl_->listener->close().wait();
  } catch (...) {
  }
  impl_->listener.reset();
}

std::string Server::base_url() const {
  bool tls = !options_.tls_cert_file.empty() && !options_.tls_key_file.empty();
  return std::string(tls ? "https://" : "http://") + options_.host + ":" + std::to_string(port_);
}

}  // namespace sfn::http
