// Blocks until SIGTERM or SIGINT arrives. Call BlockTerminationSignals() first
// thing in main (before any thread starts) so that every thread inherits the
// mask and the signal is only ever taken by WaitForTermination().
#pragma once

namespace sfn {

void BlockTerminationSignals();
// Returns the signal number received.
int WaitForTermination();

}  // namespace sfn
