#include <catch2/catch.hpp>

#include "salesforce/record_id.h"
#include "salesforce/soql.h"

using namespace sfn::salesforce;

TEST_CASE("Quote escapes everything that could end the literal", "[soql]") {
  CHECK(soql::Quote("O'Brien") == R"('O\'Brien')");
  CHECK(soql::Quote(R"(back\slash)") == R"('back\\slash')");
  CHECK(soql::Quote("a\"b") == R"('a\"b')");
  CHECK(soql::Quote("line\nbreak\ttab") == R"('line\nbreak\ttab')");
  CHECK(soql::Quote("x' OR Name != '") == R"('x\' OR Name != \'')");
  CHECK(soql::Quote(R"(\' OR 1=1 --)") == R"('\\\' OR 1=1 --')");
  CHECK(soql::Quote("50%_off") == "'50%_off'");
  CHECK(soql::QuoteLike("50%_off") == R"('50\%\_off')");
}

TEST_CASE("IdList validates, normalises and deduplicates", "[soql]") {
  std::string lead = MakeId("00Q", 1);
  auto list = soql::IdList({lead, lead.substr(0, 15), MakeId("003", 2)});
  REQUIRE(list.ok());
  CHECK(list.value() == "('" + lead + "','" + MakeId("003", 2) + "')");
  auto bad = soql::IdList({lead, "00Q' OR Id != '"});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("00Q' OR Id") != std::string::npos);
  CHECK_FALSE(soql::IdList({}).ok());
}

TEST_CASE("SelectBuilder builds safe queries and rejects bad names", "[soql]") {
  auto q = soql::SelectBuilder("Lead")
               .Fields({"Id", "Name", "Owner.Name", "SMS_Opt_In__c"})
               .WhereIdIn("Id", {MakeId("00Q", 7)})
               .WhereEquals("LastName", "D'Arcy")
               .WhereBool("SMS_Opt_Out__c", false)
               .OrderBy("Id")
               .Limit(10)
               .Build();
  REQUIRE(q.ok());
  CHECK(q.value() ==
        "SELECT Id, Name, Owner.Name, SMS_Opt_In__c FROM Lead WHERE Id IN ('" + MakeId("00Q", 7) +
            "') AND LastName = 'D\\'Arcy' AND SMS_Opt_Out__c = false ORDER BY Id ASC LIMIT 10");
  CHECK_FALSE(soql::SelectBuilder("Lead").Fields({"Id, (SELECT Id FROM Tasks)"}).Build().ok());
  CHECK_FALSE(soql::SelectBuilder("Lead WHERE").Fields({"Id"}).Build().ok());
  CHECK_FALSE(soql::SelectBuilder("Lead").Fields({"Id"}).WhereIdIn("Id", {"nope"}).Build().ok());
  CHECK_FALSE(soql::SelectBuilder("Lead").Build().ok());
  CHECK(soql::IsValidIdentifier("Who.Owner.Name"));
  CHECK_FALSE(soql::IsValidIdentifier("Name;"));
  CHECK_FALSE(soql::IsValidIdentifier("Owner..Name"));
}
