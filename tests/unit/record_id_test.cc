#include <catch2/catch.hpp>

#include "salesforce/record_id.h"

using sfn::salesforce::IdChecksum;
using sfn::salesforce::NormalizeId;

TEST_CASE("15-character IDs get the documented checksum", "[record_id]") {
  // Vectors from the Salesforce wire reference (§2.9).
  CHECK(IdChecksum("001M000000qfPyS") == "IAU");
  CHECK(IdChecksum("a01M00000062mPg") == "IAI");
  CHECK(IdChecksum("a0FE000000D6r3F") == "MAR");
  CHECK(IdChecksum("0F9E000000092w2") == "KAA");
  CHECK(IdChecksum("aaaaaaaaaaaaaaa") == "AAA");
  CHECK(IdChecksum("AbCdEfGhIjKlMnO") == "VKV");
  CHECK(IdChecksum("aBcDEfgHIJKLMNO") == "025");
  CHECK(IdChecksum("a0D30000001n7Pi") == "EAI");
  CHECK(IdChecksum("a0RE000000IJmcN") == "MAT");
}

TEST_CASE("NormalizeId turns 15 into 18 and validates 18", "[record_id]") {
  auto id = NormalizeId("001M000000qfPyS");
  REQUIRE(id.ok());
  CHECK(id.value() == "001M000000qfPySIAU");
  CHECK(NormalizeId("001M000000qfPySIAU").value() == "001M000000qfPySIAU");
  CHECK(NormalizeId("001M000000qfPySiau").value() == "001M000000qfPySIAU");  // checksum is case-insensitive
  CHECK_FALSE(NormalizeId("001M000000qfPySAAA").ok());
  CHECK_FALSE(NormalizeId("001M000000qfPy").ok());
  CHECK_FALSE(NormalizeId("001M000000qfP'S").ok());
  CHECK(NormalizeId("x").status().message().find("length") != std::string::npos);
}

TEST_CASE("key prefixes map to object types", "[record_id]") {
  CHECK(sfn::salesforce::ObjectTypeForPrefix("00Q") == "Lead");
  CHECK(sfn::salesforce::ObjectTypeForPrefix("003") == "Contact");
  CHECK(sfn::salesforce::ObjectTypeForPrefix("zzz").empty());
  CHECK(sfn::salesforce::PrefixForObjectType("Task") == "00T");
}

TEST_CASE("MakeId builds valid IDs with the prefix", "[record_id]") {
  auto a = sfn::salesforce::MakeId("00Q", 1);
  auto b = sfn::salesforce::MakeId("00Q", 2);
  CHECK(a.size() == 18);
  CHECK(a.substr(0, 3) == "00Q");
  CHECK(a != b);
  CHECK(sfn::salesforce::IsValidId(a));
  CHECK(sfn::salesforce::IsValidId(sfn::salesforce::MakeId("003", 987654321ULL)));
}
