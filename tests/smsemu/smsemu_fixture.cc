#include "smsemu_fixture.h"

#include <catch2/catch.hpp>
#include <thread>

#include "common/crypto.h"
#include "common/json.h"

namespace sfn::smsemu_test {

namespace {
Reply ToReply(const Result<http::Response>& response) {
  REQUIRE(response.ok());
  Reply reply;
  reply.status = response->status;
  reply.headers = response->headers;
  reply.body = response->body;
  // Through the project's parser like every other read of a server's answer; a body that is
  // not JSON leaves `json` null (tests of non-JSON answers look at `body`).
  if (auto parsed = json::Parse(reply.body); parsed.ok()) reply.json = std::move(parsed.value());
  return reply;
}
}  // namespace

Gateway::Gateway(std::vector<std::string> args) {
  args.insert(args.begin(), {"--port", "0"});
  server_ = test::StartServer("smsemu", args);
  client_ = std::make_unique<http::Client>(server_.url);
}

Reply Gateway::Send(http::Request request) const {
  return ToReply(client_->Send(request));
}

Reply Gateway::Create(const form::Params& fields, const std::string& auth_token) const {
  http::Request request;
  request.method = "POST";
  request.path = "/2010-04-01/Accounts/" + kAccountSid + "/Messages.json";
  request.headers.Set("Authorization",
                      "Basic " + crypto::Base64Encode(kAccountSid + ":" + auth_token));
  request.headers.Set("Content-Type", "application/x-www-form-urlencoded");
  request.body = form::Serialize(fields);
  return Send(request);
}

Reply Gateway::Fetch(const std::string& sid) const {
  http::Request request;
  request.path = "/2010-04-01/Accounts/" + kAccountSid + "/Messages/" + sid + ".json";
  request.headers.Set("Authorization",
                      "Basic " + crypto::Base64Encode(kAccountSid + ":" + kAuthToken));
  return Send(request);
}

Reply Gateway::List(const std::string& raw_query) const {
  http::Request request;
  request.path = "/2010-04-01/Accounts/" + kAccountSid + "/Messages.json";
  request.query = raw_query;
  request.headers.Set("Authorization",
                      "Basic " + crypto::Base64Encode(kAccountSid + ":" + kAuthToken));
  return Send(request);
}

Reply Gateway::Update(const std::string& sid, const form::Params& fields) const {
  http::Request request;
  request.method = "POST";
  request.path = "/2010-04-01/Accounts/" + kAccountSid + "/Messages/" + sid + ".json";
  request.headers.Set("Authorization",
                      "Basic " + crypto::Base64Encode(kAccountSid + ":" + kAuthToken));
  request.headers.Set("Content-Type", "application/x-www-form-urlencoded");
  request.body = form::Serialize(fields);
  return Send(request);
}

Reply Gateway::Hook(const std::string& hook, const std::string& json_body) const {
  http::Request request;
  http::SplitTarget("/__emulator/" + hook, &request.path, &request.query);
  if (!json_body.empty()) {
    request.method = "POST";
    request.headers.Set("Content-Type", "application/json");
    request.body = json_body;
  }
  return Send(request);
}

rapidjson::Document Gateway::EmulatorView(const std::string& sid) const {
  Reply all = Hook("messages");
  REQUIRE(all.status == 200);
  rapidjson::Document view;
  for (const auto& m : all.json["messages"].GetArray()) {
    if (sid == m["sid"].GetString()) view.CopyFrom(m, view.GetAllocator());
  }
  REQUIRE(view.IsObject());
  return view;
}

rapidjson::Document Gateway::WaitFor(
    const std::string& sid, const std::function<bool(const rapidjson::Value&)>& done) const {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (true) {
    rapidjson::Document view = EmulatorView(sid);
    if (done(view)) return view;
    if (std::chrono::steady_clock::now() > deadline) {
      FAIL("condition not reached for " << sid << ": " << json::Serialize(view));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

Receiver::Receiver(int status, int port, int delay_ms) {
  http::ServerOptions options;
  options.port = port;
  server_ = std::make_unique<http::Server>(
      options, [this, status, delay_ms](http::Request&& request, http::Responder responder) {
        {
          std::lock_guard<std::mutex> lock(mu_);
          posts_.push_back({request.Target(), form::Parse(request.body), request.headers});
        }
        if (delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
        responder.Send(http::TextResponse(status, "<Response/>", "text/xml"));
      });
  REQUIRE(server_->Start().ok());
}

Receiver::~Receiver() {
  server_->Stop();
}

std::vector<Receiver::Post> Receiver::posts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return posts_;
}

std::vector<Receiver::Post> Receiver::WaitForPosts(size_t n) const {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (true) {
    auto current = posts();
    if (current.size() >= n) return current;
    if (std::chrono::steady_clock::now() > deadline)
      FAIL("expected " << n << " posts, got " << current.size());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::vector<std::string> Statuses(const std::vector<Receiver::Post>& posts) {
  std::vector<std::string> out;
  for (const auto& p : posts) out.push_back(form::Get(p.params, "MessageStatus"));
  return out;
}

}  // namespace sfn::smsemu_test
