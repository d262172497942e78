#include <catch2/catch.hpp>

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
