// sfemu throughput: starts sfemu (from the same bin folder) as a process and
// prints requests per second, median of several runs, for a SOQL query and for
// a 200-record sObject Collections insert.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "common/child_process.h"
#include "common/form.h"
#include "common/http_client.h"
#include "common/json.h"

namespace {

std::string BinDir() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  std::string path(buf, static_cast<size_t>(n));
  return path.substr(0, path.rfind('/'));
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Runs `requests` sequential requests `runs` times; returns each run's requests/second.
template <typename Fn>
std::vector<double> Measure(int runs, int requests, Fn&& send_one) {
  std::vector<double> rates;
  for (int run = 0; run < runs; ++run) {
    auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < requests; ++i) {
      if (!send_one()) return {};
    }
    std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    rates.push_back(requests / elapsed.count());
  }
  return rates;
}

}  // namespace

int main() {
  auto child = sfn::ChildProcess::Start({BinDir() + "/sfemu", "--port", "0"});
  if (!child.ok()) {
    std::fprintf(stderr, "sfemu_bench: cannot start sfemu: %s\n", child.status().message().c_str());
    return 1;
  }
  auto line = child->WaitForLine("listening on");
  if (!line.ok()) {
    std::fprintf(stderr, "sfemu_bench: sfemu did not start\n");
    return 1;
  }
  sfn::http::Client client(sfn::UrlFromReadyLine(*line));
  sfn::http::Request login;
  login.method = "POST";
  login.path = "/services/oauth2/token";
  login.headers.Add("Content-Type", "application/x-www-form-urlencoded");
  login.body =
      "grant_type=password&client_id=sfnotify-local&client_secret=sfnotify-local-secret&username="
      "integration%40"
      "sfnotify.demo&password=sfnotify-demo";
  auto token_response = client.Send(login);
  if (!token_response.ok() || token_response->status != 200) {
    std::fprintf(stderr, "sfemu_bench: login failed\n");
    return 1;
  }
  auto token_doc = sfn::json::Parse(token_response->body);
  std::string auth = std::string("Bearer ") + (*token_doc)["access_token"].GetString();
  // Many runs against the default 15,000/day limit would hit REQUEST_LIMIT_EXCEEDED.
  sfn::http::Request limits;
  limits.method = "POST";
  limits.path = "/__emulator/limits";
  limits.body = R"({"DailyApiRequests":{"Max":100000000,"Remaining":100000000}})";
  client.Send(limits);

  sfn::http::Request query;
  query.path = "/services/data/v62.0/query";
  query.query = "q=" + sfn::form::Encode(
                           "SELECT Id, Name, MobilePhone, SMS_Opt_In__c FROM Lead WHERE "
                           "SMS_Opt_Out__c = false LIMIT 200");
  query.headers.Add("Authorization", auth);
  auto query_rates = Measure(5, 200, [&] {
    auto r = client.Send(query);
    return r.ok() && r->status == 200;
  });

  std::string records;
  for (int i = 0; i < 200; ++i) {
    records +=
        std::string(i ? "," : "") +
        R"({"attributes":{"type":"Task"},"Subject":"SMS: bench","Status":"Completed","SMS_Segments__c":1})";
  }
  sfn::http::Request insert;
  insert.method = "POST";
  insert.path = "/services/data/v62.0/composite/sobjects";
  insert.headers.Add("Authorization", auth);
  insert.headers.Add("Content-Type", "application/json");
  insert.body = R"({"allOrNone":true,"records":[)" + records + "]}";
  auto insert_rates = Measure(5, 20, [&] {
    auto r = client.Send(insert);
    return r.ok() && r->status == 200;
  });
  child->Stop();
  if (query_rates.empty() || insert_rates.empty()) {
    std::fprintf(stderr, "sfemu_bench: a request failed\n");
    return 1;
  }
  std::printf("sfemu query (200 Leads per response): %.0f requests/s (median of 5 runs x 200)\n",
              Median(query_rates));
  std::printf(
      "sfemu collection insert (200 Tasks per request): %.0f requests/s = %.0f records/s (median "
      "of 5 runs x 20)\n",
      Median(insert_rates), Median(insert_rates) * 200);
  return 0;
}
