// X-Twilio-Signature: how a Twilio-compatible gateway signs the webhooks it
// sends (status callbacks, inbound messages), and how a receiver checks them.
//
// Signature = Base64(HMAC-SHA1(key = auth token,
//                              message = full URL as requested, query included
//                                        + each form parameter's name followed
//                                          by its value, sorted by name)).
// Parameters are sorted by name in byte order; repeated names keep all their
// values, sorted by value. The URL is used exactly as given: callers sign the
// URL they post to and verify against the public URL they were configured with
// (behind a proxy, rebuild it from configuration, not from the Host header).
// Thread-safe; pure functions.
#pragma once

#include <string>
#include <string_view>

#include "common/form.h"

namespace sfn::twilio {

// The header value a gateway sends for a form POST of `params` to `url`.
std::string ComputeSignature(std::string_view auth_token, std::string_view url,
                             const form::Params& params);

// True when `signature` matches `url` + `params` under `auth_token`. Compared
// in constant time. Because some Twilio libraries drop or add the default port
// (:443 for https, :80 for http), the URL is also tried with that port toggled.
bool ValidateSignature(std::string_view auth_token, std::string_view signature,
                       std::string_view url, const form::Params& params);

}  // namespace sfn::twilio
