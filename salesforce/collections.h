// sObject Collections (/composite/sobjects): insert, update and delete many
// records in chunks of at most 200, with every per-record result mapped back
// to the caller's item by index. The result vector always has one entry per
// input item, in input order, whatever happened to its chunk.
//
// Items that fail local validation (not an object, bad or missing ID) are not
// sent and get kInvalidArgument. A chunk that fails as a whole gives each of
// its items that chunk's Status; for inserts that may be kUnknownOutcome
// (records may exist), which the caller reconciles before writing again.
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <vector>

#include "salesforce/api_error.h"
#include "salesforce/connection.h"

namespace sfn::salesforce {

struct SaveResult {
  std::string id;                // the record's ID on success (and for deletes)
  Status status;                 // ok, or why this item failed
  std::vector<ApiError> errors;  // Salesforce's per-record errors, when it gave any
  bool ok() const { return status.ok(); }
};

struct CollectionOptions {
  bool all_or_none = false;  // per chunk: roll the chunk back when any record fails
  size_t chunk_size = 200;   // Salesforce's maximum; smaller only for tests or huge records
  bool essential = true;     // see CallOptions::essential
  bool idempotent = false;  // inserts: retry ambiguous failures (only with an idempotency field the
                            // caller checks)
};

// Inserts `records` (field objects without attributes) as `sobject`.
std::vector<SaveResult> InsertRecords(Connection& connection, const std::string& sobject,
                                      const std::vector<rapidjson::Document>& records,
                                      const CollectionOptions& options = {});
// Updates `records`; each must carry "Id" (or "id").
std::vector<SaveResult> UpdateRecords(Connection& connection, const std::string& sobject,
                                      const std::vector<rapidjson::Document>& records,
                                      const CollectionOptions& options = {});
// Deletes records by ID.
std::vector<SaveResult> DeleteRecords(Connection& connection, const std::vector<std::string>& ids,
                                      const CollectionOptions& options = {});

// Counts of a result vector, for logs and tests.
size_t CountSucceeded(const std::vector<SaveResult>& results);

}  // namespace sfn::salesforce
