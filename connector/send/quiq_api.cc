#include "connector/send/quiq_api.h"

#include <cstdlib>
#include <map>

#include "common/json.h"

namespace sfn::connector::quiq {

namespace {

using rapidjson::Document;
using rapidjson::Value;

Value SearchInfo(const Notification& n, Document::AllocatorType& a) {
  Value info(rapidjson::kObjectType);
  info.AddMember("phoneNumber", json::Str(n.handle, a), a);
  info.AddMember("searchId", json::Str(n.search_id, a), a);
  return info;
}

Value TextMessage(const std::string& text, Document::AllocatorType& a) {
  Value message(rapidjson::kObjectType);
  message.AddMember("text", json::Str(text, a), a);
  return message;
}

// A string member, or a number member printed as text ("" when neither).
std::string Text(const Value& obj, const char* field) {
  if (!obj.IsObject()) return "";
  auto it = obj.FindMember(field);
  if (it == obj.MemberEnd()) return "";
  if (it->value.IsString()) return it->value.GetString();
  if (it->value.IsInt64()) return std::to_string(it->value.GetInt64());
  return "";
}

std::string FirstText(const Value& obj, std::initializer_list<const char*> fields) {
  for (const char* f : fields) {
    std::string v = Text(obj, f);
    if (!v.empty()) return v;
  }
  return "";
}

const Value* RowsOf(const Value& doc) {
  if (doc.IsArray()) return &doc;
  if (!doc.IsObject()) return nullptr;
  for (const char* name : {"notifications", "results", "responses", "items", "data"}) {
    auto it = doc.FindMember(name);
    if (it != doc.MemberEnd() && it->value.IsArray()) return &it->value;
  }
  return nullptr;
}

std::string SearchIdOf(const Value& row) {
  std::string id = Text(row, "searchId");
  if (!id.empty()) return id;
  auto it = row.FindMember("searchInfo");
  if (it != row.MemberEnd()) return Text(it->value, "searchId");
  return "";
}

// Fills the error of a row from error (string | object), errors[] or a failed status.
void ReadRowError(const Value& row, RowResult* out) {
  auto error = row.FindMember("error");
  if (error != row.MemberEnd() && !error->value.IsNull()) {
    out->failed = true;
    if (error->value.IsString()) {
      out->error_message = error->value.GetString();
    } else if (error->value.IsObject()) {
      out->error_code = FirstText(error->value, {"code", "errorCode", "type"});
      out->error_message = FirstText(error->value, {"message", "description", "detail"});
    }
  }
  auto errors = row.FindMember("errors");
  if (errors != row.MemberEnd() && errors->value.IsArray() && !errors->value.Empty()) {
    out->failed = true;
    const Value& first = errors->value[0];
    if (first.IsString()) {
      if (out->error_message.empty()) out->error_message = first.GetString();
    } else {
      if (out->error_code.empty())
        out->error_code = FirstText(first, {"code", "errorCode", "type"});
      if (out->error_message.empty())
        out->error_message = FirstText(first, {"message", "description"});
    }
  }
  if (out->error_code.empty()) out->error_code = Text(row, "errorCode");
  if (out->error_message.empty()) out->error_message = Text(row, "errorMessage");
  std::string status = Text(row, "status");
  for (auto& c : status) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (status == "failed" || status == "error" || status == "rejected") out->failed = true;
  if (!out->error_code.empty()) out->failed = true;
}

RowResult ReadRow(const Value& row) {
  RowResult out;
  out.found = true;
  if (!row.IsObject()) return out;
  out.id = FirstText(row, {"id", "notificationId", "messageId"});
  ReadRowError(row, &out);
  return out;
}

bool IsOneOf(const std::string& code, std::initializer_list<const char*> names) {
  std::string upper = code;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (const char* n : names) {
    if (upper == n) return true;
  }
  return false;
}

SendOutcome ForAll(SendOutcome::Kind kind, const std::string& message, int retry_after_ms = 0) {
  SendOutcome out;
  out.kind = kind;
  out.error_message = message;
  out.retry_after_ms = retry_after_ms;
  return out;
}

SendOutcome FromRow(const RowResult& row, const std::string& search_id) {
  SendOutcome out;
  if (!row.failed) {
    out.kind = SendOutcome::Kind::kAccepted;
    out.sid = row.id.empty() ? "quiq:" + search_id : row.id;
    out.status = "accepted";
    return out;
  }
  out.error_message = row.error_message.empty() ? row.error_code : row.error_message;
  if (out.error_message.empty()) out.error_message = "refused by Quiq";
  if (IsOneOf(row.error_code, {"RATE_LIMITED", "THROTTLED", "TOO_MANY_REQUESTS"})) {
    out.kind = SendOutcome::Kind::kRetryLater;
    out.retry_after_ms = 1000;
    return out;
  }
  out.kind = SendOutcome::Kind::kRejected;
  if (IsOneOf(row.error_code, {"OPTED_OUT", "STOPPED", "UNSUBSCRIBED", "BLOCKED"})) {
    out.error_code = kOptOutErrorCode;
  } else if (!row.error_code.empty() &&
             row.error_code.find_first_not_of("0123456789") == std::string::npos &&
             row.error_code.size() < 9) {
    out.error_code = std::atoi(row.error_code.c_str());
  }
  if (!row.error_code.empty() && out.error_message.find(row.error_code) == std::string::npos) {
    out.error_message = row.error_code + ": " + out.error_message;
  }
  return out;
}

}  // namespace

std::string NotifyBody(const std::string& contact_point, const std::string& topic,
                       const std::vector<Notification>& notifications) {
  Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  doc.AddMember("contactPoint", json::Str(contact_point, a), a);
  doc.AddMember("topic", json::Str(topic, a), a);
  Value list(rapidjson::kArrayType);
  for (const auto& n : notifications) {
    Value item(rapidjson::kObjectType);
    Value precedence(rapidjson::kArrayType);
    Value sms(rapidjson::kObjectType);
    sms.AddMember("platform", "SMS", a);
    precedence.PushBack(sms, a);
    item.AddMember("precedence", precedence, a);
    item.AddMember("searchInfo", SearchInfo(n, a), a);
    item.AddMember("integrations", Value(rapidjson::kArrayType), a);
    Value map(rapidjson::kObjectType);
    map.AddMember("default", TextMessage(n.text, a), a);
    item.AddMember("messageMap", map, a);
    list.PushBack(item, a);
  }
  doc.AddMember("notifications", list, a);
  return json::Serialize(doc);
}

std::string SendNotificationsBody(const std::string& contact_point,
                                  const std::vector<Notification>& notifications) {
  Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  doc.AddMember("contactPoint", json::Str(contact_point, a), a);
  Value list(rapidjson::kArrayType);
  for (const auto& n : notifications) {
    Value item(rapidjson::kObjectType);
    item.AddMember("handle", json::Str(n.handle, a), a);
    item.AddMember("message", TextMessage(n.text, a), a);
    item.AddMember("searchInfo", SearchInfo(n, a), a);
    list.PushBack(item, a);
  }
  doc.AddMember("notifications", list, a);
  return json::Serialize(doc);
}

std::vector<RowResult> ParseBulkRows(std::string_view body,
                                     const std::vector<std::string>& search_ids) {
  std::vector<RowResult> out(search_ids.size());
  auto doc = json::Parse(body);
  if (!doc.ok()) return out;
  const Value* rows = RowsOf(doc.value());
  if (!rows) return out;
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < search_ids.size(); ++i) index.emplace(search_ids[i], i);
  std::vector<bool> taken(search_ids.size(), false);
  // First the rows that name their searchId, then the rest by position.
  std::vector<const Value*> unnamed;
  std::vector<size_t> unnamed_pos;
  for (rapidjson::SizeType i = 0; i < rows->Size(); ++i) {
    const Value& row = (*rows)[i];
    std::string sid = row.IsObject() ? SearchIdOf(row) : "";
    auto it = sid.empty() ? index.end() : index.find(sid);
    if (it != index.end() && !taken[it->second]) {
      out[it->second] = ReadRow(row);
      taken[it->second] = true;
    } else if (sid.empty()) {
      unnamed.push_back(&row);
      unnamed_pos.push_back(i);
    }
  }
  for (size_t k = 0; k < unnamed.size(); ++k) {
    size_t pos = unnamed_pos[k];
    if (pos < out.size() && !taken[pos]) {
      out[pos] = ReadRow(*unnamed[k]);
      taken[pos] = true;
    }
  }
  return out;
}

