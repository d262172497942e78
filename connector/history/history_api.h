// HTTP routes of the view history, mounted on the connector's API with
// ApiServer::AddRoutes:
//   GET /                         the history web page (no key; it offers sign-in or a key)
//   GET /web/{app.js,app.css}     its assets (no key)
//   GET /v1/history               notifications newest first, filters, cursor paging (read key)
//   GET /v1/history/{id}          one notification with recipients and events (read key)
//   GET /v1/usage                 messages, segments, billable units, cost (read key)
// Phone numbers are masked except their last 4 digits for keys below admin and
// for signed-in people without the admin permission set; signed-in people see
// only the contact points intake/visibility.h allows them (403 on another's).
// Names come with links to the records in the org (`record_url`, `requested_by_url`).
// Bad parameters get 400 with {"error":{"field":"<parameter>"}}; unknown
// parameters are refused so a typo never silently widens a query.
// Queries run on the component's own work queue, never on listener threads.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/http_server.h"
#include "common/work_queue.h"
#include "connector/intake/api_server.h"
#include "connector/history/history_query.h"
#include "connector/compliance/phone.h"
#include "connector/compliance/phone_mask.h"  // MaskPhonesInText for event details

namespace sfn::connector {

struct HistoryApiOptions {
  int worker_threads = 2;             // SQLite reads for the history endpoints
  std::string default_region = "US";  // for phone filters typed without +country code
  int usage_default_days = 30;        // /v1/usage without `from`
  // The org's instance URL ("https://acme.my.salesforce.com") for record links; "" = no links.
  std::function<std::string()> instance_url;
  // Sign-in with Salesforce is configured (web_login.h answers /auth/*). Without it GET /auth/me
  // answers {"signed_in":false,"sign_in_available":false} so the page offers API keys only.
  bool web_login = false;
};

// An API key or a signed-in person (ApiServer::AuthenticateViewer).
using Authenticator = std::function<std::optional<Principal>(const http::Request&)>;

class HistoryApi {
 public:
  HistoryApi(HistoryApiOptions options, HistoryQuery& query, Authenticator authenticate);
  ~HistoryApi();  // finishes queued queries

  // A RouteHandler: true when the request was one of the routes above.
  bool Handle(http::Request& request, http::Responder& responder);

 private:
  void List(const std::string& query, const Principal& viewer, http::Responder responder);
  void Detail(const std::string& id, const Principal& viewer, http::Responder responder);
  void Usage(const std::string& query, const Principal& viewer, http::Responder responder);
  std::string RecordUrl(const std::string& id) const;

  HistoryApiOptions options_;
  HistoryQuery& query_;
  Authenticator authenticate_;
  PhoneNormalizer phones_;
  std::unique_ptr<WorkQueue> workers_;
};

}  // namespace sfn::connector
