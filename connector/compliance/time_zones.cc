#include "connector/compliance/time_zones.h"

#include <date/tz.h>
#include <phonenumbers/geocoding/phonenumber_offline_geocoder.h>
#include <phonenumbers/phonenumberutil.h>
#include <unicode/locid.h>

#include <cctype>
#include <stdexcept>

namespace sfn::connector {

namespace {

// US states, DC and Canadian provinces/territories with the zones observed
// somewhere in them (tz database zone.tab comments; the first zone covers
// most people). Split states list every zone so quiet hours can intersect.
struct StateZones {
  const char* code;
  const char* name;
  std::vector<const char*> zones;
};

const std::vector<StateZones>& StateTable() {
  static const std::vector<StateZones> table = {
      {"AL", "Alabama", {"America/Chicago"}},
      {"AK", "Alaska", {"America/Anchorage", "America/Adak"}},
      {"AZ", "Arizona", {"America/Phoenix", "America/Denver"}},  // Navajo Nation keeps DST
      {"AR", "Arkansas", {"America/Chicago"}},
      {"CA", "California", {"America/Los_Angeles"}},
      {"CO", "Colorado", {"America/Denver"}},
      {"CT", "Connecticut", {"America/New_York"}},
      {"DE", "Delaware", {"America/New_York"}},
      {"DC", "Washington D.C.", {"America/New_York"}},
      {"FL", "Florida", {"America/New_York", "America/Chicago"}},  // panhandle is Central
      {"GA", "Georgia", {"America/New_York"}},
      {"HI", "Hawaii", {"Pacific/Honolulu"}},
      {"ID", "Idaho", {"America/Boise", "America/Los_Angeles"}},
      {"IL", "Illinois", {"America/Chicago"}},
      {"IN", "Indiana", {"America/Indiana/Indianapolis", "America/Chicago"}},
      {"IA", "Iowa", {"America/Chicago"}},
      {"KS", "Kansas", {"America/Chicago", "America/Denver"}},
      {"KY", "Kentucky", {"America/New_York", "America/Chicago"}},
      {"LA", "Louisiana", {"America/Chicago"}},
      {"ME", "Maine", {"America/New_York"}},
      {"MD", "Maryland", {"America/New_York"}},
      {"MA", "Massachusetts", {"America/New_York"}},
      {"MI", "Michigan", {"America/Detroit", "America/Menominee"}},
      {"MN", "Minnesota", {"America/Chicago"}},
      {"MS", "Mississippi", {"America/Chicago"}},
      {"MO", "Missouri", {"America/Chicago"}},
      {"MT", "Montana", {"America/Denver"}},
      {"NE", "Nebraska", {"America/Chicago", "America/Denver"}},
      {"NV", "Nevada", {"America/Los_Angeles", "America/Denver"}},  // West Wendover is Mountain
      {"NH", "New Hampshire", {"America/New_York"}},
      {"NJ", "New Jersey", {"America/New_York"}},
      {"NM", "New Mexico", {"America/Denver"}},
      {"NY", "New York", {"America/New_York"}},
      {"NC", "North Carolina", {"America/New_York"}},
      {"ND", "North Dakota", {"America/Chicago", "America/Denver"}},
      {"OH", "Ohio", {"America/New_York"}},
      {"OK", "Oklahoma", {"America/Chicago"}},
      {"OR", "Oregon", {"America/Los_Angeles", "America/Boise"}},
      {"PA", "Pennsylvania", {"America/New_York"}},
      {"RI", "Rhode Island", {"America/New_York"}},
      {"SC", "South Carolina", {"America/New_York"}},
      {"SD", "South Dakota", {"America/Chicago", "America/Denver"}},
      {"TN", "Tennessee", {"America/Chicago", "America/New_York"}},
      {"TX", "Texas", {"America/Chicago", "America/Denver"}},  // El Paso is Mountain
      {"UT", "Utah", {"America/Denver"}},
      {"VT", "Vermont", {"America/New_York"}},
      {"VA", "Virginia", {"America/New_York"}},
      {"WA", "Washington", {"America/Los_Angeles"}},
      {"WV", "West Virginia", {"America/New_York"}},
      {"WI", "Wisconsin", {"America/Chicago"}},
      {"WY", "Wyoming", {"America/Denver"}},
      // Canada.
      {"AB", "Alberta", {"America/Edmonton"}},
      {"BC", "British Columbia", {"America/Vancouver", "America/Edmonton"}},
      {"MB", "Manitoba", {"America/Winnipeg"}},
      {"NB", "New Brunswick", {"America/Moncton"}},
      {"NL", "Newfoundland and Labrador", {"America/St_Johns", "America/Goose_Bay"}},
      {"NS", "Nova Scotia", {"America/Halifax"}},
      {"PE", "Prince Edward Island", {"America/Halifax"}},
      {"ON", "Ontario", {"America/Toronto", "America/Winnipeg"}},  // the northwest is Central
      {"QC", "Quebec", {"America/Toronto", "America/Halifax"}},    // Magdalen Islands are Atlantic
      {"SK", "Saskatchewan", {"America/Regina", "America/Edmonton"}},
      {"NT", "Northwest Territories", {"America/Yellowknife"}},
      {"NU", "Nunavut", {"America/Iqaluit", "America/Rankin_Inlet", "America/Cambridge_Bay"}},
      {"YT", "Yukon", {"America/Whitehorse"}},
  };
  return table;
}

// Geocoder descriptions that are neither "City, ST" nor a state's name.
struct Alias {
  const char* description;
  const char* state;
};
constexpr Alias kAliases[] = {
    {"Washington State", "WA"},
    {"Washington D.C.", "DC"},
    {"Philadelphia", "PA"},
    {"Nova Scotia/Prince Edward Island", "NS"},
};

// One zone per country outside the US and Canada: the capital's or the most
// populous zone. Approximate for countries spanning several zones.
struct RegionZone {
  const char* region;
  const char* zone;
};
constexpr RegionZone kRegionZones[] = {
    {"GB", "Europe/London"},         {"IE", "Europe/Dublin"},
    {"DE", "Europe/Berlin"},         {"FR", "Europe/Paris"},
    {"ES", "Europe/Madrid"},         {"IT", "Europe/Rome"},
    {"NL", "Europe/Amsterdam"},      {"BE", "Europe/Brussels"},
    {"CH", "Europe/Zurich"},         {"AT", "Europe/Vienna"},
    {"SE", "Europe/Stockholm"},      {"NO", "Europe/Oslo"},
    {"DK", "Europe/Copenhagen"},     {"FI", "Europe/Helsinki"},
    {"PL", "Europe/Warsaw"},         {"PT", "Europe/Lisbon"},
    {"GR", "Europe/Athens"},         {"MX", "America/Mexico_City"},
    {"BR", "America/Sao_Paulo"},     {"AR", "America/Argentina/Buenos_Aires"},
    {"CL", "America/Santiago"},      {"CO", "America/Bogota"},
    {"PE", "America/Lima"},          {"PR", "America/Puerto_Rico"},
    {"VI", "America/St_Thomas"},     {"GU", "Pacific/Guam"},
    {"MP", "Pacific/Saipan"},        {"AS", "Pacific/Pago_Pago"},
    {"DO", "America/Santo_Domingo"}, {"JM", "America/Jamaica"},
    {"BB", "America/Barbados"},      {"BM", "Atlantic/Bermuda"},
    {"TT", "America/Port_of_Spain"}, {"BS", "America/Nassau"},
    {"IN", "Asia/Kolkata"},          {"JP", "Asia/Tokyo"},
    {"CN", "Asia/Shanghai"},         {"KR", "Asia/Seoul"},
    {"SG", "Asia/Singapore"},        {"HK", "Asia/Hong_Kong"},
    {"PH", "Asia/Manila"},           {"AU", "Australia/Sydney"},
    {"NZ", "Pacific/Auckland"},      {"ZA", "Africa/Johannesburg"},
    {"IL", "Asia/Jerusalem"},        {"AE", "Asia/Dubai"},
};

const StateZones* FindState(std::string_view code_or_name) {
  for (const StateZones& s : StateTable()) {
    if (code_or_name == s.code || code_or_name == s.name) return &s;
  }
  return nullptr;
}

}  // namespace

struct TimeZoneResolver::Geocoder {
  i18n::phonenumbers::PhoneNumberOfflineGeocoder geocoder;  // locks internally: thread-safe
};

const char* ZoneSourceName(ZoneSource source) {
  switch (source) {
    case ZoneSource::kField:
      return "field";
    case ZoneSource::kPhoneState:
      return "phone_state";
    case ZoneSource::kPhoneRegion:
      return "phone_region";
    case ZoneSource::kDefault:
      break;
  }
  return "default";
}

TimeZoneResolver::TimeZoneResolver() : geocoder_(std::make_unique<Geocoder>()) {}
TimeZoneResolver::~TimeZoneResolver() = default;

bool TimeZoneResolver::IsValidZone(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '/' && c != '_' && c != '-' &&
        c != '+')
      return false;
  }
  try {
    return date::locate_zone(std::string(name)) != nullptr;
  } catch (const std::exception&) {  // date reports an unknown zone by throwing
    return false;
  }
}

