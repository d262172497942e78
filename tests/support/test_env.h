// Shared helpers for tests that run the project's programs as processes.
#pragma once

#include <string>
#include <vector>

#include "common/child_process.h"

namespace sfn::test {

// Folder with the built binaries (build/bin).
std::string BinDir();
// Repository root.
std::string SourceDir();

// A fresh temporary folder, removed (recursively) by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  // Writes `content` to File(name) and returns its path.
  std::string Write(const std::string& name, const std::string& content) const;

 private:
  std::string path_;
};

// A started program and the URL from its ready line. Stopped on destruction.
struct RunningServer {
  ChildProcess process;
  std::string url;
};

// Starts BinDir()/program with args and waits for "listening on". Fails the
// current test (REQUIRE) when it does not start.
RunningServer StartServer(const std::string& program, std::vector<std::string> args = {},
                          const std::vector<std::string>& env = {});

// Reads a whole file ("" when missing).
std::string ReadFile(const std::string& path);

}  // namespace sfn::test
