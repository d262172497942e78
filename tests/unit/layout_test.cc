// connector/ is cut by the stages of a notification (connector/README.md). The
// dependency rule — a folder includes only folders below it in this list — is
// what keeps a stage replaceable; this test reads every #include and holds it.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>

#include "support/test_env.h"

namespace {

// Higher may include lower (or the same folder); never the other way round.
const std::map<std::string, int>& Layers() {
  static const std::map<std::string, int> layers = {
      {"outbox", 0},     {"config", 0},  // the store and the options: used by all
      {"compliance", 1},                 // phones, zones, quiet hours, keywords
      {"resolve", 2},    {"send", 2},     {"writeback", 2},  // the stages
      {"engine", 3},                                         // drives a notification through them
      {"intake", 4},                                         // events and the HTTP API
      {"history", 5},    {"webhooks", 5},                    // routes mounted on the API server
      {"app", 6},                                            // main, CLI, daemon, wiring
  };
  return layers;
}

struct Include {
  std::string file;
  std::string from;
  std::string to;
};

std::vector<Include> ConnectorIncludes(int* files) {
  const std::string root = sfn::test::SourceDir() + "/connector";
  const std::regex include("#include \"connector/([a-z_]+)/[a-z_]+\\.h\"");
  std::vector<Include> out;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    const auto ext = entry.path().extension();
    if (ext != ".cc" && ext != ".h") continue;
    ++*files;
    const std::string relative = std::filesystem::relative(entry.path(), root).string();
    const std::string from = relative.substr(0, relative.find('/'));
    std::ifstream in(entry.path());
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (std::sregex_iterator it(text.begin(), text.end(), include), end; it != end; ++it) {
      out.push_back({relative, from, (*it)[1].str()});
    }
  }
  return out;
}

std::set<std::string> Violations(const std::vector<Include>& includes) {
  std::set<std::string> violations;
  for (const auto& inc : includes) {
    auto from = Layers().find(inc.from);
    auto to = Layers().find(inc.to);
    if (to == Layers().end()) {
      violations.insert(inc.file + " includes unknown folder connector/" + inc.to);
    } else if (from != Layers().end() && inc.from != inc.to && from->second <= to->second) {
      violations.insert(inc.file + " (" + inc.from + ") includes connector/" + inc.to);
    }
  }
  return violations;
}

}  // namespace

TEST_CASE("every connector source lives in a stage folder named in the layer list",
          "[meta][layout]") {
  const std::string root = sfn::test::SourceDir() + "/connector";
  std::vector<std::string> strays;
  for (const auto& entry : std::filesystem::directory_iterator(root)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_directory() && !Layers().count(name)) strays.push_back(name + "/");
    if (entry.is_regular_file() &&
        (entry.path().extension() == ".cc" || entry.path().extension() == ".h")) {
      strays.push_back(name);
    }
  }
  for (const auto& s : strays) UNSCOPED_INFO("connector/" << s);
  CHECK(strays.empty());
}

TEST_CASE("connector folders include only folders below them (app -> stages -> outbox/config)",
          "[meta][layout]") {
  int files = 0;
  std::vector<Include> includes = ConnectorIncludes(&files);
  CHECK(files > 60);
  CHECK(includes.size() > 100);
  std::set<std::string> violations = Violations(includes);
  for (const auto& v : violations) UNSCOPED_INFO(v);
  CHECK(violations.empty());
}

TEST_CASE("the layer check refuses upward and sideways includes and allows downward ones",
          "[meta][layout]") {
  std::vector<Include> planted = {
      {"send/sender.cc", "send", "app"},         // a stage reaching up into app/
      {"resolve/x.cc", "resolve", "writeback"},  // one stage into a sibling stage
      {"outbox/y.cc", "outbox", "nowhere"},      // a folder the map does not know
      {"engine/engine.cc", "engine", "send"},    // fine: down
      {"app/daemon.cc", "app", "outbox"},        // fine: down
      {"send/sender.h", "send", "send"},         // fine: same folder
  };
  std::set<std::string> found = Violations(planted);
  CHECK(found.size() == 3);
  CHECK(found.count("send/sender.cc (send) includes connector/app") == 1);
  CHECK(found.count("resolve/x.cc (resolve) includes connector/writeback") == 1);
  CHECK(found.count("outbox/y.cc includes unknown folder connector/nowhere") == 1);
}
