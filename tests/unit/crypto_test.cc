#include <catch2/catch.hpp>

#include "common/crypto.h"

using namespace sfn::crypto;

TEST_CASE("base64 and base64url", "[crypto]") {
  CHECK(Base64Encode("") == "");
  CHECK(Base64Encode("f") == "Zg==");
  CHECK(Base64Encode("foobar") == "Zm9vYmFy");
  CHECK(Base64Decode("Zm9vYg==").value() == "foob");
  CHECK(Base64Decode("Zg==").value() == "f");
  CHECK_FALSE(Base64Decode("Zm9").ok());
  CHECK(Base64UrlEncode("\xfb\xff") == "-_8");
  CHECK(Base64UrlDecode("-_8").value() == "\xfb\xff");
}

TEST_CASE("Salesforce token signature: Base64(HMAC-SHA256(secret, id + issued_at))", "[crypto]") {
  // Derived example from the Salesforce wire reference (§1.6).
  std::string id = "https://login.salesforce.com/id/00Dx0000000BV7z/005x00000012Q9P";
  CHECK(Base64Encode(HmacSha256("secret", id + "1278448384422")) == "0NPXCaakin01nUju03MMVSw0qBXhfwCUFLaY1OG6dRo=");
}

TEST_CASE("Twilio's published X-Twilio-Signature example", "[crypto]") {
  std::string signed_text =
      "https://mycompany.com/myapp.php?foo=1&bar=2CallSidCA1234567890ABCDECaller+12349013030Digits1234"
      "From+12349013030To+18005551212";
  CHECK(Base64Encode(HmacSha1("12345", signed_text)) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
}

TEST_CASE("SHA-256 and constant-time comparison", "[crypto]") {
  CHECK(Hex(Sha256("abc")) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(ConstantTimeEquals("abc", "abc"));
  CHECK_FALSE(ConstantTimeEquals("abc", "abd"));
  CHECK_FALSE(ConstantTimeEquals("abc", "abcd"));
  CHECK(RandomHex(16).size() == 32);
  CHECK(RandomHex(16) != RandomHex(16));
}
