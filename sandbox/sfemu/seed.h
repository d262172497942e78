// Populates an OrgStore: the standard schema, the base org (three users,
// profiles, permission sets, SMS custom metadata) and, unless a seed file
// says otherwise, the demo data (>= 500 Leads and 500 Contacts, Campaigns).
// The demo data is deterministic: the same ids and values on every start.
//
// Seed file (JSON; docs/sfemu.md has the full description):
//   {"demo_data": false,                       // also load the built-in demo records (default
//   false)
//    "objects": [{"name":"Lead","fields":[{"name":"Region__c","type":"string","length":40}]},
//                {"name":"Invoice__c","label":"Invoice","key_prefix":"a01","fields":[...]}],
//    "users":
//    [{"Username":"a@b.c","LastName":"A","password":"pw","permission_sets":["SMS_Notification_Sender"]}],
//    "records": [{"attributes":{"type":"Lead","ref":"l1"},"LastName":"X","Company":"Y"},
//                {"attributes":{"type":"Task"},"WhoId":"@l1"}]}
// A string value "@ref" is replaced by the id of the record declared with that ref.
#pragma once

#include <string>

#include "common/status.h"
#include "sandbox/sfemu/org_store.h"

namespace sfemu {

struct SeedOptions {
  std::string seed_file;  // empty: base org + demo data
  bool records_loaded =
      false;  // the state file already held the records: define schema/passwords only
};

// The password every built-in user has.
inline constexpr const char* kDemoPassword = "sfnotify-demo";
inline constexpr const char* kIntegrationUsername = "integration@sfnotify.demo";

sfn::Status ApplySeed(OrgStore& store, const SeedOptions& options);

}  // namespace sfemu
