// Starts a helper program (sfemu, smsemu, sfnotify) as a child process and
// waits for the one line it prints when ready ("... listening on URL").
// The destructor stops the child (SIGTERM, then SIGKILL after a grace period),
// so tests that fail half-way never leave processes behind; the child also
// gets SIGKILL if this process dies (PR_SET_PDEATHSIG).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/status.h"

namespace sfn {

class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess();
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Runs argv[0] with the given arguments. stdout is read by WaitForLine;
  // stderr goes to `stderr_path` (appended) or is inherited when empty.
  static Result<ChildProcess> Start(const std::vector<std::string>& argv, const std::string& stderr_path = "",
                                    const std::vector<std::string>& extra_env = {});

  // Reads stdout until a line containing `needle` arrives; returns that line.
  Result<std::string> WaitForLine(const std::string& needle,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // Everything read from stdout so far (including lines after the ready line, when read).
  const std::string& output() const { return output_; }
  // Reads whatever stdout has until EOF or timeout; returns it.
  std::string ReadRemaining(std::chrono::milliseconds timeout);

  int pid() const { return pid_; }
  bool running();
  // SIGTERM, wait up to `grace`, then SIGKILL. Returns the exit status (as from waitpid) or -1.
  int Stop(std::chrono::milliseconds grace = std::chrono::seconds(5));
  void Kill();  // SIGKILL now and reap
  // Waits for exit; returns the exit code (or 128+signal), -1 on timeout.
  int Wait(std::chrono::milliseconds timeout);

 private:
  int pid_ = -1;
  int stdout_fd_ = -1;
  int exit_status_ = -1;
  std::string output_;
  std::string buffer_;
};

// Extracts "http://host:port" from a ready line such as "sfemu listening on http://127.0.0.1:4567".
std::string UrlFromReadyLine(const std::string& line);

}  // namespace sfn
