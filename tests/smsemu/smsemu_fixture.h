// Helpers for smsemu tests: a started emulator with a Twilio REST client, and
// an in-process webhook receiver that records what the emulator posts.
#pragma once

#include <rapidjson/document.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/form.h"
#include "common/http_client.h"
#include "common/http_server.h"
#include "support/test_env.h"

namespace sfn::smsemu_test {

inline const std::string kAccountSid = "AC0123456789abcdef0123456789abcdef";
inline const std::string kAuthToken = "smsemu-demo-token";
inline const std::string kSender = "+15005550006";

struct Reply {
  int status = 0;
  rapidjson::Document json;
  http::Headers headers;
  std::string body;
};

// One smsemu process plus clients for its REST API and hooks.
class Gateway {
 public:
  explicit Gateway(std::vector<std::string> args = {});
  const std::string& url() const { return server_.url; }
  // SIGTERM; returns the exit status as ChildProcess::Stop does (0 = clean exit).
  int Stop() { return server_.process.Stop(); }

  // POST .../Messages.json with these form fields (Basic auth by default).
  Reply Create(const form::Params& fields, const std::string& auth_token = kAuthToken) const;
  Reply Fetch(const std::string& sid) const;
  // GET .../Messages.json?<raw_query>
  Reply List(const std::string& raw_query) const;
  Reply Update(const std::string& sid, const form::Params& fields) const;
  // /__emulator/<hook>: GET when body is empty, else POST with the JSON body.
  Reply Hook(const std::string& hook, const std::string& json_body = "") const;
  // Sends any request with Basic auth as given.
  Reply Send(http::Request request) const;

  // The emulator's view of one message (from GET /__emulator/messages).
  rapidjson::Document EmulatorView(const std::string& sid) const;
  // Polls the emulator view until `done(view)` holds; fails the test after 10 s.
  rapidjson::Document WaitFor(const std::string& sid,
                              const std::function<bool(const rapidjson::Value&)>& done) const;

 private:
  test::RunningServer server_;
  std::unique_ptr<http::Client> client_;
};

// A webhook receiver on 127.0.0.1 that answers `status` and records posts.
// `port` 0 lets the OS choose; a given port lets a test bring a receiver back
// where an earlier one (now gone) refused connections. `delay_ms` holds each
// answer back (a slow receiver, for read timeouts).
class Receiver {
 public:
  struct Post {
    std::string path_and_query;
    form::Params params;
    http::Headers headers;
  };
  explicit Receiver(int status = 200, int port = 0, int delay_ms = 0);
  ~Receiver();
  int port() const { return server_->port(); }
  std::string Url(const std::string& path_and_query) const {
    return server_->base_url() + path_and_query;
  }
  std::vector<Post> posts() const;
  // Waits until at least `n` posts arrived; fails the test after 10 s.
  std::vector<Post> WaitForPosts(size_t n) const;

 private:
  mutable std::mutex mu_;
  std::vector<Post> posts_;
  std::unique_ptr<http::Server> server_;
};

// MessageStatus values of the recorded callbacks, in arrival order.
std::vector<std::string> Statuses(const std::vector<Receiver::Post>& posts);

}  // namespace sfn::smsemu_test
