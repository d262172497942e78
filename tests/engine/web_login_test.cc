// Sign-in to the history with Salesforce, end to end: the connector, sfemu and
// smsemu as processes; the test plays the browser (cookies, redirects, sfemu's
// login form) over HTTP and checks what each person sees, the OAuth edge cases
// (state, PKCE, session expiry, CSRF on sign-out) and what sfemu recorded.
#include <thread>

#include "common/crypto.h"
#include "common/form.h"
#include "engine/stack.h"

using e2e::Json;
using e2e::kApiKey;
using e2e::kReadKey;
using e2e::Stack;
using e2e::StackOptions;

namespace {

// The connector and the org as a browser reaches them: redirects are looked at, not followed.
e2e::Http Connector(Stack& stack) {
  return e2e::Http(stack.api->client->base_url(), false);
}
e2e::Http Org(Stack& stack) {
  return e2e::Http(stack.org_url(), false);
}

constexpr const char* kWebLogin = R"("web_login": {"client_id": "sfnotify-local"}, )";

std::string QueryParam(const std::string& url, const std::string& name) {
  size_t q = url.find('?');
  return q == std::string::npos ? "" : sfn::form::Get(sfn::form::Parse(url.substr(q + 1)), name);
}

// The whole Set-Cookie line for `name` ("" when none).
std::string SetCookie(const sfn::http::Response& r, const std::string& name) {
  for (const auto& [header, value] : r.headers.items()) {
    if (sfn::http::EqualsIgnoreCase(header, "Set-Cookie") && value.rfind(name + "=", 0) == 0)
      return value;
  }
  return "";
}

std::string CookieValue(const std::string& set_cookie) {
  size_t eq = set_cookie.find('=');
  size_t semi = set_cookie.find(';');
  return eq == std::string::npos
             ? ""
             : set_cookie.substr(eq + 1, semi == std::string::npos ? semi : semi - eq - 1);
}

std::string Target(const std::string& url, const std::string& base) {
  REQUIRE(url.rfind(base, 0) == 0);
  return url.substr(base.size());
}

struct StartedLogin {
  std::string authorize_url;  // where the connector sent the browser
  std::string state;
  std::string login_cookie;  // sfn_login value
};

StartedLogin StartLogin(Stack& stack) {
  auto start = Connector(stack).Send("GET", "/auth/login");
  REQUIRE(start.status == 302);
  StartedLogin s;
  s.authorize_url = start.headers.Get("Location");
  REQUIRE(s.authorize_url.rfind(stack.org_url() + "/services/oauth2/authorize?", 0) == 0);
  s.state = QueryParam(s.authorize_url, "state");
  std::string cookie = SetCookie(start, "sfn_login");
  CHECK(cookie.find("HttpOnly") != std::string::npos);
  CHECK(cookie.find("SameSite=Lax") != std::string::npos);
  s.login_cookie = CookieValue(cookie);
  CHECK(s.login_cookie == s.state);
  CHECK(QueryParam(s.authorize_url, "code_challenge_method") == "S256");
  CHECK(QueryParam(s.authorize_url, "code_challenge").size() == 43);  // base64url of a SHA-256
  CHECK(QueryParam(s.authorize_url, "redirect_uri") ==
        stack.api->client->base_url() + "/auth/callback");
  return s;
}

// Fills in sfemu's login form for `username`; returns the callback URL sfemu redirects to.
std::string SubmitLoginForm(Stack& stack, const std::string& authorize_url,
                            const std::string& username) {
  auto page = Org(stack).Send("GET", Target(authorize_url, stack.org_url()));
  REQUIRE(page.status == 200);
  CHECK(page.body.find("id=\"username\"") != std::string::npos);
  std::string body = authorize_url.substr(authorize_url.find('?') + 1) +
                     "&username=" + sfn::form::Encode(username) + "&password=sfnotify-demo";
  auto submitted = Org(stack).Send("POST", "/services/oauth2/authorize", body,
                                   {{"Content-Type", "application/x-www-form-urlencoded"}});
  INFO(submitted.body);
  REQUIRE(submitted.status == 302);
  return submitted.headers.Get("Location");
}

// The whole flow as a browser runs it; returns the sfn_session cookie value.
std::string SignIn(Stack& stack, const std::string& username) {
  StartedLogin login = StartLogin(stack);
  std::string callback = SubmitLoginForm(stack, login.authorize_url, username);
  CHECK(QueryParam(callback, "state") == login.state);
  auto done = Connector(stack).Send("GET", Target(callback, stack.api->client->base_url()), "",
                                    {{"Cookie", "sfn_login=" + login.login_cookie}});
  INFO(done.body);
  REQUIRE(done.status == 302);
  CHECK(done.headers.Get("Location") == "/");
  std::string cookie = SetCookie(done, "sfn_session");
  CHECK(cookie.find("HttpOnly") != std::string::npos);
  CHECK(cookie.find("SameSite=Lax") != std::string::npos);
  CHECK(cookie.find("Secure") == std::string::npos);  // plain http on 127.0.0.1
  CHECK(cookie.find("Path=/") != std::string::npos);
  std::string session = CookieValue(cookie);
  REQUIRE(session.size() == 64);
  return session;
}

sfn::http::Response AsUser(Stack& stack, const std::string& session, const std::string& method,
                           const std::string& target, const std::string& body = "",
                           std::vector<std::pair<std::string, std::string>> headers = {}) {
  headers.push_back({"Cookie", "theme=dark; sfn_session=" + session});
  return Connector(stack).Send(method, target, body, headers);
}

std::vector<std::string> ItemIds(const rapidjson::Document& page) {
  std::vector<std::string> ids;
  for (const auto& item : page["items"].GetArray())
    ids.push_back(item["notification_id"].GetString());
  return ids;
}

}  // namespace

