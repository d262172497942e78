// A small HTTP/1.1 server on cpprestsdk's listener. Handlers receive the whole
// request (body already read) and a Responder that may be kept and used later
// from any thread, so long-polls never block a pool thread while they wait.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/http_types.h"
#include "common/status.h"

namespace sfn::http {

// Sends the response for one request. Copyable; only the first Send counts.
class Responder {
 public:
  struct State;
  explicit Responder(std::shared_ptr<State> state) : state_(std::move(state)) {}
  void Send(Response response) const;
  bool sent() const;

 private:
  std::shared_ptr<State> state_;
};

using Handler = std::function<void(Request&& request, Responder responder)>;

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;                              // 0: the OS picks a free port
  size_t max_body_bytes = 32 * 1024 * 1024;  // larger bodies get 413 before the handler runs
  // HTTPS when both are set: PEM certificate chain and its private key. Empty = plain HTTP.
  std::string tls_cert_file;
  std::string tls_key_file;
};

class Server {
 public:
  Server(ServerOptions options, Handler handler);
  ~Server();  // stops the server
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts accepting. With port 0 a free port is chosen.
  Status Start();
  // Stops accepting and closes connections. Safe to call twice.
  void Stop();
  int port() const { return port_; }
  std::string base_url() const;  // "http://127.0.0.1:PORT" (https with TLS)

 private:
  struct Impl;
  ServerOptions options_;
  Handler handler_;
  int port_ = 0;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sfn::http
