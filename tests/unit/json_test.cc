// common/json.h Parse: iterative (no recursion on the thread's stack) and at most
// kMaxDepth levels of nesting, with an error that says so.
#include "common/json.h"

#include <catch2/catch.hpp>
#include <string>

namespace sfn::json {

TEST_CASE("json: nesting up to the limit parses, one deeper is refused by name", "[json]") {
  std::string ok = std::string(kMaxDepth, '[') + std::string(kMaxDepth, ']');
  CHECK(Parse(ok).ok());
  std::string objects;
  for (int i = 0; i < kMaxDepth; ++i) objects += "{\"a\":";
  objects += "1" + std::string(kMaxDepth, '}');
  CHECK(Parse(objects).ok());

  auto deeper = Parse(std::string(kMaxDepth + 1, '[') + std::string(kMaxDepth + 1, ']'));
  REQUIRE_FALSE(deeper.ok());
  CHECK(deeper.status().message() == "invalid JSON at offset 64: nesting deeper than 64 levels");
}

TEST_CASE("json: a depth bomb of a million brackets is an error, not a stack overflow", "[json]") {
  auto bomb = Parse(std::string(1000000, '['));
  REQUIRE_FALSE(bomb.ok());
  CHECK(bomb.status().message().find("nesting deeper than 64") != std::string::npos);
  std::string mixed;
  for (int i = 0; i < 200000; ++i) mixed += i % 2 ? "[" : "{\"k\":";
  CHECK(Parse(mixed).status().message().find("nesting deeper than 64") != std::string::npos);
}

TEST_CASE("json: ordinary documents and ordinary errors are as before", "[json]") {
  auto doc = Parse(R"({"a":[1,2.5,"x",true,null,{"b":-3}],"c":18446744073709551615})");
  REQUIRE(doc.ok());
  CHECK((*doc)["a"].Size() == 6);
  CHECK((*doc)["a"][5]["b"].GetInt() == -3);
  CHECK((*doc)["c"].IsUint64());
  CHECK(Serialize(*doc) == R"({"a":[1,2.5,"x",true,null,{"b":-3}],"c":18446744073709551615})");
  auto bad = Parse("{\"a\":}");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() == "invalid JSON at offset 5: Invalid value.");
  CHECK_FALSE(Parse("").ok());
  CHECK_FALSE(Parse("[1] x").ok());
}

}  // namespace sfn::json