TEST_CASE(
    "signed in with Salesforce, each person sees their contact points, names and record links",
    "[e2e][web_login]") {
  StackOptions options;
  options.extra_http_json = kWebLogin;
  Stack stack(options);
  auto leads = stack.CreateConsentingLeads("Webview", {"+14155550101", "+14155550102"}, "Wendy");
  std::string sender = stack.UserId("sender@sfnotify.demo");
  std::string viewer = stack.UserId("viewer@sfnotify.demo");
  // Main needs SMS_Notification_Sender (the sender holds it); Alerts is open to Everyone.
  auto main =
      stack.Api("POST", "/v1/notifications",
                R"({"request_id":"web-main","contact_point":"Main","requested_by":")" + sender +
                    R"(","message":"Main news","record_ids":[")" + leads[0] + R"("]})");
  REQUIRE(main.status == 202);
  auto alerts =
      stack.Api("POST", "/v1/notifications",
                R"({"request_id":"web-alerts","contact_point":"Alerts","requested_by":")" + viewer +
                    R"(","message":"Alert news","record_ids":[")" + leads[1] + R"("]})");
  REQUIRE(alerts.status == 202);
  std::string main_id = Json(main.body)["notification_id"].GetString();
  std::string alerts_id = Json(alerts.body)["notification_id"].GetString();
  stack.WaitSettled(main_id);
  stack.WaitSettled(alerts_id);

  SECTION("a user with no sender permission set sees Everyone's contact point only, masked") {
    std::string session = SignIn(stack, "viewer@sfnotify.demo");
    auto me = Json(AsUser(stack, session, "GET", "/auth/me").body);
    CHECK(std::string(me["name"].GetString()) == "Vera Viewer");
    CHECK(std::string(me["user_id"].GetString()) == viewer);
    CHECK_FALSE(me["sees_all"].GetBool());
    CHECK_FALSE(me["full_numbers"].GetBool());
    REQUIRE(me["contact_points"].Size() == 1);
    CHECK(std::string(me["contact_points"][0].GetString()) == "Alerts");
    CHECK(std::string(me["csrf_token"].GetString()).size() == 48);

    auto list = AsUser(stack, session, "GET", "/v1/history");
    REQUIRE(list.status == 200);
    auto page = Json(list.body);
    CHECK(ItemIds(page) == std::vector<std::string>{alerts_id});
    CHECK(std::string(page["items"][0]["requested_by_name"].GetString()) == "Vera Viewer");
    CHECK(std::string(page["items"][0]["requested_by_url"].GetString()) ==
          stack.org_url() + "/" + viewer);

    auto refused = AsUser(stack, session, "GET", "/v1/history/" + main_id);
    CHECK(refused.status == 403);
    CHECK(std::string(Json(refused.body)["error"]["code"].GetString()) == "forbidden");
    CHECK(refused.body.find("Main") != std::string::npos);

    auto detail = AsUser(stack, session, "GET", "/v1/history/" + alerts_id);
    REQUIRE(detail.status == 200);
    auto d = Json(detail.body);
    CHECK(d["phones_masked"].GetBool());
    const auto& r = d["recipients"][0];
    CHECK(std::string(r["record_name"].GetString()) == "Wendy Webview1");
    CHECK(std::string(r["object"].GetString()) == "Lead");
    CHECK(std::string(r["phone"].GetString()) == "+*******0102");
    std::string link = r["record_url"].GetString();
    CHECK(link == stack.org_url() + "/" + leads[1]);
    // The link opens the record in the org.
    auto record = Org(stack).Send("GET", Target(link, stack.org_url()));
    CHECK(record.status == 200);
    CHECK(record.body.find("Wendy Webview1") != std::string::npos);

    // Filters take names as well as Ids (any case), still within what the user sees.
    auto by_name =
        Json(AsUser(stack, session, "GET", "/v1/history?record_id=wendy%20webview1").body);
    CHECK(ItemIds(by_name) == std::vector<std::string>{alerts_id});
    auto hidden =
        Json(AsUser(stack, session, "GET", "/v1/history?record_id=Wendy%20Webview0").body);
    CHECK(ItemIds(hidden).empty());
    auto by_user =
        Json(AsUser(stack, session, "GET", "/v1/history?requested_by=Vera%20Viewer").body);
    CHECK(ItemIds(by_user) == std::vector<std::string>{alerts_id});

    auto usage = Json(AsUser(stack, session, "GET", "/v1/usage").body);
    REQUIRE(usage["rows"].Size() == 1);
    CHECK(std::string(usage["rows"][0]["key"].GetString()) == "Alerts");
    auto conversations = AsUser(stack, session, "GET", "/v1/conversations");
    CHECK(conversations.status == 200);

    // A session reads; it never sends (that takes an API key).
    auto send = AsUser(stack, session, "POST", "/v1/notifications",
                       R"({"request_id":"web-x","contact_point":"Alerts","requested_by":")" +
                           viewer + R"(","message":"x","record_ids":[")" + leads[1] + R"("]})");
    CHECK(send.status == 401);
  }

  SECTION(
      "a sender sees the contact points whose roles they hold; the admin set sees everything "
      "whole") {
    std::string session = SignIn(stack, "sender@sfnotify.demo");
    auto me = Json(AsUser(stack, session, "GET", "/auth/me").body);
    CHECK(std::string(me["name"].GetString()) == "Sam Sender");
    CHECK(me["contact_points"].Size() == 2);
    auto page = Json(AsUser(stack, session, "GET", "/v1/history").body);
    CHECK(ItemIds(page) == std::vector<std::string>{alerts_id, main_id});
    CHECK(std::string(page["items"][1]["requested_by_name"].GetString()) == "Sam Sender");
    auto main_detail = Json(AsUser(stack, session, "GET", "/v1/history/" + main_id).body);
    CHECK(std::string(main_detail["recipients"][0]["phone"].GetString()) == "+*******0101");

    std::string admin = SignIn(stack, "integration@sfnotify.demo");
    auto admin_me = Json(AsUser(stack, admin, "GET", "/auth/me").body);
    CHECK(admin_me["sees_all"].GetBool());
    CHECK(admin_me["full_numbers"].GetBool());
    auto whole = Json(AsUser(stack, admin, "GET", "/v1/history/" + main_id).body);
    CHECK_FALSE(whole["phones_masked"].GetBool());
    CHECK(std::string(whole["recipients"][0]["phone"].GetString()) == "+14155550101");
    CHECK(std::string(whole["recipients"][0]["record_name"].GetString()) == "Wendy Webview0");

    // Usage by user names the users.
    auto by_user = Json(stack.Api("GET", "/v1/usage?group_by=user", "", kReadKey).body);
    std::map<std::string, std::string> names;
    for (const auto& row : by_user["rows"].GetArray()) {
      names[row["key"].GetString()] = row.HasMember("name") ? row["name"].GetString() : "";
    }
    CHECK(names[sender] == "Sam Sender");
    CHECK(names[stack.UserId("viewer@sfnotify.demo")] == "Vera Viewer");

    // API keys stay for machines: unchanged, and they see everything.
    auto keyed = Json(stack.Api("GET", "/v1/history", "", kReadKey).body);
    CHECK(ItemIds(keyed).size() == 2);
    // Without a cookie or key: nothing.
    CHECK(Connector(stack).Send("GET", "/v1/history").status == 401);
    CHECK(Connector(stack).Send("GET", "/auth/me").status == 401);
  }

  SECTION("the CLI shows names and links") {
    auto show =
        sfn::ChildProcess::Start({sfn::test::BinDir() + "/sfnotify", "history", "show", main_id,
                                  "--url", stack.api->client->base_url(), "--key", kApiKey},
                                 stack.dir().File("cli.log"));
    REQUIRE(show.ok());
    std::string out = show->ReadRemaining(std::chrono::seconds(30));
    INFO(out << sfn::test::ReadFile(stack.dir().File("cli.log")));
    REQUIRE(show->Wait(std::chrono::seconds(30)) == 0);
    CHECK(out.find("by Sam Sender (" + sender + ")") != std::string::npos);
    CHECK(out.find("Wendy Webview0 (" + leads[0] + ")") != std::string::npos);
    CHECK(out.find(stack.org_url() + "/" + leads[0]) != std::string::npos);
  }
}

