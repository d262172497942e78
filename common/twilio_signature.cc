#include "common/twilio_signature.h"

#include <algorithm>

#include "common/crypto.h"

namespace sfn::twilio {

std::string ComputeSignature(std::string_view auth_token, std::string_view url,
                             const form::Params& params) {
  form::Params sorted = params;
  // Pairs compare by name, then by value: the order Twilio's libraries use.
  std::sort(sorted.begin(), sorted.end());
  std::string message(url);
  for (const auto& [name, value] : sorted) {
    message += name;
    message += value;
  }
  return crypto::Base64Encode(crypto::HmacSha1(auth_token, message));
}

namespace {

// Returns `url` with the scheme's default port added when absent, or removed
// when present; empty when the URL has no recognisable authority.
std::string ToggleDefaultPort(std::string_view url) {
  std::string_view default_port;
  size_t authority_start = 0;
  if (url.substr(0, 8) == "https://") {
    default_port = ":443";
    authority_start = 8;
  } else if (url.substr(0, 7) == "http://") {
    default_port = ":80";
    authority_start = 7;
  } else {
    return "";
  }
  size_t authority_end = url.find_first_of("/?#", authority_start);
  if (authority_end == std::string_view::npos) authority_end = url.size();
  std::string_view authority = url.substr(authority_start, authority_end - authority_start);
  std::string out(url.substr(0, authority_start));
  size_t at = authority.rfind('@');
  size_t colon = authority.rfind(':');
  bool has_port = colon != std::string_view::npos && (at == std::string_view::npos || colon > at) &&
                  authority.find(']', colon) == std::string_view::npos;
  if (has_port) {
    if (authority.substr(colon) != default_port) return "";  // non-default ports are never dropped
    out += authority.substr(0, colon);
  } else {
    out += authority;
    out += default_port;
  }
  out += url.substr(authority_end);
  return out;
}

}  // namespace

bool ValidateSignature(std::string_view auth_token, std::string_view signature,
                       std::string_view url, const form::Params& params) {
  if (signature.empty()) return false;
  if (crypto::ConstantTimeEquals(ComputeSignature(auth_token, url, params), signature)) return true;
  std::string other = ToggleDefaultPort(url);
  return !other.empty() &&
         crypto::ConstantTimeEquals(ComputeSignature(auth_token, other, params), signature);
}

}  // namespace sfn::twilio
