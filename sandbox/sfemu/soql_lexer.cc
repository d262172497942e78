// SOQL tokenizer and string-literal decoding.
#include <cctype>

#include "sandbox/sfemu/soql_ast.h"

namespace sfemu::soql {

namespace {

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsIdentStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool IsIdentChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}
bool IsHex(char c) {
  return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}

bool DigitsAt(std::string_view s, size_t pos, size_t n) {
  if (pos + n > s.size()) return false;
  for (size_t i = pos; i < pos + n; ++i) {
    if (!IsDigit(s[i])) return false;
  }
  return true;
}

// Lexer errors come from Salesforce's tokenizer, which reports them as
// "line R:C ..." (column 0-based) rather than with an excerpt.
Error LexError(std::string_view text, size_t offset, const std::string& what) {
  int row = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++row;
      line_start = i + 1;
    }
  }
  Error error = PlainError("MALFORMED_QUERY", "line " + std::to_string(row) + ":" +
                                                  std::to_string(offset - line_start) + " " + what);
  error.row = row;
  error.column = static_cast<int>(offset - line_start) + 1;
  return error;
}

std::string Printable(char c) {
  unsigned char u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7f) return std::string(1, c);
  static const char* kHex = "0123456789abcdef";
  return std::string("\\x") + kHex[u >> 4] + kHex[u & 15];
}

// Length of a date (10) or datetime literal starting at `pos`, 0 if none.
// A date followed by 'T' must continue as a full datetime.
size_t DateLiteralLength(std::string_view s, size_t pos, bool* is_datetime) {
  if (!DigitsAt(s, pos, 4) || pos + 10 > s.size() || s[pos + 4] != '-' ||
      !DigitsAt(s, pos + 5, 2) || s[pos + 7] != '-' || !DigitsAt(s, pos + 8, 2)) {
    return 0;
  }
  size_t p = pos + 10;
  *is_datetime = false;
  if (p >= s.size() || (s[p] != 'T' && s[p] != 't')) return 10;
  ++p;
  if (!DigitsAt(s, p, 2) || p + 8 > s.size() || s[p + 2] != ':' || !DigitsAt(s, p + 3, 2) ||
      s[p + 5] != ':' || !DigitsAt(s, p + 6, 2)) {
    return 0;
  }
  p += 8;
  if (p < s.size() && s[p] == '.') {
    size_t start = ++p;
    while (p < s.size() && IsDigit(s[p])) ++p;
    if (p == start) return 0;
  }
  if (p < s.size() && (s[p] == 'Z' || s[p] == 'z')) {
    ++p;
  } else if (p < s.size() && (s[p] == '+' || s[p] == '-')) {
    ++p;
    if (!DigitsAt(s, p, 2)) return 0;
    p += 2;
    if (p < s.size() && s[p] == ':') ++p;
    if (!DigitsAt(s, p, 2)) return 0;
    p += 2;
  } else {
    return 0;
  }
  *is_datetime = true;
  return p - pos;
}

// Validates a string literal starting at the quote; returns its length
// including both quotes, or 0 with *error set.
size_t StringLiteralLength(std::string_view text, size_t pos, Error* error) {
  size_t p = pos + 1;
  while (p < text.size()) {
    char c = text[p];
    if (c == '\'') return p + 1 - pos;
    if (c != '\\') {
      ++p;
      continue;
    }
    if (p + 1 >= text.size()) break;
    char e = text[p + 1];
    switch (e) {
      case '\'':
      case '"':
      case '\\':
      case 'n':
      case 'r':
      case 't':
      case 'b':
      case 'f':
      case '%':
      case '_':
        p += 2;
        break;
      case 'u':
        if (p + 6 > text.size() || !IsHex(text[p + 2]) || !IsHex(text[p + 3]) ||
            !IsHex(text[p + 4]) || !IsHex(text[p + 5])) {
          *error = LexError(text, p,
                            "Invalid string literal '" +
                                std::string(text.substr(pos + 1, p + 2 - pos - 1)) +
                                "'. Illegal unicode escape sequence in string literal.");
          return 0;
        }
        p += 6;
        break;
      default:
        *error = LexError(
            text, p,
            "Invalid string literal '" + std::string(text.substr(pos + 1, p + 2 - pos - 1)) +
                "'. Illegal character sequence '\\" + Printable(e) + "' in string literal.");
        return 0;
    }
  }
  *error = LexError(text, text.size(), "mismatched character '<EOF>' expecting '''");
  return 0;
}

