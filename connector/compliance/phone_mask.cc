#include "connector/compliance/phone_mask.h"

#include <cctype>

namespace sfn::connector {

namespace {
bool IsDigit(char c) {
  return std::isdigit(static_cast<unsigned char>(c)) != 0;
}
bool IsSeparator(char c) {
  return c == ' ' || c == '-' || c == '.' || c == '(' || c == ')';
}
bool Glued(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == ':';
}
}  // namespace

std::string MaskPhone(const std::string& phone) {
  int digits = 0;
  for (char c : phone) digits += IsDigit(c) ? 1 : 0;
  std::string out;
  int seen = 0;
  for (char c : phone) {
    if (IsDigit(c)) {
      ++seen;
      out += seen > digits - 4 ? c : '*';
    } else {
      out += c;
    }
  }
  return out;
}

std::string MaskPhonesInText(const std::string& text) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    bool starts = (c == '+' || c == '(' || IsDigit(c)) && (i == 0 || !Glued(text[i - 1]));
    if (starts) {
      // The run: separators and digits, ending on its last digit.
      size_t end = i, j = i + 1;
      int digits = IsDigit(c) ? 1 : 0;
      if (IsDigit(c)) end = i + 1;
      while (j < text.size() && (IsDigit(text[j]) || IsSeparator(text[j]))) {
        if (IsDigit(text[j])) {
          ++digits;
          end = j + 1;
        }
        ++j;
      }
      bool plus = c == '+';
      bool glued_after = end < text.size() && Glued(text[end]);
      if (end > i && ((plus && digits >= 7) || (!plus && digits >= 10 && !glued_after))) {
        out += MaskPhone(text.substr(i, end - i));
        i = end;
        continue;
      }
    }
    out += text[i++];
  }
  return out;
}

}  // namespace sfn::connector
