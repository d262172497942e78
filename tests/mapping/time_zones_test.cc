#include <catch2/catch.hpp>

#include "connector/compliance/time_zones.h"

using sfn::connector::PhoneNormalizer;
using sfn::connector::RecipientZones;
using sfn::connector::TimeZoneResolver;
using sfn::connector::ZoneSource;

namespace {

const TimeZoneResolver& Resolver() {
  static const TimeZoneResolver resolver;  // immutable after construction; shared by the cases
  return resolver;
}

RecipientZones Resolve(std::string_view phone, std::string_view field = "",
                       std::string_view fallback = "America/New_York") {
  auto number = PhoneNormalizer().Normalize(phone);
  REQUIRE(number.ok());
  auto zones = Resolver().Resolve(*number, field, fallback);
  REQUIRE(zones.ok());
  return *zones;
}

using Zones = std::vector<std::string>;

}  // namespace

TEST_CASE("Debian's offline geocoder data is present and describes NANP numbers", "[tz]") {
  auto number = PhoneNormalizer().Normalize("+1 415 555 2671");
  REQUIRE(number.ok());
  CHECK(Resolver().Describe(*number) == "San Francisco, CA");
  CHECK(Resolver().StateOf(*number) == "CA");
}

TEST_CASE("area codes in several zones map through their state", "[tz]") {
  CHECK(Resolve("+1 212 555 0123").zones == Zones{"America/New_York"});
  CHECK(Resolve("+1 312 555 0123").zones == Zones{"America/Chicago"});
  CHECK(Resolve("+1 303 555 0123").zones == Zones{"America/Denver"});
  CHECK(Resolve("+1 415 555 0123").zones == Zones{"America/Los_Angeles"});
  CHECK(Resolve("+1 808 555 0123").zones == Zones{"Pacific/Honolulu"});
  CHECK(Resolve("+1 602 555 0123").state == "AZ");
  auto wa = Resolve("+1 206 555 0123");  // described as "Washington State"
  CHECK(wa.state == "WA");
  CHECK(wa.zones == Zones{"America/Los_Angeles"});
  CHECK(wa.source == ZoneSource::kPhoneState);
  auto toronto = Resolve("+1 416 555 0123");
  CHECK(toronto.state == "ON");
  CHECK(toronto.zones.front() == "America/Toronto");
}

TEST_CASE("states split across zones give every candidate zone", "[tz]") {
  auto texas = Resolve("+1 214 555 0123");  // Dallas
  CHECK(texas.state == "TX");
  CHECK(texas.zones == Zones{"America/Chicago", "America/Denver"});
  auto florida = Resolve("+1 850 555 0123");
  CHECK(florida.state == "FL");
  CHECK(florida.zones == Zones{"America/New_York", "America/Chicago"});
  CHECK(Resolve("+1 615 555 0123").zones ==
        Zones{"America/Chicago", "America/New_York"});  // Tennessee
}

TEST_CASE("numbers of other countries use the region's zone", "[tz]") {
  auto uk = Resolve("+44 20 7946 0958");
  CHECK(uk.zones == Zones{"Europe/London"});
  CHECK(uk.source == ZoneSource::kPhoneRegion);
  CHECK(uk.state.empty());
  CHECK(Resolve("+49 30 1234567").zones == Zones{"Europe/Berlin"});
  CHECK(Resolve("+52 55 1234 5678").zones == Zones{"America/Mexico_City"});
  CHECK(Resolve("+1 787 555 0123").zones == Zones{"America/Puerto_Rico"});  // NANP, not US
}

TEST_CASE("a valid time-zone field overrides the number, the state is kept", "[tz]") {
  auto r = Resolve("+1 214 555 0123", " America/Los_Angeles ");
  CHECK(r.zones == Zones{"America/Los_Angeles"});
  CHECK(r.source == ZoneSource::kField);
  CHECK(r.state == "TX");
}

TEST_CASE("an invalid field value falls back to the number, then the default", "[tz]") {
  for (const char* bad : {"Eastern", "America/Nowhere", "../../etc/passwd", "EST5EDT; rm", ""}) {
    INFO(bad);
    auto r = Resolve("+1 312 555 0123", bad);
    CHECK(r.zones == Zones{"America/Chicago"});
    CHECK(r.source == ZoneSource::kPhoneState);
  }
  // Toll-free numbers have no place: the contact point's default applies.
  auto toll_free = Resolve("+1 800 356 9377", "bogus", "America/Denver");
  CHECK(toll_free.zones == Zones{"America/Denver"});
  CHECK(toll_free.source == ZoneSource::kDefault);
  // Countries outside the table use the default too.
  CHECK(Resolve("+354 551 1234", "", "Europe/London").zones == Zones{"Europe/London"});
}

TEST_CASE("an invalid default zone is an error when it is needed", "[tz]") {
  auto number = PhoneNormalizer().Normalize("+1 800 356 9377");
  REQUIRE(number.ok());
  auto r = Resolver().Resolve(*number, "", "Mars/Olympus");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message() == "default time zone 'Mars/Olympus' is not a known zone");
}

TEST_CASE("every zone in the state and region tables exists in the OS tz database", "[tz]") {
  for (const char* state :
       {"AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID",
        "IL", "IN", "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO",
        "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA",
        "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "AB",
        "BC", "MB", "NB", "NL", "NS", "PE", "ON", "QC", "SK", "NT", "NU", "YT"}) {
    INFO(state);
    auto zones = TimeZoneResolver::ZonesOfState(state);
    REQUIRE_FALSE(zones.empty());
    for (const auto& z : zones) CHECK(TimeZoneResolver::IsValidZone(z));
  }
  for (const char* region : {"GB", "DE", "MX", "FR", "IN", "JP", "AU", "BR", "PR", "NZ"}) {
    INFO(region);
    CHECK(TimeZoneResolver::IsValidZone(TimeZoneResolver::ZoneOfRegion(region)));
  }
}
