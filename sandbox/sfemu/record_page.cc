#include "sandbox/sfemu/record_page.h"

#include "sandbox/sfemu/html.h"

#include <cctype>
#include <cmath>

namespace sfemu {

namespace {

std::string Show(const Value& v) {
  if (std::holds_alternative<std::string>(v)) return std::get<std::string>(v);
  if (std::holds_alternative<bool>(v)) return std::get<bool>(v) ? "true" : "false";
  if (std::holds_alternative<double>(v)) {
    double d = std::get<double>(v);
    if (d == std::floor(d) && std::fabs(d) < 1e15) return std::to_string(static_cast<long long>(d));
    return std::to_string(d);
  }
  return "";
}

}  // namespace

std::optional<sfn::http::Response> RecordPage(OrgStore& store, const sfn::http::Request& request) {
  if (request.method != "GET" || request.path.size() < 2) return std::nullopt;
  std::string id = request.path.substr(1);
  if (id.size() != 15 && id.size() != 18) return std::nullopt;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c))) return std::nullopt;
  }
  auto txn = store.Begin();
  const Record* r = txn.Find(id);
  auto page = [](int status, const std::string& body) {
    auto resp = sfn::http::TextResponse(status, body, "text/html; charset=utf-8");
    resp.headers.Set("Cache-Control", "no-store");
    return resp;
  };
  if (!r || r->deleted) {
    return page(
        404,
        "<!doctype html><html><head><link rel=\"icon\" href=\"data:,\"><title>Data Not "
        "Available</title></head><body>"
        "<h1>Data Not Available</h1><p>The data you were trying to access could not be found. "
        "It may be due to another user deleting the data or a system error.</p></body></html>");
  }
  std::string name;
  if (auto it = r->fields.find("Name"); it != r->fields.end()) name = Show(it->second);
  std::string rows;
  for (const auto& [field, value] : r->fields) {
    rows += "<tr><th>" + HtmlEscape(field) + "</th><td>" + HtmlEscape(Show(value)) + "</td></tr>";
  }
  return page(200,
              "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><link rel=\"icon\" "
              "href=\"data:,\"><title>" +
                  HtmlEscape(name) + " | " + HtmlEscape(r->type) +
                  " | sfemu</title></head><body><p id=\"object\">" + HtmlEscape(r->type) +
                  "</p><h1 id=\"name\">" + HtmlEscape(name) + "</h1><p id=\"record-id\">" +
                  HtmlEscape(r->id) + "</p><table id=\"fields\">" + rows + "</table></body></html>");
}

}  // namespace sfemu
