#include "connector/history/history_cli.h"

#include <rapidjson/document.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>

#include "common/form.h"
#include "common/http_client.h"
#include "common/json.h"
#include "common/utf8.h"

namespace sfn::connector {

namespace {

constexpr const char* kHistoryUsage =
    "usage: sfnotify history [options]            list notifications, newest first\n"
    "       sfnotify history show ID [options]    one notification with its recipients\n"
    "filters: --from DATE|TIME --to DATE|TIME --contact-point NAME --user USER_ID|NAME --record "
    "RECORD_ID|NAME\n"
    "         --phone NUMBER --status STATUS|STATE --reason REASON --text WORDS\n"
    "paging:  --limit N (1-500, default 50) --cursor CURSOR --all (follow every page)\n"
    "output:  --json | --csv (default: a table)\n"
    "api:     --url URL (default $SFNOTIFY_URL or http://127.0.0.1:8080) --key KEY (default "
    "$SFNOTIFY_API_KEY)\n";

constexpr const char* kUsageUsage =
    "usage: sfnotify usage [--from DATE|TIME] [--to DATE|TIME] [--group-by "
    "contact_point|user|day]\n"
    "                      [--json | --csv] [--url URL] [--key KEY]\n";

struct Options {
  std::string url, key;
  form::Params params;
  bool json = false, csv = false, all = false;
  std::vector<std::string> positional;
};

// Parses flags; `mapping` turns --flag into an API parameter. Returns an error message.
std::optional<std::string> ParseArgs(const std::vector<std::string>& args,
                                     const std::map<std::string, std::string>& mapping,
                                     Options* o) {
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    if (arg == "--json") {
      o->json = true;
      continue;
    }
    if (arg == "--csv") {
      o->csv = true;
      continue;
    }
    if (arg == "--all") {
      o->all = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0) {
      o->positional.push_back(arg);
      continue;
    }
    std::string name = arg, value;
    size_t eq = arg.find('=');
    if (eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return name + " needs a value";
    }
    if (name == "--url") {
      o->url = value;
    } else if (name == "--key") {
      o->key = value;
    } else if (auto it = mapping.find(name); it != mapping.end()) {
      o->params.emplace_back(it->second, value);
    } else {
      return "unknown option " + name;
    }
  }
  if (o->json && o->csv) return "--json and --csv cannot be combined";
  if (o->url.empty()) {
    const char* env = std::getenv("SFNOTIFY_URL");
    o->url = env && *env ? env : "http://127.0.0.1:8080";
  }
  if (o->key.empty()) {
    const char* env = std::getenv("SFNOTIFY_API_KEY");
    if (env) o->key = env;
  }
  if (o->key.empty()) return "an API key is required (--key or SFNOTIFY_API_KEY)";
  return std::nullopt;
}

// GETs `target`; on success returns the parsed body, else prints the error.
std::optional<rapidjson::Document> Get(const char* command, const http::Client& client,
                                       const std::string& key, const std::string& target) {
  http::Request req;
  req.method = "GET";
  http::SplitTarget(target, &req.path, &req.query);
  req.headers.Add("Authorization", "Bearer " + key);
  req.headers.Add("Accept", "application/json");
  auto response = client.Send(req);
  if (!response.ok()) {
    std::fprintf(stderr, "sfnotify %s: cannot reach %s: %s\n", command, client.base_url().c_str(),
                 response.status().message().c_str());
    return std::nullopt;
  }
  auto doc = json::Parse(response->body);
  if (response->status != 200 || !doc.ok()) {
    std::string message = "HTTP " + std::to_string(response->status);
    if (doc.ok() && doc->IsObject() && doc->HasMember("error") && (*doc)["error"].IsObject()) {
      const auto& e = (*doc)["error"];
      if (e.HasMember("message") && e["message"].IsString()) message = e["message"].GetString();
      if (e.HasMember("field") && e["field"].IsString()) {
        message += std::string(" (parameter ") + e["field"].GetString() + ")";
      }
    }
    std::fprintf(stderr, "sfnotify %s: %s\n", command, message.c_str());
    return std::nullopt;
  }
  return std::move(doc.value());
}

std::string Text(const rapidjson::Value& v, const char* field) {
  auto it = v.FindMember(field);
  if (it == v.MemberEnd()) return "";
  if (it->value.IsString()) return it->value.GetString();
  if (it->value.IsInt64()) return std::to_string(it->value.GetInt64());
  if (it->value.IsDouble()) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.4f", it->value.GetDouble());
    return buf;
  }
  if (it->value.IsBool()) return it->value.GetBool() ? "true" : "false";
  return "";
}

std::string Count(const rapidjson::Value& item, const char* state) {
  if (!item.HasMember("counts") || !item["counts"].IsObject()) return "0";
  return Text(item["counts"], state).empty() ? "0" : Text(item["counts"], state);
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    out += c;
    if (c == '"') out += '"';
  }
  return out + "\"";
}

