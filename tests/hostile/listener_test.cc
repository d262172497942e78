// The connector's listener under attack (issue 17): the sfnotify daemon runs as a
// process against sfemu and smsemu (tests/engine/stack.h), and every attack goes
// over a raw socket. Memory is the daemon's VmRSS from /proc/PID/status; each test
// prints the figures it measured.
#include <sys/types.h>

#include <signal.h>
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "engine/stack.h"
#include "raw_http.h"

namespace {

using namespace std::chrono_literals;
using hostile::RawConnection;

constexpr long kMaxGrowthKiB = 16 * 1024;

std::string Get(const std::string& target, const std::string& extra = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra + "\r\n";
}

std::string Post(const std::string& target, const std::string& body,
                 const std::string& extra = "") {
  return "POST " + target +
         " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n" + extra + "\r\n" + body;
}

// GET /healthz on a new connection; the reply's status (0: none).
int Health(int port) {
  RawConnection conn(port);
  if (!conn.Send(Get("/healthz"))) return 0;
  auto reply = conn.Read(5s);
  return reply ? reply->status : 0;
}

void Report(const char* attack, long before, long after) {
  std::printf("[hostile] %s: sfnotify RSS %ld KiB before, %ld KiB after (growth %ld KiB)\n", attack,
              before, after, after - before);
  std::fflush(stdout);
}

bool Alive(int pid) {
  return ::kill(pid, 0) == 0;
}

}  // namespace

TEST_CASE("hostile: a JSON depth bomb gets 400 naming the nesting, and the daemon lives",
          "[hostile]") {
  e2e::Stack stack;
  int port = hostile::PortOf(stack.api_url);
  long before = hostile::RssKiB(stack.ConnectorPid());

  // 250,000 nested arrays (the body that used to overflow the stack), with a sender key.
  std::string bomb(250000, '[');
  RawConnection conn(port);
  REQUIRE(conn.Send(Post("/v1/notifications", bomb,
                         std::string("Authorization: Bearer ") + e2e::kApiKey + "\r\n")));
  auto reply = conn.Read(10s);
  REQUIRE(reply);
  INFO(reply->body);
  CHECK(reply->status == 400);
  CHECK(reply->body.find("nesting deeper than 64") != std::string::npos);

  // Objects too, and just inside the limit is an ordinary (400, wrong shape) request.
  std::string objects;
  for (int i = 0; i < 100000; ++i) objects += "{\"a\":";
  auto deep_objects = stack.Api("POST", "/v1/notifications", objects);
  CHECK(deep_objects.status == 400);
  CHECK(deep_objects.body.find("nesting deeper than 64") != std::string::npos);
  std::string at_limit = std::string(63, '[') + std::string(63, ']');
  auto fine = stack.Api("POST", "/v1/notifications", "{\"x\":" + at_limit + "}");
  CHECK(fine.status == 400);
  CHECK(fine.body.find("nesting") == std::string::npos);

  CHECK(Alive(stack.ConnectorPid()));
  CHECK(Health(port) == 200);
  Report("depth bomb (250,000 '[')", before, hostile::RssKiB(stack.ConnectorPid()));
}

TEST_CASE("hostile: depth bombs at the Quiq webhook and at the emulators are refused",
          "[hostile]") {
  e2e::StackOptions options;
  options.gateway = "quiq";
  e2e::Stack stack(options);
  std::string bomb;
  for (int i = 0; i < 150000; ++i) bomb += "{\"a\":";
  auto hook = stack.api->Send("POST", "/v1/webhooks/quiq", bomb,
                              {{"X-Centricient-Hook-Token", "quiqemu-hook-secret"}});
  INFO(hook.body);
  CHECK(hook.status == 400);
  CHECK(hook.body.find("nesting deeper than 64") != std::string::npos);
  CHECK(Alive(stack.ConnectorPid()));
  CHECK(stack.api->Send("GET", "/healthz").status == 200);

  // The emulators parse through the same helper: a bomb is a client error, not a crash.
  std::string arrays(200000, '[');
  auto org = stack.org->Send("POST", "/__emulator/publish", arrays);
  CHECK(org.status >= 400);
  CHECK(org.status < 500);
  CHECK(stack.org->Send("GET", "/services/data").status == 200);
  auto quiq = stack.gateway->Send("POST", "/__emulator/faults", arrays);
  CHECK(quiq.status >= 400);
  CHECK(quiq.status < 500);
  CHECK(stack.gateway->Send("GET", "/__emulator/faults").status < 500);
}