TEST_CASE(
    "sign-in refuses an unknown state, another browser's state and a code bound to another "
    "verifier",
    "[e2e][web_login]") {
  StackOptions options;
  options.extra_http_json = kWebLogin;
  Stack stack(options);
  const std::string base = stack.api->client->base_url();

  SECTION("a state the connector never issued") {
    StartedLogin login = StartLogin(stack);
    std::string callback = SubmitLoginForm(stack, login.authorize_url, "sender@sfnotify.demo");
    std::string forged = "/auth/callback?code=" + sfn::form::Encode(QueryParam(callback, "code")) +
                         "&state=0123456789abcdef0123456789abcdef";
    auto r = Connector(stack).Send("GET", forged, "",
                                   {{"Cookie", "sfn_login=0123456789abcdef0123456789abcdef"}});
    CHECK(r.status == 400);
    CHECK(std::string(Json(r.body)["error"]["code"].GetString()) == "invalid_state");
    CHECK(SetCookie(r, "sfn_session").empty());
  }

  SECTION("the right state from a browser that did not start the sign-in, then used twice") {
    StartedLogin login = StartLogin(stack);
    std::string callback = SubmitLoginForm(stack, login.authorize_url, "sender@sfnotify.demo");
    auto foreign = Connector(stack).Send("GET", Target(callback, base));  // no sfn_login cookie
    CHECK(foreign.status == 400);
    CHECK(foreign.body.find("another browser") != std::string::npos);
    // The state is spent by that attempt: the right browser cannot replay it either.
    auto replay = Connector(stack).Send("GET", Target(callback, base), "",
                                        {{"Cookie", "sfn_login=" + login.login_cookie}});
    CHECK(replay.status == 400);
    CHECK(std::string(Json(replay.body)["error"]["code"].GetString()) == "invalid_state");
  }

  SECTION("an authorization code obtained with someone else's PKCE challenge") {
    StartedLogin victim = StartLogin(stack);
    // An attacker authorises with their own challenge and slips the code into the victim's
    // callback.
    std::string attacker_verifier = sfn::crypto::RandomHex(32);
    std::string attacker_challenge =
        sfn::crypto::Base64UrlEncode(sfn::crypto::Sha256(attacker_verifier));
    std::string authorize = stack.org_url() +
                            "/services/oauth2/authorize?response_type=code&client_id=sfnotify-local"
                            "&redirect_uri=" +
                            sfn::form::Encode(base + "/auth/callback") +
                            "&state=attacker&code_challenge=" + attacker_challenge +
                            "&code_challenge_method=S256";
    std::string attacker_callback = SubmitLoginForm(stack, authorize, "integration@sfnotify.demo");
    std::string code = QueryParam(attacker_callback, "code");
    auto r = Connector(stack).Send(
        "GET", "/auth/callback?code=" + sfn::form::Encode(code) + "&state=" + victim.state, "",
        {{"Cookie", "sfn_login=" + victim.login_cookie}});
    INFO(r.body);
    CHECK(r.status == 400);
    CHECK(r.body.find("invalid code verifier") != std::string::npos);
    CHECK(SetCookie(r, "sfn_session").empty());
    // sfemu refused the exchange.
    bool refused = false;
    auto log = stack.OrgRequests();  // kept alive for the loop
    for (const auto& req : log["requests"].GetArray()) {
      if (std::string(req["path"].GetString()) == "/services/oauth2/token" &&
          req["status"].GetInt() == 400) {
        refused = true;
      }
    }
    CHECK(refused);
  }

  SECTION("Salesforce's refusal (an error on the callback) is shown, not a session") {
    StartedLogin login = StartLogin(stack);
    auto r = Connector(stack).Send(
        "GET",
        "/auth/callback?error=access_denied&error_description=end-user+denied&state=" + login.state,
        "", {{"Cookie", "sfn_login=" + login.login_cookie}});
    CHECK(r.status == 400);
    CHECK(r.body.find("access_denied") != std::string::npos);
  }
}

