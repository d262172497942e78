#include "connector/history/history_service.h"

namespace sfn::connector {

Result<std::unique_ptr<HistoryService>> HistoryService::Create(const HistoryServiceOptions& options,
                                                               ApiServer& api) {
  Status prepared = PrepareHistorySchema({options.store_path, options.history.full_text_search});
  if (!prepared.ok()) return prepared;
  std::unique_ptr<HistoryService> service(new HistoryService());
  HistoryQueryOptions query_options;
  query_options.path = options.store_path;
  query_options.full_text_search = options.history.full_text_search;
  query_options.price_per_segment = options.price_per_segment;
  auto query = HistoryQuery::Open(query_options);
  if (!query.ok()) return query.status();
  service->query_ = std::move(query.value());

  HistoryApiOptions api_options;
  api_options.default_region = options.default_region;
  service->api_ =
      std::make_unique<HistoryApi>(api_options, *service->query_,
                                   [&api](const http::Request& r) { return api.Authenticate(r); });
  HistoryApi* routes = service->api_.get();
  api.AddRoutes([routes](http::Request& request, http::Responder& responder) {
    return routes->Handle(request, responder);
  });

  RetentionOptions retention_options;
  retention_options.path = options.store_path;
  retention_options.retention_days = options.history.retention_days;
  retention_options.interval_ms = options.history.purge_interval_seconds * 1000;
  auto retention = Retention::Open(retention_options);
  if (!retention.ok()) return retention.status();
  service->retention_ = std::move(retention.value());
  service->retention_->Start();
  return service;
}

HistoryService::~HistoryService() {
  if (retention_) retention_->Stop();
}

std::string HistoryService::Metrics() const {
  return retention_ ? retention_->Metrics() : "";
}

}  // namespace sfn::connector
