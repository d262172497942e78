// SOQL queries with automatic paging, as a stream: QueryCursor hands out one
// page at a time (following nextRecordsUrl) and never holds more than the
// current page. A query whose GET URI would exceed max_uri_bytes (Salesforce
// refuses URIs over 16 KB with 414) is sent as a /composite subrequest in the
// request body instead; later pages are short URLs and are fetched directly.
#pragma once

#include <rapidjson/document.h>

#include <functional>
#include <string>

#include "common/status.h"
#include "salesforce/connection.h"

namespace sfn::salesforce {

struct QueryOptions {
  bool include_deleted = false;  // /queryAll instead of /query
  int batch_size = 0;     // Sforce-Query-Options batchSize (200..2000); 0 = server default (2000)
  bool essential = true;  // see CallOptions::essential
  size_t max_uri_bytes =
      15000;  // above this the query goes through /composite (limit is 16,384 incl. headers)
};

struct QueryPage {
  rapidjson::Document body;  // the page as returned: totalSize, done, nextRecordsUrl, records
  int64_t total_size = 0;    // rows matching the whole query
  size_t index = 0;          // 0 for the first page
  const rapidjson::Value& records() const { return body["records"]; }
};

// Not thread-safe; one cursor per query. The Connection must outlive it.
class QueryCursor {
 public:
  QueryCursor(Connection& connection, std::string soql, QueryOptions options = {});
  // Fetches the next page into *page. Returns false (and leaves *page alone)
  // when the previous page was the last.
  Result<bool> Next(QueryPage* page);

 private:
  Result<rapidjson::Document> FirstPage();
  Connection& connection_;
  std::string soql_;
  QueryOptions options_;
  bool started_ = false;
  std::string next_url_;  // empty after the last page
  size_t index_ = 0;
};

// Runs the query and calls `on_page` for each page in order; stops at the
// first non-ok Status (from the server or from on_page) and returns it.
Status ForEachPage(Connection& connection, const std::string& soql,
                   const std::function<Status(const QueryPage&)>& on_page,
                   const QueryOptions& options = {});

// Convenience: every record of every page, one at a time.
Status ForEachRecord(Connection& connection, const std::string& soql,
                     const std::function<Status(const rapidjson::Value& record)>& on_record,
                     const QueryOptions& options = {});

}  // namespace sfn::salesforce
