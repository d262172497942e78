// The time zone(s) a recipient is probably in, for quiet hours.
//
// In order: the mapped time-zone field when it holds a valid IANA name; else
// from the number: for NANP numbers libphonenumber's offline geocoder gives a
// place ("San Francisco, CA", "Ontario") whose state or province maps to its
// zones (a state split across zones yields all of them, and quiet hours use
// the intersection of their windows); for other countries a per-region
// default zone; else the contact point's default zone. The geocoder works on
// the area code, so the answer is approximate: a number keeps its area code
// when its owner moves.
//
// Zone names are checked against the OS tz database (/usr/share/zoneinfo).
// TimeZoneResolver is safe to share between threads.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "connector/compliance/phone.h"

namespace sfn::connector {

enum class ZoneSource {
  kField,        // the record's mapped time-zone field
  kPhoneState,   // the number's US state / Canadian province
  kPhoneRegion,  // the number's country
  kDefault,      // the contact point's default zone
};
const char* ZoneSourceName(ZoneSource source);

struct RecipientZones {
  std::vector<std::string> zones;  // candidate IANA zones; never empty
  // Two-letter US state or Canadian province code when the number's place is
  // known ("TX", "ON"), even when the zone came from the field; "" otherwise.
  // Quiet hours apply state rules from it.
  std::string state;
  ZoneSource source = ZoneSource::kDefault;
};

class TimeZoneResolver {
 public:
  TimeZoneResolver();
  ~TimeZoneResolver();
  TimeZoneResolver(const TimeZoneResolver&) = delete;
  TimeZoneResolver& operator=(const TimeZoneResolver&) = delete;

  // `field_value` is the record's time-zone field ("" when unmapped or
  // blank; an invalid name is ignored). Fails (InvalidArgument) only when
  // `default_zone` is needed and is not a valid zone.
  Result<RecipientZones> Resolve(const PhoneNumber& number, std::string_view field_value,
                                 std::string_view default_zone) const;

  // The geocoder's English description of the number ("Chicago, IL"), or "".
  std::string Describe(const PhoneNumber& number) const;
  // The state/province code for a NANP number, or "" when unknown.
  std::string StateOf(const PhoneNumber& number) const;

  // True when `name` is a zone of the OS tz database ("Europe/London").
  static bool IsValidZone(std::string_view name);
  // Candidate zones of a US state / Canadian province code; empty if unknown.
  static std::vector<std::string> ZonesOfState(std::string_view state);
  // The default zone of a region (ISO 3166 alpha-2); "" if not in the table.
  static std::string ZoneOfRegion(std::string_view region);

 private:
  struct Geocoder;
  std::unique_ptr<Geocoder> geocoder_;
};

}  // namespace sfn::connector
