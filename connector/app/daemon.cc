#include "connector/app/daemon.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "common/log.h"
#include "common/signals.h"
#include "common/time_util.h"
#include "connector/intake/api_server.h"
#include "connector/app/wiring.h"
#include "connector/engine/engine.h"
#include "connector/history/history_service.h"
#include "connector/intake/event_intake.h"
#include "connector/resolve/salesforce_resolver.h"
#include "connector/webhooks/quiq_webhook.h"
#include "connector/webhooks/twilio_webhooks.h"
#include "connector/webhooks/webhook_inbox.h"
#include "connector/writeback/opt_out_writer.h"
#include "connector/writeback/salesforce_task_sink.h"
#include "connector/writeback/task_status_writer.h"
#include "connector/writeback/task_writer.h"
#include "mapping/field_mapping.h"
#include "salesforce/connection.h"
#include "salesforce/oauth.h"
#include "salesforce/replay_store.h"
#include "salesforce/streaming.h"

namespace sfn::connector {

namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "sfnotify: %s\n", message.c_str());
  return 1;
}

bool ParseListen(const std::string& listen, std::string* host, int* port) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos) return false;
  *host = listen.substr(0, colon);
  char* end = nullptr;
  long p = std::strtol(listen.c_str() + colon + 1, &end, 10);
  if (*end != '\0' || p < 0 || p > 65535) return false;
  *port = static_cast<int>(p);
  return !host->empty();
}

// Opt-out confirmations go straight through the gateway transport: the number is suppressed by
// then, so the sender (which checks suppressions) must not be the way.
ConfirmationChannel ConfirmationsThrough(Transport& transport) {
  auto convert = [](const SendOutcome& o) {
    ConfirmationResult r;
    r.sid = o.sid;
    r.error = o.error_message.empty() && o.error_code ? "error " + std::to_string(o.error_code)
                                                      : o.error_message;
    switch (o.kind) {
      case SendOutcome::Kind::kAccepted:
        r.kind = ConfirmationResult::Kind::kSent;
        break;
      case SendOutcome::Kind::kRejected:
        r.kind = ConfirmationResult::Kind::kRefused;
        break;
      case SendOutcome::Kind::kRetryLater:
        r.kind = ConfirmationResult::Kind::kRetry;
        break;
      case SendOutcome::Kind::kUnknown:
        r.kind = ConfirmationResult::Kind::kUnknown;
        break;
    }
    return r;
  };
  auto message = [](const std::string& to, const std::string& from, const std::string& body) {
    OutboundMessage m;
    m.to = to;
    m.from = from;
    m.body = body;
    m.key = "opt-out-confirmation";
    return m;
  };
  ConfirmationChannel channel;
  channel.send = [&transport, convert, message](const std::string& to, const std::string& from,
                                                const std::string& body) {
    return convert(transport.Send(message(to, from, body)));
  };
  channel.find = [&transport, convert, message](const std::string& to, const std::string& from,
                                                const std::string& body, int64_t since_ms) {
    return convert(transport.Reconcile(message(to, from, body), since_ms));
  };
  return channel;
}

}  // namespace

