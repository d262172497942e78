// application/x-www-form-urlencoded and URL query handling. cpprestsdk does not
// turn '+' into a space when decoding (see docs), which breaks webhook
// signatures; these helpers do it right.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sfn::form {

using Params = std::vector<std::pair<std::string, std::string>>;

// Percent-encodes everything except unreserved characters (RFC 3986); spaces become %20.
std::string Encode(std::string_view text);
// Decodes percent escapes and '+' as space. Invalid escapes are kept literally.
std::string Decode(std::string_view text);
// Parses "a=1&b=x+y" keeping order and repeated names.
Params Parse(std::string_view body);
// Serialises in the given order.
std::string Serialize(const Params& params);
// First value for `name`, or empty when absent.
std::string Get(const Params& params, std::string_view name, bool* found = nullptr);

}  // namespace sfn::form
