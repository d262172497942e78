// The project's own HTTP request/response values. Servers and clients speak
// these so that the libraries (Boost.Beast for the server, cpprestsdk for the
// clients) stay behind one seam (http_server / http_client).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sfn::http {

// Ordered header list with case-insensitive lookup; repeated names are kept.
class Headers {
 public:
  void Add(std::string name, std::string value) { items_.emplace_back(std::move(name), std::move(value)); }
  // Replaces every header named `name` (case-insensitive) with one value.
  void Set(const std::string& name, std::string value);
  // First value for `name`, or empty when absent.
  std::string Get(std::string_view name) const;
  bool Has(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

struct Request {
  std::string method = "GET";  // upper case
  std::string path;            // raw (percent-encoded) path, e.g. "/services/data/v62.0/query"
  std::string query;           // raw query string without '?'; empty when none
  Headers headers;
  std::string body;            // raw bytes
  std::string remote_address;  // filled by the server

  // "path?query" as sent on the request line.
  std::string Target() const { return query.empty() ? path : path + "?" + query; }
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
};

// Builders for common responses.
Response JsonResponse(int status, std::string body);
Response TextResponse(int status, std::string body, std::string content_type = "text/plain; charset=utf-8");

// Splits "path?query" (either part may be empty).
void SplitTarget(std::string_view target, std::string* path, std::string* query);

bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// The non-empty segments of a raw path: "/a//b/" → {"a", "b"} (not percent-decoded).
std::vector<std::string> SplitPath(std::string_view path);

}  // namespace sfn::http
