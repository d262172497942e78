// The sfnotify command line: `sfnotify <command> [options]`. Returns the
// process exit code; errors are printed as one line on stderr.
#pragma once

#include <string>
#include <vector>

namespace sfn::connector {

int RunCli(const std::string& argv0, const std::vector<std::string>& args);

}  // namespace sfn::connector
