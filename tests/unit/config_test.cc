#include <catch2/catch.hpp>

#include <algorithm>

#include "connector/config/config.h"
#include "support/test_env.h"

using sfn::connector::ParseConfig;

namespace {
const char* kMinimal = R"({
  "salesforce": {"login_url": "https://login.salesforce.com", "client_id": "abc",
                 "username": "int@example.com", "private_key_file": "key.pem"},
  "contact_points": [{"name": "main", "sender": "+15005550006"}],
  "mapping_file": "mapping.json"
})";
}

TEST_CASE("a minimal config loads with documented defaults", "[config]") {
  auto config = ParseConfig(kMinimal, "/etc/sfnotify/cfg.json");
  REQUIRE(config.ok());
  CHECK(config->mapping_file == "/etc/sfnotify/mapping.json");  // relative to the config file
  CHECK(config->mapping_source == "file");
  CHECK(config->salesforce.auth_flow == "jwt");
  CHECK(config->salesforce.api_version == "62.0");
  CHECK(config->gateway.type == "sandbox");
  REQUIRE(config->contact_points.size() == 1);
  CHECK(config->contact_points[0].roles == std::vector<std::string>{"Everyone"});
  CHECK(config->contact_points[0].max_messages_per_second == 1.0);
}

TEST_CASE("config errors name the file, the field and the problem", "[config]") {
  auto missing = ParseConfig(R"({"contact_points": []})", "cfg.json");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().message() == "cfg.json: salesforce: required field is missing");

  auto wrong_type = ParseConfig(R"({"salesforce": {"login_url": 5}})", "cfg.json");
  CHECK(wrong_type.status().message() == "cfg.json: salesforce.login_url: must be a string");

  auto bad_cp = ParseConfig(R"({
    "salesforce": {"login_url": "https://x", "client_id": "a", "username": "u", "private_key_file": "k"},
    "contact_points": [{"name": "a", "sender": "+1"}, {"name": "b", "sender": "+2", "max_messages_per_second": "fast"}]
  })", "cfg.json");
  CHECK(bad_cp.status().message() == "cfg.json: contact_points[1].max_messages_per_second: must be a number");

  auto bad_flow = ParseConfig(R"({"salesforce": {"login_url": "https://x", "auth_flow": "magic", "client_id": "a"}})",
                              "cfg.json");
  CHECK(bad_flow.status().message().find("salesforce.auth_flow: 'magic' is not one of") != std::string::npos);

  auto no_mapping = ParseConfig(R"({
    "salesforce": {"login_url": "https://x", "client_id": "a", "username": "u", "private_key_file": "k"},
    "contact_points": [{"name": "a", "sender": "+1"}]
  })", "cfg.json");
  CHECK(no_mapping.status().message() == "cfg.json: mapping_file: required field is missing");

  auto not_json = ParseConfig("{nope", "cfg.json");
  CHECK(not_json.status().message().rfind("cfg.json: invalid JSON at offset", 0) == 0);
}

TEST_CASE("an unreadable config file is reported with its path", "[config]") {
  auto config = sfn::connector::LoadConfig("/nonexistent/sfnotify.json");
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().message().rfind("/nonexistent/sfnotify.json: cannot read file", 0) == 0);
}

