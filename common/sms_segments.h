// SMS segment counting (GSM 03.38 / UCS-2), shared by the connector (billing,
// segment budgets), the smsemu gateway emulator and — mirrored in JavaScript —
// the Salesforce LWC. Keep the two implementations in step: the worked
// examples in tests/unit/sms_segments_test.cc are the contract.
//
// Rules (docs: shared reference §3):
//  - A body that only holds GSM-7 characters is sent in GSM-7: basic-table
//    characters cost 1 septet, extension-table characters (form feed ^ { } \ [
//    ~ ] | €) cost 2 (ESC + code).
//  - One character outside both tables switches the whole body to UCS-2,
//    which counts UTF-16 code units (characters outside the BMP cost 2).
//  - Up to 160 septets / 70 units is one segment. Longer bodies are split in
//    parts of at most 153 septets / 67 units, and a part never splits an escape
//    pair or a surrogate pair, so a part may hold one unit less than the
//    maximum and ceil(units / 153) can under-count.
//  - Invalid UTF-8 never fails: each invalid byte counts as U+FFFD, which is
//    not GSM-7 (the gateway would substitute it the same way).
//  - An empty body has 0 units and 0 segments.
// All functions are pure and thread-safe.
#pragma once

#include <string_view>

namespace sfn::sms {

enum class SmsEncoding { kGsm7, kUcs2 };

struct SegmentCount {
  SmsEncoding encoding = SmsEncoding::kGsm7;
  int units = 0;       // GSM-7 septets or UCS-2 (UTF-16) code units of the whole body
  int segments = 0;    // billable message parts
  int characters = 0;  // Unicode code points (what Twilio's 1,600-character limit counts)
};

// Capacity of one message and of one part of a concatenated message.
constexpr int kGsm7SingleLimit = 160;
constexpr int kGsm7PartLimit = 153;
constexpr int kUcs2SingleLimit = 70;
constexpr int kUcs2PartLimit = 67;

SegmentCount CountSegments(std::string_view utf8_body);

// GSM 03.38 default alphabet membership of one Unicode code point.
bool IsGsm7Basic(char32_t c);      // 1 septet
bool IsGsm7Extension(char32_t c);  // 2 septets (ESC + code)
inline bool IsGsm7(char32_t c) {
  return IsGsm7Basic(c) || IsGsm7Extension(c);
}

// "GSM-7" or "UCS-2", the names Twilio's segment calculator uses.
const char* SmsEncodingName(SmsEncoding encoding);

}  // namespace sfn::sms
