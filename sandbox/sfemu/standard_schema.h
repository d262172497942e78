// The objects every sfemu org starts with: Salesforce's standard objects the
// project touches (Lead, Contact, Task, User, ...) with their real field
// types and lengths, the project's custom fields, the platform event
// Outbound_Notification__e and the SMS custom metadata types.
#pragma once

#include <string>
#include <vector>

#include "sandbox/sfemu/model.h"

namespace sfemu {

std::vector<ObjectDef> StandardObjects();

}  // namespace sfemu

namespace sfemu {

// A custom object as a seed file declares it: Id, Name (text 80), owner and
// audit fields; the seed's own fields are merged in afterwards.
ObjectDef NewCustomObject(const std::string& name, const std::string& label,
                          const std::string& key_prefix);

}  // namespace sfemu
