// Segment counting: every worked example of the SMS reference §3.5, plus the
// GSM 03.38 table edges and invalid UTF-8.
#include "common/sms_segments.h"

#include <catch2/catch.hpp>
#include <string>

using sfn::sms::CountSegments;
using sfn::sms::SmsEncoding;

namespace {

std::string Repeat(const std::string& piece, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += piece;
  return out;
}

void Expect(const std::string& body, SmsEncoding encoding, int units, int segments) {
  INFO("body of " << body.size() << " bytes");
  auto count = CountSegments(body);
  CHECK(count.encoding == encoding);
  CHECK(count.units == units);
  CHECK(count.segments == segments);
}

}  // namespace

TEST_CASE("GSM-7 single and concatenated limits (reference 3.5)", "[sms_segments]") {
  Expect(Repeat("a", 160), SmsEncoding::kGsm7, 160, 1);
  Expect(Repeat("a", 161), SmsEncoding::kGsm7, 161, 2);
  Expect(Repeat("a", 306), SmsEncoding::kGsm7, 306, 2);
  Expect(Repeat("a", 307), SmsEncoding::kGsm7, 307, 3);
}

TEST_CASE("GSM-7 extension characters cost two septets (reference 3.5)", "[sms_segments]") {
  Expect(Repeat("€", 80), SmsEncoding::kGsm7, 160, 1);
  Expect(Repeat("€", 81), SmsEncoding::kGsm7, 162, 2);
}

TEST_CASE("an escape pair is never split across parts (reference 3.5)", "[sms_segments]") {
  // Naive ceil(306 / 153) says 2; the euro sign cannot straddle parts 1 and 2.
  Expect(Repeat("a", 152) + "€" + Repeat("a", 152), SmsEncoding::kGsm7, 306, 3);
}

TEST_CASE("UCS-2 single and concatenated limits (reference 3.5)", "[sms_segments]") {
  Expect(Repeat("ж", 70), SmsEncoding::kUcs2, 70, 1);
  Expect(Repeat("ж", 71), SmsEncoding::kUcs2, 71, 2);
  Expect(Repeat("ж", 134), SmsEncoding::kUcs2, 134, 2);
  Expect(Repeat("ж", 135), SmsEncoding::kUcs2, 135, 3);
}

TEST_CASE("emoji outside the BMP count two UTF-16 units (reference 3.5)", "[sms_segments]") {
  Expect(Repeat("😀", 35), SmsEncoding::kUcs2, 70, 1);
  Expect(Repeat("😀", 36), SmsEncoding::kUcs2, 72, 2);
}

TEST_CASE("a surrogate pair is never split across parts (reference 3.5)", "[sms_segments]") {
  Expect(Repeat("a", 66) + "😀" + Repeat("a", 66), SmsEncoding::kUcs2, 134, 3);
}

TEST_CASE("curly quotes force UCS-2 (reference 3.5)", "[sms_segments]") {
  Expect("Hello “quoted”", SmsEncoding::kUcs2, 14, 1);
  Expect("Hello \"quoted\"", SmsEncoding::kGsm7, 14, 1);
}

TEST_CASE("one non-GSM character switches the whole body to UCS-2", "[sms_segments]") {
  // 100 GSM characters would be one GSM-7 segment; the backtick makes 101 UCS-2 units.
  Expect(Repeat("a", 100) + "`", SmsEncoding::kUcs2, 101, 2);
  Expect(Repeat("a", 100) + "…", SmsEncoding::kUcs2, 101, 2);
}

TEST_CASE("GSM 03.38 table membership", "[sms_segments]") {
  using sfn::sms::IsGsm7;
  using sfn::sms::IsGsm7Basic;
  using sfn::sms::IsGsm7Extension;
  for (char32_t c : {U'@',  U'£', U'$', U'¥', U'è', U'é', U'ù', U'ì', U'ò', U'Ç', U'\n', U'Ø', U'ø',
                     U'\r', U'Å', U'å', U'Δ', U'_', U'Φ', U'Γ', U'Λ', U'Ω', U'Π', U'Ψ',  U'Σ', U'Θ',
                     U'Ξ',  U'Æ', U'æ', U'ß', U'É', U' ', U'¤', U'¡', U'Ä', U'Ö', U'Ñ',  U'Ü', U'§',
                     U'¿',  U'ä', U'ö', U'ñ', U'ü', U'à', U'A', U'z', U'0', U'9', U'"',  U'\''}) {
    INFO("U+" << std::hex << static_cast<uint32_t>(c));
    CHECK(IsGsm7Basic(c));
    CHECK_FALSE(IsGsm7Extension(c));
  }
  for (char32_t c : {U'\f', U'^', U'{', U'}', U'\\', U'[', U'~', U']', U'|', U'€'}) {
    INFO("U+" << std::hex << static_cast<uint32_t>(c));
    CHECK(IsGsm7Extension(c));
    CHECK_FALSE(IsGsm7Basic(c));
  }
  for (char32_t c : {U'`', U'“', U'”', U'‘', U'’', U'…', U'–', U'—', U'á', U'Á', U'ç', U'\t', U'ж',
                     U'😀', U'\u00A0'}) {
    INFO("U+" << std::hex << static_cast<uint32_t>(c));
    CHECK_FALSE(IsGsm7(c));
  }
}

TEST_CASE("empty body and character counts", "[sms_segments]") {
  auto empty = CountSegments("");
  CHECK(empty.units == 0);
  CHECK(empty.segments == 0);
  CHECK(empty.characters == 0);
  auto mixed = CountSegments("a€😀");
  CHECK(mixed.characters == 3);
  CHECK(mixed.units == 4);  // UCS-2: 1 + 1 + 2
}

TEST_CASE("invalid UTF-8 counts replacement characters and never crashes", "[sms_segments]") {
  // Lone continuation byte, truncated 3-byte sequence, overlong '/', encoded surrogate, > U+10FFFF.
  for (std::string bad : {std::string("\x80"), std::string("\xE2\x82"), std::string("\xC0\xAF"),
                          std::string("\xED\xA0\x80"), std::string("\xF4\x90\x80\x80")}) {
    auto count = CountSegments("ok" + bad);
    CHECK(count.encoding == SmsEncoding::kUcs2);
    CHECK(count.characters == 2 + static_cast<int>(bad.size()));
    CHECK(count.segments == 1);
  }
  auto truncated = CountSegments(std::string("abc\xF0\x9F\x98", 6));  // emoji cut short
  CHECK(truncated.characters == 6);
}
