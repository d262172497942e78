// /composite: up to 25 subrequests in one API call, optionally all-or-none,
// with later subrequests referring to earlier results ("@{ref.id}").
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <vector>

#include "salesforce/connection.h"

namespace sfn::salesforce {

struct CompositeSubrequest {
  std::string method;        // GET, POST, PATCH, DELETE
  std::string url;           // "/services/data/v62.0/sobjects/Task" (absolute path)
  std::string reference_id;  // letters, digits and '_', unique in the request
  std::string body_json;     // empty for none
};

struct CompositeSubresponse {
  int http_status = 0;
  std::string reference_id;
  rapidjson::Document body;  // null when the subresponse had no body
};

constexpr size_t kMaxCompositeSubrequests = 25;

// Sends the subrequests; the result has one entry per subrequest, in order.
// kInvalidArgument for more than 25 subrequests, bad reference IDs or bodies.
// A failing subrequest is reported in its entry, not as the call's Status.
Result<std::vector<CompositeSubresponse>> SendComposite(
    Connection& connection, const std::vector<CompositeSubrequest>& subrequests, bool all_or_none,
    const CallOptions& options = {});

}  // namespace sfn::salesforce
