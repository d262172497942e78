#include <catch2/catch.hpp>

#include "common/form.h"

using namespace sfn::form;

TEST_CASE("form decoding turns + into space before percent-decoding", "[form]") {
  CHECK(Decode("Hello+world%21") == "Hello world!");
  CHECK(Decode("%2B14155552671") == "+14155552671");
  CHECK(Decode("a%2") == "a%2");  // broken escape kept literally
  auto params = Parse("To=%2B1415&Body=x+y%20z&Body=2&flag");
  REQUIRE(params.size() == 4);
  CHECK(params[0] == std::make_pair(std::string("To"), std::string("+1415")));
  CHECK(params[1].second == "x y z");
  CHECK(Get(params, "Body") == "x y z");
  CHECK(params[3].first == "flag");
}

TEST_CASE("form encoding round-trips", "[form]") {
  Params p = {{"Body", "Reminder: 3pm & more"}, {"To", "+14155552671"}};
  std::string s = Serialize(p);
  CHECK(s == "Body=Reminder%3A%203pm%20%26%20more&To=%2B14155552671");
  CHECK(Parse(s) == p);
}