TEST_CASE("a quiq gateway needs its identity, base URL and a Quiq contact point per contact point", "[config]") {
  const std::string sf =
      R"("salesforce": {"login_url": "https://x", "client_id": "a", "username": "u", "private_key_file": "k"},
         "mapping_file": "m.json",)";
  auto ok = ParseConfig("{" + sf + R"(
    "gateway": {"type": "quiq", "base_url": "https://acme.goquiq.com", "identity": "app-1",
                "api": "send-notifications", "batch_size": 100, "reconcile_after_ms": 500},
    "contact_points": [{"name": "Main", "sender": "+15005550006", "quiq_contact_point": "default"}]})",
                        "cfg.json");
  REQUIRE(ok.ok());
  CHECK(ok->gateway.type == "quiq");
  CHECK(ok->gateway.quiq.identity == "app-1");
  CHECK(ok->gateway.quiq.secret_env == "QUIQ_APP_SECRET");
  CHECK(ok->gateway.quiq.webhook_secret_env == "QUIQ_WEBHOOK_SECRET");
  CHECK(ok->gateway.quiq.api == "send-notifications");
  CHECK(ok->gateway.quiq.batch_size == 100);
  CHECK(ok->gateway.quiq.batch_linger_ms == 25);
  CHECK(ok->gateway.reconcile_after_ms == 500);
  CHECK(ok->contact_points[0].quiq_contact_point == "default");

  auto no_cp = ParseConfig("{" + sf + R"(
    "gateway": {"type": "quiq", "base_url": "https://acme.goquiq.com", "identity": "app-1"},
    "contact_points": [{"name": "Main", "sender": "+15005550006"}]})",
                           "cfg.json");
  CHECK(no_cp.status().message() == "cfg.json: contact_points[0].quiq_contact_point: required field is missing");

  auto bad_api = ParseConfig("{" + sf + R"(
    "gateway": {"type": "quiq", "base_url": "https://acme.goquiq.com", "identity": "app-1", "api": "sms"},
    "contact_points": [{"name": "Main", "sender": "+1", "quiq_contact_point": "default"}]})",
                             "cfg.json");
  CHECK(bad_api.status().message().find("gateway.api: 'sms' is not one of: notify, send-notifications") !=
        std::string::npos);

  auto no_identity = ParseConfig("{" + sf + R"(
    "gateway": {"type": "quiq", "base_url": "https://acme.goquiq.com"},
    "contact_points": [{"name": "Main", "sender": "+1", "quiq_contact_point": "default"}]})",
                                 "cfg.json");
  CHECK(no_identity.status().message() == "cfg.json: gateway.identity: required field is missing");

  auto big_batch = ParseConfig("{" + sf + R"(
    "gateway": {"type": "quiq", "base_url": "https://acme.goquiq.com", "identity": "a", "batch_size": 5000},
    "contact_points": [{"name": "Main", "sender": "+1", "quiq_contact_point": "default"}]})",
                               "cfg.json");
  CHECK(big_batch.status().message() == "cfg.json: gateway.batch_size: must be between 1 and 1000");
}

TEST_CASE("history options default to keep forever and are validated", "[config]") {
  auto defaults = ParseConfig(kMinimal, "cfg.json");
  REQUIRE(defaults.ok());
  CHECK(defaults->history.retention_days == 0);
  CHECK(defaults->history.purge_interval_seconds == 300);
  CHECK(defaults->history.full_text_search);
  std::string with = std::string(kMinimal);
  with.insert(with.rfind('}'), R"(, "history": {"retention_days": 90, "purge_interval_seconds": 60, "full_text_search": false})");
  auto set = ParseConfig(with, "cfg.json");
  REQUIRE(set.ok());
  CHECK(set->history.retention_days == 90);
  CHECK(set->history.purge_interval_seconds == 60);
  CHECK_FALSE(set->history.full_text_search);
  std::string negative = std::string(kMinimal);
  negative.insert(negative.rfind('}'), R"(, "history": {"retention_days": -1})");
  auto bad = ParseConfig(negative, "cfg.json");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() == "cfg.json: history.retention_days: must not be negative (0 keeps forever)");
  std::string wrong_type = std::string(kMinimal);
  wrong_type.insert(wrong_type.rfind('}'), R"(, "history": {"full_text_search": "yes"})");
  CHECK(ParseConfig(wrong_type, "cfg.json").status().message() ==
        "cfg.json: history.full_text_search: must be true or false");
}

TEST_CASE(
    "sync options: the Task delivery field defaults, can be renamed or turned off, and is "
    "validated",
    "[config]") {
  auto with = [](const std::string& sync) {
    std::string text = kMinimal;
    text.insert(text.rfind('}'), ", \"sync\": " + sync);
    return ParseConfig(text, "cfg.json");
  };
  auto defaults = ParseConfig(kMinimal, "cfg.json");
  REQUIRE(defaults.ok());
  CHECK(defaults->sync.task_delivery_field == "SMS_Delivery_Status__c");
  CHECK(defaults->sync.task_status_interval_ms == 1000);
  auto renamed = with(R"({"task_delivery_field": "Delivery__c", "task_status_interval_ms": 250})");
  REQUIRE(renamed.ok());
  CHECK(renamed->sync.task_delivery_field == "Delivery__c");
  CHECK(renamed->sync.task_status_interval_ms == 250);
  auto off = with(R"({"task_delivery_field": ""})");
  REQUIRE(off.ok());
  CHECK(off->sync.task_delivery_field.empty());
  CHECK(with(R"({"task_delivery_field": "Status' OR Id != null"})").status().message() ==
        "cfg.json: sync.task_delivery_field: must be a Task field API name (letters, digits, "
        "underscores) or \"\"");
  CHECK(with(R"({"task_status_interval_ms": 0})").status().message() ==
        "cfg.json: sync.task_status_interval_ms: must be between 50 and 3600000");
  CHECK(with(R"({"task_delivery_field": 7})").status().message() ==
        "cfg.json: sync.task_delivery_field: must be a string");
}

namespace {
// kMinimal with `salesforce_extra` inside "salesforce" and `top_extra` at the top level.
std::string WithExtras(const std::string& salesforce_extra, const std::string& top_extra) {
  return R"({
  "salesforce": {)" +
         salesforce_extra + R"("login_url": "https://login.salesforce.com", "client_id": "abc",
                 "username": "int@example.com", "private_key_file": "key.pem"},
  "contact_points": [{"name": "main", "sender": "+15005550006"}],
  )" + top_extra +
         R"("mapping_file": "mapping.json"
})";
}
}  // namespace