std::string Truncate(const std::string& s, size_t n) {
  std::string flat;
  for (char c : s) flat += (c == '\n' || c == '\r') ? ' ' : c;
  std::string cut = utf8::TruncateChars(flat, n);
  return cut.size() == flat.size() ? flat : utf8::TruncateChars(flat, n - 3) + "...";
}

// Prints rows as a table (columns padded to their widest cell) or CSV.
void PrintRows(const std::vector<std::string>& header,
               const std::vector<std::vector<std::string>>& rows, bool csv) {
  if (csv) {
    for (const auto* row : {&header}) {
      for (size_t i = 0; i < row->size(); ++i)
        std::printf("%s%s", i ? "," : "", CsvField((*row)[i]).c_str());
      std::printf("\n");
    }
    for (const auto& row : rows) {
      for (size_t i = 0; i < row.size(); ++i)
        std::printf("%s%s", i ? "," : "", CsvField(row[i]).c_str());
      std::printf("\n");
    }
    return;
  }
  std::vector<size_t> width(header.size());
  for (size_t i = 0; i < header.size(); ++i) width[i] = header[i].size();
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], row[i].size());
  }
  auto print = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(width[i] - row[i].size() + 2, ' ');
    }
    std::printf("%s\n", line.c_str());
  };
  print(header);
  for (const auto& row : rows) print(row);
}

// "Sam Sender (005…)" when the history kept the name, else the Id alone (older rows).
std::string Named(const rapidjson::Value& v, const std::string& id_field,
                  const std::string& name_field) {
  std::string id = Text(v, id_field.c_str());
  std::string name = Text(v, name_field.c_str());
  return name.empty() ? id : name + " (" + id + ")";
}

int ShowNotification(const Options& o, const http::Client& client, const std::string& id) {
  auto doc = Get("history", client, o.key, "/v1/history/" + form::Encode(id));
  if (!doc) return 1;
  if (o.json) {
    std::printf("%s\n", json::SerializePretty(*doc).c_str());
    return 0;
  }
  const auto& n = (*doc)["notification"];
  if (!o.csv) {
    std::printf("notification %s  (request %s)\n", Text(n, "notification_id").c_str(),
                Text(n, "request_id").c_str());
    std::printf(
        "created %s by %s  contact point %s  status %s%s\n", Text(n, "created_at").c_str(),
        Named(n, "requested_by", "requested_by_name").c_str(), Text(n, "contact_point").c_str(),
        Text(n, "status").c_str(),
        Text(n, "refusal_reason").empty() ? "" : (" (" + Text(n, "refusal_reason") + ")").c_str());
    std::printf("message: %s\n\n", Text(n, "message").empty()
                                       ? ("template " + Text(n, "template")).c_str()
                                       : Text(n, "message").c_str());
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : (*doc)["recipients"].GetArray()) {
    rows.push_back({Named(r, "record_id", "record_name"), Text(r, "phone"), Text(r, "state"),
                    Text(r, "reason"), Text(r, "segments"), Text(r, "gateway_sid"),
                    Text(r, "task_id"), Text(r, "updated_at"), Text(r, "reply"),
                    Text(r, "record_url")});
  }
  PrintRows({"RECORD", "PHONE", "STATE", "REASON", "SEGMENTS", "MESSAGE SID", "TASK", "UPDATED",
             "REPLY", "LINK"},
            rows, o.csv);
  return 0;
}

}  // namespace

