#include "common/http_types.h"

#include <algorithm>
#include <cctype>

namespace sfn::http {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

void Headers::Set(const std::string& name, std::string value) {
  items_.erase(std::remove_if(items_.begin(), items_.end(),
                              [&](const auto& item) { return EqualsIgnoreCase(item.first, name); }),
               items_.end());
  items_.emplace_back(name, std::move(value));
}

std::string Headers::Get(std::string_view name) const {
  for (const auto& [n, v] : items_) {
    if (EqualsIgnoreCase(n, name)) return v;
  }
  return "";
}

bool Headers::Has(std::string_view name) const {
  for (const auto& item : items_) {
    if (EqualsIgnoreCase(item.first, name)) return true;
  }
  return false;
}

Response JsonResponse(int status, std::string body) {
  Response r;
  r.status = status;
  r.headers.Set("Content-Type", "application/json;charset=UTF-8");
  r.body = std::move(body);
  return r;
}

Response TextResponse(int status, std::string body, std::string content_type) {
  Response r;
  r.status = status;
  r.headers.Set("Content-Type", std::move(content_type));
  r.body = std::move(body);
  return r;
}

std::vector<std::string> SplitPath(std::string_view path) {
  std::vector<std::string> parts;
  size_t pos = 0;
  while (pos < path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    if (slash > pos) parts.emplace_back(path.substr(pos, slash - pos));
    pos = slash + 1;
  }
  return parts;
}

void SplitTarget(std::string_view target, std::string* path, std::string* query) {
  size_t q = target.find('?');
  if (q == std::string_view::npos) {
    *path = std::string(target);
    query->clear();
  } else {
    *path = std::string(target.substr(0, q));
    *query = std::string(target.substr(q + 1));
  }
}

}  // namespace sfn::http