TEST_CASE("intake options: first start from new events only, max event age and chunk wait",
          "[config]") {
  auto defaults = ParseConfig(kMinimal, "cfg.json");
  REQUIRE(defaults.ok());
  CHECK(defaults->salesforce.initial_replay == "new");
  CHECK(defaults->salesforce.initial_replay_from == -1);
  CHECK(defaults->intake.max_event_age_minutes == 60);
  CHECK(defaults->intake.chunk_wait_seconds == 120);

  auto all = ParseConfig(WithExtras(R"("initial_replay": "all", )", ""), "cfg.json");
  REQUIRE(all.ok());
  CHECK(all->salesforce.initial_replay_from == -2);
  auto numeric = ParseConfig(WithExtras(R"("initial_replay": 4711, )", ""), "cfg.json");
  REQUIRE(numeric.ok());
  CHECK(numeric->salesforce.initial_replay_from == 4711);
  auto text = ParseConfig(WithExtras(R"("initial_replay": "4712", )", ""), "cfg.json");
  REQUIRE(text.ok());
  CHECK(text->salesforce.initial_replay_from == 4712);
  auto bad = ParseConfig(WithExtras(R"("initial_replay": "oldest", )", ""), "cfg.json");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message() ==
        "cfg.json: salesforce.initial_replay: 'oldest' is not \"new\", \"all\" or a replay id");

  auto intake = ParseConfig(
      WithExtras("", R"("intake": {"max_event_age_minutes": 0, "chunk_wait_seconds": 5},)"),
      "cfg.json");
  REQUIRE(intake.ok());
  CHECK(intake->intake.max_event_age_minutes == 0);
  CHECK(intake->intake.chunk_wait_seconds == 5);
  auto negative =
      ParseConfig(WithExtras("", R"("intake": {"chunk_wait_seconds": 0},)"), "cfg.json");
  REQUIRE_FALSE(negative.ok());
  CHECK(negative.status().message().find("intake.chunk_wait_seconds") != std::string::npos);
}

TEST_CASE("api keys: a sender key without a salesforce_user is refused with the migration",
          "[config]") {
  auto unbound = ParseConfig(
      WithExtras("",
                 R"("http": {"api_keys": [{"name": "crm", "key_env": "K", "role": "sender"}]},)"),
      "cfg.json");
  REQUIRE_FALSE(unbound.ok());
  CHECK(unbound.status().message().rfind(
            "cfg.json: http.api_keys[0].salesforce_user: required for a sender key", 0) == 0);
  CHECK(unbound.status().message().find("\"admin\"") != std::string::npos);
  CHECK(unbound.status().message().find("\"read\"") != std::string::npos);
  // The default role is sender, so an old key without role and user is refused the same way.
  auto old_style = ParseConfig(
      WithExtras("", R"("http": {"api_keys": [{"name": "crm", "key_env": "K"}]},)"), "cfg.json");
  REQUIRE_FALSE(old_style.ok());

  auto bound = ParseConfig(WithExtras("", R"("http": {"api_keys": [
      {"name": "crm", "key_env": "K", "role": "sender", "salesforce_user": "rep@acme.com"},
      {"name": "ops", "key_env": "A", "role": "admin"}, {"name": "view", "key_env": "R", "role": "read"}]},)"),
                           "cfg.json");
  REQUIRE(bound.ok());
  CHECK(bound->http.api_keys[0].salesforce_user == "rep@acme.com");
}

