#include "connector/app/demo.h"

#include <SQLiteCpp/SQLiteCpp.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "common/child_process.h"
#include "common/form.h"
#include "common/http_client.h"
#include "common/json.h"
#include "common/utf8.h"

namespace sfn::connector {

namespace {

constexpr const char* kApiKey = "demo-admin-key";

struct Demo {
  std::string bin_dir;
  std::string work_dir;
  ChildProcess sfemu, smsemu, connector;
  std::string sfemu_url, smsemu_url, api_url;
};

Status StartChild(const std::vector<std::string>& argv, const std::string& log, ChildProcess* out, std::string* url,
                  const std::vector<std::string>& env = {}) {
  auto child = ChildProcess::Start(argv, log, env);
  if (!child.ok()) return child.status();
  auto line = child->WaitForLine("listening on", std::chrono::seconds(30));
  if (!line.ok()) return Status::Unavailable(argv[0] + " did not start (see " + log + ")");
  *url = UrlFromReadyLine(line.value());
  *out = std::move(child.value());
  return Status::Ok();
}

Result<rapidjson::Document> GetJson(const std::string& base, const std::string& target,
                                    const std::string& bearer = "") {
  http::Client client(base);
  http::Request r;
  http::SplitTarget(target, &r.path, &r.query);
  if (!bearer.empty()) r.headers.Set("Authorization", "Bearer " + bearer);
  auto resp = client.Send(r);
  if (!resp.ok()) return resp.status();
  if (resp->status != 200) return Status::Unavailable(target + ": HTTP " + std::to_string(resp->status));
  return json::Parse(resp->body);
}

Result<http::Response> Post(const std::string& base, const std::string& path, const std::string& body,
                            const std::string& content_type, const std::string& bearer = "") {
  http::Client client(base);
  http::Request r;
  r.method = "POST";
  r.path = path;
  r.body = body;
  r.headers.Set("Content-Type", content_type);
  if (!bearer.empty()) r.headers.Set("Authorization", "Bearer " + bearer);
  return client.Send(r);
}

std::string Field(const rapidjson::Value& v, const char* name) {
  return v.IsObject() && v.HasMember(name) && v[name].IsString() ? v[name].GetString() : "";
}

std::string Mask(const std::string& phone) {
  if (phone.size() <= 4) return phone;
  return std::string(phone.size() - 4, '*') + phone.substr(phone.size() - 4);
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "sfnotify demo: %s\n", message.c_str());
  return 1;
}

}  // namespace

