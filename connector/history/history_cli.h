// `sfnotify history` and `sfnotify usage`: the view history through a running
// connector's API (--url, default $SFNOTIFY_URL or http://127.0.0.1:8080;
// --key, default $SFNOTIFY_API_KEY). Output is a table, or --json / --csv.
// Exit status: 0 ok, 1 the API refused or could not be reached, 2 bad usage.
#pragma once

#include <string>
#include <vector>

namespace sfn::connector {

int RunHistoryCli(const std::vector<std::string>& args);
int RunUsageCli(const std::vector<std::string>& args);

}  // namespace sfn::connector
