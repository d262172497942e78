// Internal to mapping/: the mapping as read from a file or metadata records,
// before checks and template compilation. Each value keeps where it came from
// so FieldMapping::Build can name the location of any problem.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace sfn::mapping {

struct RawText {
  std::string text;
  std::string location;  // "<origin>: <path>"
  bool present = false;
};

struct RawObject {
  std::string object;
  std::string location;
  std::vector<RawText> phone_fields;
  std::string phone_fields_location;  // where the list is (or belongs)
  RawText opt_in_field, opt_in_value, opt_out_field, opt_out_value, time_zone_field;
  std::vector<RawText> template_fields;
  RawText task_subject, task_status, task_priority, task_type, task_subtype, task_owner,
      task_description;
  std::vector<std::pair<std::string, RawText>> task_custom_fields;
  RawText reply_task_subject;
};

struct RawTemplate {
  RawText name, label, object, body;
  std::string location;
};

struct RawMapping {
  std::vector<RawObject> objects;
  std::vector<RawTemplate> templates;
};

}  // namespace sfn::mapping