int RunDaemon(const Config& config) {
  BlockTerminationSignals();
  log::Level level;
  if (log::ParseLevel(config.log_level, &level)) log::SetLevel(level);

  auto store = OpenSqliteStore({config.store_path});
  if (!store.ok()) return Fail(store.status().message());

  auto token_source = MakeTokenSource(config.salesforce);
  if (!token_source.ok()) return Fail("config error: " + config.path + ": " + token_source.status().message());
  salesforce::ConnectionOptions connection_options;
  connection_options.api_version = config.salesforce.api_version;
  salesforce::Connection connection(*token_source, connection_options);
  Status connected = connection.Connect();
  if (!connected.ok()) return Fail("cannot log in to Salesforce: " + connected.message());

  auto field_mapping = LoadMapping(config, connection);
  if (!field_mapping.ok()) return Fail("mapping error: " + field_mapping.status().message());

  auto transport_or = MakeTransport(config.gateway);
  if (!transport_or.ok()) return Fail("config error: " + config.path + ": " + transport_or.status().message());
  std::unique_ptr<Transport> transport = std::move(transport_or.value());

  EngineOptions engine_options;
  SenderOptions& sender_options = engine_options.sender;
  sender_options.reconcile_after_ms = config.gateway.reconcile_after_ms;
  sender_options.max_in_flight = config.gateway.max_in_flight;
  sender_options.retry_max_backoff_ms = config.gateway.retry_max_backoff_ms;
  sender_options.health.breaker_failures = config.gateway.breaker_failures;
  sender_options.health.probe_ms = config.gateway.breaker_probe_ms;
  sender_options.health.max_probe_ms = std::max(config.gateway.breaker_probe_ms, 30000);
  sender_options.status_poll_after_ms =
      static_cast<int64_t>(config.sync.status_poll_after_minutes * 60000);
  sender_options.clock = ClockFromEnvironment();
  // Quiq takes bulk calls: each pool thread blocks in Send until its batch goes out, so at least
  // as many calls in flight as a batch holds (quiq_transport.h).
  bool quiq = config.gateway.type == "quiq";
  if (quiq)
    sender_options.max_in_flight =
        std::max(sender_options.max_in_flight, config.gateway.quiq.batch_size);
  std::vector<SendTimeRule> send_time_rules;
  std::map<std::string, std::string> senders;
  for (const auto& cp : config.contact_points) {
    send_time_rules.push_back({cp.name, cp.quiet_hours, cp.default_time_zone});
    sender_options.send_window_ms_per_contact_point[cp.name] =
        static_cast<int64_t>(cp.send_window_minutes * 60000);
    engine_options.sender.rate_per_contact_point[cp.name] = cp.max_messages_per_second;
    engine_options.sender.sender_per_contact_point[cp.name] = quiq ? cp.quiq_contact_point : cp.sender;
    engine_options.price_per_segment[cp.name] = cp.price_per_segment;
    senders[cp.name] = cp.sender;
  }

  auto gate = SendTimeGate::Create(send_time_rules, config.default_region);
  if (!gate.ok()) return Fail("config error: " + config.path + ": " + gate.status().message());
  sender_options.send_time_gate = std::move(gate.value());

  SalesforceResolverOptions resolver_options;
  resolver_options.contact_points = config.contact_points;
  resolver_options.default_region = config.default_region;
  auto resolver = SalesforceResolver::Create(resolver_options, connection, *field_mapping, **store);
  if (!resolver.ok()) return Fail("config error: " + config.path + ": " + resolver.status().message());

  SalesforceTaskSink task_sink({senders, "SMS_Message_Sid__c", config.sync.task_delivery_field}, connection,
                               *field_mapping, **store);
  TaskWriter task_writer({}, **store, task_sink);
  engine_options.resolve_workers = config.intake.resolve_workers;
  Engine engine(engine_options, **store, *transport, **resolver, &task_writer);

  ApiServerOptions api_options;
  if (!ParseListen(config.http.listen, &api_options.host, &api_options.port)) {
    return Fail("config error: " + config.path + ": http.listen: expected HOST:PORT");
  }
  api_options.limits = config.http.limits;
  for (const auto& key : config.http.api_keys) {
    auto secret = ReadSecretEnv(key.key_env, "http.api_keys '" + key.name + "'");
    if (!secret.ok()) return Fail("config error: " + config.path + ": " + secret.status().message());
    ApiRole role = key.role == "admin" ? ApiRole::kAdmin : key.role == "read" ? ApiRole::kRead : ApiRole::kSender;
    std::string user_id;
    if (!key.salesforce_user.empty()) {
      auto user = ResolveSalesforceUser(connection, key.salesforce_user);
      if (!user.ok()) {
        return Fail("config error: " + config.path + ": http.api_keys '" + key.name +
                    "' salesforce_user: " + user.status().message());
      }
      user_id = *user;
    }
    api_options.keys.push_back({key.name, *secret, role, user_id});
  }
  ApiServer api(api_options, engine);
  // Verified webhooks are committed here and answered at once; its worker does the rest.
  WebhookInboxOptions inbox_options;
  inbox_options.retry_initial_ms = config.webhooks.retry_initial_ms;
  inbox_options.retry_max_ms = config.webhooks.retry_max_ms;
  WebhookInbox inbox(inbox_options, **store);
  std::unique_ptr<QuiqWebhook> quiq_webhook;
  if (quiq) {
    auto secret = ReadSecretEnv(config.gateway.quiq.webhook_secret_env, "gateway.webhook_secret_env");
    if (!secret.ok()) return Fail("config error: " + config.path + ": " + secret.status().message());
    QuiqWebhookOptions webhook_options;
    webhook_options.secret = *secret;
    webhook_options.store_path = config.store_path;
    for (const auto& cp : config.contact_points) webhook_options.contact_point_by_quiq_id[cp.quiq_contact_point] = cp.name;
    auto webhook = QuiqWebhook::Create(webhook_options, **store, inbox,
                                       MakeReplyTaskSink(connection, *field_mapping));
    if (!webhook.ok()) return Fail(webhook.status().message());
    quiq_webhook = std::move(webhook.value());
    api.AddRoutes([&quiq_webhook](http::Request& request, http::Responder& responder) {
      return quiq_webhook->Handle(request, responder);
    });
  }
  // Two-way sync with a Twilio-compatible gateway: status callbacks, replies, opt-outs.
  std::unique_ptr<TwilioWebhooks> twilio_webhooks;
  if (config.gateway.type == "twilio") {
    auto token = ReadSecretEnv(config.gateway.auth_token_env, "gateway.auth_token_env");
    if (!token.ok()) return Fail("config error: " + config.path + ": " + token.status().message());
    TwilioWebhookOptions webhook_options;
    webhook_options.public_url = config.http.public_url;
    webhook_options.auth_token = *token;
    webhook_options.default_region = config.default_region;
    PhoneNormalizer sender_numbers(PhoneOptions{config.default_region});
    for (const auto& cp : config.contact_points) {
      auto number = sender_numbers.Normalize(cp.sender);
      webhook_options.contact_points_by_sender[number.ok() ? number->e164 : cp.sender].push_back(cp.name);
    }
    webhook_options.compliance = config.compliance;
    twilio_webhooks = std::make_unique<TwilioWebhooks>(
        webhook_options, **store, api, inbox, MakeReplyTaskSink(connection, *field_mapping),
        ConfirmationsThrough(*transport));
    api.AddRoutes([&twilio_webhooks](http::Request& request, http::Responder& responder) {
      return twilio_webhooks->Handle(request, responder);
    });
  }
  OptOutWriter opt_out_writer(**store, connection, *field_mapping, config.default_region);
  TaskStatusWriter task_status_writer({config.sync.task_delivery_field, config.sync.task_status_interval_ms},
                                      **store, connection);
  HistoryServiceOptions history_options;
  history_options.store_path = config.store_path;
  history_options.history = config.history;
  history_options.price_per_segment = engine_options.price_per_segment;
  history_options.default_region = config.default_region;
  history_options.instance_url = [&connection]() -> std::string {
    auto token = connection.CurrentToken();
    return token.ok() ? token->instance_url : "";
  };
  // Sender keys bound to a user see what that user would see signed in (docs/history.md).
  VisibilityOptions key_visibility;
  key_visibility.contact_points = config.contact_points;
  key_visibility.admin_permission_set = config.http.admin_permission_set;
  api.SetUserRightsSource([users = resolver->get(), key_visibility](const std::string& user_id) {
    auto found = users->DescribeUser(user_id);  // cached like the sender check's lookups
    if (!found.ok() || !found->found || !found->active) return ViewerRights{};
    return RightsFor(key_visibility, user_id, found->permission_sets);
  });
  if (!config.http.web_login.client_id.empty()) {
    WebLoginSettings login;
    login.login = config.http.web_login;
    if (!config.http.web_login.client_secret_env.empty()) {
      auto secret = ReadSecretEnv(config.http.web_login.client_secret_env,
                                  "http.web_login.client_secret_env");
      if (!secret.ok())
        return Fail("config error: " + config.path + ": " + secret.status().message());
      login.client_secret = *secret;
    }
    login.session_hours = config.http.session_hours;
    login.visibility.contact_points = config.contact_points;
    login.visibility.admin_permission_set = config.http.admin_permission_set;
    login.verify_tls = config.salesforce.verify_tls;
    history_options.web_login = login;
    SalesforceResolver* users = resolver->get();
    history_options.directory = [users](const std::string& user_id) -> Result<DirectoryUser> {
      auto found = users->DescribeUser(user_id);
      if (!found.ok()) return found.status();
      return DirectoryUser{found->found, found->active, found->name, found->permission_sets};
    };
  }
  auto history = HistoryService::Create(history_options, api, **store);
  if (!history.ok()) return Fail("cannot open the view history: " + history.status().message());
  api.SetMetricsSource([&connection, &history, &store] {
    auto usage = connection.usage();
    std::string out = "# HELP sfnotify_salesforce_api_usage Daily API requests used, as Salesforce reports.\n"
                      "# TYPE sfnotify_salesforce_api_usage gauge\n";
    out += "sfnotify_salesforce_api_usage{kind=\"used\"} " + std::to_string(usage.used) + "\n";
    out += "sfnotify_salesforce_api_usage{kind=\"max\"} " + std::to_string(usage.max) + "\n";
    out +=
        "# HELP sfnotify_webhook_inbox_pending Verified webhooks received and not yet processed.\n"
        "# TYPE sfnotify_webhook_inbox_pending gauge\n";
    out += "sfnotify_webhook_inbox_pending " + std::to_string((*store)->PendingWebhooks()) + "\n";
    out += (*history)->Metrics();
    return out;
  });

  Status started = api.Start();
  if (!started.ok()) return Fail("cannot start the HTTP API: " + started.message());
  // Gateways post delivery status to the public URL; without one (local runs,
  // tests) the address we actually listen on is used.
  std::string public_url = config.http.public_url.empty() ? api.base_url() : config.http.public_url;
  engine.SetStatusCallbackBase(public_url + "/v1/webhooks/twilio/status");
  if (twilio_webhooks) twilio_webhooks->SetPublicUrl(public_url);
  (*history)->SetPublicUrl(public_url);
  engine.Start();
  inbox.Start();  // also processes what a previous run left in the inbox
  opt_out_writer.Start();
  if (!config.sync.task_delivery_field.empty()) task_status_writer.Start();

  auto replay_store = salesforce::ReplayStore::Open(config.store_path);
  if (!replay_store.ok()) return Fail(replay_store.status().message());
  EventIntakeOptions intake_options;
  intake_options.max_event_age_ms =
      static_cast<int64_t>(config.intake.max_event_age_minutes * 60000);
  intake_options.chunk_wait_ms = static_cast<int64_t>(config.intake.chunk_wait_seconds * 1000);
  salesforce::StreamingOptions streaming_options;
  streaming_options.channel = config.salesforce.event_channel;
  // First start (no stored replay id): new events only unless salesforce.initial_replay says
  // otherwise.
  streaming_options.initial_replay_from = config.salesforce.initial_replay_from;
  auto stored_replay = (*replay_store)->Load(config.salesforce.event_channel);
  if (!stored_replay.ok()) return Fail(stored_replay.status().message());
  if (!*stored_replay && config.salesforce.initial_replay == "new") {
    // A restart before any event was handled has no replay id either: replay what is retained,
    // minus what was published before the very first subscription.
    int64_t now = timeutil::NowMillis();
    auto first = (*replay_store)->FirstSubscribed(config.salesforce.event_channel, now);
    if (!first.ok()) return Fail(first.status().message());
    if (*first != now) {
      streaming_options.initial_replay_from = -2;
      intake_options.ignore_created_before_ms = *first;
    }
  }
  EventIntake event_intake(intake_options, **store, [&engine] { engine.Wake(); });
  event_intake.Start();
  if (streaming_options.initial_replay_from == -2) {
    log::Warn(
        "intake",
        "salesforce.initial_replay is \"all\": without a stored replay id every event the org "
        "still retains (up to 72 h) is taken in; older than intake.max_event_age_minutes ones are "
        "refused");
  }
  // The CometD thread only records the event (EventIntake); the engine's workers resolve it.
  salesforce::StreamingClient streaming(
      connection, replay_store->get(), streaming_options,
      [&](const salesforce::StreamingEvent& event) {
        return event_intake.Handle(event.payload_json, event.replay_id, event.event_uuid);
      });
  Status streaming_started = streaming.Start();
  if (!streaming_started.ok()) return Fail("cannot start streaming: " + streaming_started.message());

  std::printf("sfnotify listening on %s\n", api.base_url().c_str());
  std::fflush(stdout);
  log::Info("daemon", "connected to Salesforce (API v" + connection.api_version() + "), gateway " +
                          transport->name() + ", channel " + config.salesforce.event_channel);
  WaitForTermination();
  log::Info("daemon", "stopping");
  streaming.Stop();
  event_intake.Stop();
  api.Stop();
  inbox.Stop();
  engine.Stop();
  opt_out_writer.Stop();
  task_status_writer.Stop();
  return 0;
}

}  // namespace sfn::connector
