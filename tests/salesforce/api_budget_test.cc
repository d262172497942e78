#include <catch2/catch.hpp>

#include "salesforce/api_budget.h"

using namespace sfn;
using namespace sfn::salesforce;

TEST_CASE("Sforce-Limit-Info is parsed", "[budget]") {
  auto u = ParseLimitInfo("api-usage=10018/100000");
  REQUIRE(u);
  CHECK(u->used == 10018);
  CHECK(u->max == 100000);
  auto both =
      ParseLimitInfo("per-app-api-usage=17/250(appName=sample-connected-app), api-usage=25/15000");
  REQUIRE(both);
  CHECK(both->used == 25);
  CHECK(both->max == 15000);
  CHECK_FALSE(ParseLimitInfo("per-app-api-usage=17/250(appName=x)"));
  CHECK_FALSE(ParseLimitInfo(""));
  CHECK_FALSE(ParseLimitInfo("api-usage=abc/100"));
  CHECK_FALSE(ParseLimitInfo("api-usage=1/0"));
}

TEST_CASE("non-essential calls are refused above the threshold", "[budget]") {
  ApiBudget budget(0.8);
  CHECK(budget.Admit(false).ok());  // unknown usage never blocks
  budget.Record(ApiUsage{700, 1000});
  CHECK(budget.Admit(false).ok());
  budget.Record(ApiUsage{800, 1000});
  Status refused = budget.Admit(false);
  CHECK(refused.code() == StatusCode::kRateLimited);
  CHECK(refused.message().find("800/1000") != std::string::npos);
  CHECK(budget.Admit(true).ok());  // essential calls still go
  CHECK(budget.usage().used == 800);
}
