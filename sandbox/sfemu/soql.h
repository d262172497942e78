// SOQL for sfemu: a real parser (tokenizer + recursive descent) and an
// evaluator over a DataSource. Supported: SELECT field list with relationship
// paths (Owner.Name, Who.Name), COUNT(); FROM one object; WHERE with AND/OR/NOT
// and parentheses, = != <> < > <= >= LIKE IN NOT IN, string/number/boolean/
// null/date/datetime literals (with escapes) and the date literals TODAY,
// YESTERDAY, TOMORROW, LAST_N_DAYS:n, NEXT_N_DAYS:n, N_DAYS_AGO:n; ORDER BY
// (ASC/DESC, NULLS FIRST/LAST); LIMIT; OFFSET (at most 2000).
//
// Refused with MALFORMED_QUERY (sfemu does not emulate them): aggregates other
// than a bare COUNT(), GROUP BY, HAVING, sub-queries and semi-joins, TYPEOF,
// FIELDS(), INCLUDES/EXCLUDES, WITH, USING SCOPE, FOR VIEW/UPDATE, aliases.
//
// As in Salesforce: keywords and names are case-insensitive; string compares
// and LIKE ignore case; AND and OR cannot be mixed without parentheses; NOT
// only starts a condition (`NOT a AND b` is `(NOT a) AND b`); `!=` and NOT IN
// match null values; empty text is null; Ids compare in their 18-character
// form whether written with 15 or 18; dates and date literals are UTC days.
//
// Parse and Execute never throw and accept any byte string; nesting is limited
// so work stays proportional to the query's length times the record count.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/sfemu/model.h"

namespace sfemu::soql {

// Errors carry Salesforce's errorCode and message text. Codes: MALFORMED_QUERY
// (syntax or unsupported construct), INVALID_FIELD (unknown column, bad
// relationship, filter value of the wrong type, unfilterable field, duplicate
// column), INVALID_TYPE (unknown sObject), INVALID_QUERY_FILTER_OPERATOR (bad
// Id value, operator not valid for the field's type), NUMBER_OUTSIDE_VALID_RANGE
// (OFFSET above 2000). Errors found at a position read as Salesforce writes
// them, the query excerpt and a caret first:
//   "\nSELECT Id FROMM Lead\n          ^\nERROR at Row:1:Column:11\nunexpected token: 'FROMM'"
// `detail` holds the last line alone ("unexpected token: 'FROMM'"); row and
// column are 1-based (0 when the error has no position).
struct Error {
  std::string code;
  std::string message;
  std::string detail;
  int row = 0;
  int column = 0;
};

struct Query;  // the parsed statement (defined in soql_ast.h)

struct ParsedQuery {
  std::shared_ptr<const Query> query;
  std::string object;  // FROM object as written
};

// Parses syntax only (names are checked by Execute). Returns false and fills
// *error on failure. Statements longer than 100,000 characters are refused.
bool Parse(std::string_view text, ParsedQuery* out, Error* error);

struct ExecuteOptions {
  bool include_deleted = false;      // /queryAll: deleted rows too, IsDeleted reads true
  std::string api_version = "62.0";  // for attributes.url
  int64_t now_ms = 0;                // "now" for TODAY etc.; 0 = the wall clock
};

struct QueryResult {
  bool count_only = false;  // SELECT COUNT()
  int64_t total_size = 0;   // matches after LIMIT/OFFSET (Salesforce's totalSize)
  // One serialised JSON object per row, in result order, shaped as REST returns
  // it: {"attributes":{"type":"Lead","url":"/services/data/v62.0/sobjects/Lead/00Q..."},"Id":"...",
  //      "Owner":{"attributes":{...},"Name":"..."}}
  // Keys use the schema's spelling. A polymorphic relationship (reference_to
  // with several objects, e.g. Task.Who) reads as Salesforce's "Name" entity:
  // attributes.type is "Name", the url names the actual object. Empty for COUNT().
  std::vector<std::string> records;
};

// Validates object and field names against the schema and evaluates. Safe to
// call concurrently on the same ParsedQuery (it is immutable).
bool Execute(const ParsedQuery& query, const DataSource& data, const ExecuteOptions& options,
             QueryResult* out, Error* error);

}  // namespace sfemu::soql