TEST_CASE("hostile: 64 MB headers get 431 without the daemon's memory growing", "[hostile]") {
  e2e::Stack stack;
  int port = hostile::PortOf(stack.api_url);
  int pid = stack.ConnectorPid();
  long before = hostile::RssKiB(pid);
  // Four at once, as in the report: each would send 64 MB of one header line.
  constexpr size_t kTotal = 64u * 1024 * 1024;
  std::vector<hostile::FloodResult> results(4);
  std::vector<std::thread> attackers;
  for (auto& result : results) {
    attackers.emplace_back([&result, port] {
      size_t sent = 0;
      std::string piece(64 * 1024, 'a');
      result = hostile::Flood(
          port, "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ", [&]() -> std::string {
            if (sent >= kTotal) return "";
            sent += piece.size();
            return piece;
          });
    });
  }
  for (auto& t : attackers) t.join();
  long after = hostile::RssKiB(pid);
  Report("4 x 64 MB header", before, after);
  for (const auto& result : results) {
    REQUIRE(result.reply);
    INFO(result.reply->body);
    CHECK(result.reply->status == 431);
    CHECK(result.reply->body.find("too large") != std::string::npos);
    CHECK(result.sent < kTotal / 4);  // answered early, not after reading it all
  }
  CHECK(after - before < kMaxGrowthKiB);
  CHECK(Health(port) == 200);
}

TEST_CASE("hostile: 256 MB chunked bodies get 413 early without the daemon's memory growing",
          "[hostile]") {
  e2e::Stack stack;
  int port = hostile::PortOf(stack.api_url);
  int pid = stack.ConnectorPid();
  long before = hostile::RssKiB(pid);
  constexpr size_t kTotal = 256u * 1024 * 1024;
  std::vector<hostile::FloodResult> results(4);
  std::vector<std::thread> attackers;
  for (auto& result : results) {
    attackers.emplace_back([&result, port] {
      size_t sent = 0;
      std::string chunk = "10000\r\n" + std::string(0x10000, 'x') + "\r\n";
      result = hostile::Flood(
          port, "POST /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n",
          [&]() -> std::string {
            if (sent >= kTotal) return "";
            sent += 0x10000;
            return chunk;
          });
    });
  }
  for (auto& t : attackers) t.join();
  long after = hostile::RssKiB(pid);
  Report("4 x 256 MB chunked body", before, after);
  for (const auto& result : results) {
    REQUIRE(result.reply);
    INFO(result.reply->body);
    CHECK(result.reply->status == 413);
    CHECK(result.reply->body.find("too large") != std::string::npos);
    std::printf("[hostile] 413 came after %zu bytes sent\n", result.sent);
    CHECK(result.sent <
          32u * 1024 * 1024);  // early: the limit is 1 MiB, the rest is socket buffers
  }
  CHECK(after - before < kMaxGrowthKiB);

  // With Content-Length the refusal comes before any body byte is read.
  RawConnection conn(port);
  REQUIRE(conn.Send("POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 268435456\r\n\r\n"));
  auto reply = conn.Read(5s);
  REQUIRE(reply);
  CHECK(reply->status == 413);
  CHECK(conn.WaitClosed(5s));
  CHECK(Health(port) == 200);
}

TEST_CASE("hostile: pipelined requests are answered in order", "[hostile]") {
  e2e::Stack stack;
  int port = hostile::PortOf(stack.api_url);
  RawConnection conn(port);
  // Three requests in one write; the last asks to close.
  REQUIRE(conn.Send(Get("/healthz") + Get("/metrics") + Get("/nope", "Connection: close\r\n")));
  auto first = conn.Read(5s);
  auto second = conn.Read(5s);
  auto third = conn.Read(5s);
  REQUIRE(first);
  REQUIRE(second);
  REQUIRE(third);
  CHECK(first->status == 200);
  CHECK(first->body.find("\"ok\"") != std::string::npos);
  CHECK(second->status == 200);
  CHECK(second->headers["content-type"].find("text/plain") == 0);
  CHECK(third->status == 404);
  CHECK(third->headers["connection"] == "close");
  CHECK(conn.WaitClosed(5s));

  // Pipelined behind a POST whose body arrives in the same write.
  RawConnection again(port);
  REQUIRE(again.Send(
      Post("/v1/notifications", "{}", std::string("X-API-Key: ") + e2e::kApiKey + "\r\n") +
      Get("/healthz")));
  auto post = again.Read(5s);
  auto health = again.Read(5s);
  REQUIRE(post);
  REQUIRE(health);
  CHECK(post->status == 400);
  CHECK(health->status == 200);
}

