// CTest splits discovered test names at ';': a Catch2 case named "a; b" becomes
// two entries that run nothing and still report "Passed". Keep names free of it.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>

#include "support/test_env.h"

TEST_CASE("no test case name contains a semicolon (CTest would split it into empty tests)", "[meta]") {
  const std::regex test_case("TEST_CASE\\(\"([^\"]*)\"");
  std::vector<std::string> offenders;
  int files = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(sfn::test::SourceDir() + "/tests")) {
    const std::string path = entry.path().string();
    if (path.find("node_modules") != std::string::npos || entry.path().extension() != ".cc") continue;
    ++files;
    std::ifstream in(path);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    for (std::sregex_iterator it(text.begin(), text.end(), test_case), end; it != end; ++it) {
      if ((*it)[1].str().find(';') != std::string::npos) offenders.push_back(path + ": " + (*it)[1].str());
    }
  }
  CHECK(files > 20);
  for (const auto& o : offenders) UNSCOPED_INFO(o);
  CHECK(offenders.empty());
}
