// FieldMapping::Validate: the mapping checked against an org's describe.
#include <cctype>
#include <initializer_list>

#include "mapping/field_mapping.h"

namespace sfn::mapping {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string StringMember(const rapidjson::Value& v, const char* key) {
  if (!v.IsObject()) return "";
  auto it = v.FindMember(key);
  if (it == v.MemberEnd() || !it->value.IsString()) return "";
  return it->value.GetString();
}

// A describe flag; absent counts as `absent` (older API versions omit some).
bool BoolMember(const rapidjson::Value& v, const char* key, bool absent) {
  auto it = v.FindMember(key);
  if (it == v.MemberEnd() || !it->value.IsBool()) return absent;
  return it->value.GetBool();
}

class DescribeChecker {
 public:
  DescribeChecker(const rapidjson::Value& describe, std::vector<MappingProblem>* problems)
      : object_(StringMember(describe, "name")), problems_(problems) {
    auto it = describe.IsObject() ? describe.FindMember("fields")
                                  : rapidjson::Value::ConstMemberIterator();
    if (describe.IsObject() && it != describe.MemberEnd() && it->value.IsArray())
      fields_ = &it->value;
  }

  const std::string& object() const { return object_; }
  bool usable() const { return fields_ != nullptr; }

  void Problem(const std::string& location, const std::string& problem) {
    problems_->push_back(MappingProblem{location, problem});
  }

  // The describe entry for `name` (case-insensitive), or nullptr after
  // recording "unknown field". A case mismatch is a problem too: records come
  // back keyed by the org's spelling.
  const rapidjson::Value* Field(const std::string& location, const std::string& name) {
    const rapidjson::Value* found = Find(name);
    if (!found) {
      Problem(location, "unknown field " + object_ + "." + name);
      return nullptr;
    }
    std::string actual = StringMember(*found, "name");
    if (actual != name)
      Problem(location, "field " + object_ + "." + name + " is spelled " + actual + " in the org");
    return found;
  }

  // Checks a relationship path such as Owner.Name: its first step must be
  // the relationshipName of a reference field. Deeper steps would need the
  // target object's describe and are left to SOQL.
  void RelationshipPath(const std::string& location, const std::string& path) {
    std::string first = path.substr(0, path.find('.'));
    for (const auto& f : fields_->GetArray()) {
      if (Lower(StringMember(f, "relationshipName")) == Lower(first)) return;
    }
    Problem(location, "unknown relationship " + object_ + "." + first + " in " + path);
  }

  void Type(const std::string& location, const rapidjson::Value& field,
            std::initializer_list<const char*> allowed, const char* what) {
    std::string type = StringMember(field, "type");
    for (const char* a : allowed) {
      if (type == a) return;
    }
    std::string list;
    for (const char* a : allowed) list += (list.empty() ? "" : "/") + std::string(a);
    Problem(location, std::string(what) + " " + object_ + "." + StringMember(field, "name") +
                          " has type " + type + "; expected " + list);
  }

  // For picklists that list their values: `value` must be an active one.
  void PicklistValue(const std::string& location, const rapidjson::Value& field,
                     const std::string& value) {
    auto it = field.FindMember("picklistValues");
    if (it == field.MemberEnd() || !it->value.IsArray() || it->value.Empty()) return;
    for (const auto& entry : it->value.GetArray()) {
      if (StringMember(entry, "value") == value && BoolMember(entry, "active", true)) return;
    }
    Problem(location, "'" + value + "' is not an active value of picklist " + object_ + "." +
                          StringMember(field, "name"));
  }

  void BooleanValue(const std::string& location, const rapidjson::Value& field,
                    const std::string& value) {
    if (StringMember(field, "type") != "boolean") return;
    std::string v = Lower(value);
    if (v != "true" && v != "false") {
      Problem(location,
              "value '" + value + "' can never match boolean field " + StringMember(field, "name"));
    }
  }

 private:
  const rapidjson::Value* Find(const std::string& name) const {
    std::string wanted = Lower(name);
    for (const auto& f : fields_->GetArray()) {
      if (Lower(StringMember(f, "name")) == wanted) return &f;
    }
    return nullptr;
  }

