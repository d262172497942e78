#include "common/http_server.h"

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/stream_traits.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "common/http_request_reader.h"
#include "common/json.h"
#include "common/log.h"

namespace sfn::http {

namespace asio = boost::asio;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr size_t kReadChunk = 16 * 1024;
// After an error response the server stops reading requests but keeps draining (and
// discarding) what the client still sends for a moment, so the kernel does not answer
// the client's unread bytes with a reset that could destroy the response in flight.
constexpr int kLingerMs = 2000;
constexpr size_t kLingerBytes = 8 * 1024 * 1024;
constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";

std::string ErrorCode(int status) {
  switch (status) {
    case 408:
      return "request_timeout";
    case 413:
      return "payload_too_large";
    case 431:
      return "headers_too_large";
    case 503:
      return "overloaded";
    default:
      return "bad_request";
  }
}

Response TransportError(int status, const std::string& message) {
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  rapidjson::Value error(rapidjson::kObjectType);
  error.AddMember("code", json::Str(ErrorCode(status), a), a);
  error.AddMember("message", json::Str(message, a), a);
  doc.AddMember("error", error, a);
  return JsonResponse(status, json::Serialize(doc));
}

}  // namespace

// One connection as a Responder sees it.
class Session {
 public:
  virtual ~Session() = default;
  // Sends the response to the request being handled (any thread).
  virtual void Deliver(Response response) = 0;
  // Closes the connection (any thread).
  virtual void Close() = 0;
};

struct Responder::State {
  std::shared_ptr<Session> session;
  std::atomic<bool> sent{false};
};

void Responder::Send(Response response) const {
  if (!state_ || state_->sent.exchange(true)) return;
  // Only the first Send gets here, so nobody else touches `session` any more; letting go of
  // it means a Responder kept around after answering does not keep the connection alive.
  auto session = std::move(state_->session);
  if (session) session->Deliver(std::move(response));
}

bool Responder::sent() const {
  return state_ && state_->sent.load();
}

// What every connection of one server shares. Connections hold it, so the io_context
// outlives any connection a handler still keeps (through a Responder) after Stop().
struct Core {
  asio::io_context ioc;
  std::optional<asio::ssl::context> tls;
  ServerLimits limits;
  Handler handler;
  std::atomic<bool> stopped{false};

  std::mutex mu;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions;  // guarded by mu

  size_t Count() {
    std::lock_guard<std::mutex> lock(mu);
    return sessions.size();
  }
};

namespace {

template <class Stream>
class Connection : public Session, public std::enable_shared_from_this<Connection<Stream>> {
 public:
  static constexpr bool kTls = !std::is_same_v<Stream, tcp::socket>;

  Connection(std::shared_ptr<Core> core, Stream stream)
      : core_(std::move(core)),
        stream_(std::move(stream)),
        timer_(stream_.get_executor()),
        reader_(core_->limits),
        scratch_(kReadChunk) {}

  ~Connection() override {
    {
      std::lock_guard<std::mutex> lock(core_->mu);
      core_->sessions.erase(this);
    }
    error_code ec;
    Lowest().close(ec);
  }

  // `reject`: answer 503 and close instead of reading requests (too many connections).
  void Start(bool reject) {
    {
      std::lock_guard<std::mutex> lock(core_->mu);
      core_->sessions.emplace(this, this->shared_from_this());
    }
    // Registered before the check, so Stop() either sees this connection or it sees `stopped`.
    asio::dispatch(stream_.get_executor(),
                   [self = this->shared_from_this(), reject] { self->Begin(reject); });
  }

  void Deliver(Response response) override {
    if (core_->stopped) return;
    asio::post(stream_.get_executor(),
               [self = this->shared_from_this(), r = std::move(response)]() mutable {
                 self->Write(std::move(r));
               });
  }

