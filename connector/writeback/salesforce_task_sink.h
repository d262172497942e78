// TaskSink over Salesforce: renders each sent recipient's Task from the field
// mapping (TaskSpec), inserts them with sObject Collections (≤200 per call) and
// finds Tasks already written for a send by SMS_Message_Sid__c (the
// idempotency field), one SOQL query per batch.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "connector/outbox/store.h"
#include "connector/writeback/task_writer.h"
#include "mapping/field_mapping.h"
#include "salesforce/connection.h"

namespace sfn::connector {

struct SalesforceTaskSinkOptions {
  std::map<std::string, std::string> sender_per_contact_point;  // for {!Message.From}
  std::string sid_field = "SMS_Message_Sid__c";                 // Task field holding the gateway SID
  std::string delivery_field = "SMS_Delivery_Status__c";         // final delivery state; "" = not written
};

class SalesforceTaskSink final : public TaskSink {
 public:
  SalesforceTaskSink(SalesforceTaskSinkOptions options, salesforce::Connection& connection,
                     const mapping::FieldMapping& mapping, Store& store);
  Status Insert(const std::vector<RecipientRow>& rows, std::vector<TaskOutcome>* outcomes) override;
  Result<std::map<int64_t, std::string>> FindExisting(const std::vector<RecipientRow>& rows) override;

  // The Task fields for one row (exposed for tests and `sfnotify doctor`).
  std::vector<std::pair<std::string, std::string>> TaskFields(const RecipientRow& row);

 private:
  std::string RequesterOf(const std::string& notification_id);

  SalesforceTaskSinkOptions options_;
  salesforce::Connection& connection_;
  const mapping::FieldMapping& mapping_;
  Store& store_;
  std::mutex mu_;
  std::map<std::string, std::string> requester_by_notification_;
};

}  // namespace sfn::connector
