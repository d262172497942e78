#include <catch2/catch.hpp>

#include "common/utf8.h"

using namespace sfn;

TEST_CASE("UTF-8 validation finds the first bad byte", "[utf8]") {
  CHECK(utf8::IsValid(""));
  CHECK(utf8::IsValid("plain ASCII"));
  CHECK(utf8::IsValid("café ж € 😀"));
  CHECK(utf8::FindInvalid("ab\xff") == 2);
  CHECK(utf8::FindInvalid("\xc3") == 0);              // truncated sequence
  CHECK(utf8::FindInvalid("a\xc0\xaf") == 1);         // overlong '/'
  CHECK(utf8::FindInvalid("\xed\xa0\x80") == 0);      // a surrogate
  CHECK(utf8::FindInvalid("\xf4\x90\x80\x80") == 0);  // above U+10FFFF
  CHECK(utf8::FindInvalid("ok \xe2\x82") == 3);       // cut euro sign
}

TEST_CASE("truncation never splits a character", "[utf8]") {
  std::string text = "ab€";  // € is 3 bytes
  CHECK(utf8::TruncateBytes(text, 5) == "ab€");
  CHECK(utf8::TruncateBytes(text, 4) == "ab");
  CHECK(utf8::TruncateBytes(text, 3) == "ab");
  CHECK(utf8::TruncateBytes(text, 2) == "ab");
  CHECK(utf8::TruncateBytes("😀😀", 7) == "😀");
  CHECK(utf8::TruncateChars("ж😀x", 2) == "ж😀");
  CHECK(utf8::TruncateChars("short", 10) == "short");
  // A 255-byte cut of 254 ASCII bytes followed by a 2-byte character keeps the text valid.
  std::string subject = std::string(254, 'a') + "é";
  CHECK(utf8::TruncateBytes(subject, 255) == std::string(254, 'a'));
  CHECK(utf8::IsValid(utf8::TruncateBytes(subject, 255)));
}

TEST_CASE("control characters other than the allowed ones are found", "[utf8]") {
  CHECK(utf8::FindControl("line one\nline\ttwo", "\n\t") == std::string::npos);
  CHECK(utf8::FindControl("bell\a", "\n\t") == 4);
  CHECK(utf8::FindControl("cr\r\n", "\n\t") == 2);
  CHECK(utf8::FindControl("del\x7f", "\n\t") == 3);
  CHECK(utf8::FindControl("c1 \xc2\x85", "\n\t") == 3);
  CHECK(utf8::FindControl("é ok", "\n\t") == std::string::npos);
}