  void Close() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] { self->Abort(); });
  }

 private:
  enum class Phase { kIdle, kHeader, kBody, kHandler, kWrite, kLinger, kClosed };

  void Begin(bool reject) {
    if (core_->stopped) return Abort();
    error_code ec;
    auto endpoint = Lowest().remote_endpoint(ec);
    if (!ec) remote_ = endpoint.address().to_string();
    phase_ = Phase::kHeader;
    ArmTimer(core_->limits.header_timeout_ms);
    if constexpr (kTls) {
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this(), reject](error_code ec) {
                                if (self->phase_ == Phase::kClosed) return;
                                if (ec) return self->Abort();
                                reject ? self->Reject() : self->Read();
                              });
    } else {
      reject ? Reject() : Read();
    }
  }

  tcp::socket& Lowest() { return boost::beast::get_lowest_layer(stream_); }

  void ArmTimer(int ms) {
    uint64_t generation = ++timer_generation_;
    timer_.expires_after(std::chrono::milliseconds(ms));
    timer_.async_wait([self = this->shared_from_this(), generation](error_code ec) {
      if (ec || generation != self->timer_generation_) return;
      // Out of time while waiting for the client (request, body, the client reading the
      // response, or the linger drain): close. While a handler works there is no timer.
      self->Abort();
    });
  }

  void CancelTimer() {
    ++timer_generation_;
    timer_.cancel();
  }

  void Read() {
    if (core_->stopped) return Abort();
    stream_.async_read_some(
        asio::buffer(scratch_),
        [self = this->shared_from_this()](error_code ec, size_t n) { self->OnRead(ec, n); });
  }

  void OnRead(error_code ec, size_t n) {
    if (phase_ == Phase::kClosed) return;
    if (ec) return Abort();  // the client went away (or reset): nobody to answer
    if (phase_ == Phase::kIdle) {
      phase_ = Phase::kHeader;
      ArmTimer(core_->limits.header_timeout_ms);
    }
    in_.append(scratch_.data(), n);
    Process();
  }

  // Feeds what is buffered to the reader and acts on its state.
  void Process() {
    size_t used = reader_.Feed(in_);
    in_.erase(0, used);
    switch (reader_.state()) {
      case RequestReader::State::kHeader:
        return Read();
      case RequestReader::State::kBody:
        if (phase_ == Phase::kHeader) {
          phase_ = Phase::kBody;
          ArmTimer(core_->limits.body_timeout_ms);
          if (reader_.expects_continue()) {
            asio::async_write(stream_, asio::buffer(kContinue, sizeof kContinue - 1),
                              [self = this->shared_from_this()](error_code ec, size_t) {
                                if (self->phase_ == Phase::kClosed) return;
                                if (ec) return self->Abort();
                                self->Read();
                              });
            return;
          }
        }
        return Read();
      case RequestReader::State::kComplete:
        return Dispatch();
      case RequestReader::State::kError:
        keep_alive_ = false;
        in_.clear();
        phase_ = Phase::kHandler;
        return Write(TransportError(reader_.error_status(), reader_.error_message()));
    }
  }

  void Reject() {
    keep_alive_ = false;
    phase_ = Phase::kHandler;
    Write(TransportError(503, "too many connections; try again later"));
  }

  void Dispatch() {
    CancelTimer();
    phase_ = Phase::kHandler;
    keep_alive_ = reader_.keep_alive();
    Request request = reader_.TakeRequest();
    request.remote_address = remote_;
    head_ = request.method == "HEAD";
    auto state = std::make_shared<Responder::State>();
    state->session = this->shared_from_this();
    Responder responder(state);
    try {
      core_->handler(std::move(request), responder);
    } catch (const std::exception& e) {
      log::Error("http", std::string("handler failed: ") + e.what());
      responder.Send(TransportError(500, "internal error"));
    } catch (...) {
      responder.Send(TransportError(500, "internal error"));
    }
  }

  void Write(Response r) {
    if (phase_ != Phase::kHandler) return;  // closed meanwhile (timeout, Stop)
    auto res = std::make_unique<bhttp::response<bhttp::string_body>>();
    try {
      int status = r.status >= 100 && r.status <= 999 ? r.status : 500;
      res->version(11);
      res->result(static_cast<unsigned>(status));
      std::string content_type = "text/plain; charset=utf-8";
      for (const auto& [name, value] : r.headers.items()) {
        if (EqualsIgnoreCase(name, "Content-Type")) {
          content_type = value;
        } else if (EqualsIgnoreCase(name, "Connection")) {
          if (EqualsIgnoreCase(value, "close")) keep_alive_ = false;
        } else if (!EqualsIgnoreCase(name, "Content-Length") &&
                   !EqualsIgnoreCase(name, "Transfer-Encoding")) {
          res->insert(name, value);
        }
      }
      bool no_body = status < 200 || status == 204 || status == 304;
      if (!no_body) {
        res->set(bhttp::field::content_type, content_type);
        res->content_length(r.body.size());
        if (!head_) res->body() = std::move(r.body);
      }
      res->keep_alive(keep_alive_);
    } catch (const std::exception& e) {
      log::Error("http", std::string("response could not be built: ") + e.what());
      res = std::make_unique<bhttp::response<bhttp::string_body>>(
          bhttp::status::internal_server_error, 11);
      res->content_length(0);
      keep_alive_ = false;
      res->keep_alive(false);
    }
    response_ = std::move(res);
    phase_ = Phase::kWrite;
    ArmTimer(core_->limits.write_timeout_ms);
    bhttp::async_write(
        stream_, *response_,
        [self = this->shared_from_this()](error_code ec, size_t) { self->OnWritten(ec); });
  }

  void OnWritten(error_code ec) {
    if (phase_ == Phase::kClosed) return;
    response_.reset();
    if (ec) return Abort();
    if (core_->stopped) return Abort();
    if (!keep_alive_) return Linger();
    reader_.Reset();
    head_ = false;
    if (!in_.empty()) {
      // A pipelined request is already here: answer it next, in order.
      phase_ = Phase::kHeader;
      ArmTimer(core_->limits.header_timeout_ms);
      return Process();
    }
    phase_ = Phase::kIdle;
    ArmTimer(core_->limits.idle_timeout_ms);
    Read();
  }

  // Half-closes, then reads and discards for a bounded time and amount before closing.
  void Linger() {
    phase_ = Phase::kLinger;
    in_.clear();
    in_.shrink_to_fit();
    error_code ec;
    Lowest().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return Abort();
    ArmTimer(kLingerMs);
    Drain();
  }

  void Drain() {
    Lowest().async_read_some(asio::buffer(scratch_),
                             [self = this->shared_from_this()](error_code ec, size_t n) {
                               if (self->phase_ != Phase::kLinger) return;
                               self->drained_ += n;
                               if (ec || self->drained_ > kLingerBytes) return self->Abort();
                               self->Drain();
                             });
  }

  void Abort() {
    if (phase_ == Phase::kClosed) return;
    phase_ = Phase::kClosed;
    CancelTimer();
    error_code ec;
    Lowest().close(ec);
  }

  std::shared_ptr<Core> core_;
  Stream stream_;
  asio::steady_timer timer_;
  uint64_t timer_generation_ = 0;
  RequestReader reader_;
  std::vector<char> scratch_;
  std::string in_;  // received, not yet parsed (at most max_header_bytes plus one read)
  std::string remote_;
  Phase phase_ = Phase::kIdle;
  bool keep_alive_ = false;
  bool head_ = false;
  size_t drained_ = 0;
  std::unique_ptr<bhttp::response<bhttp::string_body>> response_;
};