std::vector<SendOutcome> OutcomesFromBulkResponse(int http_status, const std::string& retry_after,
                                                  std::string_view body,
                                                  const std::vector<std::string>& search_ids) {
  size_t n = search_ids.size();
  std::string status_text = "Quiq answered HTTP " + std::to_string(http_status);
  if (http_status == 429 || http_status == 503) {
    int seconds = retry_after.empty() ? 1 : std::max(1, std::atoi(retry_after.c_str()));
    SendOutcome busy = ForAll(SendOutcome::Kind::kRetryLater, status_text, seconds * 1000);
    busy.throttled = http_status == 429;  // slows the whole gateway, like Twilio's 20429
    return std::vector<SendOutcome>(n, busy);
  }
  if (http_status == 401 || http_status == 403) {
    return std::vector<SendOutcome>(
        n, ForAll(SendOutcome::Kind::kRetryLater, status_text + " (check the app token)", 30000));
  }
  if (http_status >= 500) {
    return std::vector<SendOutcome>(n, ForAll(SendOutcome::Kind::kUnknown, status_text));
  }
  if (http_status < 200 || http_status >= 300) {
    std::string detail;
    auto doc = json::Parse(body);
    if (doc.ok() && doc->IsObject())
      detail = FirstText(doc.value(), {"message", "error", "errorMessage"});
    return std::vector<SendOutcome>(
        n, ForAll(SendOutcome::Kind::kRejected,
                  detail.empty() ? status_text : status_text + ": " + detail));
  }
  std::vector<RowResult> rows = ParseBulkRows(body, search_ids);
  bool any_row = false;
  for (const auto& r : rows) any_row = any_row || r.found;
  std::vector<SendOutcome> out;
  out.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if (!any_row) {
      out.push_back(FromRow(RowResult{}, search_ids[i]));  // 2xx without rows: all taken (A3)
    } else if (!rows[i].found) {
      // Rows for others but none for this one: Quiq may or may not have it.
      out.push_back(
          ForAll(SendOutcome::Kind::kUnknown, "no result row for searchId " + search_ids[i]));
    } else {
      out.push_back(FromRow(rows[i], search_ids[i]));
    }
  }
  return out;
}

