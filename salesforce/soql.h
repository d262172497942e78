// Safe SOQL construction: literal quoting, validated ID lists and a small
// SELECT builder. Values never reach a query unquoted, and identifiers
// (object and field names) are checked against the SOQL name grammar, so a
// record ID or a user-typed string cannot change the query's meaning.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace sfn::salesforce::soql {

// A single-quoted SOQL string literal: backslash, quotes and control
// characters (\n \r \t \b \f) are escaped as SOQL requires.
std::string Quote(std::string_view value);
// Like Quote() but also escapes the LIKE wildcards % and _ so they match literally.
std::string QuoteLike(std::string_view value);

// True for "Name", "SMS_Opt_In__c", "Owner.Name" (relationship paths).
bool IsValidIdentifier(std::string_view name);

// "('00Q...','003...')" from 15- or 18-char IDs (normalised to 18, duplicates
// dropped, order kept). kInvalidArgument naming the first bad ID; an empty
// list is an error too, since "IN ()" is not valid SOQL.
Result<std::string> IdList(const std::vector<std::string>& ids);

// Builds "SELECT f1, f2 FROM Obj WHERE c1 AND c2 ORDER BY x LIMIT n".
// Errors (bad identifier, bad ID) are remembered and returned by Build().
class SelectBuilder {
 public:
  explicit SelectBuilder(std::string sobject);
  SelectBuilder& Fields(const std::vector<std::string>& fields);
  SelectBuilder& WhereEquals(const std::string& field, std::string_view value);  // quoted
  SelectBuilder& WhereBool(const std::string& field, bool value);
  SelectBuilder& WhereIdIn(const std::string& field, const std::vector<std::string>& ids);
  SelectBuilder& WhereIn(const std::string& field,
                         const std::vector<std::string>& values);  // quoted
  SelectBuilder& OrderBy(const std::string& field, bool ascending = true);
  SelectBuilder& Limit(int64_t limit);
  Result<std::string> Build() const;

 private:
  bool CheckIdentifier(const std::string& name);
  std::string sobject_;
  std::vector<std::string> fields_;
  std::vector<std::string> conditions_;
  std::string order_by_;
  int64_t limit_ = -1;
  Status error_;
};

}  // namespace sfn::salesforce::soql
