#include <catch2/catch.hpp>

#include <atomic>
#include <set>
#include <thread>

#include "connector/compliance/phone.h"

using sfn::connector::PhoneNormalizer;
using sfn::connector::PhoneOptions;
using sfn::connector::PhoneType;

namespace {

std::string E164(std::string_view text, const PhoneNormalizer& n = PhoneNormalizer()) {
  auto p = n.Normalize(text);
  REQUIRE(p.ok());
  return p->e164;
}

std::string Reason(std::string_view text) {
  auto p = PhoneNormalizer().Normalize(text);
  REQUIRE_FALSE(p.ok());
  return p.status().message();
}

}  // namespace

TEST_CASE("US numbers in CRM formatting variants normalise to one E.164", "[phone]") {
  for (const char* text :
       {"(415) 555-2671", "415-555-2671", "415.555.2671", "4155552671", "+1 415 555 2671",
        "1 (415) 555-2671", "+14155552671", " 415 555 2671 "}) {
    INFO(text);
    CHECK(E164(text) == "+14155552671");
  }
  auto p = PhoneNormalizer().Normalize("(212) 555-0123");
  REQUIRE(p.ok());
  CHECK(p->region == "US");
  CHECK(p->country_code == 1);
  CHECK(p->national == "2125550123");
  CHECK(p->type == PhoneType::kFixedLineOrMobile);  // NANP has no mobile/landline split
}

TEST_CASE("UK, German and Mexican numbers", "[phone]") {
  auto uk = PhoneNormalizer().Normalize("+44 20 7946 0958");
  REQUIRE(uk.ok());
  CHECK(uk->e164 == "+442079460958");
  CHECK(uk->region == "GB");
  CHECK(uk->type == PhoneType::kFixedLine);
  CHECK(E164("+44 7400 123456") == "+447400123456");
  CHECK(PhoneNormalizer().Normalize("+44 7400 123456")->type == PhoneType::kMobile);

  CHECK(E164("+49 30 1234567") == "+49301234567");
  CHECK(E164("+49 (0)151 2345 6789") == "+4915123456789");
  CHECK(PhoneNormalizer().Normalize("+49 151 23456789")->region == "DE");

  auto mx = PhoneNormalizer().Normalize("+52 55 1234 5678");
  REQUIRE(mx.ok());
  CHECK(mx->e164 == "+525512345678");
  CHECK(mx->region == "MX");
}

TEST_CASE("the default region reads national numbers", "[phone]") {
  PhoneNormalizer uk(PhoneOptions{"GB"});
  CHECK(E164("020 7946 0958", uk) == "+442079460958");
  CHECK(E164("07400 123456", uk) == "+447400123456");
  PhoneNormalizer de(PhoneOptions{"DE"});
  CHECK(E164("030 1234567", de) == "+49301234567");
  // An explicit country code wins over the default region.
  CHECK(E164("+1 415 555 2671", de) == "+14155552671");
}

TEST_CASE("invalid numbers are refused with reason invalid_phone", "[phone]") {
  CHECK(Reason("123") == "invalid_phone: not a valid number for its region");
  CHECK(Reason("") == "invalid_phone: empty");
  CHECK(Reason("   ") == "invalid_phone: empty");
  CHECK(Reason("call me maybe") == "invalid_phone: not a phone number");
  CHECK(Reason("n/a") == "invalid_phone: not a phone number");
  CHECK(Reason("+999 1234 5678") == "invalid_phone: unknown country code");
  CHECK(Reason("415-555-26711234567") == "invalid_phone: not a valid number for its region");
  CHECK(Reason(std::string(200, '1')).rfind("invalid_phone: longer than", 0) == 0);
  // Messages never echo the number, so they are safe to log.
  CHECK(Reason("555-0000").find("555") == std::string::npos);
}

TEST_CASE("letters: vanity numbers convert, words do not", "[phone]") {
  CHECK(E164("1-800-FLOWERS") == "+18003569377");
  CHECK(PhoneNormalizer().Normalize("1-800-FLOWERS")->type == PhoneType::kTollFree);
  CHECK(Reason("abc").rfind("invalid_phone", 0) == 0);
}

TEST_CASE("duplicates written differently normalise to the same E.164", "[phone]") {
  PhoneNormalizer n;
  std::vector<std::string> raw = {"(415) 555-2671", "+1-415-555-2671", "415 555 2671 ext. 12",
                                  "14155552671"};
  std::set<std::string> unique;
  for (const auto& r : raw) unique.insert(E164(r, n));
  CHECK(unique == std::set<std::string>{"+14155552671"});
}

TEST_CASE("one normalizer serves several threads", "[phone]") {
  PhoneNormalizer n;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        auto p = n.Normalize("(415) 555-2671");
        if (!p.ok() || p->e164 != "+14155552671") ++wrong;
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(wrong == 0);
}
