// The REST API under /services/data/vXX.X/: sObject CRUD and describe,
// /limits, /query and /queryAll with nextRecordsUrl cursors, sObject
// Collections (/composite/sobjects) and /composite, Bulk API 2.0 query jobs
// (/jobs/query, see bulk_query.h) and platform-event publishing. Authentication, API-usage
// counting, faults and the request log are the router's job; this class only serves the resource.
// Thread-safe.
#pragma once

#include <rapidjson/document.h>

#include <memory>
#include <string>

#include "common/http_types.h"
#include "sandbox/sfemu/api_error.h"
#include "sandbox/sfemu/api_usage.h"
#include "sandbox/sfemu/event_bus.h"
#include "sandbox/sfemu/org_store.h"

namespace sfemu {

struct RestOptions {
  int min_version = 31;  // every vNN.0 from min to max is served
  int max_version = 62;  // --api-version
  // Bulk API 2.0 query results: rows per page without maxRecords (--bulk-page-records).
  size_t bulk_page_records = 50000;
};

class RestApi {
 public:
  RestApi(OrgStore& store, EventBus& bus, ApiUsage& usage, RestOptions options);
  ~RestApi();

  // True when `path` is under a served /services/data/vXX.X/; *version gets "62.0".
  bool ParseVersion(const std::string& path, std::string* version) const;
  // GET /services/data/: the version list.
  sfn::http::Response Versions() const;
  // Serves one request under /services/data/vXX.X/ as `user_id`.
  sfn::http::Response Handle(const sfn::http::Request& request, const std::string& user_id);

  // Validates `fields` against the platform event `object` and publishes it as
  // `user_id` (REST publish and the /__emulator/publish hook share this).
  // created_ms > 0 backdates the event (hook only: as if published then).
  bool Publish(const std::string& object, const rapidjson::Value& fields,
               const std::string& user_id, StoredEvent* out, ApiError* error,
               int64_t created_ms = 0);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sfemu
