#include "salesforce/record_id.h"

#include <cctype>
#include <utility>

namespace sfn::salesforce {

std::string IdChecksum(std::string_view id15) {
  static const char* kMap = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345";
  std::string out;
  for (size_t chunk = 0; chunk < 3; ++chunk) {
    int value = 0;
    for (size_t j = 0; j < 5; ++j) {
      char c = id15[chunk * 5 + j];
      if (c >= 'A' && c <= 'Z') value |= 1 << j;
    }
    out.push_back(kMap[value]);
  }
  return out;
}

namespace {
bool IsBase62(std::string_view s) {
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
  }
  return true;
}
}  // namespace

Result<std::string> NormalizeId(std::string_view id) {
  if (id.size() != 15 && id.size() != 18) {
    return Status::InvalidArgument("'" + std::string(id) +
                                   "' is not a Salesforce ID: length must be 15 or 18");
  }
  if (!IsBase62(id)) {
    return Status::InvalidArgument("'" + std::string(id) +
                                   "' is not a Salesforce ID: only letters and digits allowed");
  }
  std::string id15(id.substr(0, 15));
  std::string checksum = IdChecksum(id15);
  if (id.size() == 18) {
    for (size_t i = 0; i < 3; ++i) {
      if (std::toupper(static_cast<unsigned char>(id[15 + i])) != checksum[i]) {
        return Status::InvalidArgument("'" + std::string(id) +
                                       "' is not a Salesforce ID: checksum mismatch");
      }
    }
  }
  return id15 + checksum;
}

bool IsValidId(std::string_view id) {
  return NormalizeId(id).ok();
}

namespace {
const std::pair<const char*, const char*> kPrefixes[] = {
    {"001", "Account"},       {"003", "Contact"},
    {"005", "User"},          {"00D", "Organization"},
    {"00Q", "Lead"},          {"00T", "Task"},
    {"00U", "Event"},         {"00G", "Group"},
    {"006", "Opportunity"},   {"500", "Case"},
    {"701", "Campaign"},      {"00v", "CampaignMember"},
    {"0PS", "PermissionSet"}, {"0Pa", "PermissionSetAssignment"},
    {"00e", "Profile"},
};
}  // namespace

std::string ObjectTypeForPrefix(std::string_view prefix) {
  for (const auto& [p, type] : kPrefixes) {
    if (prefix == p) return type;
  }
  return "";
}

std::string PrefixForObjectType(std::string_view type) {
  for (const auto& [p, t] : kPrefixes) {
    if (type == t) return p;
  }
  return "";
}

std::string MakeId(std::string_view prefix, unsigned long long number) {
  static const char* kBase62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  // prefix(3) + pod "5g" (2) + 10 base-62 digits = 15 characters.
  std::string digits(10, '0');
  for (int i = 9; i >= 0 && number > 0; --i) {
    digits[static_cast<size_t>(i)] = kBase62[number % 62];
    number /= 62;
  }
  std::string id15 = std::string(prefix) + "5g" + digits;
  return id15 + IdChecksum(id15);
}

}  // namespace sfn::salesforce
