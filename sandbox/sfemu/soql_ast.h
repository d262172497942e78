// Internal to the SOQL engine (soql_*.cc): tokens, the syntax tree that Parse
// builds and Execute binds against the schema, and the helpers that shape
// errors the way Salesforce prints them. Nothing outside soql*.cc uses this.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sandbox/sfemu/soql.h"

namespace sfemu::soql {

// ---- Tokens ----------------------------------------------------------------

enum class TokenKind {
  kEnd,         // end of input; text is empty
  kIdentifier,  // names and keywords: [A-Za-z_][A-Za-z0-9_]*
  kString,      // '...' with the quotes; escapes already validated
  kNumber,      // 12, -3, 4.5, .5
  kDate,        // 2024-05-14
  kDateTime,    // 2024-05-14T15:04:05Z, ...+02:00, with optional .fff
  kSymbol,      // ( ) , . : = != <> < > <= >=
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string_view text;  // a view into the query text
  size_t offset = 0;      // byte offset in the query text
};

// Splits `text` into tokens, the last one kEnd. Fails (MALFORMED_QUERY) on a
// character SOQL does not use, an unterminated string or a bad escape.
bool Tokenize(std::string_view text, std::vector<Token>* tokens, Error* error);

// Decodes a string token (quotes included). With `like_mask` (LIKE patterns)
// \% and \_ become literal characters and the mask marks, per output byte,
// the unescaped % and _ wildcards; without it, \% and \_ keep their backslash.
std::string DecodeString(std::string_view token_text, std::vector<bool>* like_mask);

// ---- Syntax tree -------------------------------------------------------------

enum class CompareOp { kEq, kNe, kLt, kLe, kGt, kGe, kLike, kIn, kNotIn };

enum class LiteralKind { kNull, kBoolean, kNumber, kString, kDate, kDateTime, kDateRange };

struct Literal {
  LiteralKind kind = LiteralKind::kNull;
  size_t offset = 0;
  std::string written;  // as in the query, for messages
  bool boolean = false;
  double number = 0;
  std::string text;             // kString: decoded
  std::vector<bool> like_mask;  // kString used by LIKE: wildcard positions in `text`
  int64_t epoch_days = 0;       // kDate
  int64_t epoch_ms = 0;         // kDateTime
  std::string range_name;       // kDateRange: TODAY, LAST_N_DAYS, ... (upper case)
  int64_t range_n = 0;          // kDateRange: the n of LAST_N_DAYS:n
};

struct FieldRef {
  std::vector<std::string> path;  // {"Owner", "Name"}
  size_t offset = 0;
  std::string written;  // "Owner.Name" as written
};

struct Condition {
  enum class Kind { kAnd, kOr, kNot, kCompare };
  Kind kind = Kind::kCompare;
  std::vector<std::unique_ptr<Condition>> children;  // kAnd/kOr: 2+, kNot: 1
  // kCompare:
  FieldRef field;
  CompareOp op = CompareOp::kEq;
  std::vector<Literal> values;  // one, or the IN list
};

struct OrderItem {
  FieldRef field;
  bool descending = false;
  bool nulls_last = false;  // Salesforce sorts nulls first unless told otherwise
};

struct Query {
  std::string text;  // the statement, for error excerpts
  bool count_only = false;
  std::vector<FieldRef> select;
  std::string object;
  size_t object_offset = 0;
  std::unique_ptr<Condition> where;
  std::vector<OrderItem> order_by;
  std::optional<int64_t> limit;
  int64_t offset = 0;
};

// ---- Errors ------------------------------------------------------------------

// "\n<excerpt>\n<caret>\nERROR at Row:R:Column:C\n<detail>" pointing at `offset`.
Error PositionedError(std::string_view text, size_t offset, std::string code, std::string detail);
// An error without a position (message == detail).
Error PlainError(std::string code, std::string detail);

}  // namespace sfemu::soql
