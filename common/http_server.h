// A small HTTP/1.1 server (Boost.Beast over Asio, optionally TLS through OpenSSL).
// Handlers receive the whole request (body already read, within ServerLimits) and
// a Responder that may be kept and used later from any thread, so long-polls never
// block a thread while they wait. Requests on one connection are answered in
// order: the next pipelined request is read only after the previous response went
// out. Limits are enforced before any handler runs (common/http_limits.h):
// oversized headers get 431, oversized bodies 413, malformed framing 400, a
// connection over max_connections 503 — each followed by closing the connection.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/http_limits.h"
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

// HTTPS instead of HTTP when both files are set (PEM; the chain file may hold
// intermediates after the leaf). TLS 1.2 or later.
struct TlsOptions {
  std::string certificate_chain_file;
  std::string private_key_file;
  bool enabled() const { return !certificate_chain_file.empty() || !private_key_file.empty(); }
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 0;  // 0: the OS picks a free port
  ServerLimits limits;
  TlsOptions tls;
  // Threads running the network and the handlers. A handler that blocks (e.g. an
  // emulator's injected latency) holds one of them; the others keep serving.
  int threads = 8;
};

class Server {
 public:
  Server(ServerOptions options, Handler handler);
  ~Server();  // stops the server
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts accepting. With port 0 a free port is chosen. Fails when the
  // address cannot be bound or the TLS files cannot be loaded.
  Status Start();
  // Stops accepting and closes connections. Safe to call twice.
  void Stop();
  int port() const { return port_; }
  std::string base_url() const;  // "http://127.0.0.1:PORT" ("https://..." with TLS)

 private:
  struct Impl;
  ServerOptions options_;
  Handler handler_;
  int port_ = 0;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sfn::http