std::vector<std::string> TimeZoneResolver::ZonesOfState(std::string_view state) {
  std::vector<std::string> zones;
  if (const StateZones* s = FindState(state)) zones.assign(s->zones.begin(), s->zones.end());
  return zones;
}

std::string TimeZoneResolver::ZoneOfRegion(std::string_view region) {
  for (const RegionZone& r : kRegionZones) {
    if (region == r.region) return r.zone;
  }
  return "";
}

std::string TimeZoneResolver::Describe(const PhoneNumber& number) const {
  using i18n::phonenumbers::PhoneNumberUtil;
  i18n::phonenumbers::PhoneNumber parsed;
  if (PhoneNumberUtil::GetInstance()->Parse(number.e164, "ZZ", &parsed) !=
      PhoneNumberUtil::NO_PARSING_ERROR) {
    return "";
  }
  return geocoder_->geocoder.GetDescriptionForNumber(parsed, icu::Locale("en", "US"));
}

std::string TimeZoneResolver::StateOf(const PhoneNumber& number) const {
  if (number.country_code != 1) return "";
  std::string description = Describe(number);
  for (const Alias& a : kAliases) {
    if (description == a.description) return a.state;
  }
  // "City, ST" or a state's full name.
  size_t comma = description.rfind(", ");
  std::string place = comma == std::string::npos ? description : description.substr(comma + 2);
  const StateZones* s = FindState(place);
  return s ? s->code : "";
}

