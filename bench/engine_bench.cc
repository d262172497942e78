// End-to-end engine benchmark: sfemu + gateway + sfnotify as processes.
// For each audience size and gateway (the in-process sandbox transport, and
// smsemu over HTTP) it creates the Leads and a Campaign in sfemu, publishes one
// Outbound_Notification__e naming the Campaign, and measures until every
// recipient is sent and every Task written:
//   recipients per second (send phase and send+Tasks), Salesforce API calls per
//   1,000 recipients (sfemu's request log), and the connector's peak RSS (VmHWM).
// Usage: engine_bench [N ...]   (default 10000 100000)
#include <signal.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/child_process.h"
#include "common/http_client.h"
#include "common/json.h"

#ifndef SFN_BENCH_BIN_DIR
#define SFN_BENCH_BIN_DIR "build/bin"
#endif
#ifndef SFN_BENCH_SOURCE_DIR
#define SFN_BENCH_SOURCE_DIR "."
#endif

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "engine_bench: %s\n", message.c_str());
  std::exit(1);
}

struct Server {
  sfn::ChildProcess process;
  std::string url;
};

Server Start(std::vector<std::string> argv, const std::string& log, std::vector<std::string> env = {}) {
  auto child = sfn::ChildProcess::Start(argv, log, env);
  if (!child.ok()) Die(child.status().message());
  auto line = child->WaitForLine("listening on", std::chrono::seconds(60));
  if (!line.ok()) Die(argv[0] + " did not start; see " + log);
  return {std::move(child.value()), sfn::UrlFromReadyLine(line.value())};
}

sfn::http::Response Call(const std::string& base, const std::string& method, const std::string& target,
                         const std::string& body = "", const std::string& bearer = "",
                         const std::string& content_type = "application/json") {
  static std::map<std::string, std::unique_ptr<sfn::http::Client>> clients;
  auto& client = clients[base];
  if (!client) client = std::make_unique<sfn::http::Client>(base, sfn::http::ClientOptions{std::chrono::seconds(120), true});
  sfn::http::Request r;
  r.method = method;
  sfn::http::SplitTarget(target, &r.path, &r.query);
  r.body = body;
  if (!body.empty()) r.headers.Set("Content-Type", content_type);
  if (!bearer.empty()) r.headers.Set("Authorization", "Bearer " + bearer);
  auto resp = client->Send(r);
  if (!resp.ok()) Die(method + " " + target + ": " + resp.status().message());
  return resp.value();
}

rapidjson::Document Json(const std::string& text) {
  auto doc = sfn::json::Parse(text);
  if (!doc.ok()) Die("bad JSON: " + text.substr(0, 200));
  return std::move(doc.value());
}

std::string Login(const std::string& org) {
  auto r = Call(org, "POST", "/services/oauth2/token",
                "grant_type=password&client_id=sfnotify-local&client_secret=sfnotify-local-secret"
                "&username=integration%40sfnotify.demo&password=sfnotify-demo",
                "", "application/x-www-form-urlencoded");
  if (r.status != 200) Die("login failed: " + r.body);
  return Json(r.body)["access_token"].GetString();
}

// Inserts `records` (JSON objects without attributes) of `type` in collections of 200; returns ids.
std::vector<std::string> Insert(const std::string& org, const std::string& token, const std::string& type,
                                const std::vector<std::string>& records) {
  std::vector<std::string> ids;
  for (size_t start = 0; start < records.size(); start += 200) {
    std::string body = R"({"allOrNone":true,"records":[)";
    for (size_t i = start; i < std::min(records.size(), start + 200); ++i) {
      body += (i > start ? "," : "") + std::string(R"({"attributes":{"type":")") + type + R"("},)" +
              records[i].substr(1);
    }
    body += "]}";
    auto r = Call(org, "POST", "/services/data/v62.0/composite/sobjects", body, token);
    if (r.status != 200) Die("insert failed: " + r.body.substr(0, 300));
    auto doc = Json(r.body);
    for (const auto& res : doc.GetArray()) {
      if (!res["success"].GetBool()) Die("insert failed: " + r.body.substr(0, 300));
      ids.push_back(res["id"].GetString());
    }
  }
  return ids;
}

long PeakRssKb(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atol(line.c_str() + 6);
  }
  return -1;
}

