// The Twilio Messages REST API half of the router.
#include <algorithm>
#include <cstdlib>
#include <regex>

#include "common/crypto.h"
#include "common/form.h"
#include "common/sms_segments.h"
#include "common/time_util.h"
#include "sandbox/smsemu/emulator.h"
#include "sandbox/smsemu/resource_json.h"

namespace sfn::smsemu {

namespace {

constexpr int kMaxBodyCharacters = 1600;
constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 1000;

http::Response JsonOf(int status, const rapidjson::StringBuffer& buffer) {
  return http::JsonResponse(status, std::string(buffer.GetString(), buffer.GetSize()));
}

// The AccountSid:AuthToken pair of a Basic Authorization header.
bool ParseBasicAuth(const std::string& header, std::string* user, std::string* password) {
  if (header.size() < 6 || !http::EqualsIgnoreCase(header.substr(0, 6), "Basic ")) return false;
  auto decoded = crypto::Base64Decode(header.substr(6));
  if (!decoded.ok()) return false;
  size_t colon = decoded->find(':');
  if (colon == std::string::npos) return false;
  *user = decoded->substr(0, colon);
  *password = decoded->substr(colon + 1);
  return true;
}

// A StatusCallback Twilio would accept: absolute http(s) URL whose host is a
// valid hostname (letters, digits, '-', '.'; no underscores) or an IP address.
bool IsValidCallbackUrl(const std::string& url) {
  static const std::regex kUrl(
      R"(^https?://([A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?([/?#].*)?$)");
  return url.size() <= 4000 && std::regex_match(url, kUrl);
}

// "YYYY-MM-DD" (a whole UTC day) or an RFC 3339 instant; `*whole_day` tells which.
bool ParseDateFilter(const std::string& value, int64_t* epoch_s, bool* whole_day) {
  if (value.size() == 10) {
    auto t = timeutil::ParseRfc3339(value + "T00:00:00Z");
    if (!t.ok()) return false;
    *epoch_s = t.value() / 1000;
    *whole_day = true;
    return true;
  }
  auto t = timeutil::ParseRfc3339(value);
  if (!t.ok()) return false;
  *epoch_s = t.value() / 1000;
  *whole_day = false;
  return true;
}

bool ParseNonNegative(const std::string& text, int* out) {
  if (text.empty() || text.size() > 9) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  *out = std::atoi(text.c_str());
  return true;
}

}  // namespace

http::Response TwilioError(int http_status, int code, std::string message) {
  if (message.empty()) message = TwilioErrorMessage(code);
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("code");
  w.Int(code);
  w.Key("message");
  w.String(message.c_str(), static_cast<rapidjson::SizeType>(message.size()));
  std::string more_info = "https://www.twilio.com/docs/errors/" + std::to_string(code);
  w.Key("more_info");
  w.String(more_info.c_str(), static_cast<rapidjson::SizeType>(more_info.size()));
  w.Key("status");
  w.Int(http_status);
  w.EndObject();
  return JsonOf(http_status, buffer);
}

http::Response TooManyRequests() {
  http::Response busy = TwilioError(429, 20429);
  busy.headers.Set("Retry-After", "1");  // emulator's hint; Twilio asks for backoff without one
  return busy;
}

std::string NewSid(const char* prefix) {
  return prefix + crypto::RandomHex(16);
}

bool Emulator::IsAccountNumber(const std::string& number) const {
  static const std::regex kTestNumbers(R"(^\+1500555[0-9]{4}$)");
  if (std::regex_match(number, kTestNumbers)) return true;
  return std::find(seed_.from_numbers.begin(), seed_.from_numbers.end(), number) !=
         seed_.from_numbers.end();
}

void Emulator::HandleApi(const http::Request& request, const std::vector<std::string>& parts,
                         http::Responder responder) {
  // parts: 2010-04-01 / Accounts / {AccountSid} / Messages.json | Messages / {Sid}.json
  std::string user, password;
  bool authed = ParseBasicAuth(request.headers.Get("Authorization"), &user, &password) &&
                crypto::ConstantTimeEquals(user, options_.account_sid) &&
                crypto::ConstantTimeEquals(password, options_.auth_token);
  if (!authed || parts.size() < 3 || parts[2] != options_.account_sid) {
    http::Response denied = TwilioError(401, 20003);
    denied.headers.Set("WWW-Authenticate", "Basic realm=\"Twilio API\"");
    responder.Send(std::move(denied));
    return;
  }
  // Twilio's only 429: too many of the account's requests at once. Never processed.
  ConcurrencyLimit::Ticket ticket = concurrency_.TryEnter();
  if (!ticket) return responder.Send(TooManyRequests());
  // The place is given back just before the answer leaves, so a client that
  // waits for each answer never counts twice.
  auto answer = [&](http::Response response) {
    ticket.reset();
    responder.Send(std::move(response));
  };
  std::string not_found = "The requested resource " + request.path + " was not found";
  if (parts.size() == 4 && parts[3] == "Messages.json") {
    if (request.method == "POST") return CreateMessage(request, responder, &ticket);
    if (request.method == "GET") return answer(ListMessages(request));
    return answer(TwilioError(405, 20004, "Method not allowed"));
  }
  if (parts.size() == 5 && parts[3] == "Messages" && parts[4].size() > 5 &&
      parts[4].compare(parts[4].size() - 5, 5, ".json") == 0) {
    std::string sid = parts[4].substr(0, parts[4].size() - 5);
    if (request.method == "GET") {
      auto message = store_.Get(sid);
      if (!message) return answer(TwilioError(404, 20404, not_found));
      rapidjson::StringBuffer buffer;
      JsonWriter w(buffer);
      WriteMessageResource(*message, false, &w);
      return answer(JsonOf(200, buffer));
    }
    if (request.method == "POST") return answer(UpdateMessage(request, sid));
    return answer(TwilioError(405, 20004, "Method not allowed"));
  }
  answer(TwilioError(404, 20404, not_found));
}

void Emulator::Hold(http::Responder responder, ConcurrencyLimit::Ticket ticket, int hold_ms) {
  int64_t id;
  {
    std::lock_guard<std::mutex> lock(mu_);
    id = next_held_id_++;
    held_.emplace(id, Held{responder, std::move(ticket)});
  }
  // The answer comes long after a client's timeout; until then the request hangs.
  timer_.RunAfter(hold_ms, [this, id] { AnswerHeld(id); });
}

void Emulator::CreateMessage(const http::Request& request, http::Responder responder,
                             ConcurrencyLimit::Ticket* ticket) {
  auto answer = [&](http::Response response) {
    ticket->reset();
    responder.Send(std::move(response));
  };
  std::optional<Fault> fault = faults_.Take();
  if (fault && fault->kind == FaultKind::kHttp500) {
    return answer(TwilioError(500, 20500, "Internal Server Error (injected)"));
  }
  if (fault && fault->kind == FaultKind::kHttp503) {
    return answer(TwilioError(503, 20503, "Service Unavailable (injected)"));
  }
  if (fault && fault->kind == FaultKind::kHttp429) return answer(TooManyRequests());

  form::Params params = form::Parse(request.body);
  std::string to = form::Get(params, "To");
  std::string from = form::Get(params, "From");
  std::string service = form::Get(params, "MessagingServiceSid");
  std::string body = form::Get(params, "Body");
  std::string callback = form::Get(params, "StatusCallback");

  if (to.empty()) return answer(TwilioError(400, 21604));
  if (!IsE164Number(to))
    return answer(
        TwilioError(400, 21211, "The 'To' number " + to + " is not a valid phone number."));
  auto rule = carrier_.Find(to).value_or(CarrierRule{});
  if (rule.reject_code != 0) return answer(TwilioError(400, rule.reject_code));
  if (!service.empty()) {
    static const std::regex kServiceSid("^MG[0-9a-fA-F]{32}$");
    if (!std::regex_match(service, kServiceSid)) return answer(TwilioError(400, 21705));
    from.clear();  // the service's pool picks the sender
  } else if (from.empty()) {
    return answer(TwilioError(400, 21603));
  } else if (!IsE164Number(from)) {
    return answer(
        TwilioError(400, 21212, "The 'From' number " + from + " is not a valid phone number."));
  } else if (!IsAccountNumber(from)) {
    return answer(TwilioError(400, 21606));
  }
  if (body.empty()) return answer(TwilioError(400, 21602));
  sms::SegmentCount count = sms::CountSegments(body);
  if (count.characters > kMaxBodyCharacters) return answer(TwilioError(400, 21617));
  if (!callback.empty() && !IsValidCallbackUrl(callback)) {
    return answer(
        TwilioError(400, 21609, "The StatusCallback URL " + callback + " is not a valid URL."));
  }
  bool blocked = service.empty() ? stop_list_.Blocks(to, from) : stop_list_.BlocksAnySender(to);
  if (blocked) return answer(TwilioError(400, 21610));
  // Above the sender's rate the message waits in its queue (Twilio: error
  // pages 21611 and 30001). A From number whose queue already holds more than
  // the limit refuses the create; a Messaging Service accepts it and the
  // message fails with 30001 once it has waited the limit.
  const std::string& sender = service.empty() ? from : service;
  const int64_t now_ms = timeutil::NowMillis();  // the queue and created_ms share one instant
  QueueSlot slot = queues_.Enqueue(sender, count.segments, now_ms);
  if (slot.expires && service.empty()) return answer(TwilioError(400, 21611));

  Message m;
  m.sid = NewSid("SM");
  m.account_sid = options_.account_sid;
  m.messaging_service_sid = service;
  m.from = from;
  m.to = to;
  m.body = body;
  m.status = service.empty() ? "queued" : "accepted";
  m.encoding = sms::SmsEncodingName(count.encoding);
  m.num_segments = count.segments;
  m.status_callback = callback;
  m.created_ms = now_ms;
  m.date_created_s = m.date_updated_s = m.created_ms / 1000;
  store_.Add(m);
  lifecycle_.Start(m.sid, rule, slot, queues_.options().limit_ms);

  if (fault && fault->kind == FaultKind::kTimeoutAfterAccept)
    return Hold(responder, std::move(*ticket), fault->hold_ms);
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  WriteMessageResource(m, !service.empty(), &w);
  answer(JsonOf(201, buffer));
}

http::Response Emulator::ListMessages(const http::Request& request) {
  form::Params query = form::Parse(request.query);
  MessageFilter filter;
  filter.to = form::Get(query, "To");
  filter.from = form::Get(query, "From");
  form::Params echoed;  // filters repeated in the paging URIs
  if (!filter.to.empty()) echoed.emplace_back("To", filter.to);
  if (!filter.from.empty()) echoed.emplace_back("From", filter.from);
  for (const char* name : {"DateSent", "DateSent>", "DateSent<"}) {
    bool present;
    std::string value = form::Get(query, name, &present);
    if (!present) continue;
    int64_t t;
    bool whole_day;
    if (!ParseDateFilter(value, &t, &whole_day)) {
      return TwilioError(400, 20001,
                         std::string("Invalid ") + name + " value '" + value +
                             "': expected YYYY-MM-DD or an ISO 8601 date-time");
    }
    std::string n = name;
    if (n == "DateSent") {
      filter.sent_on_or_after_s = t;
      filter.sent_before_s = whole_day ? t + 86400 : t + 1;
    } else if (n == "DateSent>") {
      filter.sent_on_or_after_s = t;
    } else {
      filter.sent_before_s = whole_day ? t + 86400 : t + 1;
    }
    echoed.emplace_back(name, value);
  }
  int page_size = kDefaultPageSize;
  int page = 0;
  bool present;
  std::string size_text = form::Get(query, "PageSize", &present);
  if (present && (!ParseNonNegative(size_text, &page_size) || page_size < 1)) {
    return TwilioError(400, 20001,
                       "Invalid PageSize '" + size_text + "': expected a positive integer");
  }
  page_size = std::min(page_size, kMaxPageSize);
  std::string page_text = form::Get(query, "Page", &present);
  if (present && !ParseNonNegative(page_text, &page)) {
    return TwilioError(400, 20001,
                       "Invalid Page '" + page_text + "': expected a non-negative integer");
  }

  std::vector<Message> all = store_.List(filter);
  std::reverse(all.begin(), all.end());  // Twilio lists newest first
  size_t start = static_cast<size_t>(page) * static_cast<size_t>(page_size);
  size_t end = std::min(all.size(), start + static_cast<size_t>(page_size));
  if (start > all.size()) start = end = all.size();

  std::string path = "/2010-04-01/Accounts/" + options_.account_sid + "/Messages.json";
  auto page_uri = [&](int p) {
    form::Params q = echoed;
    q.emplace_back("PageSize", std::to_string(page_size));
    q.emplace_back("Page", std::to_string(p));
    return path + "?" + form::Serialize(q);
  };
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("messages");
  w.StartArray();
  for (size_t i = start; i < end; ++i) WriteMessageResource(all[i], false, &w);
  w.EndArray();
  auto str = [&](const char* key, const std::string& v) {
    w.Key(key);
    w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
  };
  w.Key("start");
  w.Uint64(start);
  w.Key("end");
  w.Uint64(end > start ? end - 1 : start);
  w.Key("page");
  w.Int(page);
  w.Key("page_size");
  w.Int(page_size);
  str("uri", page_uri(page));
  str("first_page_uri", page_uri(0));
  w.Key("next_page_uri");
  if (end < all.size()) {
    std::string next = page_uri(page + 1);
    w.String(next.c_str(), static_cast<rapidjson::SizeType>(next.size()));
  } else {
    w.Null();
  }
  w.Key("previous_page_uri");
  if (page > 0) {
    std::string previous = page_uri(page - 1);
    w.String(previous.c_str(), static_cast<rapidjson::SizeType>(previous.size()));
  } else {
    w.Null();
  }
  w.EndObject();
  return JsonOf(200, buffer);
}

http::Response Emulator::UpdateMessage(const http::Request& request, const std::string& sid) {
  form::Params params = form::Parse(request.body);
  bool has_status, has_body;
  std::string status = form::Get(params, "Status", &has_status);
  std::string body = form::Get(params, "Body", &has_body);
  if (has_status && status != "canceled") {
    return TwilioError(400, 20001, "Status: only 'canceled' can be set");
  }
  if (has_body && !body.empty())
    return TwilioError(400, 20001, "Body: only an empty Body (redaction) can be set");
  if (!store_.Get(sid)) {
    return TwilioError(404, 20404, "The requested resource " + request.path + " was not found");
  }
  bool cancelable = true;
  store_.Update(sid, [&](Message& m) {
    if (has_status) {
      // Twilio cancels scheduled messages; the emulator also cancels ones not yet sending.
      if (m.status != "queued" && m.status != "accepted" && m.status != "scheduled") {
        cancelable = false;
        return;
      }
      m.status = "canceled";
    }
    if (has_body) m.body.clear();  // redaction
    m.date_updated_s = timeutil::NowSeconds();
  });
  if (!cancelable) return TwilioError(400, 30409);
  auto m = store_.Get(sid);
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  WriteMessageResource(*m, false, &w);
  return JsonOf(200, buffer);
}

}  // namespace sfn::smsemu