TEST_CASE("a web session ends after http.session_hours", "[e2e][web_login]") {
  StackOptions options;
  options.extra_http_json = std::string(kWebLogin) + R"("session_hours": 0.0005, )";  // 1.8 seconds
  Stack stack(options);
  std::string session = SignIn(stack, "sender@sfnotify.demo");
  REQUIRE(AsUser(stack, session, "GET", "/auth/me").status == 200);
  REQUIRE(AsUser(stack, session, "GET", "/v1/history").status == 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  CHECK(AsUser(stack, session, "GET", "/auth/me").status == 401);
  CHECK(AsUser(stack, session, "GET", "/v1/history").status == 401);
  // A made-up cookie never opens anything.
  CHECK(AsUser(stack, std::string(64, 'a'), "GET", "/v1/history").status == 401);
}

TEST_CASE("sign-out needs the CSRF token and revokes the Salesforce token", "[e2e][web_login]") {
  StackOptions options;
  options.extra_http_json = kWebLogin;
  Stack stack(options);
  std::string session = SignIn(stack, "sender@sfnotify.demo");
  std::string csrf = Json(AsUser(stack, session, "GET", "/auth/me").body)["csrf_token"].GetString();

  auto missing = AsUser(stack, session, "POST", "/auth/logout");
  CHECK(missing.status == 403);
  CHECK(std::string(Json(missing.body)["error"]["code"].GetString()) == "csrf_token_invalid");
  auto wrong =
      AsUser(stack, session, "POST", "/auth/logout", "", {{"X-CSRF-Token", std::string(48, '0')}});
  CHECK(wrong.status == 403);
  CHECK(AsUser(stack, session, "GET", "/auth/me").status == 200);  // still signed in
  CHECK(AsUser(stack, session, "GET", "/auth/logout").status == 405);

  auto seq = stack.OrgRequests()["last_seq"].GetInt64();
  auto out = AsUser(stack, session, "POST", "/auth/logout", "", {{"X-CSRF-Token", csrf}});
  REQUIRE(out.status == 200);
  std::string cleared = SetCookie(out, "sfn_session");
  CHECK(cleared.find("Max-Age=0") != std::string::npos);
  CHECK(AsUser(stack, session, "GET", "/auth/me").status == 401);
  CHECK(AsUser(stack, session, "GET", "/v1/history").status == 401);
  bool revoked = false;
  auto requests = Org(stack).Send("GET", "/__emulator/requests?since=" + std::to_string(seq));
  auto log = Json(requests.body);  // kept alive for the loop
  for (const auto& req : log["requests"].GetArray()) {
    if (std::string(req["path"].GetString()) == "/services/oauth2/revoke" &&
        req["status"].GetInt() == 200) {
      revoked = true;
    }
  }
  INFO(stack.ConnectorLog());
  INFO("org requests since sign-out: " << requests.body);
  CHECK(revoked);
  // The CSRF token also works as a form field (a plain HTML form).
  std::string again = SignIn(stack, "sender@sfnotify.demo");
  std::string token = Json(AsUser(stack, again, "GET", "/auth/me").body)["csrf_token"].GetString();
  auto form = AsUser(stack, again, "POST", "/auth/logout", "csrf_token=" + token,
                     {{"Content-Type", "application/x-www-form-urlencoded"}});
  CHECK(form.status == 200);
}
