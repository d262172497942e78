#include "connector/intake/event_intake.h"

#include <chrono>
#include <cmath>

#include "common/json.h"
#include "common/log.h"
#include "common/time_util.h"
#include "salesforce/record_id.h"

namespace sfn::connector {

namespace {
std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}
}  // namespace

Result<NotificationRequest> ParseEventPayload(const std::string& payload_json, int64_t replay_id,
                                              const std::string& event_uuid) {
  auto doc = json::Parse(payload_json);
  if (!doc.ok()) return Status::InvalidArgument("payload: " + doc.status().message());
  if (!doc->IsObject()) return Status::InvalidArgument("payload: must be a JSON object");
  const auto& p = doc.value();
  Status type_error;
  auto text = [&](const char* field) {
    auto v = json::GetString(p, field, &type_error);
    return v ? Trim(*v) : std::string();
  };
  NotificationRequest r;
  r.source = "event";
  r.replay_id = replay_id;
  r.request_id = text("Request_Id__c");
  r.contact_point = text("Contact_Point__c");
  r.message = json::GetString(p, "Message__c", &type_error).value_or("");
  r.template_name = text("Template__c");
  std::string campaign = text("Campaign_Id__c");
  std::string creator = text("CreatedById");
  std::string ids = text("Record_Ids__c");
  std::string created = text("CreatedDate");
  // Number fields: CometD sends them as JSON numbers (1 or 1.0).
  auto chunk_index = json::GetDouble(p, "Chunk_Index__c", &type_error);
  auto chunk_count = json::GetDouble(p, "Chunk_Count__c", &type_error);
  if (!type_error.ok()) return type_error;
  if (!created.empty()) {
    auto t = timeutil::ParseRfc3339(created);
    if (!t.ok())
      return Status::InvalidArgument("CreatedDate: '" + created + "' is not an RFC 3339 time");
    r.event_created_ms = *t;
  }
  if (chunk_index || chunk_count) {
    auto whole = [](std::optional<double> v) {
      return v && *v >= 1 && *v <= 100000 && std::floor(*v) == *v;
    };
    if (!whole(chunk_count))
      return Status::InvalidArgument(
          "Chunk_Count__c: must be a whole number from 1 with Chunk_Index__c");
    if (!whole(chunk_index) || *chunk_index > *chunk_count) {
      return Status::InvalidArgument(
          "Chunk_Index__c: must be a whole number from 1 to Chunk_Count__c");
    }
    r.chunk_index = static_cast<int>(*chunk_index);
    r.chunk_count = static_cast<int>(*chunk_count);
  }
  if (r.request_id.empty()) {
    // Without a request id the event's own UUID is the only stable key.
    if (event_uuid.empty()) return Status::InvalidArgument("Request_Id__c: required");
    r.request_id = "event-" + event_uuid;
  }
  if (r.contact_point.empty()) return Status::InvalidArgument("Contact_Point__c: required");
  if (r.message.empty() && r.template_name.empty()) {
    return Status::InvalidArgument("Message__c: either Message__c or Template__c is required");
  }
  auto user = salesforce::NormalizeId(creator);
  if (!user.ok() || salesforce::KeyPrefix(*user) != "005") {
    return Status::InvalidArgument("CreatedById: '" + creator + "' is not a User Id");
  }
  r.requested_by = *user;
  if (!campaign.empty()) {
    auto id = salesforce::NormalizeId(campaign);
    if (!id.ok() || salesforce::KeyPrefix(*id) != "701") {
      return Status::InvalidArgument("Campaign_Id__c: '" + campaign + "' is not a Campaign Id");
    }
    r.campaign_id = *id;
  }
  size_t pos = 0, index = 0;
  while (pos <= ids.size() && !ids.empty()) {
    size_t comma = ids.find(',', pos);
    if (comma == std::string::npos) comma = ids.size();
    std::string one = Trim(ids.substr(pos, comma - pos));
    if (!one.empty()) {
      auto id = salesforce::NormalizeId(one);
      if (!id.ok() || (salesforce::KeyPrefix(*id) != "00Q" && salesforce::KeyPrefix(*id) != "003")) {
        return Status::InvalidArgument("Record_Ids__c[" + std::to_string(index) + "]: '" + one +
                                       "' is not a Lead or Contact Id");
      }
      r.record_ids.push_back(*id);
      ++index;
    }
    pos = comma + 1;
  }
  if (r.record_ids.empty() && r.campaign_id.empty()) {
    return Status::InvalidArgument("Record_Ids__c: either Record_Ids__c or Campaign_Id__c is required");
  }
  return r;
}

}  // namespace sfn::connector

