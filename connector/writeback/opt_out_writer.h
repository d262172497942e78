// Writes opt-out changes to Salesforce: for each queued change (STOP, START,
// gateway error 21610 — Store::PendingOptOutSyncs) it finds every Lead and
// Contact whose mapped phone fields hold that number and sets (or clears) the
// mapped opt-out field with sObject Collections. Runs on its own thread and
// retries with backoff, so a slow or unavailable org delays the write-back but
// never loses it (the queue is in the store). Also serves
// `sfnotify reconcile-optouts`.
#pragma once

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "connector/compliance/phone.h"
#include "connector/outbox/store.h"
#include "mapping/field_mapping.h"
#include "salesforce/connection.h"

namespace sfn::connector {

struct PhoneRecord {
  std::string object;      // Lead | Contact
  std::string id;
  bool opted_out = false;  // the mapped opt-out field holds the opt-out value
};

class OptOutWriter {
 public:
  OptOutWriter(Store& store, salesforce::Connection& connection, const mapping::FieldMapping& mapping,
               const std::string& default_region);
  ~OptOutWriter();
  void Start();
  void Stop();
  // Processes what is queued; returns the number of changes written, -1 on an error (retried later).
  int FlushOnce();

  // Every Lead/Contact whose mapped phone fields normalise to `phone_e164`.
  Result<std::vector<PhoneRecord>> FindRecords(const std::string& phone_e164);
  // Sets the opt-out field of `records` to opted-out (or clears it).
  Status Write(const std::vector<PhoneRecord>& records, bool opted_out);

 private:
  void Loop();

  Store& store_;
  salesforce::Connection& connection_;
  const mapping::FieldMapping& mapping_;
  PhoneNormalizer phones_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace sfn::connector