TEST_CASE("compliance and webhook options: documented defaults, replaced lists, clear errors",
          "[config]") {
  auto with = [](const std::string& members) {
    std::string text = kMinimal;
    text.insert(text.rfind('}'), ", " + members);
    return ParseConfig(text, "cfg.json");
  };
  auto defaults = ParseConfig(kMinimal, "cfg.json");
  REQUIRE(defaults.ok());
  const auto& c = defaults->compliance;
  for (const char* word :
       {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPT OUT", "OPTOUT"}) {
    INFO(word);
    CHECK(std::find(c.opt_out_keywords.begin(), c.opt_out_keywords.end(), word) !=
          c.opt_out_keywords.end());
  }
  CHECK(std::find(c.opt_out_phrases.begin(), c.opt_out_phrases.end(), "stop texting") !=
        c.opt_out_phrases.end());
  CHECK(c.gateway_opt_out_keywords.size() == 8);
  CHECK_FALSE(c.opt_out_confirmation.empty());
  CHECK(defaults->webhooks.retry_initial_ms == 1000);
  CHECK(defaults->webhooks.retry_max_ms == 300000);

  auto set = with(R"("compliance": {"opt_out_keywords": ["STOP", "ARRET"], "opt_out_phrases": [],
                                    "gateway_opt_out_keywords": [], "opt_out_confirmation": ""},
                     "webhooks": {"retry_initial_ms": 50, "retry_max_ms": 2000})");
  REQUIRE(set.ok());
  CHECK(set->compliance.opt_out_keywords == std::vector<std::string>{"STOP", "ARRET"});
  CHECK(set->compliance.opt_out_phrases.empty());
  CHECK(set->compliance.gateway_opt_out_keywords.empty());
  CHECK(set->compliance.opt_out_confirmation.empty());
  CHECK(set->webhooks.retry_initial_ms == 50);
  CHECK(set->webhooks.retry_max_ms == 2000);

  CHECK(with(R"("compliance": {"opt_out_keywords": []})").status().message() ==
        "cfg.json: compliance.opt_out_keywords: must name at least one keyword (STOP)");
  CHECK(with(R"("compliance": {"opt_out_phrases": ["stop texting", "!!"]})").status().message() ==
        "cfg.json: compliance.opt_out_phrases[1]: must contain a word");
  CHECK(with(R"("compliance": {"opt_out_keywords": ["STOP", 3]})").status().message() ==
        "cfg.json: compliance.opt_out_keywords[1]: must be a string");
  CHECK(with(R"("compliance": {"opt_out_confirmation": ")" + std::string(321, 'x') + R"("})")
            .status()
            .message() ==
        "cfg.json: compliance.opt_out_confirmation: must be at most 320 bytes (two SMS segments)");
  CHECK(with(R"("webhooks": {"retry_initial_ms": 5})").status().message() ==
        "cfg.json: webhooks.retry_initial_ms: must be between 10 and 3600000");
  CHECK(
      with(R"("webhooks": {"retry_initial_ms": 5000, "retry_max_ms": 1000})").status().message() ==
      "cfg.json: webhooks.retry_max_ms: must be between retry_initial_ms and 86400000");
}

TEST_CASE(
    "integer options out of range are refused, not converted (fuzz find: 1.22e13 into an int)",
    "[config]") {
  auto with_budget = [](const std::string& value) {
    std::string text = kMinimal;
    text.replace(text.find(R"("sender": "+15005550006"})"), 25,
                 R"("sender": "+15005550006", "segment_budget": )" + value + "}");
    return ParseConfig(text, "cfg.json");
  };
  CHECK(with_budget("12").value().contact_points[0].segment_budget == 12);
  CHECK(with_budget("1.22e13").status().message() ==
        "cfg.json: contact_points[0].segment_budget: must be between 0 and 1000000000");
  CHECK(with_budget("-1").status().message() ==
        "cfg.json: contact_points[0].segment_budget: must be between 0 and 1000000000");
  CHECK(with_budget("2.5").status().message() ==
        "cfg.json: contact_points[0].segment_budget: must be a whole number");
  auto with_sync = [](const std::string& sync) {
    std::string text = kMinimal;
    text.insert(text.rfind('}'), ", \"sync\": " + sync);
    return ParseConfig(text, "cfg.json");
  };
  CHECK(with_sync(R"({"task_status_interval_ms": 1e300})").status().message() ==
        "cfg.json: sync.task_status_interval_ms: must be between 50 and 3600000");
}

