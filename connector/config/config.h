// The connector's configuration, loaded from one JSON file (see
// docs/configuration.md). Loading validates every field; an error names the
// file, the field path and the problem in one line. Secrets are not stored in
// the file: fields ending in `_env` name the environment variable to read.
#pragma once

#include <string>
#include <vector>

#include "common/http_limits.h"
#include "common/status.h"

namespace sfn::connector {

struct SalesforceOptions {
  std::string login_url;                                   // required, e.g. https://login.salesforce.com
  std::string auth_flow = "jwt";                           // jwt | client_credentials | refresh_token | password
  std::string client_id;                                   // required: connected app consumer key
  std::string client_secret_env;                           // env var holding the consumer secret (not jwt)
  std::string username;                                    // jwt and password flows
  std::string private_key_file;                            // jwt: PEM private key
  std::string api_version = "62.0";                        // pinned REST/streaming version
  std::string event_channel = "/event/Outbound_Notification__e";
  bool verify_tls = true;                                  // off only for loopback tests
  // Where the subscription starts when the store holds no replay id (first start, lost store):
  // "new" = -1, events published from now on; "all" = -2, every event the org still retains
  // (up to 72 h: old requests are sent unless intake.max_event_age_minutes stops them); or a
  // replay id (events after it). A stored replay id always wins.
  std::string initial_replay = "new";
  int64_t initial_replay_from = -1;  // derived from initial_replay
};

// Quiq's notification API (gateway.type "quiq"; fields read from the same
// "gateway" object; docs/quiq.md).
struct QuiqGatewayOptions {
  std::string identity;                        // required: app token identity (Basic user)
  std::string secret_env = "QUIQ_APP_SECRET";  // env var with the app token secret
  std::string api = "notify";                  // notify | send-notifications
  std::string topic = "default";               // notify: outbound topic
  int batch_size = 50;                         // notifications per bulk call (1-1000)
  int batch_linger_ms = 25;                    // how long a bulk call waits to fill up
  int timeout_ms = 15000;                      // per bulk call; past it the outcome is unknown → reconciled
  std::string webhook_secret_env = "QUIQ_WEBHOOK_SECRET";  // shared secret of POST /v1/webhooks/quiq
};

struct GatewayOptions {
  std::string type = "sandbox";    // sandbox | twilio | quiq
  std::string base_url;            // twilio: e.g. https://api.twilio.com; quiq: https://{tenant}.goquiq.com
  std::string account_sid;         // twilio: AC...
  std::string auth_token_env = "TWILIO_AUTH_TOKEN";  // env var with the auth token
  int reconcile_after_ms = 30000;  // a send whose outcome is unknown is reconciled after this long
  int max_in_flight = 64;          // concurrent message creates open against this gateway account
  int retry_max_backoff_ms = 60000;  // cap of a recipient's backoff between transient failures
  int breaker_failures = 10;    // consecutive failed calls (none succeeding) that open the breaker
  int breaker_probe_ms = 1000;  // first pause before a probe; doubles per failed probe up to 30 s
  QuiqGatewayOptions quiq;
};

struct ContactPoint {
  std::string name;                  // required, unique
  std::string sender;                // required: From number (E.164) or messaging service SID (MG...)
  std::vector<std::string> roles;    // permission set API names, or "Everyone"; default Everyone
  double max_messages_per_second = 1.0;
  std::string quiet_hours = "federal";  // federal (8-21) | none | HH-HH local window
  // Zone for recipients whose zone cannot be determined. Required unless quiet_hours is none: the
  // daemon refuses to start without a valid one (SendTimeGate), so quiet hours never fail open.
  std::string default_time_zone;
  // How long transient gateway trouble is retried before a recipient is failed(expired).
  double send_window_minutes = 240;
  int segment_budget = 0;           // max segments per notification (all recipients); 0 = no limit
  double price_per_segment = 0.0;   // for cost estimates and usage reports
  std::string quiq_contact_point;   // quiq gateway: the Quiq contact point id to send from (required there)
};

struct ApiKey {
  std::string name;
  std::string key_env;           // env var holding the key
  std::string role = "sender";   // admin | sender | read
  // Salesforce User Id or username the key acts as (resolved to an Id at start). Required for
  // sender keys: they send only as this user. Optional for admin keys (the default requested_by).
  std::string salesforce_user;
};

// Sign-in to the history web page with Salesforce: OAuth 2.0 web server flow
// with PKCE against the org of `salesforce.login_url` (docs/history.md).
// Off while `client_id` is empty.
struct WebLoginOptions {
  std::string client_id;          // the Connected App's consumer key
  std::string callback_url;       // default: {http.public_url or listen address}/auth/callback
  std::string client_secret_env;  // optional: when the app requires the secret (PKCE or not)
  std::string login_url;          // authorize/token host; default salesforce.login_url
  std::string scopes = "id";      // the identity URL is all the page needs
};

struct HttpOptions {
  std::string listen = "127.0.0.1:8080";
  std::string public_url;        // as the gateway calls us (for webhook signatures)
  std::vector<ApiKey> api_keys;
  // http.max_header_bytes, max_body_bytes, header_timeout_ms, body_timeout_ms, idle_timeout_ms,
  // write_timeout_ms, max_connections (defaults in common/http_limits.h).
  http::ServerLimits limits;
  WebLoginOptions web_login;
  double session_hours = 8;  // a web session ends this long after sign-in
  // Holders of this permission set see every notification and whole numbers (intake/visibility.h).
  std::string admin_permission_set = "SMS_Notification_Admin";
};

// Platform Event intake (docs/operations.md).
struct IntakeConfig {
  // An event older than this when it arrives (by its CreatedDate) is refused `expired`; 0 = no
  // limit.
  double max_event_age_minutes = 60;
  // How long the chunks of one request (Chunk_Index__c/Chunk_Count__c) are awaited after the first
  // one arrived; then the request is resolved with the chunks at hand and the gap is recorded.
  double chunk_wait_seconds = 120;
  int resolve_workers =
      4;  // threads resolving notifications (Salesforce queries), none on the CometD thread
};

// The view history (docs/history.md).
struct HistoryConfig {
  double retention_days = 0;        // purge finished notifications older than this; 0 = keep forever
  int purge_interval_seconds = 300;  // between purge passes
  bool full_text_search = true;     // FTS5 index over message bodies for the history text filter
};

// Two-way sync with the gateway (docs/operations.md).
struct SyncConfig {
  // Task field showing each send's delivery state ("delivered", "undelivered (30003)", ...), written
  // with the Task when already final, else by Collections updates of up to 200. "" = not written.
  std::string task_delivery_field = "SMS_Delivery_Status__c";
  int task_status_interval_ms = 1000;  // how often changed delivery states are collected and written
  // Messages still accepted/sent this long after the send (no final status callback) are fetched
  // by SID until final or 72 h old.
  double status_poll_after_minutes = 15;
};

// Inbound keywords and opt-out confirmations (docs/configuration.md, "compliance"). Matching
// ignores case, spacing and punctuation ("Opt-Out!" is "opt out", "don’t" is "dont").
struct ComplianceConfig {
  // A message that is, as a whole, one of these is an opt-out (FCC 24-18 words, Twilio's and
  // Telnyx's defaults, and the two-word requests people type).
  std::vector<std::string> opt_out_keywords = {
      "STOP",        "STOPALL",        "STOP ALL",   "UNSUBSCRIBE", "CANCEL",
      "END",         "QUIT",           "REVOKE",     "OPT OUT",     "OPTOUT",
      "STOP PLEASE", "PLEASE STOP",    "STOP IT",    "STOP NOW",    "REMOVE",
      "REMOVE ME",   "UNSUBSCRIBE ME", "OPT ME OUT", "NO MORE",     "LEAVE ME ALONE"};
  // A message containing one of these as whole words is an opt-out too: under the FCC's
  // revocation rule (April 2025) any reasonable request to stop counts, so "please stop texting
  // me" or "can you remove me from this list" stop, while "stop the delivery on Tuesday" is a
  // reply.
  std::vector<std::string> opt_out_phrases = {
      "stop texting",   "stop text me",   "stop messaging",    "stop sending",  "stop contacting",
      "stop calling",   "stop the texts", "stop the messages", "remove me",     "take me off",
      "opt me out",     "unsubscribe me", "do not text",       "dont text",     "do not message",
      "dont message",   "do not contact", "dont contact",      "no more texts", "no more messages",
      "leave me alone", "quit texting",   "quit messaging",    "wrong number"};
  // The opt-outs a Twilio gateway answers itself (its default opt-out handling): the connector
  // sends no confirmation for them, nor for an inbound message the gateway marked OptOutType=STOP.
  // [] when the gateway's opt-out handling is off, so the connector confirms every opt-out.
  std::vector<std::string> gateway_opt_out_keywords = {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL",
                                                       "END",  "QUIT",    "REVOKE",      "OPTOUT"};
  // The one confirmation an opt-out the gateway does not answer gets; "" sends none. FCC 24-18
  // allows exactly one, confirming the opt-out and nothing else.
  std::string opt_out_confirmation =
      "You are unsubscribed and will get no more messages from this number. Reply START to "
      "resubscribe.";
};

// The durable webhook inbox (docs/operations.md): how a callback that could not be processed
// (Salesforce down) is retried.
struct WebhooksConfig {
  int retry_initial_ms = 1000;  // first retry of an item that failed; doubled on each failure
  int retry_max_ms = 300000;    // backoff cap (5 minutes); items are retried until they succeed
};

struct Config {
  std::string path;              // where it was loaded from
  SalesforceOptions salesforce;
  GatewayOptions gateway;
  std::vector<ContactPoint> contact_points;
  std::string store_path = "sfnotify.sqlite";
  std::string mapping_source = "file";  // file | metadata (SMS_Field_Mapping__mdt / SMS_Template__mdt over REST)
  std::string mapping_file;      // required for mapping_source "file"; relative to the config file's folder
  std::string default_region = "US";
  HttpOptions http;
  IntakeConfig intake;
  HistoryConfig history;
  SyncConfig sync;
  ComplianceConfig compliance;
  WebhooksConfig webhooks;
  std::string log_level = "info";
};

// Reads and validates `path`. Errors: "<path>: <field>: <problem>".
Result<Config> LoadConfig(const std::string& path);
// Parses config text; `origin` names it in error messages.
Result<Config> ParseConfig(const std::string& text, const std::string& origin);

}  // namespace sfn::connector
