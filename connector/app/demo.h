// `sfnotify demo`: starts the local Salesforce org emulator and the SMS gateway
// emulator as child processes and runs the connector against them.
#pragma once

#include <string>

namespace sfn::connector {

// `bin_dir` is the folder holding sfemu and smsemu. Returns the exit code.
int RunDemo(const std::string& bin_dir);

}  // namespace sfn::connector
