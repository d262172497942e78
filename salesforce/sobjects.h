// Single-record sObject operations, describe (cached) and /limits.
// Record bodies are JSON objects of field values; IDs are validated before a
// request is sent, so a malformed ID is kInvalidArgument, not a remote error.
#pragma once

#include <rapidjson/document.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "salesforce/connection.h"

namespace sfn::salesforce {

// POST /sobjects/{type}/. Returns the new record's ID. Not retried on ambiguous
// failures unless `options.idempotent` (a create is not naturally idempotent).
Result<std::string> CreateRecord(Connection& connection, const std::string& sobject,
                                 const rapidjson::Value& fields, const CallOptions& options = {});
// GET /sobjects/{type}/{id}[?fields=a,b]. kNotFound when the record does not exist.
Result<rapidjson::Document> RetrieveRecord(Connection& connection, const std::string& sobject,
                                           const std::string& id,
                                           const std::vector<std::string>& fields = {},
                                           const CallOptions& options = {});
// PATCH /sobjects/{type}/{id}. Setting the same values twice is harmless, so
// updates are treated as idempotent.
Status UpdateRecord(Connection& connection, const std::string& sobject, const std::string& id,
                    const rapidjson::Value& fields, CallOptions options = {});
// DELETE /sobjects/{type}/{id}.
Status DeleteRecord(Connection& connection, const std::string& sobject, const std::string& id,
                    const CallOptions& options = {});

// GET /limits/: {"DailyApiRequests":{"Max":..,"Remaining":..},...}. Also feeds
// the connection's API budget with DailyApiRequests.
Result<rapidjson::Document> GetLimits(Connection& connection, const CallOptions& options = {});

// Caches GET /sobjects/{type}/describe/ per type for the cache's lifetime
// (describes change only with a deployment). Thread-safe.
class DescribeCache {
 public:
  explicit DescribeCache(Connection& connection) : connection_(connection) {}
  Result<std::shared_ptr<const rapidjson::Document>> Describe(const std::string& sobject);
  // Field names of `sobject` (from the cached describe).
  Result<std::vector<std::string>> FieldNames(const std::string& sobject);
  void Invalidate(const std::string& sobject);
  size_t fetches() const;  // describe calls actually sent

 private:
  Connection& connection_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const rapidjson::Document>> cache_;
  size_t fetches_ = 0;
};

}  // namespace sfn::salesforce
