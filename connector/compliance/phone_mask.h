// Masking of phone numbers for API keys below admin: every digit but the last
// four is replaced by '*', so a number can be recognised but not read off.
#pragma once

#include <string>

namespace sfn::connector {

// "+1******4567": every digit but the last four replaced (other characters kept).
std::string MaskPhone(const std::string& phone);

// Masks the phone numbers in free text (history details, replies typed on a
// handset): runs of digits and separators (space - . ( )) that start with '+'
// and hold at least 7 digits, or hold at least 10 digits without a letter,
// digit or ':' right before or after (so dates and times stay readable).
std::string MaskPhonesInText(const std::string& text);

}  // namespace sfn::connector
