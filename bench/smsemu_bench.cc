// smsemu throughput: messages the emulator accepts per second over loopback
// (create requests answered 201), sequentially and with requests in flight.
// The emulator runs as its own process with a budget high enough that the
// rate limiter never answers 429, so the figure is the emulator's own cost.
#include <chrono>
#include <cstdio>
#include <future>
#include <string>
#include <vector>

#include "common/child_process.h"
#include "common/crypto.h"
#include "common/form.h"
#include "common/http_client.h"

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
  return 0;
}
