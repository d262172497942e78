// smsemu: placeholder until its own issue builds the emulator; it only listens
// and answers its health check so that the demo and the test harness work.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "common/http_server.h"
#include "common/signals.h"

int main(int argc, char** argv) {
  sfn::BlockTerminationSignals();
  sfn::http::ServerOptions options;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--port") == 0) options.port = std::atoi(argv[++i]);
    else if (std::strcmp(argv[i], "--host") == 0) options.host = argv[++i];
  }
  sfn::http::Server server(options, [](sfn::http::Request&& request, sfn::http::Responder responder) {
    if (request.path == "/__emulator/health") {
      responder.Send(sfn::http::JsonResponse(200, R"({"status":"ok"})"));
    } else {
      responder.Send(sfn::http::JsonResponse(404, R"({"error":"not found"})"));
    }
  });
  auto status = server.Start();
  if (!status.ok()) {
    std::fprintf(stderr, "smsemu: %s\n", status.message().c_str());
    return 1;
  }
  std::printf("smsemu listening on %s\n", server.base_url().c_str());
  std::fflush(stdout);
  sfn::WaitForTermination();
  server.Stop();
  return 0;
}
