#include "connector/writeback/opt_out_writer.h"

#include <chrono>
#include <map>

#include "common/json.h"
#include "common/log.h"
#include "salesforce/collections.h"
#include "salesforce/query.h"
#include "salesforce/soql.h"

namespace sfn::connector {

OptOutWriter::OptOutWriter(Store& store, salesforce::Connection& connection,
                           const mapping::FieldMapping& mapping, const std::string& default_region)
    : store_(store),
      connection_(connection),
      mapping_(mapping),
      phones_(PhoneOptions{default_region}) {}

OptOutWriter::~OptOutWriter() {
  Stop();
}

void OptOutWriter::Start() {
  stopping_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void OptOutWriter::Stop() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
}

namespace {
std::string Text(const rapidjson::Value& record, const std::string& field) {
  auto it = record.FindMember(field.c_str());
  if (it == record.MemberEnd()) return "";
  if (it->value.IsString()) return it->value.GetString();
  if (it->value.IsBool()) return it->value.GetBool() ? "true" : "false";
  return "";
}

bool IsBooleanValue(const std::string& v) {
  return v == "true" || v == "false";
}
}  // namespace

Result<std::vector<PhoneRecord>> OptOutWriter::FindRecords(const std::string& phone_e164) {
  std::vector<PhoneRecord> found;
  // Salesforce keeps numbers as typed ("(415) 555-0100 x12"), so the query only narrows the
  // candidates by the last four digits; each candidate is then normalised and compared exactly.
  std::string digits;
  for (char c : phone_e164) {
    if (c >= '0' && c <= '9') digits.push_back(c);
  }
  if (digits.size() < 4) return found;
  std::string tail = digits.substr(digits.size() - 4);
  for (const std::string& object : mapping_.Objects()) {
    const mapping::ObjectMapping* om = mapping_.Object(object);
    if (!om || om->opt_out_field.empty() || om->phone_fields.empty()) continue;
    std::vector<std::string> fields = {"Id", om->opt_out_field};
    fields.insert(fields.end(), om->phone_fields.begin(), om->phone_fields.end());
    std::string where;
    for (const auto& f : om->phone_fields) {
      if (!salesforce::soql::IsValidIdentifier(f))
        return Status::InvalidArgument("bad phone field " + f);
      where +=
          (where.empty() ? "" : " OR ") + f + " LIKE " + salesforce::soql::Quote("%" + tail + "%");
    }
    std::string list;
    for (const auto& f : fields) {
      if (!salesforce::soql::IsValidIdentifier(f)) return Status::InvalidArgument("bad field " + f);
      list += (list.empty() ? "" : ", ") + f;
    }
    // Identifiers are checked above and every value went through soql::Quote() in `where`.
    std::string soql = "SELECT " + list + " FROM " + object + " WHERE " + where;
    Status s = salesforce::ForEachRecord(connection_, soql, [&](const rapidjson::Value& record) {
      for (const auto& value : om->PhoneValues(record)) {
        auto number = phones_.Normalize(value);
        if (number.ok() && number->e164 == phone_e164) {
          found.push_back(
              {object, Text(record, "Id"),
               http::EqualsIgnoreCase(Text(record, om->opt_out_field), om->opt_out_value)});
          break;
        }
      }
      return Status::Ok();
    });
    if (!s.ok()) return s;
  }
  return found;
}

Status OptOutWriter::Write(const std::vector<PhoneRecord>& records, bool opted_out) {
  std::map<std::string, std::vector<rapidjson::Document>> by_object;
  for (const auto& r : records) {
    const mapping::ObjectMapping* om = mapping_.Object(r.object);
    if (!om) continue;
    rapidjson::Document doc(rapidjson::kObjectType);
    auto& a = doc.GetAllocator();
    doc.AddMember("Id", json::Str(r.id, a), a);
    rapidjson::Value value;
    if (IsBooleanValue(om->opt_out_value)) {
      value.SetBool(opted_out ? om->opt_out_value == "true" : om->opt_out_value != "true");
    } else if (opted_out) {
      value = json::Str(om->opt_out_value, a);
    }  // a text opt-out field is cleared (null) on opt-in
    doc.AddMember(json::Str(om->opt_out_field, a), value, a);
    by_object[r.object].push_back(std::move(doc));
  }
  for (const auto& [object, docs] : by_object) {
    salesforce::CollectionOptions options;
    options.idempotent = true;  // setting a field to a value is safe to repeat
    for (const auto& result : salesforce::UpdateRecords(connection_, object, docs, options)) {
      if (!result.ok()) return result.status;
    }
  }
  return Status::Ok();
}

int OptOutWriter::FlushOnce() {
  int written = 0;
  for (const auto& change : store_.PendingOptOutSyncs(50)) {
    if (stopping_) break;
    // The org's opt-out field is per record while suppressions are per contact point: an opt-in
    // (START to one number) leaves the field set while another contact point still suppresses
    // the number, so Salesforce never shows consent the connector itself does not honour.
    if (!change.opted_out) {
      std::string still;
      for (const auto& [phone, contact_point] : store_.Suppressions()) {
        if (phone == change.phone_e164) still = contact_point;
      }
      if (!still.empty()) {
        log::Info("opt-out", "opt-in on contact point " + change.contact_point +
                                 " not written: the number is still suppressed on " + still);
        store_.CompleteOptOutSync(change.id);
        ++written;
        continue;
      }
    }
    auto records = FindRecords(change.phone_e164);
    if (!records.ok()) {
      log::Warn("opt-out", "cannot look up records for a " + change.reason +
                               " change: " + records.status().message());
      return -1;
    }
    std::vector<PhoneRecord> to_change;
    for (const auto& r : *records) {
      if (r.opted_out != change.opted_out) to_change.push_back(r);
    }
    Status s = Write(to_change, change.opted_out);
    if (!s.ok()) {
      log::Warn("opt-out", "write-back failed (" + s.message() + "); will retry");
      return -1;
    }
    log::Info("opt-out", std::string(change.opted_out ? "opted out" : "opted back in") + " " +
                             std::to_string(records->size()) +
                             " record(s) for a number on contact point " + change.contact_point +
                             " (" + change.reason + ")");
    store_.CompleteOptOutSync(change.id);
    ++written;
  }
  return written;
}

void OptOutWriter::Loop() {
  int backoff_ms = 500;
  while (!stopping_) {
    int r = FlushOnce();
    int wait = r < 0 ? backoff_ms : 300;
    backoff_ms = r < 0 ? std::min(backoff_ms * 2, 30000) : 500;
    for (int waited = 0; waited < wait && !stopping_; waited += 50) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
}

}  // namespace sfn::connector
