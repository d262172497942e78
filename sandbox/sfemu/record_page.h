// sfemu's stand-in for a record's page in the Salesforce UI: GET /{Id} (15 or
// 18 characters), the link shape `https://instance/00Q…` that opens a record in
// a real org. The page shows the record's type, Id, Name and its fields as a
// plain HTML table; there is no UI login in sfemu, so no session is asked for.
#pragma once

#include <optional>

#include "common/http_types.h"
#include "sandbox/sfemu/org_store.h"

namespace sfemu {

// The page for `request`, or nullopt when its path is not a record Id.
std::optional<sfn::http::Response> RecordPage(OrgStore& store, const sfn::http::Request& request);

}  // namespace sfemu