void AppendUtf8(uint32_t cp, std::string* out) {
  if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD;  // lone surrogates have no UTF-8 form
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

}  // namespace

bool Tokenize(std::string_view text, std::vector<Token>* tokens, Error* error) {
  tokens->clear();
  size_t p = 0;
  while (true) {
    while (p < text.size() && IsSpace(text[p])) ++p;
    if (p >= text.size()) break;
    char c = text[p];
    Token token;
    token.offset = p;
    size_t length = 0;
    bool is_datetime = false;
    if (IsIdentStart(c)) {
      length = 1;
      while (p + length < text.size() && IsIdentChar(text[p + length])) ++length;
      token.kind = TokenKind::kIdentifier;
    } else if (c == '\'') {
      length = StringLiteralLength(text, p, error);
      if (length == 0) return false;
      token.kind = TokenKind::kString;
    } else if (IsDigit(c) && (length = DateLiteralLength(text, p, &is_datetime)) > 0) {
      token.kind = is_datetime ? TokenKind::kDateTime : TokenKind::kDate;
    } else if (IsDigit(c) ||
               ((c == '-' || c == '+' || c == '.') && p + 1 < text.size() &&
                (IsDigit(text[p + 1]) || (c != '.' && text[p + 1] == '.' && p + 2 < text.size() &&
                                          IsDigit(text[p + 2]))))) {
      size_t q = p;
      if (text[q] == '-' || text[q] == '+') ++q;
      while (q < text.size() && IsDigit(text[q])) ++q;
      if (q < text.size() && text[q] == '.') {
        ++q;
        while (q < text.size() && IsDigit(text[q])) ++q;
      }
      length = q - p;
      token.kind = TokenKind::kNumber;
    } else {
      std::string_view rest = text.substr(p);
      if (rest.substr(0, 2) == "!=" || rest.substr(0, 2) == "<>" || rest.substr(0, 2) == "<=" ||
          rest.substr(0, 2) == ">=") {
        length = 2;
      } else if (c == '(' || c == ')' || c == ',' || c == '.' || c == ':' || c == '=' || c == '<' ||
                 c == '>') {
        length = 1;
      } else {
        *error = LexError(text, p, "no viable alternative at character '" + Printable(c) + "'");
        return false;
      }
      token.kind = TokenKind::kSymbol;
    }
    token.text = text.substr(p, length);
    tokens->push_back(token);
    p += length;
  }
  Token end;
  end.kind = TokenKind::kEnd;
  end.offset = text.size();
  tokens->push_back(end);
  return true;
}

std::string DecodeString(std::string_view token_text, std::vector<bool>* like_mask) {
  std::string out;
  if (like_mask) like_mask->clear();
  auto push = [&](char c, bool wildcard) {
    out.push_back(c);
    if (like_mask) like_mask->push_back(wildcard);
  };
  std::string_view body = token_text.substr(1, token_text.size() >= 2 ? token_text.size() - 2 : 0);
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c != '\\' || i + 1 >= body.size()) {
      push(c, like_mask && (c == '%' || c == '_'));
      continue;
    }
    char e = body[++i];
    switch (e) {
      case 'n':
        push('\n', false);
        break;
      case 'r':
        push('\r', false);
        break;
      case 't':
        push('\t', false);
        break;
      case 'b':
        push('\b', false);
        break;
      case 'f':
        push('\f', false);
        break;
      case '%':
      case '_':
        if (!like_mask) out.push_back('\\');
        push(e, false);
        break;
      case 'u': {
        uint32_t cp = 0;
        for (size_t k = 0; k < 4 && i + 1 < body.size(); ++k) {
          char h = body[++i];
          cp = cp * 16 + static_cast<uint32_t>(IsDigit(h) ? h - '0' : (std::tolower(h) - 'a' + 10));
        }
        size_t before = out.size();
        AppendUtf8(cp, &out);
        if (like_mask) like_mask->resize(like_mask->size() + (out.size() - before), false);
        break;
      }
      default:  // \' \" \\ (the tokenizer rejected every other escape)
        push(e, false);
    }
  }
  return out;
}

}  // namespace sfemu::soql