namespace sfn::connector {

EventIntake::EventIntake(EventIntakeOptions options, Store& store,
                         std::function<void()> on_taken_in)
    : options_(options), store_(store), on_taken_in_(std::move(on_taken_in)) {}

EventIntake::~EventIntake() {
  Stop();
}

std::string EventIntake::ExpiryFor(int64_t created_ms, int64_t age_ms) const {
  if (options_.max_event_age_ms <= 0 || created_ms <= 0 || age_ms <= options_.max_event_age_ms)
    return "";
  return "expired: the event was created " + timeutil::FormatRfc3339Millis(created_ms) + ", " +
         std::to_string(age_ms / 60000) +
         " min before it arrived; intake.max_event_age_minutes is " +
         std::to_string(options_.max_event_age_ms / 60000);
}

Status EventIntake::Handle(const std::string& payload_json, int64_t replay_id,
                           const std::string& event_uuid) {
  const std::string event = "event " + std::to_string(replay_id);
  auto request = ParseEventPayload(payload_json, replay_id, event_uuid);
  if (!request.ok()) {
    // A malformed event can never succeed: record it and move on.
    log::Error("intake", event + " refused: " + request.status().message());
    return Status::Ok();
  }
  int64_t now = timeutil::NowMillis();
  if (options_.ignore_created_before_ms > 0 && request->event_created_ms > 0 &&
      request->event_created_ms < options_.ignore_created_before_ms) {
    log::Info("intake", event + " skipped: published before the connector first subscribed (" +
                            timeutil::FormatRfc3339Millis(request->event_created_ms) + ")");
    return Status::Ok();
  }
  if (request->chunk_count > 1) {
    auto chunk = store_.AddChunk(*request, now);
    if (!chunk.ok()) {
      if (chunk.status().code() != StatusCode::kConflict) return chunk.status();
      log::Error("intake", event + ": " + chunk.status().message());
      return Status::Ok();
    }
    if (chunk->duplicate) return Status::Ok();
    if (!chunk->late) {
      if (chunk->chunks_present >= request->chunk_count) return Join(request->request_id);
      return Status::Ok();
    }
    // Its request was joined without it (the wait ran out): sent on its own rather than lost.
    log::Warn("intake", event + ": chunk " + std::to_string(request->chunk_index) + " of request " +
                            request->request_id +
                            " arrived after the request was resolved; taken in on its own");
    request->request_id += "#chunk-" + std::to_string(request->chunk_index);
  }
  std::string refusal = ExpiryFor(request->event_created_ms, now - request->event_created_ms);
  auto intake = refusal.empty() ? store_.Intake(*request) : store_.IntakeRefused(*request, refusal);
  if (!intake.ok()) {
    if (intake.status().code() != StatusCode::kConflict)
      return intake.status();  // the event comes again
    log::Error("intake", event + ": " + intake.status().message());
    return Status::Ok();
  }
  if (!refusal.empty() && intake->created)
    log::Warn("intake", event + " " + intake->notification_id + " " + refusal);
  if (intake->created && on_taken_in_) on_taken_in_();
  return Status::Ok();
}

Status EventIntake::Join(const std::string& request_id) {
  auto joined = store_.JoinChunks(request_id, [this](const JoinedRequest& j) {
    return ExpiryFor(j.request.event_created_ms, j.oldest_event_age_ms);
  });
  if (!joined.ok()) {
    if (joined.status().code() != StatusCode::kConflict) return joined.status();
    log::Error("intake", "request " + request_id + ": " + joined.status().message());
    return Status::Ok();
  }
  if (*joined && (*joined)->created && on_taken_in_) on_taken_in_();
  return Status::Ok();
}

int EventIntake::JoinDue() {
  int joined = 0;
  for (const auto& id : store_.ChunkedRequestsDue(timeutil::NowMillis() - options_.chunk_wait_ms)) {
    Status s = Join(id);
    if (!s.ok()) {
      log::Warn("intake", "request " + id + " not joined yet: " + s.message());
      break;
    }
    ++joined;
  }
  return joined;
}

void EventIntake::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { Run(); });
}

void EventIntake::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void EventIntake::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    lock.unlock();
    JoinDue();
    lock.lock();
    cv_.wait_for(lock, std::chrono::milliseconds(options_.poll_interval_ms),
                 [this] { return stopping_; });
  }
}

}  // namespace sfn::connector
