// The view history wired into a running connector: prepares the store's
// history indexes, opens the read side, mounts the history/usage routes and
// the web page on the API server, and runs the retention purge. Owned by the
// daemon; create it before ApiServer::Start and before the engine writes.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "common/status.h"
#include "connector/config/config.h"
#include "connector/history/history_api.h"
#include "connector/history/history_query.h"
#include "connector/history/retention.h"
#include "connector/history/web_login.h"
#include "connector/intake/api_server.h"

namespace sfn::connector {

struct HistoryServiceOptions {
  std::string store_path;
  HistoryConfig history;
  std::map<std::string, double> price_per_segment;  // by contact point
  std::string default_region = "US";
  std::function<std::string()> instance_url;  // the org's, for record links
  // Sign-in with Salesforce (web_login.h); off while settings.login.client_id is empty.
  std::optional<WebLoginSettings> web_login;
  UserDirectory directory;  // required with web_login
};

class HistoryService {
 public:
  // `store` keeps the web sessions (unused without web_login).
  static Result<std::unique_ptr<HistoryService>> Create(const HistoryServiceOptions& options,
                                                        ApiServer& api, Store& store);
  ~HistoryService();  // stops the purge
  // The address people reach the connector at (http.public_url, else the listen address).
  void SetPublicUrl(const std::string& base_url);
  // Prometheus lines for /metrics.
  std::string Metrics() const;

 private:
  HistoryService() = default;
  std::unique_ptr<HistoryQuery> query_;
  std::unique_ptr<HistoryApi> api_;
  std::unique_ptr<WebLogin> web_login_;
  std::unique_ptr<Retention> retention_;
};

}  // namespace sfn::connector
