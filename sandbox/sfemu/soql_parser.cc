// SOQL parser: recursive descent over the tokens into a Query.
//
//   query      := SELECT selectList FROM name [WHERE condition] [ORDER BY order (',' order)*]
//                 [LIMIT integer] [OFFSET integer]
//   selectList := COUNT '(' ')' | path (',' path)*
//   condition  := [NOT] simple ((AND simple)* | (OR simple)*)
//   simple     := '(' condition ')' | path op value | path [NOT] IN '(' value (',' value)* ')'
//   order      := path [ASC | DESC] [NULLS (FIRST | LAST)]
//
// Salesforce requires parentheses to mix AND and OR and accepts NOT only at the
// start of a condition; the grammar above encodes both.
#include <date/date.h>

#include <cmath>
#include <cstdlib>

#include "common/time_util.h"
#include "sandbox/sfemu/soql_ast.h"

namespace sfemu::soql {

namespace {

constexpr size_t kMaxQueryLength = 100000;
constexpr int kMaxNesting = 50;
constexpr int64_t kMaxOffset = 2000;
constexpr int64_t kMaxDateLiteralN = 1000000;

// Salesforce's reserved words: never a field or object name.
const char* const kReserved[] = {
    "AND",  "ASC",  "DESC",  "EXCLUDES", "FIRST", "FROM",  "GROUP", "HAVING", "IN",    "INCLUDES",
    "LAST", "LIKE", "LIMIT", "NOT",      "NULL",  "NULLS", "OR",    "SELECT", "WHERE", "WITH"};

bool IsReserved(std::string_view word) {
  for (const char* r : kReserved) {
    if (EqualsIgnoreCase(word, r)) return true;
  }
  return false;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

class Parser {
 public:
  Parser(std::string_view text, std::vector<Token> tokens)
      : text_(text), tokens_(std::move(tokens)) {}

  bool ParseQuery(Query* query);
  const Error& error() const { return error_; }

 private:
  const Token& Peek(size_t ahead = 0) const {
    size_t i = pos_ + ahead;
    return i < tokens_.size() ? tokens_[i] : tokens_.back();
  }
  const Token& Next() {
    const Token& t = Peek();
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return t;
  }
  static bool IsKeyword(const Token& t, const char* word) {
    return t.kind == TokenKind::kIdentifier && EqualsIgnoreCase(t.text, word);
  }
  static bool IsSymbol(const Token& t, const char* symbol) {
    return t.kind == TokenKind::kSymbol && t.text == symbol;
  }
  bool AcceptKeyword(const char* word) {
    if (!IsKeyword(Peek(), word)) return false;
    Next();
    return true;
  }
  bool AcceptSymbol(const char* symbol) {
    if (!IsSymbol(Peek(), symbol)) return false;
    Next();
    return true;
  }
  bool ExpectKeyword(const char* word) { return AcceptKeyword(word) || Unexpected(Peek()); }
  bool ExpectSymbol(const char* symbol) { return AcceptSymbol(symbol) || Unexpected(Peek()); }

  bool Unexpected(const Token& t) {
    std::string shown = t.kind == TokenKind::kEnd ? "<EOF>" : std::string(t.text);
    return Fail(t.offset, "MALFORMED_QUERY", "unexpected token: '" + shown + "'");
  }
  bool Unsupported(const Token& t, const std::string& what) {
    return Fail(t.offset, "MALFORMED_QUERY", what + " is not supported by sfemu");
  }
  bool Fail(size_t offset, const char* code, std::string detail) {
    error_ = PositionedError(text_, offset, code, std::move(detail));
    return false;
  }

  bool ParseSelectList(Query* query);
  bool ParseFieldPath(FieldRef* field);
  bool ParseCondition(int depth, std::unique_ptr<Condition>* out);
  bool ParseSimple(int depth, std::unique_ptr<Condition>* out);
  bool ParseComparison(std::unique_ptr<Condition>* out);
  bool ParseValue(bool for_like, Literal* out);
  bool ParseOrderBy(Query* query);
  bool ParseNonNegativeInteger(int64_t max, int64_t* out);

  std::string_view text_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  Error error_;
};

bool Parser::ParseQuery(Query* query) {
  if (!ExpectKeyword("SELECT") || !ParseSelectList(query) || !ExpectKeyword("FROM")) return false;
  const Token& object = Peek();
  if (object.kind != TokenKind::kIdentifier || IsReserved(object.text)) return Unexpected(object);
  query->object = std::string(object.text);
  query->object_offset = object.offset;
  Next();

  if (IsKeyword(Peek(), "USING")) return Unsupported(Peek(), "USING SCOPE");
  if (AcceptKeyword("WHERE") && !ParseCondition(0, &query->where)) return false;
  if (IsKeyword(Peek(), "WITH")) return Unsupported(Peek(), "WITH");
  if (IsKeyword(Peek(), "GROUP")) return Unsupported(Peek(), "GROUP BY");
  if (IsKeyword(Peek(), "HAVING")) return Unsupported(Peek(), "HAVING");
  if (IsKeyword(Peek(), "ORDER") && IsKeyword(Peek(1), "BY")) {
    Next();
    Next();
    if (!ParseOrderBy(query)) return false;
  }
  if (AcceptKeyword("LIMIT")) {
    int64_t limit = 0;
    if (!ParseNonNegativeInteger(INT32_MAX, &limit)) return false;
    query->limit = limit;
  }
  if (AcceptKeyword("OFFSET")) {
    const Token& at = Peek();
    if (!ParseNonNegativeInteger(INT32_MAX, &query->offset)) return false;
    if (query->offset > kMaxOffset) {
      error_ = PlainError("NUMBER_OUTSIDE_VALID_RANGE",
                          "Maximum SOQL offset allowed is " + std::to_string(kMaxOffset));
      error_.row = 1;
      error_.column = static_cast<int>(at.offset) + 1;
      return false;
    }
  }
  if (IsKeyword(Peek(), "FOR") || IsKeyword(Peek(), "UPDATE")) {
    return Unsupported(Peek(), "FOR VIEW, FOR REFERENCE, FOR UPDATE and UPDATE TRACKING");
  }
  if (Peek().kind != TokenKind::kEnd) return Unexpected(Peek());
  return true;
}

bool Parser::ParseSelectList(Query* query) {
  while (true) {
    const Token& t = Peek();
    if (IsKeyword(t, "COUNT") && IsSymbol(Peek(1), "(") && IsSymbol(Peek(2), ")")) {
      // COUNT() stands alone: Salesforce answers it with totalSize only.
      if (!query->select.empty() || query->count_only) return Unexpected(t);
      Next();
      Next();
      Next();
      query->count_only = true;
    } else if (query->count_only) {
      return Unexpected(t);
    } else if (t.kind == TokenKind::kIdentifier && IsSymbol(Peek(1), "(")) {
      return Unsupported(
          t, "Function '" + std::string(t.text) + "()' (aggregates, FIELDS(), toLabel() ...)");
    } else if (IsSymbol(t, "(")) {
      return Unsupported(t, "A relationship sub-query");
    } else if (IsKeyword(t, "TYPEOF")) {
      return Unsupported(t, "TYPEOF");
    } else {
      FieldRef field;
      if (!ParseFieldPath(&field)) return false;
      query->select.push_back(std::move(field));
    }
    if (!AcceptSymbol(",")) return true;
  }
}

bool Parser::ParseFieldPath(FieldRef* field) {
  const Token& first = Peek();
  field->offset = first.offset;
  while (true) {
    const Token& t = Peek();
    if (t.kind != TokenKind::kIdentifier || IsReserved(t.text)) return Unexpected(t);
    field->path.emplace_back(t.text);
    Next();
    if (!IsSymbol(Peek(), ".")) break;
    Next();
  }
  const Token& last = tokens_[pos_ - 1];
  field->written =
      std::string(text_.substr(first.offset, last.offset + last.text.size() - first.offset));
  return true;
}

bool Parser::ParseCondition(int depth, std::unique_ptr<Condition>* out) {
  if (depth > kMaxNesting) {
    return Fail(Peek().offset, "MALFORMED_QUERY",
                "Query is too complicated: parentheses nest more than " +
                    std::to_string(kMaxNesting) + " levels deep");
  }
  std::unique_ptr<Condition> first;
  if (AcceptKeyword("NOT")) {
    auto negated = std::make_unique<Condition>();
    negated->kind = Condition::Kind::kNot;
    negated->children.emplace_back();
    if (!ParseSimple(depth, &negated->children.back())) return false;
    first = std::move(negated);
  } else if (!ParseSimple(depth, &first)) {
    return false;
  }
  if (!IsKeyword(Peek(), "AND") && !IsKeyword(Peek(), "OR")) {
    *out = std::move(first);
    return true;
  }
  auto group = std::make_unique<Condition>();
  const char* connective = IsKeyword(Peek(), "AND") ? "AND" : "OR";
  group->kind = IsKeyword(Peek(), "AND") ? Condition::Kind::kAnd : Condition::Kind::kOr;
  group->children.push_back(std::move(first));
  while (IsKeyword(Peek(), "AND") || IsKeyword(Peek(), "OR")) {
    if (!IsKeyword(Peek(), connective)) return Unexpected(Peek());  // AND and OR mixed
    Next();
    group->children.emplace_back();
    if (!ParseSimple(depth, &group->children.back())) return false;
  }
  *out = std::move(group);
  return true;
}

bool Parser::ParseSimple(int depth, std::unique_ptr<Condition>* out) {
  if (AcceptSymbol("(")) {
    if (IsKeyword(Peek(), "SELECT")) return Unsupported(Peek(), "A sub-query");
    return ParseCondition(depth + 1, out) && ExpectSymbol(")");
  }
  return ParseComparison(out);
}

bool Parser::ParseComparison(std::unique_ptr<Condition>* out) {
  auto node = std::make_unique<Condition>();
  node->kind = Condition::Kind::kCompare;
  if (!ParseFieldPath(&node->field)) return false;
  const Token& op = Peek();
  static const std::pair<const char*, CompareOp> kSymbols[] = {
      {"=", CompareOp::kEq},  {"!=", CompareOp::kNe}, {"<>", CompareOp::kNe}, {"<", CompareOp::kLt},
      {"<=", CompareOp::kLe}, {">", CompareOp::kGt},  {">=", CompareOp::kGe}};
  bool matched = false;
  for (const auto& [symbol, kind] : kSymbols) {
    if (IsSymbol(op, symbol)) {
      node->op = kind;
      matched = true;
    }
  }
  if (matched || IsKeyword(op, "LIKE")) {
    if (!matched) node->op = CompareOp::kLike;
    Next();
    node->values.emplace_back();
    if (!ParseValue(node->op == CompareOp::kLike, &node->values.back())) return false;
    *out = std::move(node);
    return true;
  }
  if (IsKeyword(op, "INCLUDES") || IsKeyword(op, "EXCLUDES"))
    return Unsupported(op, "INCLUDES/EXCLUDES");
  if (IsKeyword(op, "NOT") && IsKeyword(Peek(1), "IN")) {
    Next();
    node->op = CompareOp::kNotIn;
  } else if (IsKeyword(op, "IN")) {
    node->op = CompareOp::kIn;
  } else {
    return Unexpected(op);
  }
  Next();
  if (!ExpectSymbol("(")) return false;
  if (IsKeyword(Peek(), "SELECT"))
    return Unsupported(Peek(), "A semi-join sub-select (IN (SELECT ...))");
  while (true) {
    node->values.emplace_back();
    if (!ParseValue(false, &node->values.back())) return false;
    if (AcceptSymbol(")")) break;
    if (!ExpectSymbol(",")) return false;
  }
  *out = std::move(node);
  return true;
}

bool Parser::ParseValue(bool for_like, Literal* out) {
  const Token& t = Peek();
  out->offset = t.offset;
  out->written = std::string(t.text);
  switch (t.kind) {
    case TokenKind::kString:
      out->kind = LiteralKind::kString;
      out->text = DecodeString(t.text, for_like ? &out->like_mask : nullptr);
      Next();
      return true;
    case TokenKind::kNumber: {
      std::string digits(t.text);
      out->kind = LiteralKind::kNumber;
      out->number = std::strtod(digits.c_str(), nullptr);
      if (!std::isfinite(out->number)) {
        return Fail(t.offset, "MALFORMED_QUERY", "numeric value out of range: " + digits);
      }
      Next();
      return true;
    }
    case TokenKind::kDate:
    case TokenKind::kDateTime: {
      std::string_view s = t.text;
      int y = std::atoi(std::string(s.substr(0, 4)).c_str());
      unsigned m = static_cast<unsigned>(std::atoi(std::string(s.substr(5, 2)).c_str()));
      unsigned d = static_cast<unsigned>(std::atoi(std::string(s.substr(8, 2)).c_str()));
      date::year_month_day ymd{date::year{y}, date::month{m}, date::day{d}};
      if (!ymd.ok()) return Fail(t.offset, "MALFORMED_QUERY", "invalid date: " + out->written);
      if (t.kind == TokenKind::kDate) {
        out->kind = LiteralKind::kDate;
        out->epoch_days = date::sys_days(ymd).time_since_epoch().count();
      } else {
        auto ms = sfn::timeutil::ParseRfc3339(s);
        if (!ms.ok()) return Fail(t.offset, "MALFORMED_QUERY", "invalid dateTime: " + out->written);
        out->kind = LiteralKind::kDateTime;
        out->epoch_ms = *ms;
      }
      Next();
      return true;
    }
    case TokenKind::kIdentifier:
      break;
    default:
      return Unexpected(t);
  }
  std::string word = Upper(t.text);
  if (word == "NULL" || word == "TRUE" || word == "FALSE") {
    out->kind = word == "NULL" ? LiteralKind::kNull : LiteralKind::kBoolean;
    out->boolean = word == "TRUE";
    Next();
    return true;
  }
  if (word == "TODAY" || word == "YESTERDAY" || word == "TOMORROW") {
    out->kind = LiteralKind::kDateRange;
    out->range_name = word;
    Next();
    return true;
  }
  if (word == "LAST_N_DAYS" || word == "NEXT_N_DAYS" || word == "N_DAYS_AGO") {
    out->kind = LiteralKind::kDateRange;
    out->range_name = word;
    Next();
    if (!ExpectSymbol(":")) return false;
    const Token& n = Peek();
    if (!ParseNonNegativeInteger(kMaxDateLiteralN, &out->range_n)) return false;
    out->written = std::string(text_.substr(t.offset, n.offset + n.text.size() - t.offset));
    return true;
  }
  return Unexpected(t);
}

bool Parser::ParseOrderBy(Query* query) {
  while (true) {
    OrderItem item;
    if (!ParseFieldPath(&item.field)) return false;
    if (AcceptKeyword("DESC")) {
      item.descending = true;
    } else {
      AcceptKeyword("ASC");
    }
    if (AcceptKeyword("NULLS")) {
      if (AcceptKeyword("LAST")) {
        item.nulls_last = true;
      } else if (!ExpectKeyword("FIRST")) {
        return false;
      }
    }
    query->order_by.push_back(std::move(item));
    if (!AcceptSymbol(",")) return true;
  }
}

bool Parser::ParseNonNegativeInteger(int64_t max, int64_t* out) {
  const Token& t = Peek();
  if (t.kind != TokenKind::kNumber) return Unexpected(t);
  int64_t value = 0;
  for (char c : t.text) {
    if (c < '0' || c > '9') return Unexpected(t);  // sign or fraction
    value = value * 10 + (c - '0');
    if (value > max)
      return Fail(t.offset, "MALFORMED_QUERY",
                  "numeric value out of range: " + std::string(t.text));
  }
  *out = value;
  Next();
  return true;
}

}  // namespace

bool Parse(std::string_view text, ParsedQuery* out, Error* error) {
  if (text.size() > kMaxQueryLength) {
    *error = PlainError("MALFORMED_QUERY", "SOQL statements cannot be longer than " +
                                               std::to_string(kMaxQueryLength) + " characters.");
    return false;
  }
  auto query = std::make_shared<Query>();
  query->text = std::string(text);
  std::vector<Token> tokens;
  if (!Tokenize(query->text, &tokens, error)) return false;
  Parser parser(query->text, std::move(tokens));
  if (!parser.ParseQuery(query.get())) {
    *error = parser.error();
    return false;
  }
  out->object = query->object;
  out->query = std::move(query);
  return true;
}

}  // namespace sfemu::soql
