#include "sandbox/sfemu/model.h"

#include <algorithm>
#include <cctype>

namespace sfemu {

bool CaseInsensitiveLess::operator()(std::string_view a, std::string_view b) const {
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) < std::tolower(static_cast<unsigned char>(y));
  });
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

namespace {
const std::pair<FieldType, const char*> kTypeNames[] = {
    {FieldType::kId, "id"},           {FieldType::kReference, "reference"}, {FieldType::kString, "string"},
    {FieldType::kTextArea, "textarea"}, {FieldType::kPhone, "phone"},       {FieldType::kEmail, "email"},
    {FieldType::kUrl, "url"},         {FieldType::kPicklist, "picklist"},   {FieldType::kMultiPicklist, "multipicklist"},
    {FieldType::kBoolean, "boolean"}, {FieldType::kInt, "int"},             {FieldType::kDouble, "double"},
    {FieldType::kCurrency, "currency"}, {FieldType::kDate, "date"},         {FieldType::kDateTime, "datetime"},
};
}  // namespace

const char* FieldTypeName(FieldType type) {
  for (const auto& [t, name] : kTypeNames) {
    if (t == type) return name;
  }
  return "string";
}

std::optional<FieldType> ParseFieldType(std::string_view name) {
  for (const auto& [t, n] : kTypeNames) {
    if (EqualsIgnoreCase(name, n)) return t;
  }
  return std::nullopt;
}

const FieldDef* ObjectDef::FindField(std::string_view name) const {
  for (const auto& f : fields) {
    if (EqualsIgnoreCase(f.name, name)) return &f;
  }
  return nullptr;
}

}  // namespace sfemu
