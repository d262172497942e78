#include "connector/send/twilio_transport.h"

#include <cstdlib>

#include "common/crypto.h"
#include "common/form.h"
#include "common/json.h"
#include "common/time_util.h"

namespace sfn::connector {

bool IsOptOutError(int code) { return code == 21610; }

TwilioTransport::TwilioTransport(TwilioOptions options) : options_(std::move(options)) {
  http::ClientOptions client_options;
  client_options.timeout = options_.timeout;
  client_options.verify_tls = options_.verify_tls;
  client_ = std::make_unique<http::Client>(options_.base_url, client_options);
}

http::Request TwilioTransport::BaseRequest(const std::string& method, const std::string& path) const {
  http::Request request;
  request.method = method;
  request.path = "/2010-04-01/Accounts/" + options_.account_sid + path;
  request.headers.Set("Authorization",
                      "Basic " + crypto::Base64Encode(options_.account_sid + ":" + options_.auth_token));
  request.headers.Set("Accept", "application/json");
  return request;
}

namespace {

int SegmentsOf(const rapidjson::Value& doc) {
  if (auto s = json::GetString(doc, "num_segments")) return std::atoi(s->c_str());
  if (auto n = json::GetInt(doc, "num_segments")) return static_cast<int>(*n);
  return 0;
}

SendOutcome AcceptedFrom(const rapidjson::Value& doc) {
  SendOutcome out;
  out.kind = SendOutcome::Kind::kAccepted;
  out.sid = json::GetString(doc, "sid").value_or("");
  out.status = json::GetString(doc, "status").value_or("queued");
  out.segments = SegmentsOf(doc);
  return out;
}

SendOutcome FromResponse(const http::Response& response) {
  auto doc = json::Parse(response.body);
  if (response.status == 200 || response.status == 201) {
    if (doc.ok() && doc->IsObject() && json::GetString(doc.value(), "sid")) return AcceptedFrom(doc.value());
    SendOutcome unknown;
    unknown.kind = SendOutcome::Kind::kUnknown;
    unknown.error_message = "gateway answered " + std::to_string(response.status) + " without a message sid";
    return unknown;
  }
  SendOutcome out;
  if (doc.ok() && doc->IsObject()) {
    out.error_code = static_cast<int>(json::GetInt(doc.value(), "code").value_or(0));
    out.error_message = json::GetString(doc.value(), "message").value_or("");
  }
  if (out.error_message.empty()) out.error_message = "HTTP " + std::to_string(response.status);
  if (response.status == 429 || out.error_code == 20429) {
    out.kind = SendOutcome::Kind::kRetryLater;  // "never processed and always safe to retry"
    out.throttled = true;
    std::string retry_after = response.headers.Get("Retry-After");
    out.retry_after_ms = retry_after.empty() ? 1000 : std::atoi(retry_after.c_str()) * 1000;
    return out;
  }
  if (out.error_code == 21611) {
    // The sender's queue holds more than Twilio's queue-time limit: not created, back-pressure.
    // The sender's backoff grows from here while the queue drains.
    out.kind = SendOutcome::Kind::kRetryLater;
    out.retry_after_ms = 1000;
    return out;
  }
  if (response.status == 401 || response.status == 403) {
    // Bad credentials: nothing was sent; keep the recipients and retry later.
    out.kind = SendOutcome::Kind::kRetryLater;
    out.retry_after_ms = 30000;
    return out;
  }
  if (response.status == 503) {
    // Service unavailable: refused before the message was taken (Twilio, like any front end
    // shedding load, answers 503 without creating anything); retry, honouring Retry-After.
    out.kind = SendOutcome::Kind::kRetryLater;
    std::string retry_after = response.headers.Get("Retry-After");
    out.retry_after_ms = retry_after.empty() ? 1000 : std::atoi(retry_after.c_str()) * 1000;
    return out;
  }
  if (response.status >= 500) {
    out.kind = SendOutcome::Kind::kUnknown;  // the gateway may have accepted before failing
    return out;
  }
  out.kind = SendOutcome::Kind::kRejected;
  return out;
}

}  // namespace

http::Request TwilioTransport::CreateRequest(const OutboundMessage& message) const {
  http::Request request = BaseRequest("POST", "/Messages.json");
  form::Params params = {{"To", message.to}, {"Body", message.body}};
  if (message.from.rfind("MG", 0) == 0) {
    params.emplace_back("MessagingServiceSid", message.from);
  } else {
    params.emplace_back("From", message.from);
  }
  if (!message.status_callback.empty()) params.emplace_back("StatusCallback", message.status_callback);
  request.body = form::Serialize(params);
  request.headers.Set("Content-Type", "application/x-www-form-urlencoded");
  return request;
}

namespace {
SendOutcome FromResult(const Result<http::Response>& response) {
  if (!response.ok()) {
    SendOutcome out;
    // Refused before anything was written: surely not sent. Anything later: reconcile.
    out.kind = response.status().code() == StatusCode::kUnavailable ? SendOutcome::Kind::kRetryLater
                                                                      : SendOutcome::Kind::kUnknown;
    out.retry_after_ms = 1000;
    out.error_message = response.status().message();
    return out;
  }
  return FromResponse(response.value());
}
}  // namespace

SendOutcome TwilioTransport::Send(const OutboundMessage& message) {
  return FromResult(client_->Send(CreateRequest(message)));
}

void TwilioTransport::SendAsync(const OutboundMessage& message,
                                std::function<void(SendOutcome)> done) {
  client_->SendAsync(CreateRequest(message),
                     [done = std::move(done)](Result<http::Response> r) { done(FromResult(r)); });
}

std::vector<MessageStatus> TwilioTransport::Lookup(const std::vector<std::string>& sids) {
  std::vector<std::future<Result<http::Response>>> answers;
  for (const auto& sid : sids)
    answers.push_back(client_->SendAsync(BaseRequest("GET", "/Messages/" + sid + ".json")));
  std::vector<MessageStatus> out(sids.size());
  for (size_t i = 0; i < sids.size(); ++i) {
    auto r = answers[i].get();
    if (!r.ok() || r->status != 200) continue;
    auto doc = json::Parse(r->body);
    if (!doc.ok() || !doc->IsObject()) continue;
    out[i].found = true;
    out[i].status = json::GetString(doc.value(), "status").value_or("");
    out[i].error_code = static_cast<int>(json::GetInt(doc.value(), "error_code").value_or(0));
    out[i].error_message = json::GetString(doc.value(), "error_message").value_or("");
  }
  return out;
}

SendOutcome TwilioTransport::Reconcile(const OutboundMessage& message, int64_t since_epoch_ms) {
  auto found = FindSent(message, since_epoch_ms);
  if (found.empty()) {
    SendOutcome not_sent;
    not_sent.kind = SendOutcome::Kind::kRetryLater;
    not_sent.error_message = "not found at the gateway";
    return not_sent;
  }
  return found.front();
}

std::vector<SendOutcome> TwilioTransport::FindSent(const OutboundMessage& message,
                                                   int64_t since_epoch_ms) {
  http::Request request = BaseRequest("GET", "/Messages.json");
  form::Params query = {{"To", message.to}, {"PageSize", "1000"}};
  if (message.from.rfind("MG", 0) != 0) query.emplace_back("From", message.from);
  request.query = form::Serialize(query);
  auto response = client_->Send(request);
  SendOutcome unknown;
  unknown.kind = SendOutcome::Kind::kUnknown;
  if (!response.ok()) {
    unknown.error_message = "reconcile failed: " + response.status().message();
    return {unknown};
  }
  if (response->status != 200) {
    unknown.error_message = "reconcile failed: HTTP " + std::to_string(response->status);
    return {unknown};
  }
  auto doc = json::Parse(response->body);
  if (!doc.ok() || !doc->IsObject() || !doc->HasMember("messages") || !(*doc)["messages"].IsArray()) {
    unknown.error_message = "reconcile failed: unexpected list response";
    return {unknown};
  }
  int64_t since_s = since_epoch_ms / 1000 - 1;  // RFC 2822 has second precision
  std::vector<SendOutcome> out;
  for (const auto& m : (*doc)["messages"].GetArray()) {
    if (json::GetString(m, "body").value_or("") != message.body) continue;
    auto created = timeutil::ParseRfc2822(json::GetString(m, "date_created").value_or(""));
    if (!created.ok() || created.value() < since_s) continue;
    out.push_back(AcceptedFrom(m));
  }
  return out;
}

}  // namespace sfn::connector
