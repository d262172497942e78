// Reads HTTP/1.1 requests from bytes as they arrive, within ServerLimits. It
// does no I/O: the server feeds it what a socket delivered, the fuzz target
// (fuzz/http_request_fuzz.cc) feeds it arbitrary bytes. Parsing is Boost.Beast's
// request parser; this class adds the limits, the mapping of parse errors to
// the status the client gets, and a bound on the bytes it asks the caller to
// keep (so a caller's buffer never grows past max_header_bytes plus one read).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/http_limits.h"
#include "common/http_types.h"

namespace sfn::http {

class RequestReader {
 public:
  enum class State {
    kHeader,    // the request line and headers are not complete yet
    kBody,      // headers complete, body still arriving
    kComplete,  // a whole request is ready: TakeRequest()
    kError,     // the bytes are not an acceptable request: answer error_status() and close
  };

  explicit RequestReader(const ServerLimits& limits);
  ~RequestReader();
  RequestReader(const RequestReader&) = delete;
  RequestReader& operator=(const RequestReader&) = delete;

  // Parses a prefix of `data` and returns its length. The caller drops that prefix and
  // later calls again with the rest plus newly arrived bytes. Bytes after a complete
  // request are not consumed: they start the next (pipelined) request. When the
  // unconsumed rest would exceed max_header_bytes the reader fails instead of waiting.
  size_t Feed(std::string_view data);

  State state() const { return state_; }
  // kError: the status to answer (400, 413 or 431) and a one-line reason.
  int error_status() const { return error_status_; }
  const std::string& error_message() const { return error_message_; }
  // kBody or kComplete: the client sent "Expect: 100-continue" and waits for it.
  bool expects_continue() const { return expects_continue_; }

  // kComplete only: the request (remote_address left empty) and whether the client
  // wants the connection kept open after the response.
  Request TakeRequest();
  bool keep_alive() const { return keep_alive_; }

  // Starts on the next request of the same connection.
  void Reset();

 private:
  struct Parser;
  void Fail(int status, std::string message);
  std::string HeadersTooLarge() const;

  ServerLimits limits_;
  std::unique_ptr<Parser> parser_;
  State state_ = State::kHeader;
  int error_status_ = 0;
  std::string error_message_;
  bool expects_continue_ = false;
  bool keep_alive_ = false;
};

}  // namespace sfn::http
