#include "connector/app/cli.h"

#include <unistd.h>

#include <cstdio>
#include <string>

#include "connector/config/config.h"
#include "connector/app/commands.h"
#include "connector/app/daemon.h"
#include "connector/app/demo.h"
#include "connector/history/history_cli.h"

namespace sfn::connector {

namespace {

constexpr const char* kUsage =
    "usage: sfnotify <command> [options]\n"
    "commands:\n"
    "  run --config FILE      run the connector\n"
    "  demo                   run the full flow against local emulators\n"
    "  doctor --config FILE   check config, login, event channel, mapping, gateway, store\n"
    "  mapping validate --config FILE   check every mapped field against the org\n"
    "  send [options]         send through a running connector (sfnotify send --help)\n"
    "  reconcile-optouts --config FILE  write every suppressed number's opt-out to Salesforce\n"
    "  history [options]      list or show sent notifications (sfnotify history --help)\n"
    "  usage [options]        messages, segments and estimated cost (sfnotify usage --help)\n"
    "  version                print the version\n";

std::string BinDir(const std::string& argv0) {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  std::string exe = n > 0 ? std::string(buf, static_cast<size_t>(n)) : argv0;
  size_t slash = exe.rfind('/');
  return slash == std::string::npos ? "." : exe.substr(0, slash);
}

int Run(const std::vector<std::string>& args) {
  std::string path;
  if (!FlagValue(args, "--config", &path)) {
    std::fprintf(stderr, "sfnotify run: --config FILE is required\n");
    return 2;
  }
  auto config = LoadConfig(path);
  if (!config.ok()) {
    std::fprintf(stderr, "sfnotify: config error: %s\n", config.status().message().c_str());
    return 2;
  }
  return RunDaemon(config.value());
}

}  // namespace

int RunCli(const std::string& argv0, const std::vector<std::string>& args) {
  if (args.empty() || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  const std::string& command = args[0];
  std::vector<std::string> rest(args.begin() + 1, args.end());
  if (command == "version" || command == "--version") {
    std::printf("sfnotify 0.1.0\n");
    return 0;
  }
  if (command == "run") return Run(rest);
  if (command == "demo") return RunDemo(BinDir(argv0));
  if (command == "history") return RunHistoryCli(rest);
  if (command == "usage") return RunUsageCli(rest);
  if (command == "doctor") return RunDoctor(rest);
  if (command == "send") return RunSend(rest);
  if (command == "reconcile-optouts") return RunReconcileOptOuts(rest);
  if (command == "mapping" && !rest.empty() && rest[0] == "validate") {
    return RunMappingValidate(std::vector<std::string>(rest.begin() + 1, rest.end()));
  }
  std::fprintf(stderr, "sfnotify: unknown command '%s'\n%s", command.c_str(), kUsage);
  return 2;
}

}  // namespace sfn::connector
