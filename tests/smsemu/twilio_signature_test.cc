// X-Twilio-Signature: Twilio's published known answer and the validation rules.
#include "common/twilio_signature.h"

#include <catch2/catch.hpp>

using sfn::twilio::ComputeSignature;
using sfn::twilio::ValidateSignature;

namespace {
// Twilio's documented example (webhooks security guide).
const sfn::form::Params kParams = {{"CallSid", "CA1234567890ABCDE"},
                                   {"Caller", "+12349013030"},
                                   {"Digits", "1234"},
                                   {"From", "+12349013030"},
                                   {"To", "+18005551212"}};
const char* kUrl = "https://mycompany.com/myapp.php?foo=1&bar=2";
}  // namespace

TEST_CASE("signature matches Twilio's published example", "[signature]") {
  CHECK(ComputeSignature("12345", kUrl, kParams) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
}

TEST_CASE("parameters are sorted by name whatever order they arrive in", "[signature]") {
  sfn::form::Params shuffled = {kParams[4], kParams[2], kParams[0], kParams[3], kParams[1]};
  CHECK(ComputeSignature("12345", kUrl, shuffled) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
}

TEST_CASE("validation accepts the right signature and rejects tampering", "[signature]") {
  CHECK(ValidateSignature("12345", "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", kUrl, kParams));
  CHECK_FALSE(ValidateSignature("12346", "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", kUrl, kParams));
  CHECK_FALSE(ValidateSignature("12345", "", kUrl, kParams));
  auto changed = kParams;
  changed[2].second = "1235";
  CHECK_FALSE(ValidateSignature("12345", "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", kUrl, changed));
  // The query is part of what is signed.
  CHECK_FALSE(ValidateSignature("12345", "0/KCTR6DLpKmkAf8muzZqo1nDgQ=",
                                "https://mycompany.com/myapp.php?foo=1&bar=3", kParams));
}

TEST_CASE("validation tolerates the default port being added or dropped", "[signature]") {
  CHECK(ValidateSignature("12345", "0/KCTR6DLpKmkAf8muzZqo1nDgQ=",
                          "https://mycompany.com:443/myapp.php?foo=1&bar=2", kParams));
  std::string with_port =
      ComputeSignature("12345", "https://mycompany.com:443/myapp.php?foo=1&bar=2", kParams);
  CHECK(ValidateSignature("12345", with_port, kUrl, kParams));
  // A non-default port is never dropped.
  CHECK_FALSE(ValidateSignature("12345", "0/KCTR6DLpKmkAf8muzZqo1nDgQ=",
                                "https://mycompany.com:8443/myapp.php?foo=1&bar=2", kParams));
}

TEST_CASE("repeated parameter names keep every value, in value order", "[signature]") {
  sfn::form::Params a = {{"MediaUrl", "b"}, {"MediaUrl", "a"}};
  sfn::form::Params b = {{"MediaUrl", "a"}, {"MediaUrl", "b"}};
  CHECK(ComputeSignature("t", "https://x.example/h", a) ==
        ComputeSignature("t", "https://x.example/h", b));
  CHECK(ComputeSignature("t", "https://x.example/h", a) !=
        ComputeSignature("t", "https://x.example/h", {{"MediaUrl", "a"}}));
}
