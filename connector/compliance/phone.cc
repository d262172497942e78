#include "connector/compliance/phone.h"

#include <phonenumbers/phonenumberutil.h>

namespace sfn::connector {

namespace {

using i18n::phonenumbers::PhoneNumberUtil;

// CRM fields hold at most a few dozen characters; anything far longer is not
// a phone number and is refused before libphonenumber sees it.
constexpr size_t kMaxInputBytes = 100;

PhoneType FromLibraryType(PhoneNumberUtil::PhoneNumberType type) {
  switch (type) {
    case PhoneNumberUtil::MOBILE:
      return PhoneType::kMobile;
    case PhoneNumberUtil::FIXED_LINE:
      return PhoneType::kFixedLine;
    case PhoneNumberUtil::FIXED_LINE_OR_MOBILE:
      return PhoneType::kFixedLineOrMobile;
    case PhoneNumberUtil::TOLL_FREE:
      return PhoneType::kTollFree;
    case PhoneNumberUtil::VOIP:
      return PhoneType::kVoip;
    case PhoneNumberUtil::UNKNOWN:
      return PhoneType::kUnknown;
    default:
      return PhoneType::kOther;
  }
}

const char* ParseErrorReason(PhoneNumberUtil::ErrorType error) {
  switch (error) {
    case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
      return "unknown country code";
    case PhoneNumberUtil::NOT_A_NUMBER:
      return "not a phone number";
    case PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
    case PhoneNumberUtil::TOO_SHORT_NSN:
      return "too short";
    case PhoneNumberUtil::TOO_LONG_NSN:
      return "too long";
    default:
      return "cannot be parsed";
  }
}

Status Invalid(const std::string& reason) {
  return Status::InvalidArgument(std::string(kInvalidPhone) + ": " + reason);
}

}  // namespace

const char* PhoneTypeName(PhoneType type) {
  switch (type) {
    case PhoneType::kMobile:
      return "mobile";
    case PhoneType::kFixedLine:
      return "fixed_line";
    case PhoneType::kFixedLineOrMobile:
      return "fixed_line_or_mobile";
    case PhoneType::kTollFree:
      return "toll_free";
    case PhoneType::kVoip:
      return "voip";
    case PhoneType::kOther:
      return "other";
    case PhoneType::kUnknown:
      break;
  }
  return "unknown";
}

PhoneNormalizer::PhoneNormalizer(PhoneOptions options) : options_(std::move(options)) {}

Result<PhoneNumber> PhoneNormalizer::Normalize(std::string_view text) const {
  if (text.size() > kMaxInputBytes)
    return Invalid("longer than " + std::to_string(kMaxInputBytes) + " characters");
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return Invalid("empty");

  const PhoneNumberUtil* util = PhoneNumberUtil::GetInstance();
  i18n::phonenumbers::PhoneNumber parsed;
  auto error = util->Parse(std::string(text), options_.default_region, &parsed);
  if (error != PhoneNumberUtil::NO_PARSING_ERROR) return Invalid(ParseErrorReason(error));
  if (!util->IsValidNumber(parsed)) return Invalid("not a valid number for its region");

  PhoneNumber out;
  util->Format(parsed, PhoneNumberUtil::E164, &out.e164);
  util->GetRegionCodeForNumber(parsed, &out.region);
  util->GetNationalSignificantNumber(parsed, &out.national);
  out.type = FromLibraryType(util->GetNumberType(parsed));
  out.country_code = parsed.country_code();
  return out;
}

}  // namespace sfn::connector