// Accepts connections and starts one Connection for each.
class Acceptor : public std::enable_shared_from_this<Acceptor> {
 public:
  Acceptor(std::shared_ptr<Core> core, int max_connections)
      : core_(std::move(core)),
        acceptor_(asio::make_strand(core_->ioc)),
        retry_(acceptor_.get_executor()),
        max_connections_(max_connections) {}

  tcp::acceptor& acceptor() { return acceptor_; }

  void Accept() {
    acceptor_.async_accept(asio::make_strand(core_->ioc),
                           [self = shared_from_this()](error_code ec, tcp::socket socket) {
                             self->OnAccept(ec, std::move(socket));
                           });
  }

  void Close() {
    asio::post(acceptor_.get_executor(), [self = shared_from_this()] {
      error_code ec;
      self->acceptor_.close(ec);
      self->retry_.cancel();
    });
  }

 private:
  void OnAccept(error_code ec, tcp::socket socket) {
    if (core_->stopped || ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      // Out of file descriptors or similar: wait a moment instead of spinning.
      retry_.expires_after(std::chrono::milliseconds(50));
      retry_.async_wait([self = shared_from_this()](error_code wait_ec) {
        if (!wait_ec) self->Accept();
      });
      return;
    }
    bool reject = core_->Count() >= static_cast<size_t>(std::max(1, max_connections_));
    if (core_->tls) {
      using TlsStream = asio::ssl::stream<tcp::socket>;
      std::make_shared<Connection<TlsStream>>(core_, TlsStream(std::move(socket), *core_->tls))
          ->Start(reject);
    } else {
      std::make_shared<Connection<tcp::socket>>(core_, std::move(socket))->Start(reject);
    }
    Accept();
  }

