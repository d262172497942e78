// SOQL for sfemu: a real parser (tokenizer + recursive descent) and an
// evaluator over a DataSource. Supported: SELECT field list with relationship
// paths (Owner.Name), COUNT(); FROM; WHERE with AND/OR/NOT and parentheses,
// = != <> < > <= >= LIKE IN NOT IN, string/number/boolean/null/date/datetime
// literals (with escapes) and date literals like TODAY; ORDER BY (ASC/DESC,
// NULLS FIRST/LAST); LIMIT; OFFSET.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/sfemu/model.h"

namespace sfemu::soql {

// Errors carry Salesforce's errorCode: MALFORMED_QUERY (syntax), INVALID_FIELD
// (unknown column), INVALID_TYPE (unknown sObject), and the message text
// Salesforce uses, e.g. "No such column 'Foo' on entity 'Lead'. ...".
struct Error {
  std::string code;
  std::string message;
};

struct Query;  // the parsed statement (defined in soql.cc / soql_ast.h)

struct ParsedQuery {
  std::shared_ptr<const Query> query;
  std::string object;  // FROM object as written
};

// Parses syntax only. Returns false and fills *error on failure.
bool Parse(std::string_view text, ParsedQuery* out, Error* error);

struct ExecuteOptions {
  bool include_deleted = false;       // /queryAll
  std::string api_version = "62.0";   // for attributes.url
};

struct QueryResult {
  bool count_only = false;            // SELECT COUNT()
  int64_t total_size = 0;             // matches after LIMIT/OFFSET (Salesforce's totalSize)
  // One serialised JSON object per row, in result order, shaped as REST returns
  // it: {"attributes":{"type":"Lead","url":"/services/data/v62.0/sobjects/Lead/00Q..."},"Id":"...",
  //      "Owner":{"attributes":{...},"Name":"..."}}
  std::vector<std::string> records;
};

// Validates field and object names against the schema and evaluates.
bool Execute(const ParsedQuery& query, const DataSource& data, const ExecuteOptions& options,
             QueryResult* out, Error* error);

}  // namespace sfemu::soql
