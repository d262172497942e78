// The view history wired into a running connector: prepares the store's
// history indexes, opens the read side, mounts the history/usage routes and
// the web page on the API server, and runs the retention purge. Owned by the
// daemon; create it before ApiServer::Start and before the engine writes.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "common/status.h"
#include "connector/intake/api_server.h"
#include "connector/config/config.h"
#include "connector/history/history_api.h"
#include "connector/history/history_query.h"
#include "connector/history/retention.h"

namespace sfn::connector {

struct HistoryServiceOptions {
  std::string store_path;
  HistoryConfig history;
  std::map<std::string, double> price_per_segment;  // by contact point
  std::string default_region = "US";
};

class HistoryService {
 public:
  static Result<std::unique_ptr<HistoryService>> Create(const HistoryServiceOptions& options,
                                                        ApiServer& api);
  ~HistoryService();  // stops the purge
  // Prometheus lines for /metrics.
  std::string Metrics() const;

 private:
  HistoryService() = default;
  std::unique_ptr<HistoryQuery> query_;
  std::unique_ptr<HistoryApi> api_;
  std::unique_ptr<Retention> retention_;
};

}  // namespace sfn::connector
