// Phone numbers from Salesforce fields, normalised to E.164 with
// libphonenumber. Text without a country code is read in the default region.
// A number that does not parse or that libphonenumber does not consider valid
// for its region is refused with kInvalidPhone, the suppression reason the
// engine records. PhoneNormalizer is immutable and safe to share between
// threads (libphonenumber's PhoneNumberUtil is a thread-safe singleton).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace sfn::connector {

// Suppression reason for a number that cannot be sent to.
inline constexpr const char kInvalidPhone[] = "invalid_phone";

// libphonenumber's number types, reduced to what the connector reports.
enum class PhoneType {
  kMobile,
  kFixedLine,
  kFixedLineOrMobile,  // NANP numbers: no split between mobile and landline
  kTollFree,
  kVoip,
  kOther,  // premium rate, pager, shared cost, personal, UAN, voicemail
  kUnknown,
};
const char* PhoneTypeName(PhoneType type);

struct PhoneNumber {
  std::string e164;    // "+14155552671"
  std::string region;  // ISO 3166 region, "US"
  PhoneType type = PhoneType::kUnknown;
  int country_code = 0;  // 1
  std::string national;  // significant national number, "4155552671"
};

struct PhoneOptions {
  // Region assumed for numbers written without +country code (ISO 3166 alpha-2).
  std::string default_region = "US";
};

class PhoneNormalizer {
 public:
  explicit PhoneNormalizer(PhoneOptions options = {});

  // Parses `text` as typed in a CRM field ("(415) 555-2671", "+44 20 7946 0000",
  // "1-800-FLOWERS"). Errors are InvalidArgument with a message starting
  // "invalid_phone: " and the reason, which never includes the number itself
  // so it is safe to log.
  Result<PhoneNumber> Normalize(std::string_view text) const;

  const PhoneOptions& options() const { return options_; }

 private:
  PhoneOptions options_;
};

}  // namespace sfn::connector