TEST_CASE("hostile: malformed framing gets 400 and the connection is closed", "[hostile]") {
  e2e::Stack stack;
  int port = hostile::PortOf(stack.api_url);
  const char* chunked = "POST /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"chunk size not hex", std::string(chunked) + "zz\r\nabc\r\n0\r\n\r\n"},
      {"negative chunk size", std::string(chunked) + "-5\r\nabc\r\n0\r\n\r\n"},
      {"chunk size overflows 64 bits",
       std::string(chunked) + "1ffffffffffffffffff\r\nabc\r\n0\r\n\r\n"},
      {"chunk data longer than its size", std::string(chunked) + "2\r\nabcdef\r\n0\r\n\r\n"},
      {"chunk size line without end", std::string(chunked) + std::string(20000, '1')},
      {"bad content length", "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 12abc\r\n\r\n"},
      {"two different content lengths",
       "POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabc"},
      {"bad request line", "GET\r\n\r\n"},
      {"header without colon", "GET /healthz HTTP/1.1\r\nHost x\r\n\r\n"},
      {"bad version", "GET /healthz HTTP/9.x\r\nHost: x\r\n\r\n"},
  };
  for (const auto& [name, bytes] : cases) {
    INFO(name);
    RawConnection conn(port);
    REQUIRE(conn.Send(bytes));
    auto reply = conn.Read(5s);
    REQUIRE(reply);
    CHECK(reply->status == 400);
    CHECK(reply->body.find("malformed request") != std::string::npos);
    CHECK(conn.WaitClosed(5s));
  }
  // A body cut short is never answered but closed when the client goes; meanwhile others are
  // served.
  CHECK(Health(port) == 200);
  CHECK(Alive(stack.ConnectorPid()));
}

TEST_CASE(
    "hostile: 200 slow-header connections are closed after the header timeout while /healthz "
    "answers",
    "[hostile]") {
  e2e::StackOptions options;
  options.extra_http_json = R"("header_timeout_ms": 1500, )";
  e2e::Stack stack(options);
  int port = hostile::PortOf(stack.api_url);
  int pid = stack.ConnectorPid();
  long before = hostile::RssKiB(pid);

  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < 200; ++i) {
    slow.push_back(std::make_unique<RawConnection>(port));
    REQUIRE(slow.back()->Send("GET /healthz HTTP/1.1\r\n"));
  }
  auto start = std::chrono::steady_clock::now();
  // Trickle one header line per connection every 100 ms, and check /healthz in between.
  std::vector<double> answers_ms;
  while (std::chrono::steady_clock::now() - start < 1200ms) {
    for (auto& conn : slow) conn->Send("X-Slow: 1\r\n");
    auto t0 = std::chrono::steady_clock::now();
    CHECK(Health(port) == 200);
    answers_ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    std::this_thread::sleep_for(100ms);
  }
  std::sort(answers_ms.begin(), answers_ms.end());
  REQUIRE(answers_ms.size() >= 5);
  double median = answers_ms[answers_ms.size() / 2];
  std::printf(
      "[hostile] /healthz during 200 slow connections: %zu answers, median %.1f ms, slowest %.1f "
      "ms\n",
      answers_ms.size(), median, answers_ms.back());
  // The bound of the issue is 50 ms. The typical answer must meet it; a single one on a 2-core
  // machine shared with a parallel CTest run may be late by a scheduling slice, not by the server
  // (a listener starved by the slow connections would miss every one, or time out).
  CHECK(median < 50);
  CHECK(answers_ms.back() < 250);
  // Still trickling, yet every connection is closed once 1.5 s since its start have passed.
  size_t n_closed = 0;
  for (size_t i = 0; i < slow.size(); ++i) {
    slow[i]->Send("X-Slow: 2\r\n");
    if (slow[i]->WaitClosed(3s)) ++n_closed;
  }
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("[hostile] %zu of 200 slow connections closed by %.1f s\n", n_closed, elapsed);
  CHECK(n_closed == slow.size());
  long after = hostile::RssKiB(pid);
  Report("200 slow-header connections", before, after);
  CHECK(after - before < kMaxGrowthKiB);
  CHECK(Health(port) == 200);
}

TEST_CASE("hostile: idle keep-alive connections are closed and connections beyond the cap get 503",
          "[hostile]") {
  e2e::StackOptions options;
  options.extra_http_json = R"("idle_timeout_ms": 500, "max_connections": 8, )";
  e2e::Stack stack(options);
  int port = hostile::PortOf(stack.api_url);

  RawConnection idle(port);
  REQUIRE(idle.Send(Get("/healthz")));
  auto reply = idle.Read(5s);
  REQUIRE(reply);
  CHECK(reply->status == 200);
  auto t0 = std::chrono::steady_clock::now();
  CHECK(idle.WaitClosed(5s));
  CHECK(std::chrono::steady_clock::now() - t0 >= 400ms);

  // Eight connections held open (each inside its header timeout); the ninth is refused.
  std::vector<std::unique_ptr<RawConnection>> held;
  for (int i = 0; i < 8; ++i) {
    held.push_back(std::make_unique<RawConnection>(port));
    REQUIRE(held.back()->Send("GET /healthz HTTP/1.1\r\n"));
  }
  std::this_thread::sleep_for(200ms);
  RawConnection extra(port);
  extra.Send(Get("/healthz"));
  auto refused = extra.Read(5s);
  REQUIRE(refused);
  CHECK(refused->status == 503);
  CHECK(extra.WaitClosed(5s));
  // Once they are gone the listener serves again.
  held.clear();
  bool served = false;
  for (int i = 0; i < 50 && !served; ++i) {
    served = Health(port) == 200;
    if (!served) std::this_thread::sleep_for(100ms);
  }
  CHECK(served);
}
