// Fuzzes what a gateway webhook hands the connector: the form body
// (common/form.h Parse/Decode) and the X-Twilio-Signature check
// (common/twilio_signature.h). Input layout: signature header, '\n', URL,
// '\n', form body. Also checks that a signature computed for the parsed
// parameters validates, and that re-serialised parameters parse back equal.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/form.h"
#include "common/twilio_signature.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  size_t first = input.find('\n');
  if (first == std::string_view::npos) return 0;
  size_t second = input.find('\n', first + 1);
  if (second == std::string_view::npos) return 0;
  std::string_view signature = input.substr(0, first);
  std::string_view url = input.substr(first + 1, second - first - 1);
  std::string_view body = input.substr(second + 1);

  const std::string token = "fuzz-auth-token";
  sfn::form::Params params = sfn::form::Parse(body);
  (void)sfn::twilio::ValidateSignature(token, signature, url, params);
  (void)sfn::form::Get(params, "MessageSid");

  std::string good = sfn::twilio::ComputeSignature(token, url, params);
  if (!sfn::twilio::ValidateSignature(token, good, url, params)) __builtin_trap();

  sfn::form::Params again = sfn::form::Parse(sfn::form::Serialize(params));
  if (again != params) __builtin_trap();
  return 0;
}
