// `sfnotify run`: wires the configured parts together in one visible place and
// runs until SIGTERM/SIGINT. Prints "sfnotify listening on URL" once the API
// is up (tests and scripts wait for that line).
#pragma once

#include "connector/config/config.h"

namespace sfn::connector {

// Returns the process exit code.
int RunDaemon(const Config& config);

}  // namespace sfn::connector