SendOutcome OutcomeFromLookup(int http_status, std::string_view body,
                              const std::string& search_id) {
  // A 404 may mean "no such lookup endpoint" just as well as "no such notification":
  // only an explicit empty answer proves nothing was sent.
  if (http_status != 200) {
    return ForAll(SendOutcome::Kind::kUnknown,
                  "lookup answered HTTP " + std::to_string(http_status));
  }
  auto doc = json::Parse(body);
  if (!doc.ok()) return ForAll(SendOutcome::Kind::kUnknown, "lookup answer is not JSON");
  const Value* rows = RowsOf(doc.value());
  if (!rows) {
    // A single object describing the notification.
    if (doc->IsObject() && (SearchIdOf(doc.value()) == search_id)) {
      return FromRow(ReadRow(doc.value()), search_id);
    }
    return ForAll(SendOutcome::Kind::kUnknown, "unexpected lookup answer");
  }
  for (const auto& row : rows->GetArray()) {
    if (!row.IsObject()) continue;
    std::string sid = SearchIdOf(row);
    if (!sid.empty() && sid != search_id) continue;
    RowResult parsed = ReadRow(row);
    if (parsed.failed)
      return ForAll(SendOutcome::Kind::kRetryLater, "the earlier attempt failed at Quiq");
    return FromRow(parsed, search_id);
  }
  return ForAll(SendOutcome::Kind::kRetryLater, "not found at Quiq");
}

}  // namespace sfn::connector::quiq