  std::string object_;
  const rapidjson::Value* fields_ = nullptr;
  std::vector<MappingProblem>* problems_;
};

std::string LocationOf(const ObjectMapping& m, const std::string& key) {
  auto it = m.locations.find(key);
  if (it != m.locations.end()) return it->second;
  auto object = m.locations.find("object");
  std::string base = object != m.locations.end() ? object->second : m.object;
  return base + " (" + key + ", default)";
}

void CheckRecordObject(const ObjectMapping& m, DescribeChecker& c) {
  for (size_t i = 0; i < m.phone_fields.size(); ++i) {
    std::string location = LocationOf(m, "phone_fields[" + std::to_string(i) + "]");
    if (const auto* f = c.Field(location, m.phone_fields[i]))
      c.Type(location, *f, {"phone", "string"}, "phone field");
  }
  std::string location = LocationOf(m, "opt_in.field");
  if (const auto* f = c.Field(location, m.opt_in_field)) {
    c.Type(location, *f, {"boolean", "picklist", "string"}, "opt-in field");
    c.BooleanValue(LocationOf(m, "opt_in.value"), *f, m.opt_in_value);
    c.PicklistValue(LocationOf(m, "opt_in.value"), *f, m.opt_in_value);
  }
  location = LocationOf(m, "opt_out.field");
  if (const auto* f = c.Field(location, m.opt_out_field)) {
    c.Type(location, *f, {"boolean", "picklist", "string"}, "opt-out field");
    if (!BoolMember(*f, "updateable", false)) {
      c.Problem(location,
                "opt-out field " + m.object + "." + m.opt_out_field + " is not updateable");
    }
    c.BooleanValue(LocationOf(m, "opt_out.value"), *f, m.opt_out_value);
  }
  if (!m.time_zone_field.empty()) {
    location = LocationOf(m, "time_zone_field");
    if (const auto* f = c.Field(location, m.time_zone_field)) {
      c.Type(location, *f, {"string", "picklist"}, "time-zone field");
    }
  }
  for (size_t i = 0; i < m.template_fields.size(); ++i) {
    location = LocationOf(m, "template_fields[" + std::to_string(i) + "]");
    const std::string& name = m.template_fields[i];
    if (name.find('.') != std::string::npos) {
      c.RelationshipPath(location, name);
    } else {
      c.Field(location, name);
    }
  }
  if (m.task.owner == TaskOwnerRule::kRecordOwner) c.Field(LocationOf(m, "task.owner"), "OwnerId");
}

void CheckTask(const ObjectMapping& m, DescribeChecker& c) {
  struct Setting {
    const char* key;
    const char* field;
    const std::string* value;  // picklist value to check, or nullptr
    bool used;
  };
  const Setting settings[] = {
      {"task.subject", "Subject", nullptr, true},
      {"task.status", "Status", &m.task.status, !m.task.status.empty()},
      {"task.priority", "Priority", &m.task.priority, !m.task.priority.empty()},
      {"task.type", "Type", &m.task.type, !m.task.type.empty()},
      {"task.subtype", "TaskSubtype", &m.task.subtype, !m.task.subtype.empty()},
      {"task.description", "Description", nullptr, m.task.has_description},
      {"object", "WhoId", nullptr, true},
  };
  for (const Setting& s : settings) {
    if (!s.used) continue;
    std::string location = LocationOf(m, s.key);
    const auto* f = c.Field(location, s.field);
    if (f && s.value) c.PicklistValue(location, *f, *s.value);
  }
  for (const auto& custom : m.task.custom_fields) {
    std::string location = LocationOf(m, "task.custom_fields." + custom.first);
    const auto* f = c.Field(location, custom.first);
    if (f && !BoolMember(*f, "createable", BoolMember(*f, "updateable", false))) {
      c.Problem(location, "Task field " + custom.first + " cannot be set when creating a Task");
    }
  }
}

}  // namespace

std::vector<MappingProblem> FieldMapping::Validate(const rapidjson::Value& describe) const {
  std::vector<MappingProblem> problems;
  DescribeChecker checker(describe, &problems);
  if (checker.object().empty() || !checker.usable()) {
    problems.push_back(
        MappingProblem{"describe", "not an sObject describe result (needs name and fields)"});
    return problems;
  }
  if (Lower(checker.object()) == "task") {
    for (const ObjectMapping& m : objects_) CheckTask(m, checker);
    return problems;
  }
  if (const ObjectMapping* m = Object(checker.object())) CheckRecordObject(*m, checker);
  return problems;
}

}  // namespace sfn::mapping
