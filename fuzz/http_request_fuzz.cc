// Fuzzes the HTTP request reader behind the server (common/http_request_reader.h).
// The first byte picks how the rest is split into reads (as a socket would deliver
// it); the reader must never crash, never ask the caller to keep more than
// max_header_bytes plus one read, never hand out a body over max_body_bytes, and
// answer every error with 400, 413 or 431.
#include <cstddef>
#include <cstdint>
#include <string>

#include "common/http_request_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  size_t step = 1 + data[0] % 64;
  if (data[0] >= 192) step = size;  // sometimes everything in one read
  std::string input(reinterpret_cast<const char*>(data + 1), size - 1);

  sfn::http::ServerLimits limits;
  limits.max_header_bytes = 2048;  // small, so inputs within -max_len reach every limit
  limits.max_body_bytes = 4096;
  sfn::http::RequestReader reader(limits);
  std::string buffer;
  size_t pos = 0;
  int requests = 0;
  while (pos < input.size() || !buffer.empty()) {
    size_t take = std::min(step, input.size() - pos);
    buffer.append(input, pos, take);
    pos += take;
    size_t used = reader.Feed(buffer);
    if (used > buffer.size()) __builtin_trap();
    buffer.erase(0, used);
    auto state = reader.state();
    bool waiting = state == sfn::http::RequestReader::State::kHeader ||
                   state == sfn::http::RequestReader::State::kBody;
    if (waiting && buffer.size() > limits.max_header_bytes) __builtin_trap();
    if (state == sfn::http::RequestReader::State::kError) {
      int s = reader.error_status();
      if (s != 400 && s != 413 && s != 431) __builtin_trap();
      if (reader.error_message().empty()) __builtin_trap();
      break;
    }
    if (state == sfn::http::RequestReader::State::kComplete) {
      sfn::http::Request request = reader.TakeRequest();
      if (request.body.size() > limits.max_body_bytes) __builtin_trap();
      if (request.method.empty()) __builtin_trap();
      reader.Reset();
      ++requests;  // pipelined: go on with what is left
      continue;
    }
    if (take == 0) break;  // all bytes given and the reader waits for more
  }
  (void)requests;
  return 0;
}
