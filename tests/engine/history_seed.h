// Test-only seeding of a view history through the real Store API (intake,
// resolution, attempts, gateway statuses), with creation times then moved to
// known values by SQL so time filters, ordering and retention can be checked.
// Every notification seeded is described in the returned SeededNotification
// list, which the tests use to compute expected answers by brute force.
#pragma once

#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "connector/outbox/store.h"
#include "salesforce/record_id.h"

namespace history_seed {

using sfn::connector::RecipientState;

struct SeededRecipient {
  std::string record_id, phone, state, reason, sid;
  int segments = 0;
};

struct SeededNotification {
  std::string id, contact_point, user, message, status;
  int64_t created_ms = 0;
  std::vector<SeededRecipient> recipients;
};

inline const char* kUsers[] = {"0055g0000000001AAA", "0055g0000000002AAA"};
inline const int64_t kBaseMs = 1767225600000;  // 2026-01-01T00:00:00Z
inline const int64_t kMinute = 60000;

inline std::string Lead(int k) {
  return sfn::salesforce::MakeId("00Q", 900 + static_cast<unsigned long long>(k));
}
inline std::string Phone(int k) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "+1415555%04d", 1000 + k);
  return buf;
}

// Seeds `count` notifications into the store at `path` (created with the
// store's schema if missing). Notification i is created at kBaseMs + (i/2) minutes,
// so pairs share a timestamp and ordering must fall back to the id.
inline std::vector<SeededNotification> Seed(const std::string& path, int count, int first_index = 0,
                                            int64_t base_ms = kBaseMs) {
  auto store_or = sfn::connector::OpenSqliteStore({path});
  REQUIRE(store_or.ok());
  auto& store = *store_or.value();
  std::vector<SeededNotification> out;
  int sid_counter = 0;
  for (int n = 0; n < count; ++n) {
    int i = first_index + n;
    SeededNotification s;
    s.contact_point = i % 3 == 0 ? "Alerts" : "Main";
    s.user = kUsers[i % 2];
    s.message = i % 5 == 0 ? "Quarterly invoice ready " + std::to_string(i)
                           : "Appointment reminder " + std::to_string(i);
    s.created_ms = base_ms + (n / 2) * kMinute;
    sfn::connector::NotificationRequest req;
    req.request_id = "seed-" + std::to_string(i) + "-" + std::to_string(base_ms);
    req.contact_point = s.contact_point;
    req.requested_by = s.user;
    req.source = "api";
    req.message = s.message;
    if (i % 11 == 7) {  // refused: no recipients
      req.record_ids = {Lead(i % 10)};
      auto intake = store.Intake(req);
      REQUIRE(intake.ok());
      s.id = intake->notification_id;
      REQUIRE(store.Refuse(s.id, "not_permitted").ok());
      s.status = "refused";
      out.push_back(s);
      continue;
    }
    int recipients = 1 + i % 3;
    std::vector<sfn::connector::RecipientPlan> plans;
    for (int r = 0; r < recipients; ++r) {
      int k = (i + r * 3) % 10;
      req.record_ids.push_back(Lead(k));
      sfn::connector::RecipientPlan p;
      p.record_id = Lead(k);
      p.object_type = "Lead";
      p.phone_raw = Phone(k);
      p.phone_e164 = Phone(k);
      p.body = s.message + " for lead " + std::to_string(k);
      p.encoding = "GSM-7";
      p.segments = 1 + (i + r) % 2;
      p.units = 20;
      int kind = (i + r) % 5;
      if (kind == 4) {
        p.state = RecipientState::kSuppressed;
        p.reason = (i % 2) ? "no_consent" : "opted_out";
      }
      plans.push_back(p);
    }
    auto intake = store.Intake(req);
    REQUIRE(intake.ok());
    s.id = intake->notification_id;
    REQUIRE(store.SaveRecipients(s.id, plans).ok());
    auto rows = store.Recipients(s.id);
    REQUIRE(rows.size() == plans.size());
    for (size_t r = 0; r < rows.size(); ++r) {
      SeededRecipient sr{rows[r].plan.record_id, rows[r].plan.phone_e164, "", rows[r].reason, "",
                         rows[r].plan.segments};
      int kind = (i + static_cast<int>(r)) % 5;
      if (kind == 4) {
        sr.state = "suppressed";
      } else if (kind == 3) {  // refused by the gateway: failed without a message SID
        REQUIRE(store.BeginAttempt(rows[r].id, s.created_ms).value());
        sfn::connector::AttemptResult a;
        a.kind = sfn::connector::AttemptResult::Kind::kRejected;
        a.error_code = 21211;
        a.error_message = "invalid 'To' number";
        REQUIRE(store.RecordAttempt(rows[r].id, a, s.created_ms).ok());
        sr.state = "failed";
        sr.reason = "gateway_21211";
      } else {
        REQUIRE(store.BeginAttempt(rows[r].id, s.created_ms).value());
        sfn::connector::AttemptResult a;
        a.kind = sfn::connector::AttemptResult::Kind::kAccepted;
        sr.sid = "SM" + std::to_string(base_ms) + "x" + std::to_string(++sid_counter);
        a.sid = sr.sid;
        a.gateway_status = "queued";
        a.segments = sr.segments;
        REQUIRE(store.RecordAttempt(rows[r].id, a, s.created_ms).ok());
        RecipientState final_state =
            kind == 0 || kind == 1 ? RecipientState::kDelivered : RecipientState::kUndelivered;
        REQUIRE(store
                    .ApplyGatewayStatus(sr.sid, final_state, kind == 2 ? 30003 : 0,
                                        kind == 2 ? "undelivered" : "delivered")
                    .ok());
        sr.state = kind == 2 ? "undelivered" : "delivered";
      }
      s.recipients.push_back(sr);
    }
    s.status = "done";
    out.push_back(s);
  }
  // Move creation times to the planned values; Task write-back counts as done.
  SQLite::Database db(path, SQLite::OPEN_READWRITE);
  db.setBusyTimeout(5000);
  SQLite::Transaction tx(db);
  for (const auto& s : out) {
    SQLite::Statement n(db, "UPDATE notifications SET created_ms=?, updated_ms=? WHERE id=?");
    n.bind(1, s.created_ms);
    n.bind(2, s.created_ms);
    n.bind(3, s.id);
    n.exec();
    SQLite::Statement r(db,
                        "UPDATE recipients SET created_ms=?, updated_ms=?, last_attempt_ms=?, "
                        "task_state=CASE WHEN task_state='none' THEN 'none' ELSE 'written' END "
                        "WHERE notification_id=?");
    r.bind(1, s.created_ms);
    r.bind(2, s.created_ms);
    r.bind(3, s.created_ms);
    r.bind(4, s.id);
    r.exec();
    SQLite::Statement h(db, "UPDATE history SET at_ms=? WHERE notification_id=?");
    h.bind(1, s.created_ms);
    h.bind(2, s.id);
    h.exec();
  }
  tx.commit();
  return out;
}

}  // namespace history_seed
