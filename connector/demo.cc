#include "connector/demo.h"

#include <cstdio>

#include "common/child_process.h"
#include "common/http_client.h"

namespace sfn::connector {

namespace {
Result<ChildProcess> StartEmulator(const std::string& bin_dir, const std::string& name, std::string* url) {
  auto child = ChildProcess::Start({bin_dir + "/" + name, "--port", "0"});
  if (!child.ok()) return child.status();
  auto line = child->WaitForLine("listening on");
  if (!line.ok()) return Status::Unavailable(name + " did not start: " + line.status().message());
  *url = UrlFromReadyLine(line.value());
  return child;
}
}  // namespace

int RunDemo(const std::string& bin_dir) {
  std::string sfemu_url, smsemu_url;
  auto sfemu = StartEmulator(bin_dir, "sfemu", &sfemu_url);
  if (!sfemu.ok()) {
    std::fprintf(stderr, "sfnotify demo: %s\n", sfemu.status().message().c_str());
    return 1;
  }
  std::printf("started sfemu (local Salesforce org) at %s\n", sfemu_url.c_str());
  auto smsemu = StartEmulator(bin_dir, "smsemu", &smsemu_url);
  if (!smsemu.ok()) {
    std::fprintf(stderr, "sfnotify demo: %s\n", smsemu.status().message().c_str());
    return 1;
  }
  std::printf("started smsemu (SMS gateway) at %s\n", smsemu_url.c_str());
  for (const auto& url : {sfemu_url, smsemu_url}) {
    http::Client client(url);
    http::Request request;
    request.path = "/__emulator/health";
    auto response = client.Send(request);
    if (!response.ok() || response->status != 200) {
      std::fprintf(stderr, "sfnotify demo: %s is not healthy\n", url.c_str());
      return 1;
    }
  }
  std::printf("both emulators answer their health checks\n");
  std::printf("the notification flow (publish, send, Task, history) is added by the engine\n");
  sfemu->Stop();
  smsemu->Stop();
  std::printf("stopped both emulators; demo done\n");
  return 0;
}

}  // namespace sfn::connector
