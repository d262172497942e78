// Limits the HTTP server enforces on every connection, before any handler runs.
// The listener is reachable from the internet (it is the webhook endpoint), so
// each limit bounds memory or time an unauthenticated client can hold. The
// connector reads them from its config (`http.*`, docs/configuration.md); the
// emulators use the defaults.
#pragma once

#include <cstddef>

namespace sfn::http {

struct ServerLimits {
  // Request line plus headers, CRLFs included. Beyond: 431 and the connection is closed.
  size_t max_header_bytes = 16 * 1024;
  // Body bytes, counted as they arrive (Content-Length at once, each chunk of a chunked
  // body before its data is read). Beyond: 413 and the connection is closed.
  size_t max_body_bytes = 1024 * 1024;
  // From accepting a connection (or from the first byte of a later request on it) until
  // the headers are complete. A client that trickles its headers is closed after this.
  int header_timeout_ms = 10000;
  // From the end of the headers until the whole body has arrived.
  int body_timeout_ms = 30000;
  // How long a keep-alive connection may wait for its next request.
  int idle_timeout_ms = 60000;
  // How long writing one response may take (a client that does not read).
  int write_timeout_ms = 30000;
  // Open connections at once; beyond, a new connection gets 503 and is closed.
  int max_connections = 512;
};

}  // namespace sfn::http