int64_t ApiCallsSince(const std::string& org, int64_t since) {
  auto doc = Json(Call(org, "GET", "/__emulator/requests?since=" + std::to_string(since)).body);
  int64_t n = 0;
  for (const auto& r : doc["requests"].GetArray()) n += r["api_call"].GetBool();
  return n;
}

int64_t LastSeq(const std::string& org) {
  return Json(Call(org, "GET", "/__emulator/requests?since=999999999").body)["last_seq"].GetInt64();
}

struct Result {
  double send_seconds = 0, total_seconds = 0;
  int64_t sent = 0, api_calls = 0;
  long rss_kb = 0;
};

Result RunOne(int n, bool use_smsemu) {
  char tmpl[] = "/tmp/sfnotify-bench-XXXXXX";
  std::string dir = mkdtemp(tmpl);
  Server org = Start({SFN_BENCH_BIN_DIR "/sfemu", "--port", "0"}, dir + "/sfemu.log");
  Server gateway;
  if (use_smsemu) {
    gateway = Start({SFN_BENCH_BIN_DIR "/smsemu", "--port", "0", "--mps", "1000000", "--delivery-delay-ms", "1000"},
                    dir + "/smsemu.log");
  }
  std::string token = Login(org.url);
  std::vector<std::string> leads;
  leads.reserve(n);
  for (int i = 0; i < n; ++i) {
    leads.push_back(R"({"LastName":"Bench)" + std::to_string(i) + R"(","FirstName":"Ada","Company":"Bench Co",)"
                    R"("SMS_Opt_In__c":true,"MobilePhone":"+1212)" + std::to_string(2000000 + i) + R"("})");
  }
  auto lead_ids = Insert(org.url, token, "Lead", leads);
  auto campaign = Insert(org.url, token, "Campaign", {R"({"Name":"Bench campaign","IsActive":true})"}).at(0);
  std::vector<std::string> members;
  for (const auto& id : lead_ids) members.push_back(R"({"CampaignId":")" + campaign + R"(","LeadId":")" + id + R"("})");
  Insert(org.url, token, "CampaignMember", members);

  std::string gateway_json =
      use_smsemu ? R"({"type":"twilio","base_url":")" + gateway.url +
                       R"(","account_sid":"AC0123456789abcdef0123456789abcdef","auth_token_env":"BENCH_SMS_TOKEN"})"
                 : R"({"type":"sandbox"})";
  std::string config = R"({
  "salesforce": {"login_url": ")" + org.url + R"(", "client_id": "sfnotify-local", "username": "integration@sfnotify.demo",
                 "private_key_file": ")" SFN_BENCH_SOURCE_DIR R"(/sandbox/certs/sfemu-demo.key",
                 "initial_replay": "all"},
  "gateway": )" + gateway_json + R"(,
  "contact_points": [{"name": "Bench", "sender": "+15005550006", "roles": ["Everyone"],
                      "max_messages_per_second": 1000000, "quiet_hours": "none"}],
  "store": {"path": ")" + dir + R"(/sfnotify.sqlite"},
  "mapping_file": ")" SFN_BENCH_SOURCE_DIR R"(/mapping/demo-mapping.json",
  "http": {"listen": "127.0.0.1:0", "api_keys": [{"name": "b", "key_env": "BENCH_API_KEY", "role": "admin"}]},
  "log_level": "warn"
})";
  std::ofstream(dir + "/sfnotify.json") << config;
  Server connector = Start({SFN_BENCH_BIN_DIR "/sfnotify", "run", "--config", dir + "/sfnotify.json"},
                           dir + "/sfnotify.log", {"BENCH_SMS_TOKEN=smsemu-demo-token", "BENCH_API_KEY=bench-key"});

  int64_t seq = LastSeq(org.url);
  auto start = Clock::now();
  auto published = Call(org.url, "POST", "/__emulator/publish",
                        R"({"channel":"/event/Outbound_Notification__e","user":"sender@sfnotify.demo","payload":)"
                        R"({"Request_Id__c":"bench","Contact_Point__c":"Bench","Message__c":"Bench message for )"
                        R"({!Lead.FirstName}","Campaign_Id__c":")" + campaign + R"("}})");
  if (published.status != 201) Die("publish failed: " + published.body);
  Result result;
  bool sent_all = false;
  while (true) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    auto r = Call(connector.url, "GET", "/metrics");
    auto value = [&](const std::string& key) {
      auto p = r.body.find(key + " ");
      return p == std::string::npos ? -1L : std::atol(r.body.c_str() + p + key.size() + 1);
    };
    long queue = value("sfnotify_queue_depth");
    long accepted = value("sfnotify_recipients{state=\"accepted\"}") + value("sfnotify_recipients{state=\"sent\"}") +
                    value("sfnotify_recipients{state=\"delivered\"}");
    long written = value("sfnotify_tasks{state=\"written\"}");
    long task_pending = value("sfnotify_tasks{state=\"pending\"}");
    if (!sent_all && accepted >= n && queue == 0) {
      sent_all = true;
      result.send_seconds = std::chrono::duration<double>(Clock::now() - start).count();
      result.sent = accepted;
    }
    if (sent_all && written >= n && task_pending == 0) break;
    if (std::chrono::duration<double>(Clock::now() - start).count() > 1800) Die("timed out; see " + dir);
  }
  result.total_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  result.api_calls = ApiCallsSince(org.url, seq);
  result.rss_kb = PeakRssKb(connector.process.pid());
  connector.process.Stop();
  gateway.process.Stop();
  org.process.Stop();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return result;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<int> sizes;
  for (int i = 1; i < argc; ++i) sizes.push_back(std::atoi(argv[i]));
  if (sizes.empty()) sizes = {10000, 100000};
  std::printf("%-10s %-8s %12s %14s %14s %16s %12s\n", "recipients", "gateway", "send s", "sent/s",
              "sent+Tasks/s", "API calls/1000", "peak RSS MB");
  std::map<std::pair<int, bool>, Result> results;
  for (int n : sizes) {
    for (bool smsemu : {false, true}) {
      Result r = RunOne(n, smsemu);
      results[{n, smsemu}] = r;
      std::printf("%-10d %-8s %12.2f %14.0f %14.0f %16.2f %12.1f\n", n, smsemu ? "smsemu" : "sandbox", r.send_seconds,
                  n / r.send_seconds, n / r.total_seconds, r.api_calls * 1000.0 / n, r.rss_kb / 1024.0);
      std::fflush(stdout);
    }
  }
  // Goals (issue 15): linear time (100,000 within 11x the time of 10,000) and peak RSS <= 64 MiB at
  // 100,000.
  for (bool smsemu : {false, true}) {
    auto small = results.find({10000, smsemu}), large = results.find({100000, smsemu});
    if (small == results.end() || large == results.end()) continue;
    double ratio = large->second.total_seconds / small->second.total_seconds;
    double rss = large->second.rss_kb / 1024.0;
    std::printf(
        "%-8s 100k/10k time %.1fx (goal <= 11x: %s), peak RSS at 100k %.1f MiB (goal <= 64: %s)\n",
        smsemu ? "smsemu" : "sandbox", ratio, ratio <= 11 ? "met" : "NOT met", rss,
        rss <= 64 ? "met" : "NOT met");
  }
  return 0;
}
