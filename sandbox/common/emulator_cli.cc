#include "sandbox/common/emulator_cli.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "common/signals.h"

namespace sfn::sandbox {

bool ParseWholeNumber(const std::string& text, long long min, long long max, long long* out) {
  if (text.empty()) return false;
  char* end = nullptr;
  errno = 0;
  long long value = std::strtoll(text.c_str(), &end, 10);
  if (errno == ERANGE || *end != '\0' || value < min || value > max) return false;
  *out = value;
  return true;
}

std::string ParseFlags(int argc, char** argv, const FlagHandler& take) {
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") return "help";
    if (i + 1 >= argc) return flag + " needs a value";
    std::string problem = take(flag, argv[++i]);
    if (!problem.empty()) return problem;
  }
  return "";
}

int ReportFlags(const char* name, const std::string& problem, const char* usage) {
  if (problem == "help") {
    std::fputs(usage, stdout);
    return 0;
  }
  if (problem.empty()) return -1;
  std::fprintf(stderr, "%s: %s\n%s", name, problem.c_str(), usage);
  return 2;
}

void PrepareSignals() {
  BlockTerminationSignals();
}

int ServeUntilTerminated(const char* name, http::Server& server, const std::function<void()>& ready,
                         const std::function<void()>& stopping) {
  auto status = server.Start();
  if (!status.ok()) {
    std::fprintf(stderr, "%s: %s\n", name, status.message().c_str());
    return 1;
  }
  if (ready) ready();
  std::printf("%s listening on %s\n", name, server.base_url().c_str());
  std::fflush(stdout);
  WaitForTermination();
  if (stopping) stopping();
  server.Stop();
  return 0;
}

}  // namespace sfn::sandbox
