// Behind a reverse proxy the gateway signs the outside URL, not the address
// the connector listens on: with http.public_url set, the status callback URL
// handed to the gateway and the signature check both use it.
#include <catch2/catch.hpp>

#include "common/form.h"
#include "common/twilio_signature.h"
#include "stack.h"

using namespace e2e;

namespace {
constexpr const char* kPublicUrl =
    "https://sms.example.test/sfnotify";  // the proxy strips /sfnotify
constexpr const char* kGatewayToken = "smsemu-demo-token";
}  // namespace

TEST_CASE("behind a proxy, webhooks are checked against http.public_url", "[e2e][sync][security]") {
  StackOptions options;
  options.public_url = kPublicUrl;
  Stack stack(options);
  // The outside URL does not resolve here: no callbacks from smsemu, this test posts them itself.
  stack.DropGatewayCallbacks();
  auto ids = stack.CreateRecords(
      "Lead",
      {R"({"LastName":"Proxy","Company":"Proxy Co","SMS_Opt_In__c":true,"MobilePhone":"+12125550201"})"});
  auto r = stack.Api(
      "POST", "/v1/notifications",
      R"({"request_id":"proxy-1","contact_point":"Alerts","requested_by":"0055g0000000002AAA",)"
      R"("message":"Proxy test","record_ids":[")" +
          ids[0] + R"("]})");
  REQUIRE(r.status == 202);
  auto view = stack.WaitSettled(Json(r.body)["notification_id"].GetString());
  std::string sid = view["recipients"][0]["gateway_sid"].GetString();

  // The gateway was told to call the public URL.
  std::string callback;
  auto messages = stack.Messages();  // named: the loop must not iterate a destroyed temporary
  for (const auto& m : messages["messages"].GetArray()) {
    if (sid == m["sid"].GetString()) callback = m["status_callback"].GetString();
  }
  const std::string prefix = std::string(kPublicUrl) + "/v1/webhooks/twilio/status?";
  INFO("status callback: " << callback);
  REQUIRE(callback.rfind(prefix, 0) == 0);
  const std::string target =
      callback.substr(std::string(kPublicUrl).size());  // what the proxy forwards

  sfn::form::Params params = {
      {"MessageSid", sid}, {"MessageStatus", "undelivered"}, {"ErrorCode", "30005"}};
  std::string body = sfn::form::Serialize(params);
  auto post = [&](const std::string& signed_url) {
    return stack.api->Send(
        "POST", target, body,
        {{"Content-Type", "application/x-www-form-urlencoded"},
         {"X-Twilio-Signature", sfn::twilio::ComputeSignature(kGatewayToken, signed_url, params)}});
  };
  auto recipient = [&] {
    return Json(stack.Api("GET", "/v1/notifications/by-request/proxy-1").body);
  };

  // The notification's history events, to show a refused call records nothing at all.
  const std::string history = "/v1/history/" + std::string(view["notification_id"].GetString());
  auto events = [&] { return Json(stack.Api("GET", history).body)["events"].Size(); };
  const size_t events_before = events();

  // Signed for the listen address (as if the proxy were bypassed or the Host header trusted):
  // refused.
  CHECK(post(stack.api->client->base_url() + target).status == 403);
  CHECK(recipient()["recipients"][0]["error_code"].GetInt() == 0);
  // Signed for the public URL with a different query: refused too (the query is part of the URL).
  CHECK(post(callback + "&x=1").status == 403);
  CHECK(recipient()["recipients"][0]["error_code"].GetInt() == 0);
  CHECK(events() == events_before);
  // Signed for exactly the URL the gateway called: applied.
  CHECK(post(callback).status == 200);
  REQUIRE(stack.WaitInboxDrained());
  auto after = recipient();
  CHECK(std::string(after["recipients"][0]["state"].GetString()) == "undelivered");
  CHECK(after["recipients"][0]["error_code"].GetInt() == 30005);
  CHECK(events() > events_before);  // the accepted one is in the history

  // Inbound messages likewise.
  sfn::form::Params inbound = {{"MessageSid", "SM0123456789abcdef0123456789abcdef"},
                               {"From", "+12125550201"},
                               {"To", "+15005550006"},
                               {"Body", "Thanks, see you"}};
  auto post_inbound = [&](const std::string& signed_url) {
    return stack.api->Send("POST", "/v1/webhooks/twilio/inbound", sfn::form::Serialize(inbound),
                           {{"Content-Type", "application/x-www-form-urlencoded"},
                            {"X-Twilio-Signature",
                             sfn::twilio::ComputeSignature(kGatewayToken, signed_url, inbound)}});
  };
  CHECK(post_inbound(stack.api->client->base_url() + "/v1/webhooks/twilio/inbound").status == 403);
  auto accepted = post_inbound(std::string(kPublicUrl) + "/v1/webhooks/twilio/inbound");
  CHECK(accepted.status == 200);
  REQUIRE(stack.WaitInboxDrained());
  CHECK(accepted.body.find("<Response") != std::string::npos);
  CHECK(Json(stack.Api("GET", "/v1/conversations").body)["conversations"].Size() == 1);
}
