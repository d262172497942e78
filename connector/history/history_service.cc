#include "connector/history/history_service.h"

namespace sfn::connector {

Result<std::unique_ptr<HistoryService>> HistoryService::Create(const HistoryServiceOptions& options,
                                                               ApiServer& api, Store& store) {
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
  api_options.instance_url = options.instance_url;
  api_options.web_login = options.web_login && !options.web_login->login.client_id.empty();
  if (api_options.web_login) {
    if (!options.directory) return Status::InvalidArgument("web login needs a user directory");
    service->web_login_ = std::make_unique<WebLogin>(*options.web_login, store, options.directory);
    WebLogin* login = service->web_login_.get();
    api.SetSessionAuthenticator([login](const http::Request& r) { return login->Authenticate(r); });
    api.AddRoutes([login](http::Request& request, http::Responder& responder) {
      return login->Handle(request, responder);
    });
  }
  service->api_ = std::make_unique<HistoryApi>(
      api_options, *service->query_,
      [&api](const http::Request& r) { return api.AuthenticateViewer(r); });
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

void HistoryService::SetPublicUrl(const std::string& base_url) {
  if (web_login_) web_login_->SetPublicUrl(base_url);
}

HistoryService::~HistoryService() {
  if (retention_) retention_->Stop();
}

std::string HistoryService::Metrics() const {
  return retention_ ? retention_->Metrics() : "";
}

}  // namespace sfn::connector