int RunDemo(const std::string& bin_dir) {
  Demo demo;
  demo.bin_dir = bin_dir;
  char tmpl[] = "/tmp/sfnotify-demo-XXXXXX";
  if (!mkdtemp(tmpl)) return Fail("cannot create a work folder");
  demo.work_dir = tmpl;
  std::printf("sfnotify demo — everything runs on 127.0.0.1; work folder %s\n\n", demo.work_dir.c_str());

  Status s = StartChild({bin_dir + "/sfemu", "--port", "0", "--state", demo.work_dir + "/org.sqlite"},
                        demo.work_dir + "/sfemu.log", &demo.sfemu, &demo.sfemu_url);
  if (!s.ok()) return Fail(s.message());
  std::printf("1. started sfemu, a local Salesforce org with demo Leads and Contacts, at %s\n", demo.sfemu_url.c_str());
  s = StartChild({bin_dir + "/smsemu", "--port", "0", "--delivery-delay-ms", "20"}, demo.work_dir + "/smsemu.log",
                 &demo.smsemu, &demo.smsemu_url);
  if (!s.ok()) return Fail(s.message());
  std::printf("2. started smsemu, a Twilio-compatible SMS gateway, at %s\n", demo.smsemu_url.c_str());

  // The org is brand new, so replaying everything it retains ("all") only closes the gap between
  // the connector's start and its CometD subscription; a real org would use the default "new".
  std::string config = R"({
  "salesforce": {"login_url": ")" + demo.sfemu_url + R"(", "client_id": "sfnotify-local",
                 "username": "integration@sfnotify.demo", "private_key_file": ")" SFN_DEMO_SOURCE_DIR
                       R"(/sandbox/certs/sfemu-demo.key", "initial_replay": "all"},
  "gateway": {"type": "twilio", "base_url": ")" + demo.smsemu_url + R"(",
              "account_sid": "AC0123456789abcdef0123456789abcdef", "auth_token_env": "SFNOTIFY_DEMO_SMS_TOKEN"},
  "contact_points": [{"name": "Main", "sender": "+15005550006", "roles": ["SMS_Notification_Sender", "SMS_Notification_Admin"],
                      "max_messages_per_second": 20, "quiet_hours": "none", "price_per_segment": 0.0079}],
  "store": {"path": ")" + demo.work_dir + R"(/sfnotify.sqlite"},
  "mapping_file": ")" SFN_DEMO_SOURCE_DIR R"(/mapping/demo-mapping.json",
  "http": {"listen": "127.0.0.1:0", "api_keys": [{"name": "demo", "key_env": "SFNOTIFY_DEMO_API_KEY", "role": "admin"}]}
})";
  std::string config_path = demo.work_dir + "/sfnotify.json";
  std::ofstream(config_path) << config;
  s = StartChild({bin_dir + "/sfnotify", "run", "--config", config_path}, demo.work_dir + "/sfnotify.log",
                 &demo.connector, &demo.api_url,
                 {"SFNOTIFY_DEMO_SMS_TOKEN=smsemu-demo-token", std::string("SFNOTIFY_DEMO_API_KEY=") + kApiKey});
  if (!s.ok()) return Fail(s.message());
  std::printf("3. started the connector (JWT login to the org, CometD subscription, API at %s)\n", demo.api_url.c_str());

  // A sales rep selects a few Leads and Contacts in a list view and sends a reminder.
  auto leads = GetJson(demo.sfemu_url, "/__emulator/records?type=Lead");
  auto contacts = GetJson(demo.sfemu_url, "/__emulator/records?type=Contact");
  if (!leads.ok() || !contacts.ok()) return Fail("cannot read the demo records");
  std::vector<std::string> ids;
  std::map<std::string, std::string> names;
  for (auto* doc : {&leads.value(), &contacts.value()}) {
    int taken = 0;
    for (const auto& r : (*doc)["records"].GetArray()) {
      if (taken++ == 6) break;
      ids.push_back(Field(r, "Id"));
      names[Field(r, "Id")] = Field(r, "FirstName") + " " + Field(r, "LastName");
    }
  }
  auto login = Post(demo.sfemu_url, "/services/oauth2/token",
                    "grant_type=password&client_id=sfnotify-local&client_secret=sfnotify-local-secret&username=" +
                        form::Encode("sender@sfnotify.demo") + "&password=sfnotify-demo",
                    "application/x-www-form-urlencoded");
  if (!login.ok() || login->status != 200) return Fail("the sales rep cannot log in to the org");
  std::string token = json::GetString(json::Parse(login->body).value(), "access_token").value_or("");
  std::string record_ids;
  for (const auto& id : ids) record_ids += (record_ids.empty() ? "" : ",") + id;
  std::string event = R"({"Request_Id__c":"demo-reminder-1","Contact_Point__c":"Main",)"
                      R"("Template__c":"Reminder","Record_Ids__c":")" + record_ids + R"("})";
  auto published = Post(demo.sfemu_url, "/services/data/v62.0/sobjects/Outbound_Notification__e", event,
                        "application/json", token);
  if (!published.ok() || published->status != 201) return Fail("publishing the Platform Event failed");
  std::printf("4. sender@sfnotify.demo published Outbound_Notification__e for %zu records (template Reminder)\n",
              ids.size());

  // Wait for the connector to send, then write the Tasks.
  rapidjson::Document view;
  bool settled = false;
  for (int i = 0; i < 300 && !settled; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto doc = GetJson(demo.api_url, "/v1/notifications/by-request/demo-reminder-1", kApiKey);
    if (!doc.ok()) continue;
    if (Field(doc.value(), "status") != "done") continue;
    settled = true;
    for (const auto& r : doc.value()["recipients"].GetArray()) {
      std::string state = Field(r, "state");
      if (state != "suppressed" && state != "failed" && Field(r, "task_state") != "written") settled = false;
    }
    view = std::move(doc.value());
  }
  if (!settled) return Fail("the notification did not finish within 30 s (logs in " + demo.work_dir + ")");
  std::printf("5. the connector resolved, checked consent, sent, and wrote back:\n\n");
  std::printf("   %-20s %-9s %-14s %-12s %-18s %-34s %s\n", "record", "object", "phone", "state", "reason",
              "gateway SID", "Task");
  int sent = 0;
  for (const auto& r : view["recipients"].GetArray()) {
    std::string id = Field(r, "record_id");
    std::string state = Field(r, "state");
    if (state != "suppressed" && state != "failed") ++sent;
    std::printf("   %-20s %-9s %-14s %-12s %-18s %-34s %s\n",
                utf8::TruncateChars(names[id], 20).c_str(), Field(r, "object").c_str(),
                Mask(Field(r, "phone")).c_str(), state.c_str(), Field(r, "reason").c_str(),
                Field(r, "gateway_sid").c_str(), Field(r, "task_id").c_str());
  }
  auto messages = GetJson(demo.smsemu_url, "/__emulator/messages");
  auto tasks = GetJson(demo.sfemu_url, "/__emulator/records?type=Task");
  size_t task_count = 0;
  if (tasks.ok()) {
    for (const auto& t : tasks.value()["records"].GetArray()) task_count += !Field(t, "SMS_Message_Sid__c").empty();
  }
  int64_t history_rows = 0;
  try {
    SQLite::Database db(demo.work_dir + "/sfnotify.sqlite", SQLite::OPEN_READONLY);
    history_rows = db.execAndGet("SELECT COUNT(*) FROM history").getInt64();
  } catch (...) {
  }
  std::printf("\n   SMS received by the gateway: %zu · Tasks written to Salesforce: %zu · history rows: %lld\n",
              static_cast<size_t>(messages.ok() ? messages.value()["messages"].Size() : 0), task_count,
              static_cast<long long>(history_rows));
  if (messages.ok() && messages.value()["messages"].Size() > 0) {
    std::printf("   first message: \"%s\"\n", Field(messages.value()["messages"][0], "body").c_str());
  }
  demo.connector.Stop();
  demo.smsemu.Stop();
  demo.sfemu.Stop();
  std::printf("\n6. stopped everything; demo done (%d sent, logs in %s)\n", sent, demo.work_dir.c_str());
  return sent > 0 && static_cast<size_t>(sent) == task_count ? 0 : 1;
}

}  // namespace sfn::connector
