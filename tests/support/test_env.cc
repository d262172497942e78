#include "support/test_env.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace sfn::test {

std::string BinDir() { return SFN_BIN_DIR; }
std::string SourceDir() { return SFN_SOURCE_DIR; }

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "sfnotify-test-XXXXXX").string();
  char* made = mkdtemp(tmpl.data());
  if (!made) throw std::runtime_error("mkdtemp failed");
  path_ = made;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::Write(const std::string& name, const std::string& content) const {
  std::string p = File(name);
  std::ofstream out(p, std::ios::binary);
  out << content;
  return p;
}

RunningServer StartServer(const std::string& program, std::vector<std::string> args,
                          const std::vector<std::string>& env) {
  args.insert(args.begin(), BinDir() + "/" + program);
  auto child = ChildProcess::Start(args, "", env);
  REQUIRE(child.ok());
  auto line = child->WaitForLine("listening on");
  INFO(program << " failed to start: " << (line.ok() ? "" : line.status().message()));
  REQUIRE(line.ok());
  RunningServer server{std::move(child.value()), UrlFromReadyLine(line.value())};
  REQUIRE(!server.url.empty());
  return server;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace sfn::test
