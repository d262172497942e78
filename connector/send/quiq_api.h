// Quiq's notification API on the wire: request bodies and the tolerant
// reading of its answers. Every assumption about Quiq lives in this file.
//
// Documented (developers.goquiq.com "Send notification", Quiq/api-examples):
//   - Base https://{tenant}.goquiq.com, HTTP Basic with an app token identity:secret.
//   - POST /api/v1/messaging/notify
//       {"contactPoint","topic","notifications":[{"precedence":[{"platform":"SMS"}],
//        "searchInfo":{"phoneNumber","searchId"},"integrations":[],"messageMap":{"default":{"text"}}}]}
//   - POST /api/v1/messaging/platforms/SMS/send-notifications
//       {"contactPoint","notifications":[{"handle","message":{"text"}}]}
//   - HTTP 201 means the call succeeded; allowMultipleSegments=true is needed
//     for bodies over one segment.
//
// Assumed (not public; sandbox/quiqemu implements exactly these):
//   A1 `?allowMultipleSegments=true` is accepted by both bulk calls and applies
//      to every row; without it a row over one segment fails on its own.
//   A2 send-notifications rows also take "searchInfo":{"phoneNumber","searchId"}.
//   A3 The answer lists per-notification results. Accepted shapes: a top-level
//      array, or an object holding an array under notifications | results |
//      responses | items | data. A row is matched by its searchId (searchId or
//      searchInfo.searchId) and otherwise by position. A row's id is the first
//      of id | notificationId | messageId; it failed when it has error (string
//      or {code,message}), errors[], or status failed | error | rejected.
//      A 2xx answer without rows means every notification was taken; the sid
//      is then "quiq:" + searchId (unique per recipient, like our key).
//   A4 Reconcile: GET /api/v1/messaging/notifications?searchId=X answers 200
//      with rows in the same shapes; an empty list means never sent. Anything
//      else (404 included: the endpoint may not exist) cannot tell, so the
//      recipient stays in `sending` rather than risk a second send.
//   A5 Row error codes OPTED_OUT | STOPPED | UNSUBSCRIBED | BLOCKED mean the
//      handle sent STOP to this contact point: mapped to kOptOutErrorCode
//      (Twilio's 21610) so the sender adds it to the suppression list.
//      RATE_LIMITED | THROTTLED | TOO_MANY_REQUESTS rows were not sent: retry.
//      Numeric codes pass through; other codes give error_code 0 + message.
//   A6 Whole-call HTTP: 429 and 503 were not processed (retry, Retry-After in
//      seconds honoured); 401/403 bad credentials (retry in 30 s); 500, 502,
//      504 and other 5xx, timeouts and resets may have sent: unknown, so the
//      rows are reconciled (A4) before any resend; other 4xx reject every row.
// All functions are pure and thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "connector/send/transport.h"

namespace sfn::connector::quiq {

inline constexpr int kOptOutErrorCode = 21610;

struct Notification {
  std::string handle;  // E.164
  std::string text;
  std::string search_id;  // our per-recipient key
};

std::string NotifyBody(const std::string& contact_point, const std::string& topic,
                       const std::vector<Notification>& notifications);
std::string SendNotificationsBody(const std::string& contact_point,
                                  const std::vector<Notification>& notifications);

// One row of a bulk answer (A3).
struct RowResult {
  bool found = false;  // the answer had a row for this notification
  bool failed = false;
  std::string id;
  std::string error_code;
  std::string error_message;
};

// Rows for `search_ids`, in that order (A3). An unparseable body gives rows with found=false.
std::vector<RowResult> ParseBulkRows(std::string_view body,
                                     const std::vector<std::string>& search_ids);

// The outcome of each notification of one bulk call (A3, A5, A6). `retry_after`
// is the Retry-After header ("" when absent). Accepted rows get status
// "accepted" and the row id (or "quiq:" + searchId) as sid.
std::vector<SendOutcome> OutcomesFromBulkResponse(int http_status, const std::string& retry_after,
                                                  std::string_view body,
                                                  const std::vector<std::string>& search_ids);

// The answer to a lookup by searchId (A4): kAccepted with the sid when found,
// kRetryLater when surely never sent, kUnknown when it cannot tell.
SendOutcome OutcomeFromLookup(int http_status, std::string_view body, const std::string& search_id);

}  // namespace sfn::connector::quiq
