// Cryptographic helpers over OpenSSL 3: encodings, HMACs, digests, RS256 and
// random identifiers. All functions are thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace sfn::crypto {

std::string Base64Encode(std::string_view bytes);             // standard alphabet, padded
Result<std::string> Base64Decode(std::string_view text);      // accepts padded input
std::string Base64UrlEncode(std::string_view bytes);          // URL alphabet, no padding
Result<std::string> Base64UrlDecode(std::string_view text);   // padding optional

std::string HmacSha256(std::string_view key, std::string_view message);  // raw 32 bytes
std::string HmacSha1(std::string_view key, std::string_view message);    // raw 20 bytes
std::string Sha256(std::string_view bytes);                              // raw 32 bytes
std::string Hex(std::string_view bytes);                                 // lowercase

// Compares in time independent of where the inputs differ.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// `n` cryptographically random bytes, hex encoded (2n characters).
std::string RandomHex(size_t n);

// RSASSA-PKCS1-v1_5 with SHA-256 (JWT "RS256"). `private_key_pem` is a PEM
// private key; `cert_or_public_key_pem` may be an X.509 certificate or a public key.
Result<std::string> SignRs256(std::string_view private_key_pem, std::string_view message);
Result<bool> VerifyRs256(std::string_view cert_or_public_key_pem, std::string_view message,
                         std::string_view signature);

}  // namespace sfn::crypto