int RunHistoryCli(const std::vector<std::string>& args) {
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      std::fputs(kHistoryUsage, stdout);
      return 0;
    }
  }
  static const std::map<std::string, std::string> kFlags = {{"--from", "from"},
                                                            {"--to", "to"},
                                                            {"--contact-point", "contact_point"},
                                                            {"--user", "requested_by"},
                                                            {"--record", "record_id"},
                                                            {"--phone", "phone"},
                                                            {"--status", "status"},
                                                            {"--reason", "reason"},
                                                            {"--text", "q"},
                                                            {"--limit", "limit"},
                                                            {"--cursor", "cursor"}};
  Options o;
  if (auto error = ParseArgs(args, kFlags, &o)) {
    std::fprintf(stderr, "sfnotify history: %s\n%s", error->c_str(), kHistoryUsage);
    return 2;
  }
  std::string base, ignored;
  if (!http::SplitUrl(o.url, &base, &ignored).ok()) {
    std::fprintf(stderr, "sfnotify history: --url must be like http://127.0.0.1:8080\n");
    return 2;
  }
  http::Client client(base);
  if (!o.positional.empty()) {
    if (o.positional[0] != "show" || o.positional.size() != 2) {
      std::fprintf(stderr, "sfnotify history: unexpected argument '%s'\n%s",
                   o.positional[0].c_str(), kHistoryUsage);
      return 2;
    }
    return ShowNotification(o, client, o.positional[1]);
  }
  std::vector<std::vector<std::string>> rows;
  std::string all_items;  // --json --all: items of every page joined
  std::string cursor;
  for (int page = 0; page < 100000; ++page) {
    form::Params params = o.params;
    if (!cursor.empty()) {
      params.erase(std::remove_if(params.begin(), params.end(),
                                  [](const auto& p) { return p.first == "cursor"; }),
                   params.end());
      params.emplace_back("cursor", cursor);
    }
    std::string query = form::Serialize(params);
    auto doc = Get("history", client, o.key, "/v1/history" + (query.empty() ? "" : "?" + query));
    if (!doc) return 1;
    if (o.json && !o.all) {
      std::printf("%s\n", json::SerializePretty(*doc).c_str());
      return 0;
    }
    for (const auto& item : (*doc)["items"].GetArray()) {
      if (o.json) {
        all_items += (all_items.empty() ? "" : ",") + json::Serialize(item);
        continue;
      }
      std::string text = Text(item, "message").empty() ? "[" + Text(item, "template") + "]"
                                                       : Text(item, "message");
      rows.push_back({Text(item, "created_at"), Text(item, "notification_id"),
                      Text(item, "contact_point"), Named(item, "requested_by", "requested_by_name"),
                      Text(item, "status"), Text(item, "recipients"), Count(item, "delivered"),
                      Count(item, "failed") + "/" + Count(item, "undelivered"),
                      Count(item, "suppressed"), Text(item, "segments"),
                      o.csv ? text : Truncate(text, 40)});
    }
    const auto& next = (*doc)["next_cursor"];
    if (!o.all || !next.IsString()) {
      if (!o.all && next.IsString() && !o.csv && !o.json) {
        std::fprintf(stderr, "more: --cursor %s\n", next.GetString());
      }
      break;
    }
    cursor = next.GetString();
  }
  if (o.json) {
    std::printf("{\"items\":[%s]}\n", all_items.c_str());
    return 0;
  }
  PrintRows({"CREATED", "ID", "CONTACT POINT", "USER", "STATUS", "RECIPIENTS", "DELIVERED",
             "FAILED/UNDELIV", "SUPPRESSED", "SEGMENTS", "MESSAGE"},
            rows, o.csv);
  return 0;
}

int RunUsageCli(const std::vector<std::string>& args) {
  for (const auto& a : args) {
    if (a == "--help" || a == "-h") {
      std::fputs(kUsageUsage, stdout);
      return 0;
    }
  }
  static const std::map<std::string, std::string> kFlags = {
      {"--from", "from"}, {"--to", "to"}, {"--group-by", "group_by"}};
  Options o;
  if (auto error = ParseArgs(args, kFlags, &o)) {
    std::fprintf(stderr, "sfnotify usage: %s\n%s", error->c_str(), kUsageUsage);
    return 2;
  }
  if (!o.positional.empty() || o.all) {
    std::fprintf(stderr, "sfnotify usage: unexpected argument\n%s", kUsageUsage);
    return 2;
  }
  std::string base, ignored;
  if (!http::SplitUrl(o.url, &base, &ignored).ok()) {
    std::fprintf(stderr, "sfnotify usage: --url must be like http://127.0.0.1:8080\n");
    return 2;
  }
  http::Client client(base);
  std::string query = form::Serialize(o.params);
  auto doc = Get("usage", client, o.key, "/v1/usage" + (query.empty() ? "" : "?" + query));
  if (!doc) return 1;
  if (o.json) {
    std::printf("%s\n", json::SerializePretty(*doc).c_str());
    return 0;
  }
  auto row_of = [](const rapidjson::Value& r) {
    std::string reasons;
    for (const auto& m : r["suppressed_by_reason"].GetObject()) {
      reasons += (reasons.empty() ? "" : " ") + std::string(m.name.GetString()) + "=" +
                 std::to_string(m.value.GetInt64());
    }
    return std::vector<std::string>{Named(r, "key", "name"),   Text(r, "messages"),
                                    Text(r, "segments"),       Text(r, "billable_units"),
                                    Text(r, "estimated_cost"), Text(r, "failed"),
                                    Text(r, "suppressed"),     reasons};
  };
  std::vector<std::vector<std::string>> rows;
  for (const auto& r : (*doc)["rows"].GetArray()) rows.push_back(row_of(r));
  rows.push_back(row_of((*doc)["total"]));
  std::string key = Text(*doc, "group_by");
  for (auto& c : key) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (!o.csv)
    std::printf("usage from %s to %s\n", Text(*doc, "from").c_str(), Text(*doc, "to").c_str());
  PrintRows({key, "MESSAGES", "SEGMENTS", "BILLABLE UNITS", "EST. COST", "FAILED", "SUPPRESSED",
             "BY REASON"},
            rows, o.csv);
  return 0;
}

}  // namespace sfn::connector