  std::shared_ptr<Core> core_;
  tcp::acceptor acceptor_;
  asio::steady_timer retry_;
  int max_connections_;
};

}  // namespace

struct Server::Impl {
  std::shared_ptr<Core> core;
  std::shared_ptr<Acceptor> acceptor;
  std::vector<std::thread> threads;
};

Server::Server(ServerOptions options, Handler handler)
    : options_(std::move(options)), handler_(std::move(handler)), impl_(std::make_unique<Impl>()) {}

Server::~Server() {
  Stop();
}

Status Server::Start() {
  if (impl_->core) return Status::InvalidArgument("server already started");
  auto core = std::make_shared<Core>();
  core->limits = options_.limits;
  core->handler = handler_;
  if (options_.tls.enabled()) {
    core->tls.emplace(asio::ssl::context::tls_server);
    auto& ctx = *core->tls;
    ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                    asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                    asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
    error_code ec;
    ctx.use_certificate_chain_file(options_.tls.certificate_chain_file, ec);
    if (ec) {
      return Status::InvalidArgument("cannot load TLS certificate chain '" +
                                     options_.tls.certificate_chain_file + "': " + ec.message());
    }
    ctx.use_private_key_file(options_.tls.private_key_file, asio::ssl::context::pem, ec);
    if (ec) {
      return Status::InvalidArgument("cannot load TLS private key '" +
                                     options_.tls.private_key_file + "': " + ec.message());
    }
  }

  auto where = [&] { return options_.host + ":" + std::to_string(options_.port); };
  error_code ec;
  tcp::endpoint endpoint;
  auto address = asio::ip::make_address(options_.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, static_cast<unsigned short>(options_.port));
  } else {
    tcp::resolver resolver(core->ioc);
    auto results = resolver.resolve(options_.host, std::to_string(options_.port), ec);
    if (ec || results.empty())
      return Status::IOError("cannot listen on " + where() + ": unknown host");
    endpoint = results.begin()->endpoint();
  }
  auto acceptor = std::make_shared<Acceptor>(core, options_.limits.max_connections);
  auto& a = acceptor->acceptor();
  a.open(endpoint.protocol(), ec);
  if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(endpoint, ec);
  if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::IOError("cannot listen on " + where() + ": " + ec.message());
  port_ = a.local_endpoint(ec).port();
  if (ec) return Status::IOError("cannot listen on " + where() + ": " + ec.message());

  acceptor->Accept();
  impl_->core = core;
  impl_->acceptor = acceptor;
  int threads = std::max(1, options_.threads);
  for (int i = 0; i < threads; ++i) {
    impl_->threads.emplace_back([core] {
      for (;;) {
        try {
          core->ioc.run();
          return;
        } catch (const std::exception& e) {
          log::Error("http", e.what());
        }
      }
    });
  }
  return Status::Ok();
}

void Server::Stop() {
  if (!impl_ || !impl_->core) return;
  auto core = impl_->core;
  core->stopped = true;
  impl_->acceptor->Close();
  std::vector<std::shared_ptr<Session>> open;
  {
    std::lock_guard<std::mutex> lock(core->mu);
    for (auto& [raw, weak] : core->sessions) {
      if (auto s = weak.lock()) open.push_back(std::move(s));
    }
  }
  for (auto& s : open) s->Close();
  open.clear();
  // With the acceptor and every connection closed nothing is left to wait for: each
  // thread's run() returns once the aborted operations have completed.
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  impl_->acceptor.reset();
  impl_->core.reset();
}

std::string Server::base_url() const {
  return std::string(options_.tls.enabled() ? "https://" : "http://") + options_.host + ":" +
         std::to_string(port_);
}

}  // namespace sfn::http
