#include "salesforce/collections.h"

#include <algorithm>

#include "common/form.h"
#include "common/json.h"
#include "salesforce/record_id.h"
#include "salesforce/soql.h"

namespace sfn::salesforce {

namespace {

// Fills results[indices[j]] from the j-th element of a collections response.
void MapResponse(const rapidjson::Value& response, const std::vector<size_t>& indices,
                 std::vector<SaveResult>* results) {
  if (!response.IsArray() || response.Size() != indices.size()) {
    Status bad = Status::UnknownOutcome("collections response does not have one result per record");
    for (size_t i : indices) (*results)[i].status = bad;
    return;
  }
  for (size_t j = 0; j < indices.size(); ++j) {
    const auto& item = response[static_cast<rapidjson::SizeType>(j)];
    SaveResult& out = (*results)[indices[j]];
    out.id = json::GetString(item, "id").value_or(out.id);
    if (json::GetBool(item, "success").value_or(false)) {
      out.status = Status::Ok();
      continue;
    }
    if (item.HasMember("errors")) out.errors = ParseApiErrors(0, json::Serialize(item["errors"]));
    out.status = out.errors.empty() ? Status::Permanent("record was not saved (no error given)")
                                    : ToStatus(out.errors.front());
  }
}

void FailAll(const Status& status, const std::vector<size_t>& indices,
             std::vector<SaveResult>* results) {
  for (size_t i : indices) (*results)[i].status = status;
}

CallOptions ToCallOptions(const CollectionOptions& options, bool idempotent) {
  CallOptions call;
  call.essential = options.essential;
  call.idempotent = idempotent;
  return call;
}

// Shared by insert and update: builds {"allOrNone":..,"records":[...]} chunk by chunk.
std::vector<SaveResult> SaveRecords(Connection& connection, const std::string& method,
                                    const std::string& sobject,
                                    const std::vector<rapidjson::Document>& records, bool need_id,
                                    const CollectionOptions& options, bool idempotent) {
  std::vector<SaveResult> results(records.size());
  if (!soql::IsValidIdentifier(sobject)) {
    for (auto& r : results)
      r.status = Status::InvalidArgument("sObject type '" + sobject + "' is not a valid name");
    return results;
  }
  size_t chunk_size = std::clamp<size_t>(options.chunk_size, 1, 200);
  std::vector<size_t> pending;
  auto flush = [&]() {
    if (pending.empty()) return;
    rapidjson::Document body(rapidjson::kObjectType);
    auto& a = body.GetAllocator();
    body.AddMember("allOrNone", options.all_or_none, a);
    rapidjson::Value list(rapidjson::kArrayType);
    for (size_t i : pending) {
      rapidjson::Value record(rapidjson::kObjectType);
      rapidjson::Value attributes(rapidjson::kObjectType);
      attributes.AddMember("type", json::Str(sobject, a), a);
      record.AddMember("attributes", attributes, a);
      for (const auto& m : records[i].GetObject()) {
        std::string name(m.name.GetString(), m.name.GetStringLength());
        if (name == "attributes") continue;
        if (name == "Id" || name == "id") {
          record.AddMember("id", json::Str(results[i].id, a), a);
          continue;
        }
        record.AddMember(rapidjson::Value(m.name, a), rapidjson::Value(m.value, a), a);
      }
      list.PushBack(record, a);
    }
    body.AddMember("records", list, a);
    auto response = connection.CallJson(method, "/composite/sobjects", json::Serialize(body),
                                        ToCallOptions(options, idempotent));
    if (response.ok()) {
      MapResponse(response.value(), pending, &results);
    } else {
      FailAll(response.status(), pending, &results);
    }
    pending.clear();
  };
  for (size_t i = 0; i < records.size(); ++i) {
    if (!records[i].IsObject()) {
      results[i].status =
          Status::InvalidArgument("record " + std::to_string(i) + " is not a JSON object");
      continue;
    }
    if (need_id) {
      auto raw = json::GetString(records[i], "Id");
      if (!raw) raw = json::GetString(records[i], "id");
      auto id = NormalizeId(raw.value_or(""));
      if (!id.ok()) {
        results[i].status = Status::InvalidArgument("record " + std::to_string(i) +
                                                    ": Id: " + id.status().message());
        continue;
      }
      results[i].id = id.value();
    }
    pending.push_back(i);
    if (pending.size() == chunk_size) flush();
  }
  flush();
  return results;
}

}  // namespace

std::vector<SaveResult> InsertRecords(Connection& connection, const std::string& sobject,
                                      const std::vector<rapidjson::Document>& records,
                                      const CollectionOptions& options) {
  return SaveRecords(connection, "POST", sobject, records, false, options, options.idempotent);
}

std::vector<SaveResult> UpdateRecords(Connection& connection, const std::string& sobject,
                                      const std::vector<rapidjson::Document>& records,
                                      const CollectionOptions& options) {
  // Writing the same field values twice leaves the same record: safe to retry.
  return SaveRecords(connection, "PATCH", sobject, records, true, options, true);
}

std::vector<SaveResult> DeleteRecords(Connection& connection, const std::vector<std::string>& ids,
                                      const CollectionOptions& options) {
  std::vector<SaveResult> results(ids.size());
  size_t chunk_size = std::clamp<size_t>(options.chunk_size, 1, 200);
  std::vector<size_t> pending;
  auto flush = [&]() {
    if (pending.empty()) return;
    std::string list;
    for (size_t i : pending) list += (list.empty() ? "" : ",") + results[i].id;
    std::string path = "/composite/sobjects?ids=" + form::Encode(list) +
                       "&allOrNone=" + (options.all_or_none ? "true" : "false");
    auto response = connection.CallJson("DELETE", path, "", ToCallOptions(options, true));
    if (response.ok()) {
      MapResponse(response.value(), pending, &results);
    } else {
      FailAll(response.status(), pending, &results);
    }
    pending.clear();
  };
  for (size_t i = 0; i < ids.size(); ++i) {
    auto id = NormalizeId(ids[i]);
    if (!id.ok()) {
      results[i].status = Status::InvalidArgument("ID '" + ids[i] + "': " + id.status().message());
      continue;
    }
    results[i].id = id.value();
    pending.push_back(i);
    if (pending.size() == chunk_size) flush();
  }
  flush();
  return results;
}

size_t CountSucceeded(const std::vector<SaveResult>& results) {
  return static_cast<size_t>(
      std::count_if(results.begin(), results.end(), [](const SaveResult& r) { return r.ok(); }));
}

}  // namespace sfn::salesforce
