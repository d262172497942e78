// Salesforce record IDs: 15-character case-sensitive base-62 IDs and their
// 18-character case-insensitive form (3-character checksum appended).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace sfn::salesforce {

// The 3-character checksum of a 15-character ID (no validation of the alphabet).
std::string IdChecksum(std::string_view id15);

// Returns the 18-character form of a 15- or 18-character ID. An 18-character
// input must carry the right checksum (compared case-insensitively). Errors are
// kInvalidArgument with a message naming the problem.
Result<std::string> NormalizeId(std::string_view id);

// True when `id` is a well-formed 15- or 18-character ID.
bool IsValidId(std::string_view id);

// The 3-character key prefix ("00Q" for Lead).
inline std::string_view KeyPrefix(std::string_view id) {
  return id.substr(0, 3);
}

// Object type for well-known prefixes ("Lead", "Contact", ...); empty when unknown.
std::string ObjectTypeForPrefix(std::string_view prefix);
// Key prefix for well-known object types; empty when unknown.
std::string PrefixForObjectType(std::string_view type);

// Builds an 18-character ID from a prefix, a pod character sequence and a number,
// e.g. MakeId("00Q", 42) -> "00Q5g00000000042xx" style. Used by the emulator.
std::string MakeId(std::string_view prefix, unsigned long long number);

}  // namespace sfn::salesforce
