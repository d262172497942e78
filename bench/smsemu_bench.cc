// smsemu throughput: messages the emulator accepts per second over loopback
// (create requests answered 201), sequentially and with requests in flight.
// The emulator runs as its own process with a sender rate high enough that no
// message waits in the sender's queue, so the figure is the emulator's own cost.
//
// Then the queue drain: a burst far above --mps is accepted at once and leaves
// the sender's queue at --mps; the figure is the measured departure rate.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "common/child_process.h"
#include "common/crypto.h"
#include "common/form.h"
#include "common/http_client.h"
#include "common/json.h"

namespace {

const std::string kAccountSid = "AC0123456789abcdef0123456789abcdef";

sfn::http::Request CreateRequest(int i) {
  sfn::http::Request request;
  request.method = "POST";
  request.path = "/2010-04-01/Accounts/" + kAccountSid + "/Messages.json";
  request.headers.Set("Authorization",
                      "Basic " + sfn::crypto::Base64Encode(kAccountSid + ":smsemu-demo-token"));
  request.headers.Set("Content-Type", "application/x-www-form-urlencoded");
  request.body = sfn::form::Serialize({{"To", "+1415555" + std::to_string(1000 + i % 9000)},
                                       {"From", "+15005550006"},
                                       {"Body", "Reminder: your appointment is tomorrow at 3pm."}});
  return request;
}

// Sends `total` creates keeping `in_flight` outstanding; returns accepted per second.
double Run(const sfn::http::Client& client, int total, int in_flight, int* accepted) {
  auto start = std::chrono::steady_clock::now();
  *accepted = 0;
  std::vector<std::future<sfn::Result<sfn::http::Response>>> window;
  for (int i = 0; i < total; ++i) {
    window.push_back(client.SendAsync(CreateRequest(i)));
    if (static_cast<int>(window.size()) >= in_flight) {
      for (auto& f : window) {
        auto r = f.get();
        if (r.ok() && r->status == 201) ++*accepted;
      }
      window.clear();
    }
  }
  for (auto& f : window) {
    auto r = f.get();
    if (r.ok() && r->status == 201) ++*accepted;
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return *accepted / seconds;
}

sfn::Result<sfn::ChildProcess> StartSmsemu(const std::string& bin_dir,
                                           std::vector<std::string> args, std::string* url) {
  args.insert(args.begin(), {bin_dir + "/smsemu", "--port", "0"});
  auto child = sfn::ChildProcess::Start(args, "/dev/null");
  if (!child.ok()) return child.status();
  auto line = child->WaitForLine("listening on");
  if (!line.ok()) return line.status();
  *url = sfn::UrlFromReadyLine(line.value());
  return child;
}

// Sends 2 x mps one-segment messages from one sender as fast as 8 in flight
// allow, waits until all left the queue and returns departures per second.
double DrainRate(const std::string& bin_dir, int mps, int* count) {
  std::string url;
  auto child =
      StartSmsemu(bin_dir, {"--mps", std::to_string(mps), "--delivery-delay-ms", "0"}, &url);
  if (!child.ok()) return -1;
  sfn::http::Client client(url);
  int accepted = 0;
  *count = 2 * mps;
  Run(client, *count, 8, &accepted);
  std::vector<int64_t> departures;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    sfn::http::Request hook;
    hook.path = "/__emulator/messages";
    auto r = client.Send(hook);
    if (!r.ok()) break;
    auto doc = sfn::json::Parse(r->body);
    if (!doc.ok()) break;
    departures.clear();
    for (const auto& m : (*doc)["messages"].GetArray()) {
      if (m["dequeued_at_ms"].IsInt64()) departures.push_back(m["dequeued_at_ms"].GetInt64());
    }
    if (static_cast<int>(departures.size()) == accepted) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  child->Stop();
  if (departures.size() < 2) return -1;
  std::sort(departures.begin(), departures.end());
  double seconds = (departures.back() - departures.front()) / 1000.0;
  return (departures.size() - 1) / seconds;
}

}  // namespace

int main(int argc, char** argv) {
  std::string bin_dir = ".";
  std::string self = argv[0];
  if (size_t slash = self.rfind('/'); slash != std::string::npos) bin_dir = self.substr(0, slash);
  int total = argc > 1 ? std::atoi(argv[1]) : 2000;
  auto child = sfn::ChildProcess::Start(
      {bin_dir + "/smsemu", "--port", "0", "--mps", "1000000", "--delivery-delay-ms", "50"},
      "/dev/null");
  if (!child.ok()) {
    std::fprintf(stderr, "smsemu_bench: %s\n", child.status().message().c_str());
    return 1;
  }
  auto line = child->WaitForLine("listening on");
  if (!line.ok()) {
    std::fprintf(stderr, "smsemu_bench: smsemu did not start: %s\n",
                 line.status().message().c_str());
    return 1;
  }
  sfn::http::Client client(sfn::UrlFromReadyLine(line.value()));
  for (int in_flight : {1, 8, 32}) {
    int accepted = 0;
    double rate = Run(client, total, in_flight, &accepted);
    std::printf("smsemu create, %d in flight: %d of %d accepted, %.0f messages/s\n", in_flight,
                accepted, total, rate);
  }
  child->Stop();
  for (int mps : {10, 100, 1000}) {
    int count = 0;
    double rate = DrainRate(bin_dir, mps, &count);
    std::printf("smsemu queue drain at --mps %d: %d messages left at %.1f segments/s\n", mps, count,
                rate);
  }
  return 0;
}
