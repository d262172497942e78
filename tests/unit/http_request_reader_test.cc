// The HTTP request reader (common/http_request_reader.h): limits, framing errors and
// pipelining, fed byte by byte and in one piece, as the server and the fuzz target do.
#include "common/http_request_reader.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

namespace sfn::http {
namespace {

// Feeds `bytes` in pieces of `step` the way the server does (unconsumed bytes are
// offered again with the next piece); returns the final state, leaving the rest in *rest.
RequestReader::State FeedAll(RequestReader& reader, const std::string& bytes, size_t step,
                             std::string* rest, size_t* most_kept = nullptr) {
  std::string buffer;
  size_t pos = 0;
  while (pos < bytes.size()) {
    buffer += bytes.substr(pos, step);
    pos += step;
    buffer.erase(0, reader.Feed(buffer));
    if (most_kept) *most_kept = std::max(*most_kept, buffer.size());
    auto s = reader.state();
    if (s == RequestReader::State::kComplete || s == RequestReader::State::kError) break;
  }
  if (rest) *rest = buffer + (pos < bytes.size() ? bytes.substr(pos) : "");
  return reader.state();
}

ServerLimits Small() {
  ServerLimits limits;
  limits.max_header_bytes = 1024;
  limits.max_body_bytes = 100;
  return limits;
}

}  // namespace

TEST_CASE("request reader: a request arrives whole, in any split", "[http]") {
  std::string bytes =
      "POST /v1/x?dry_run=1 HTTP/1.1\r\nHost: a\r\nX-Two: 1\r\nX-Two: 2\r\nContent-Length: "
      "5\r\n\r\nhello";
  for (size_t step : {size_t{1}, size_t{7}, bytes.size()}) {
    RequestReader reader(Small());
    std::string rest;
    REQUIRE(FeedAll(reader, bytes, step, &rest) == RequestReader::State::kComplete);
    CHECK(rest.empty());
    CHECK(reader.keep_alive());
    Request r = reader.TakeRequest();
    CHECK(r.method == "POST");
    CHECK(r.path == "/v1/x");
    CHECK(r.query == "dry_run=1");
    CHECK(r.body == "hello");
    CHECK(r.headers.Get("x-two") == "1");
    CHECK(r.headers.items().size() == 4);
  }
}

TEST_CASE(
    "request reader: chunked bodies are joined, pipelined bytes are left for the next request",
    "[http]") {
  std::string first =
      "POST /a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n";
  std::string second = "GET /b HTTP/1.1\r\nConnection: close\r\n\r\n";
  RequestReader reader(Small());
  std::string rest;
  REQUIRE(FeedAll(reader, first + second, 5, &rest) == RequestReader::State::kComplete);
  CHECK(reader.TakeRequest().body == "abcde");
  reader.Reset();
  rest.erase(0, reader.Feed(rest));
  REQUIRE(reader.state() == RequestReader::State::kComplete);
  CHECK(rest.empty());
  CHECK_FALSE(reader.keep_alive());
  CHECK(reader.TakeRequest().path == "/b");
}

TEST_CASE("request reader: limits give 431 and 413 as soon as they are passed", "[http]") {
  SECTION("headers") {
    RequestReader reader(Small());
    std::string bytes = "GET / HTTP/1.1\r\nX-Big: " + std::string(5000, 'a');
    std::string rest;
    size_t most_kept = 0;
    CHECK(FeedAll(reader, bytes, 100, &rest, &most_kept) == RequestReader::State::kError);
    CHECK(reader.error_status() == 431);
    CHECK(most_kept <= 1024 + 100);  // never asked to keep more than the limit plus one piece
  }
  SECTION("content length over the limit, before any body byte") {
    RequestReader reader(Small());
    reader.Feed("POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n");
    CHECK(reader.state() == RequestReader::State::kError);
    CHECK(reader.error_status() == 413);
    CHECK(reader.error_message().find("too large") != std::string::npos);
  }
  SECTION("chunked: refused at the chunk that passes the limit") {
    RequestReader reader(Small());
    std::string bytes = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 10; ++i) bytes += "a\r\n0123456789\r\n";  // exactly 100 bytes
    std::string rest;
    CHECK(FeedAll(reader, bytes, 16, &rest) == RequestReader::State::kBody);
    std::string over = rest + "1\r\n";
    reader.Feed(over);
    CHECK(reader.state() == RequestReader::State::kError);
    CHECK(reader.error_status() == 413);
  }
  SECTION("an endless chunk-size line") {
    RequestReader reader(Small());
    std::string rest;
    FeedAll(reader,
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" + std::string(3000, '1'), 64,
            &rest);
    CHECK(reader.state() == RequestReader::State::kError);
    CHECK(reader.error_status() == 400);
  }
}

TEST_CASE("request reader: malformed framing is a 400", "[http]") {
  for (const char* bytes : {"GET\r\n\r\n", "GET / HTTP/1.1\r\nNo colon\r\n\r\n",
                            "POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
                            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                            "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n"}) {
    INFO(bytes);
    RequestReader reader(Small());
    reader.Feed(bytes);
    CHECK(reader.state() == RequestReader::State::kError);
    CHECK(reader.error_status() == 400);
  }
}

TEST_CASE("request reader: Expect 100-continue is reported once the headers are in", "[http]") {
  RequestReader reader(Small());
  reader.Feed("POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
  CHECK(reader.state() == RequestReader::State::kBody);
  CHECK(reader.expects_continue());
  reader.Feed("abc");
  CHECK(reader.state() == RequestReader::State::kComplete);
}

}  // namespace sfn::http
