// Placeholder until the SOQL engine lands: every query is refused.
#include "sandbox/sfemu/soql.h"

namespace sfemu::soql {

struct Query {};

bool Parse(std::string_view, ParsedQuery*, Error* error) {
  *error = {"MALFORMED_QUERY", "SOQL is not implemented yet"};
  return false;
}

bool Execute(const ParsedQuery&, const DataSource&, const ExecuteOptions&, QueryResult*, Error* error) {
  *error = {"MALFORMED_QUERY", "SOQL is not implemented yet"};
  return false;
}

}  // namespace sfemu::soql
