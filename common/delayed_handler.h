// Network latency for the emulators (`--latency-ms N`): wraps a server
// Handler so every request it applies to is handled N ms after it arrived, as
// if client and server were a round trip of N ms apart. Waiting never holds a
// listener thread: a timer thread keeps the due requests and hands them to a
// small pool, so thousands of requests can be "on the wire" at once.
#pragma once

#include <functional>
#include <memory>

#include "common/http_server.h"

namespace sfn::http {

struct DelayOptions {
  int latency_ms = 0;  // 0: the inner handler is returned unchanged
  int threads = 8;     // pool running the delayed handlers
  // Which requests are delayed; null = all. Emulator hooks (/__emulator/) usually are not.
  std::function<bool(const Request&)> applies;
};

// The returned handler owns the timer and the pool; it must outlive the server using it
// (stop the server first).
Handler WithLatency(Handler inner, DelayOptions options);

// True for paths outside /__emulator/ (the API a client of the real service would call).
bool IsApiPath(const Request& request);

}  // namespace sfn::http
