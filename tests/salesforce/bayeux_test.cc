#include <catch2/catch.hpp>

#include "common/json.h"
#include "salesforce/bayeux.h"

using namespace sfn;
using namespace sfn::salesforce;

TEST_CASE("subscribe carries the replay extension as a number", "[bayeux]") {
  auto doc = json::Parse(bayeux::Subscribe("abc", "/event/Outbound_Notification__e", 42, "2"));
  REQUIRE(doc.ok());
  REQUIRE(doc->IsArray());
  const auto& m = (*doc)[0];
  CHECK(json::GetString(m, "channel") == "/meta/subscribe");
  CHECK(json::GetString(m, "clientId") == "abc");
  CHECK(m["ext"]["replay"]["/event/Outbound_Notification__e"].GetInt64() == 42);
  auto hs = json::Parse(bayeux::Handshake("1"));
  CHECK(json::GetString((*hs)[0], "version") == "1.0");
  CHECK((*hs)[0]["supportedConnectionTypes"][0] == "long-polling");
  auto connect = json::Parse(bayeux::Connect("abc", "3"));
  CHECK(json::GetString((*connect)[0], "connectionType") == "long-polling");
}

TEST_CASE("connect responses yield events and the meta reply", "[bayeux]") {
  auto messages = bayeux::Parse(R"([
    {"channel":"/event/Outbound_Notification__e","data":{"schema":"s1",
      "payload":{"CreatedById":"005x","Request_Id__c":"r-1"},"event":{"EventUuid":"u-1","replayId":17}}},
    {"channel":"/meta/connect","clientId":"abc","successful":true,
      "advice":{"reconnect":"retry","interval":0,"timeout":110000},"id":"3"}])");
  REQUIRE(messages.ok());
  REQUIRE(messages->size() == 2);
  const auto& e = messages.value()[0];
  CHECK(e.is_event);
  CHECK(e.replay_id == 17);
  CHECK(e.event_uuid == "u-1");
  CHECK(json::GetString(json::Parse(e.payload_json).value(), "Request_Id__c") == "r-1");
  const auto& c = messages.value()[1];
  CHECK(c.is_meta());
  CHECK(c.successful);
  CHECK(c.advice.timeout_ms == 110000);
  CHECK(c.advice.reconnect == "retry");
}

TEST_CASE("error replies expose their codes", "[bayeux]") {
  auto m =
      bayeux::Parse(R"([{"channel":"/meta/connect","successful":false,"error":"403::Unknown client",
                            "advice":{"reconnect":"handshake"}}])");
  REQUIRE(m.ok());
  CHECK(m.value()[0].ErrorCode() == 403);
  auto denied = bayeux::Parse(
      R"([{"channel":"/meta/handshake","successful":false,"error":"403::Handshake denied",
                                 "ext":{"sfdc":{"failureReason":"401::Authentication invalid"}}}])");
  CHECK(denied.value()[0].ErrorCode() == 401);
  CHECK_FALSE(bayeux::Parse("not json").ok());
}
