// What every emulator's main shares: `--flag value` parsing with --help, whole
// numbers in a range, and the run loop (start the server, print the one ready
// line tests wait for, serve until SIGTERM/SIGINT, stop). Each emulator keeps
// only its own flags and its wiring.
#pragma once

#include <functional>
#include <string>

#include "common/http_server.h"

namespace sfn::sandbox {

// True when `text` is a whole decimal number in [min, max]; writes it to *out.
bool ParseWholeNumber(const std::string& text, long long min, long long max, long long* out);
template <typename Int>
bool ParseWholeNumber(const std::string& text, long long min, long long max, Int* out) {
  long long value = 0;
  if (!ParseWholeNumber(text, min, max, &value)) return false;
  *out = static_cast<Int>(value);
  return true;
}

// Takes one flag and its value: "" when taken, else the problem ("unknown option --x" for a
// flag it does not know).
using FlagHandler = std::function<std::string(const std::string& flag, const std::string& value)>;

// Every argument after argv[0] is a `--flag value` pair. Returns "" when all were taken, "help"
// for --help / -h, or the first problem.
std::string ParseFlags(int argc, char** argv, const FlagHandler& take);

// For a ParseFlags result: prints the usage (exit 0) or "NAME: problem" and the usage (exit 2).
// Returns -1 when there was nothing to report and the emulator should run.
int ReportFlags(const char* name, const std::string& problem, const char* usage);

// Blocks SIGTERM/SIGINT for every thread; call first in main, before any thread starts.
void PrepareSignals();

// Starts `server`, runs `ready` (extra lines before the ready line), prints
// "NAME listening on URL", serves until SIGTERM/SIGINT, runs `stopping` (e.g. release held
// requests), stops the server. Returns the process exit code (1 when the server cannot start).
int ServeUntilTerminated(const char* name, http::Server& server,
                         const std::function<void()>& ready = nullptr,
                         const std::function<void()>& stopping = nullptr);

}  // namespace sfn::sandbox
