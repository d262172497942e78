#include "connector/writeback/salesforce_task_sink.h"

#include "common/json.h"
#include "common/time_util.h"
#include "salesforce/collections.h"
#include "salesforce/query.h"
#include "salesforce/soql.h"

namespace sfn::connector {

SalesforceTaskSink::SalesforceTaskSink(SalesforceTaskSinkOptions options, salesforce::Connection& connection,
                                       const mapping::FieldMapping& mapping, Store& store)
    : options_(std::move(options)), connection_(connection), mapping_(mapping), store_(store) {}

std::string SalesforceTaskSink::RequesterOf(const std::string& notification_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = requester_by_notification_.find(notification_id);
  if (it != requester_by_notification_.end()) return it->second;
  auto n = store_.GetNotification(notification_id);
  std::string requester = n.ok() ? n->request.requested_by : "";
  requester_by_notification_[notification_id] = requester;
  return requester;
}

std::vector<std::pair<std::string, std::string>> SalesforceTaskSink::TaskFields(const RecipientRow& row) {
  std::vector<std::pair<std::string, std::string>> fields;
  const mapping::ObjectMapping* om = mapping_.Object(row.plan.object_type);
  if (!om) return fields;
  auto merge = json::Parse(row.plan.merge_json);
  auto from = options_.sender_per_contact_point.find(row.contact_point);
  auto lookup = [&](const mapping::MergeField& f) -> std::optional<std::string> {
    if (f.source == mapping::FieldSource::kVariable) {
      if (f.name == "Message.Body") return row.plan.body;
      if (f.name == "Message.To") return row.plan.phone_e164;
      if (f.name == "Message.From") {
        return from == options_.sender_per_contact_point.end() ? std::nullopt : std::optional(from->second);
      }
      if (f.name == "Message.Segments") return std::to_string(row.plan.segments);
      if (f.name == "Message.Sid") return row.gateway_sid;
      if (f.name == "Notification.Id") return row.notification_id;
    }
    if (merge.ok() && merge->IsObject()) {
      if (auto v = json::GetString(merge.value(), f.name.c_str())) return v;
    }
    return std::nullopt;
  };
  fields = om->task.Render(lookup);
  fields.emplace_back("WhoId", row.plan.record_id);
  std::string owner =
      om->task.owner == mapping::TaskOwnerRule::kRecordOwner ? row.plan.owner_id : RequesterOf(row.notification_id);
  if (!owner.empty()) fields.emplace_back("OwnerId", owner);
  fields.emplace_back("ActivityDate", timeutil::FormatDate(row.updated_ms / 1000));
  // The final delivery state when it is already known (else TaskStatusWriter adds it later).
  if (IsTerminal(row.state) && !options_.delivery_field.empty()) {
    std::string status = RecipientStateName(row.state);
    if (row.error_code) status += " (" + std::to_string(row.error_code) + ")";
    fields.emplace_back(options_.delivery_field, status);
  }
  // The idempotency field is always written, whatever the mapping says.
  bool has_sid = false;
  for (const auto& [name, value] : fields) has_sid |= name == options_.sid_field;
  if (!has_sid) fields.emplace_back(options_.sid_field, row.gateway_sid);
  return fields;
}

Status SalesforceTaskSink::Insert(const std::vector<RecipientRow>& rows, std::vector<TaskOutcome>* outcomes) {
  std::vector<rapidjson::Document> records;
  for (const auto& row : rows) {
    rapidjson::Document doc(rapidjson::kObjectType);
    auto& a = doc.GetAllocator();
    for (const auto& [name, value] : TaskFields(row)) {
      if (value.empty()) continue;
      doc.AddMember(json::Str(name, a), json::Str(value, a), a);
    }
    records.push_back(std::move(doc));
  }
  auto results = salesforce::InsertRecords(connection_, "Task", records);
  outcomes->clear();
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto& r = results[i];
    TaskOutcome o;
    o.recipient_id = rows[i].id;
    if (r.ok()) {
      o.success = true;
      o.task_id = r.id;
      if (IsTerminal(rows[i].state) && !options_.delivery_field.empty()) {
        o.status_written = RecipientStateName(rows[i].state);
      }
    } else if (r.status.code() == StatusCode::kUnknownOutcome) {
      // The chunk may have been committed: leave it in flight for Settle().
      return r.status;
    } else {
      o.error = r.status.message();
      // A session that was rejected and could not be renewed fails the whole
      // call, not the record: keep the Task for a later batch (found by the
      // fault soak: a 401 during a token refresh lost hundreds of Tasks).
      o.retryable = r.status.retryable() || r.status.code() == StatusCode::kUnauthenticated;
    }
    outcomes->push_back(std::move(o));
  }
  return Status::Ok();
}

Result<std::map<int64_t, std::string>> SalesforceTaskSink::FindExisting(const std::vector<RecipientRow>& rows) {
  std::map<std::string, int64_t> by_sid;
  std::vector<std::string> sids;
  for (const auto& row : rows) {
    if (row.gateway_sid.empty()) continue;
    by_sid[row.gateway_sid] = row.id;
    sids.push_back(row.gateway_sid);
  }
  std::map<int64_t, std::string> found;
  if (sids.empty()) return found;
  auto soql = salesforce::soql::SelectBuilder("Task").Fields({"Id", options_.sid_field}).WhereIn(options_.sid_field, sids).Build();
  if (!soql.ok()) return soql.status();
  Status s = salesforce::ForEachRecord(connection_, *soql, [&](const rapidjson::Value& rec) {
    auto sid = json::GetString(rec, options_.sid_field.c_str());
    auto id = json::GetString(rec, "Id");
    if (sid && id) {
      auto it = by_sid.find(*sid);
      if (it != by_sid.end()) found[it->second] = *id;
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return found;
}

}  // namespace sfn::connector
