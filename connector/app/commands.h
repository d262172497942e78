// The operator commands of the CLI (each returns the process exit code):
//   sfnotify doctor --config F            one line per check: config, key, login, event channel,
//                                         mapping, gateway credentials, store; exit 1 if any fails
//   sfnotify mapping validate --config F  every mapped field checked against the org's describe
//   sfnotify send [options]               send through a running connector's API, with progress
#pragma once

#include <string>
#include <vector>

namespace sfn::connector {

int RunDoctor(const std::vector<std::string>& args);
int RunMappingValidate(const std::vector<std::string>& args);
int RunSend(const std::vector<std::string>& args);
// sfnotify reconcile-optouts --config F: every number on the suppression list is opted out on
// every Lead/Contact that has it in Salesforce; prints each record it changed and a summary.
int RunReconcileOptOuts(const std::vector<std::string>& args);

// "--name VALUE" or "--name=VALUE".
bool FlagValue(const std::vector<std::string>& args, const std::string& name, std::string* value);
bool HasFlag(const std::vector<std::string>& args, const std::string& name);

}  // namespace sfn::connector
