// Turns an Outbound_Notification__e payload (as the streaming client hands it
// over: the event's fields incl. CreatedById) into a NotificationRequest.
// Field names and encodings are the ones OutboundNotificationService (apex/)
// publishes: Record_Ids__c is a comma-separated list of 18-character ids.
#pragma once

#include <string>

#include "common/status.h"
#include "connector/outbox/store.h"

namespace sfn::connector {

// Errors (kInvalidArgument) name the field, e.g. "Record_Ids__c[3]: '00Qx' is not a Lead or Contact Id".
Result<NotificationRequest> ParseEventPayload(const std::string& payload_json, int64_t replay_id,
                                              const std::string& event_uuid);

}  // namespace sfn::connector
