// Who sees what in the view history (connector/intake/visibility.h) and the
// sign-in settings of the configuration.
#include <catch2/catch.hpp>

#include "connector/config/config.h"
#include "connector/intake/visibility.h"

using sfn::connector::CanSee;
using sfn::connector::ContactPoint;
using sfn::connector::ParseConfig;
using sfn::connector::RightsFor;
using sfn::connector::VisibilityOptions;

namespace {

VisibilityOptions Options() {
  VisibilityOptions o;
  ContactPoint main, ops, alerts;
  main.name = "Main";
  main.roles = {"SMS_Notification_Sender"};
  ops.name = "Ops";
  ops.roles = {"Ops_Team", "SMS_Notification_Sender"};
  alerts.name = "Alerts";
  alerts.roles = {"Everyone"};
  o.contact_points = {main, ops, alerts};
  return o;
}

std::string Config(const std::string& http) {
  return R"({"salesforce": {"login_url": "https://login.salesforce.com", "client_id": "abc",
                            "username": "int@example.com", "private_key_file": "key.pem"},
             "contact_points": [{"name": "main", "sender": "+15005550006"}],
             "mapping_file": "mapping.json", "http": )" +
         http + "}";
}

}  // namespace

TEST_CASE("the admin permission set sees everything with whole numbers", "[visibility]") {
  auto rights = RightsFor(Options(), "0055g0000000001AAA", {"Other", "sms_notification_admin"});
  CHECK(rights.sees_all);
  CHECK(rights.full_numbers);
  CHECK(CanSee(rights, "Main"));
  CHECK(CanSee(rights, "Retired contact point"));
}

TEST_CASE("a role holder sees the contact points whose roles they hold, masked", "[visibility]") {
  auto rights = RightsFor(Options(), "0055g0000000002AAA", {"SMS_Notification_Sender"});
  CHECK_FALSE(rights.sees_all);
  CHECK_FALSE(rights.full_numbers);
  CHECK(rights.contact_points == std::vector<std::string>{"Main", "Ops", "Alerts"});
  auto ops_only = RightsFor(Options(), "0055g0000000003AAA", {"ops_team"});
  CHECK(ops_only.contact_points == std::vector<std::string>{"Ops", "Alerts"});
  CHECK_FALSE(CanSee(ops_only, "Main"));
}

TEST_CASE("without a role (and without an Everyone contact point) nothing is visible",
          "[visibility]") {
  VisibilityOptions o = Options();
  o.contact_points.pop_back();  // no Everyone contact point
  auto rights = RightsFor(o, "0055g0000000004AAA", {});
  CHECK_FALSE(rights.sees_all);
  CHECK(rights.contact_points.empty());
  CHECK_FALSE(CanSee(rights, "Main"));
  // A different admin set is configurable; the default one is then an ordinary permission set.
  o.admin_permission_set = "Support_Leads";
  CHECK(RightsFor(o, "0055g0000000004AAA", {"Support_Leads"}).sees_all);
  CHECK_FALSE(RightsFor(o, "0055g0000000004AAA", {"SMS_Notification_Admin"}).sees_all);
}

TEST_CASE("web sign-in settings load with defaults and refuse bad values by name",
          "[config][visibility]") {
  auto off = ParseConfig(Config("{}"), "cfg.json");
  REQUIRE(off.ok());
  CHECK(off->http.web_login.client_id.empty());
  CHECK(off->http.session_hours == 8);
  CHECK(off->http.admin_permission_set == "SMS_Notification_Admin");

  auto on = ParseConfig(Config(R"({"web_login": {"client_id": "3MVG9x"}, "session_hours": 2})"),
                        "cfg.json");
  REQUIRE(on.ok());
  CHECK(on->http.web_login.login_url == "https://login.salesforce.com");  // the configured org
  CHECK(on->http.web_login.callback_url.empty());  // the listen address, later
  CHECK(on->http.web_login.scopes == "id");
  CHECK(on->http.session_hours == 2);

  auto no_client = ParseConfig(Config(R"({"web_login": {}})"), "cfg.json");
  CHECK(no_client.status().message() ==
        "cfg.json: http.web_login.client_id: required field is missing");
  auto callback = ParseConfig(
      Config(
          R"({"web_login": {"client_id": "a", "callback_url": "https://sms.acme.com/callback"}})"),
      "cfg.json");
  CHECK(callback.status().message() ==
        "cfg.json: http.web_login.callback_url: must end in /auth/callback (the connector's "
        "callback route)");
  auto hours = ParseConfig(Config(R"({"session_hours": 0})"), "cfg.json");
  CHECK(hours.status().message() ==
        "cfg.json: http.session_hours: must be more than 0 and at most 720 (30 days)");
}
