// The history web page's static files (connector/web/), compiled into the
// binary at build time by connector/web/embed.cmake so the page needs neither
// an install path nor a build step of its own.
#pragma once

#include <cstddef>
#include <string_view>

namespace sfn::connector {

struct WebAsset {
  const char* path;          // URL path, e.g. "/web/app.js"
  const char* content_type;  // e.g. "text/javascript; charset=utf-8"
  const unsigned char* data;
  size_t size;
};

// The asset served at `path` ("/" is index.html), or nullptr.
const WebAsset* FindWebAsset(std::string_view path);

}  // namespace sfn::connector