Result<RecipientZones> TimeZoneResolver::Resolve(const PhoneNumber& number,
                                                 std::string_view field_value,
                                                 std::string_view default_zone) const {
  RecipientZones out;
  out.state = StateOf(number);
  std::string field(field_value);
  while (!field.empty() && std::isspace(static_cast<unsigned char>(field.back()))) field.pop_back();
  while (!field.empty() && std::isspace(static_cast<unsigned char>(field.front())))
    field.erase(0, 1);
  if (IsValidZone(field)) {
    out.zones = {field};
    out.source = ZoneSource::kField;
    return out;
  }
  if (!out.state.empty()) {
    out.zones = ZonesOfState(out.state);
    out.source = ZoneSource::kPhoneState;
    return out;
  }
  // NANP numbers outside the US and Canada have their own region (PR, JM...).
  if (number.region != "US" && number.region != "CA") {
    std::string zone = ZoneOfRegion(number.region);
    if (!zone.empty()) {
      out.zones = {zone};
      out.source = ZoneSource::kPhoneRegion;
      return out;
    }
  }
  if (!IsValidZone(default_zone)) {
    return Status::InvalidArgument("default time zone '" + std::string(default_zone) +
                                   "' is not a known zone");
  }
  out.zones = {std::string(default_zone)};
  out.source = ZoneSource::kDefault;
  return out;
}

}  // namespace sfn::connector
