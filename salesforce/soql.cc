#include "salesforce/soql.h"

#include <cctype>
#include <unordered_set>

#include "salesforce/record_id.h"

namespace sfn::salesforce::soql {
namespace {

std::string Escape(std::string_view value, bool like) {
  std::string out;
  out.reserve(value.size() + 2);
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\'':
        out += "\\'";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '%':
        out += like ? "\\%" : "%";
        break;
      case '_':
        out += like ? "\\_" : "_";
        break;
      default:
        out += c;
    }
  }
  return out;
}

bool IsNamePart(std::string_view part) {
  if (part.empty() || !std::isalpha(static_cast<unsigned char>(part[0]))) return false;
  for (char c : part) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  // Salesforce names never contain a double underscore except a trailing suffix
  // such as __c or __r; trailing underscores are invalid.
  return part.back() != '_';
}

}  // namespace

std::string Quote(std::string_view value) {
  return "'" + Escape(value, false) + "'";
}

std::string QuoteLike(std::string_view value) {
  return "'" + Escape(value, true) + "'";
}

bool IsValidIdentifier(std::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  size_t start = 0;
  while (true) {
    size_t dot = name.find('.', start);
    if (!IsNamePart(name.substr(
            start, dot == std::string_view::npos ? std::string_view::npos : dot - start))) {
      return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

Result<std::string> IdList(const std::vector<std::string>& ids) {
  if (ids.empty()) return Status::InvalidArgument("ID list is empty; 'IN ()' is not valid SOQL");
  std::unordered_set<std::string> seen;
  std::string out = "(";
  for (const auto& raw : ids) {
    auto id = NormalizeId(raw);
    if (!id.ok())
      return Status::InvalidArgument("record ID '" + raw + "': " + id.status().message());
    if (!seen.insert(id.value()).second) continue;
    if (out.size() > 1) out += ",";
    out += "'" + id.value() + "'";
  }
  out += ")";
  return out;
}

SelectBuilder::SelectBuilder(std::string sobject) : sobject_(std::move(sobject)) {
  CheckIdentifier(sobject_);
}

bool SelectBuilder::CheckIdentifier(const std::string& name) {
  if (IsValidIdentifier(name)) return true;
  if (error_.ok()) error_ = Status::InvalidArgument("'" + name + "' is not a valid SOQL name");
  return false;
}

SelectBuilder& SelectBuilder::Fields(const std::vector<std::string>& fields) {
  for (const auto& f : fields) {
    if (CheckIdentifier(f)) fields_.push_back(f);
  }
  return *this;
}

SelectBuilder& SelectBuilder::WhereEquals(const std::string& field, std::string_view value) {
  if (CheckIdentifier(field)) conditions_.push_back(field + " = " + Quote(value));
  return *this;
}

SelectBuilder& SelectBuilder::WhereBool(const std::string& field, bool value) {
  if (CheckIdentifier(field)) conditions_.push_back(field + " = " + (value ? "true" : "false"));
  return *this;
}

SelectBuilder& SelectBuilder::WhereIdIn(const std::string& field,
                                        const std::vector<std::string>& ids) {
  if (!CheckIdentifier(field)) return *this;
  auto list = IdList(ids);
  if (!list.ok()) {
    if (error_.ok()) error_ = list.status();
    return *this;
  }
  conditions_.push_back(field + " IN " + list.value());
  return *this;
}

SelectBuilder& SelectBuilder::WhereIn(const std::string& field,
                                      const std::vector<std::string>& values) {
  if (!CheckIdentifier(field)) return *this;
  if (values.empty()) {
    if (error_.ok()) error_ = Status::InvalidArgument("value list for '" + field + "' is empty");
    return *this;
  }
  std::string list;
  for (const auto& v : values) list += (list.empty() ? "" : ",") + Quote(v);
  conditions_.push_back(field + " IN (" + list + ")");
  return *this;
}

SelectBuilder& SelectBuilder::OrderBy(const std::string& field, bool ascending) {
  if (CheckIdentifier(field)) order_by_ = field + (ascending ? " ASC" : " DESC");
  return *this;
}

SelectBuilder& SelectBuilder::Limit(int64_t limit) {
  if (limit < 0 && error_.ok()) error_ = Status::InvalidArgument("LIMIT must not be negative");
  limit_ = limit;
  return *this;
}

Result<std::string> SelectBuilder::Build() const {
  if (!error_.ok()) return error_;
  if (fields_.empty()) return Status::InvalidArgument("SELECT needs at least one field");
  std::string q = "SELECT ";
  for (size_t i = 0; i < fields_.size(); ++i) q += (i ? ", " : "") + fields_[i];
  q += " FROM " + sobject_;
  for (size_t i = 0; i < conditions_.size(); ++i) q += (i ? " AND " : " WHERE ") + conditions_[i];
  if (!order_by_.empty()) q += " ORDER BY " + order_by_;
  if (limit_ >= 0) q += " LIMIT " + std::to_string(limit_);
  return q;
}

}  // namespace sfn::salesforce::soql