TEST_CASE("http limits default safely and are validated", "[config]") {
  auto defaults = ParseConfig(kMinimal, "cfg.json");
  REQUIRE(defaults.ok());
  const auto& d = defaults->http.limits;
  CHECK(d.max_header_bytes == 16384);
  CHECK(d.max_body_bytes == 1048576);
  CHECK(d.header_timeout_ms == 10000);
  CHECK(d.body_timeout_ms == 30000);
  CHECK(d.idle_timeout_ms == 60000);
  CHECK(d.write_timeout_ms == 30000);
  CHECK(d.max_connections == 512);
  auto with_http = [](const std::string& http) {
    std::string text = kMinimal;
    text.insert(text.rfind('}'), ", \"http\": " + http);
    return ParseConfig(text, "cfg.json");
  };
  auto set =
      with_http(R"({"max_header_bytes": 8192, "max_body_bytes": 65536, "header_timeout_ms": 1000,
                           "body_timeout_ms": 2000, "idle_timeout_ms": 3000, "write_timeout_ms": 4000,
                           "max_connections": 50})");
  REQUIRE(set.ok());
  const auto& l = set->http.limits;
  CHECK(l.max_header_bytes == 8192);
  CHECK(l.max_body_bytes == 65536);
  CHECK(l.header_timeout_ms == 1000);
  CHECK(l.body_timeout_ms == 2000);
  CHECK(l.idle_timeout_ms == 3000);
  CHECK(l.write_timeout_ms == 4000);
  CHECK(l.max_connections == 50);
  CHECK(with_http(R"({"max_header_bytes": 10})").status().message() ==
        "cfg.json: http.max_header_bytes: must be between 1024 and 1048576");
  CHECK(with_http(R"({"max_body_bytes": 1e12})").status().message() ==
        "cfg.json: http.max_body_bytes: must be between 1024 and 67108864");
  CHECK(with_http(R"({"max_connections": 0})").status().message() ==
        "cfg.json: http.max_connections: must be between 1 and 100000");
  CHECK(with_http(R"({"header_timeout_ms": "10s"})").status().message() ==
        "cfg.json: http.header_timeout_ms: must be a number");
}

TEST_CASE("send pipeline options: in-flight limit, breaker, send window and status polling",
          "[config]") {
  auto defaults = ParseConfig(kMinimal, "cfg.json");
  REQUIRE(defaults.ok());
  CHECK(defaults->gateway.max_in_flight == 64);
  CHECK(defaults->gateway.breaker_failures == 10);
  CHECK(defaults->gateway.breaker_probe_ms == 1000);
  CHECK(defaults->gateway.retry_max_backoff_ms == 60000);
  CHECK(defaults->contact_points[0].send_window_minutes == 240);
  CHECK(defaults->contact_points[0]
            .default_time_zone.empty());  // the daemon refuses it where quiet hours apply
  CHECK(defaults->sync.status_poll_after_minutes == 15);
  auto set = ParseConfig(R"({
    "salesforce": {"login_url": "https://x", "client_id": "a", "username": "u", "private_key_file": "k"},
    "gateway": {"type": "sandbox", "max_in_flight": 200, "breaker_failures": 3, "breaker_probe_ms": 50},
    "contact_points": [{"name": "a", "sender": "+1", "send_window_minutes": 0.5, "default_time_zone": "Europe/Paris"}],
    "sync": {"status_poll_after_minutes": 1},
    "mapping_file": "m.json"})",
                         "cfg.json");
  REQUIRE(set.ok());
  CHECK(set->gateway.max_in_flight == 200);
  CHECK(set->gateway.breaker_failures == 3);
  CHECK(set->contact_points[0].send_window_minutes == 0.5);
  CHECK(set->sync.status_poll_after_minutes == 1);
  auto bad = ParseConfig(R"({
    "salesforce": {"login_url": "https://x", "client_id": "a", "username": "u", "private_key_file": "k"},
    "gateway": {"max_in_flight": 0},
    "contact_points": [{"name": "a", "sender": "+1"}], "mapping_file": "m.json"})",
                         "cfg.json");
  CHECK(bad.status().message() == "cfg.json: gateway.max_in_flight: must be between 1 and 10000");
  auto window = ParseConfig(R"({
    "salesforce": {"login_url": "https://x", "client_id": "a", "username": "u", "private_key_file": "k"},
    "contact_points": [{"name": "a", "sender": "+1", "send_window_minutes": 0}], "mapping_file": "m.json"})",
                            "cfg.json");
  CHECK(window.status().message().find("contact_points[0].send_window_minutes") !=
        std::string::npos);
}
