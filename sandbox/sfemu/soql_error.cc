// Salesforce prints query errors with an excerpt of the offending line and a
// caret under the failing token, then "ERROR at Row:R:Column:C" and the reason.
#include <algorithm>

#include "sandbox/sfemu/soql_ast.h"

namespace sfemu::soql {

namespace {
// How much of a long line surrounds the caret. Salesforce shows a window of
// the line rather than the whole statement; the exact width is not documented.
constexpr size_t kExcerptBefore = 40;
constexpr size_t kExcerptAfter = 40;

bool IsBreak(char c) {
  return c == ' ' || c == '\t' || c == ',';
}
}  // namespace

Error PositionedError(std::string_view text, size_t offset, std::string code, std::string detail) {
  offset = std::min(offset, text.size());
  size_t newline = offset == 0 ? std::string_view::npos : text.rfind('\n', offset - 1);
  size_t line_start = newline == std::string_view::npos ? 0 : newline + 1;
  size_t line_end = text.find('\n', offset);
  if (line_end == std::string_view::npos) line_end = text.size();
  int row = 1 + static_cast<int>(std::count(text.begin(), text.begin() + line_start, '\n'));
  size_t col0 = offset - line_start;

  std::string_view line = text.substr(line_start, line_end - line_start);
  size_t from = col0 > kExcerptBefore ? col0 - kExcerptBefore : 0;
  // Start the excerpt on a token boundary so it does not begin mid-word.
  while (from > 0 && from < col0 && !IsBreak(line[from - 1])) ++from;
  size_t to = std::min(line.size(), col0 + kExcerptAfter);
  while (to < line.size() && !IsBreak(line[to])) ++to;
  std::string excerpt(line.substr(from, to - from));
  for (char& c : excerpt) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\t') c = ' ';
  }

  Error error;
  error.code = std::move(code);
  error.row = row;
  error.column = static_cast<int>(col0) + 1;
  error.message = "\n" + excerpt + "\n" + std::string(col0 - from, ' ') +
                  "^\nERROR at Row:" + std::to_string(row) +
                  ":Column:" + std::to_string(error.column) + "\n" + detail;
  error.detail = std::move(detail);
  return error;
}

Error PlainError(std::string code, std::string detail) {
  Error error;
  error.code = std::move(code);
  error.message = detail;
  error.detail = std::move(detail);
  return error;
}

}  // namespace sfemu::soql
