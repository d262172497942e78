// Bulk API 2.0 query jobs on top of the SOQL engine:
//   POST   /services/data/vXX.X/jobs/query            create (operation query|queryAll, query)
//   GET    /services/data/vXX.X/jobs/query            list
//   GET    /services/data/vXX.X/jobs/query/ID         job info (state JobComplete once run)
//   PATCH  /services/data/vXX.X/jobs/query/ID         {"state":"Aborted"}
//   DELETE /services/data/vXX.X/jobs/query/ID
//   GET    /services/data/vXX.X/jobs/query/ID/results[?locator=L][&maxRecords=N]
// Results are CSV (every value quoted, header row on every page), paged with the
// Sforce-Locator header ("null" on the last page) and Sforce-NumberOfRecords.
// The query runs when the job is created (its rows are a snapshot of that moment); the
// create response says UploadComplete and every later status read JobComplete, so a
// poller sees the same state sequence as against Salesforce. Thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "common/form.h"
#include "common/http_types.h"
#include "sandbox/sfemu/model.h"

namespace sfemu {

struct BulkQueryOptions {
  // Rows per results page when the request gives no maxRecords. Salesforce cuts pages by
  // size (up to about 1 GB); sfemu counts rows so tests can page without huge orgs.
  size_t default_page_records = 50000;
};

class BulkQueryJobs {
 public:
  explicit BulkQueryJobs(BulkQueryOptions options) : options_(options) {}

  // Serves `segments` = {"jobs","query",...} for `user_id`; `data` must be used under the
  // org's lock (the caller's Txn).
  sfn::http::Response Handle(const std::string& method, const std::vector<std::string>& segments,
                             const sfn::form::Params& params, const std::string& body,
                             const std::string& api_version, const std::string& user_id,
                             const DataSource& data);

 private:
  struct Job {
    std::string id;
    std::string operation;  // query | queryAll
    std::string object;
    std::string created_by;
    std::string created_date;
    std::string state;  // UploadComplete (until first read), JobComplete, Aborted
    std::string api_version;
    std::string column_delimiter = "COMMA";
    std::string line_ending = "LF";
    std::vector<std::string> header;             // column names, "Owner.Name" for paths
    std::vector<std::vector<std::string>> rows;  // cell text; absent/null = ""
  };

  sfn::http::Response Create(const std::string& body, const std::string& api_version,
                             const std::string& user_id, const DataSource& data);
  sfn::http::Response Results(Job& job, const sfn::form::Params& params);
  static std::string InfoJson(const Job& job, bool full);

  BulkQueryOptions options_;
  std::mutex mu_;
  std::map<std::string, Job> jobs_;
  uint64_t next_job_ = 1;
};

}  // namespace sfemu
