#include "mapping/field_mapping.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "common/utf8.h"
#include "mapping/raw_mapping.h"

namespace sfn::mapping {

namespace {

constexpr const char* kMappableObjects[] = {"Lead", "Contact"};
constexpr const char* kDefaultTaskSubject = "SMS: {!Message.Body}";
constexpr const char* kDefaultReplySubject = "SMS reply: {!Reply.Body}";
// Salesforce limits, in characters.
constexpr size_t kSubjectMax = 255;
constexpr size_t kDescriptionMax = 32000;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return Lower(a) == Lower(b);
}

// Salesforce API names: a letter, then letters, digits and underscores;
// relationship paths (Owner.Name) join them with dots.
bool IsApiName(std::string_view name, bool allow_path) {
  if (name.empty() || name.size() > 255) return false;
  bool at_start = true;
  for (char c : name) {
    if (at_start) {
      if (!std::isalpha(static_cast<unsigned char>(c))) return false;
      at_start = false;
    } else if (c == '.' && allow_path) {
      at_start = true;
    } else if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') {
      return false;
    }
  }
  return !at_start;
}

// Cuts UTF-8 text to at most `max_chars` code points.
std::string Truncate(std::string text, size_t max_chars) {
  return utf8::TruncateChars(text, max_chars);
}

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

Status Fail(const std::string& location, const std::string& problem) {
  return Status::InvalidArgument(location + ": " + problem);
}

// Compiles `text` (or `fallback` when absent) with `scope`; the error is
// prefixed with the text's location.
Status CompileAt(const RawText& raw, const char* fallback, const TemplateScope& scope,
                 Template* out) {
  auto compiled = Template::Compile(raw.present ? raw.text : fallback, scope);
  if (!compiled.ok()) return Fail(raw.location, compiled.status().message());
  *out = std::move(compiled).value();
  return Status::Ok();
}

void Remember(ObjectMapping* m, const std::string& key, const RawText& raw) {
  if (raw.present) m->locations[key] = raw.location;
}

Status BuildObject(const RawObject& raw, ObjectMapping* m) {
  for (const char* name : kMappableObjects) {
    if (EqualsIgnoreCase(raw.object, name)) m->object = name;
  }
  if (m->object.empty())
    return Fail(raw.location, "object '" + raw.object + "' cannot be mapped (use Lead or Contact)");
  m->locations["object"] = raw.location;

  if (raw.phone_fields.empty()) {
    return Fail(raw.phone_fields_location.empty() ? raw.location + ": phone_fields"
                                                  : raw.phone_fields_location,
                "at least one phone field is required");
  }
  for (size_t i = 0; i < raw.phone_fields.size(); ++i) {
    const RawText& f = raw.phone_fields[i];
    if (!IsApiName(f.text, false))
      return Fail(f.location, "'" + f.text + "' is not a field API name");
    m->phone_fields.push_back(f.text);
    Remember(m, "phone_fields[" + std::to_string(i) + "]", f);
  }

  struct NamedField {
    const RawText* raw;
    std::string* out;
    const char* key;
    bool required;
  };
  const NamedField named[] = {
      {&raw.opt_in_field, &m->opt_in_field, "opt_in.field", true},
      {&raw.opt_out_field, &m->opt_out_field, "opt_out.field", true},
      {&raw.time_zone_field, &m->time_zone_field, "time_zone_field", false}};
  for (const NamedField& n : named) {
    if (!n.raw->present || n.raw->text.empty()) {
      if (!n.required) continue;
      return Fail(n.raw->location.empty() ? raw.location + ": " + n.key : n.raw->location,
                  "required field is missing");
    }
    if (!IsApiName(n.raw->text, false))
      return Fail(n.raw->location, "'" + n.raw->text + "' is not a field API name");
    *n.out = n.raw->text;
    Remember(m, n.key, *n.raw);
  }
  if (raw.opt_in_value.present) {
    if (raw.opt_in_value.text.empty()) return Fail(raw.opt_in_value.location, "must not be empty");
    m->opt_in_value = raw.opt_in_value.text;
  }
  if (raw.opt_out_value.present) {
    if (raw.opt_out_value.text.empty())
      return Fail(raw.opt_out_value.location, "must not be empty");
    m->opt_out_value = raw.opt_out_value.text;
  }

  for (size_t i = 0; i < raw.template_fields.size(); ++i) {
    const RawText& f = raw.template_fields[i];
    if (!IsApiName(f.text, true))
      return Fail(f.location, "'" + f.text + "' is not a field API name");
    m->template_fields.push_back(f.text);
    Remember(m, "template_fields[" + std::to_string(i) + "]", f);
  }

  TemplateScope scope;
  scope.object = m->object;
  scope.record_fields = m->template_fields;
  TaskSpec& task = m->task;
  Status s = CompileAt(raw.task_subject, kDefaultTaskSubject, scope, &task.subject);
  if (!s.ok()) return s;
  if (raw.task_description.present && !raw.task_description.text.empty()) {
    s = CompileAt(raw.task_description, "", scope, &task.description);
    if (!s.ok()) return s;
    task.has_description = true;
  }
  if (raw.task_status.present) task.status = raw.task_status.text;
  if (raw.task_priority.present) task.priority = raw.task_priority.text;
  if (raw.task_type.present) task.type = raw.task_type.text;
  if (raw.task_subtype.present) task.subtype = raw.task_subtype.text;
  if (raw.task_owner.present) {
    if (EqualsIgnoreCase(raw.task_owner.text, "requester")) {
      task.owner = TaskOwnerRule::kRequester;
    } else if (EqualsIgnoreCase(raw.task_owner.text, "record_owner")) {
      task.owner = TaskOwnerRule::kRecordOwner;
    } else {
      return Fail(raw.task_owner.location,
                  "must be \"requester\" or \"record_owner\", not '" + raw.task_owner.text + "'");
    }
  }
  for (const auto& [field, value] : raw.task_custom_fields) {
    if (!IsApiName(field, false))
      return Fail(value.location, "'" + field + "' is not a field API name");
    Template t;
    s = CompileAt(value, "", scope, &t);
    if (!s.ok()) return s;
    task.custom_fields.emplace_back(field, std::move(t));
    Remember(m, "task.custom_fields." + field, value);
  }
  for (auto [key, text] : {std::pair{"task.subject", &raw.task_subject},
                           {"task.status", &raw.task_status},
                           {"task.priority", &raw.task_priority},
                           {"task.type", &raw.task_type},
                           {"task.subtype", &raw.task_subtype},
                           {"task.owner", &raw.task_owner},
                           {"task.description", &raw.task_description},
                           {"reply_task.subject", &raw.reply_task_subject}}) {
    Remember(m, key, *text);
  }
  return CompileAt(raw.reply_task_subject, kDefaultReplySubject, scope, &m->reply_task_subject);
}

// Fields every mapped object allows: what an any-object template may merge.
std::vector<std::string> CommonTemplateFields(const std::vector<ObjectMapping>& objects) {
  std::vector<std::string> common;
  if (objects.empty()) return common;
  for (const std::string& f : objects[0].template_fields) {
    bool everywhere = std::all_of(objects.begin() + 1, objects.end(), [&](const ObjectMapping& o) {
      return std::any_of(o.template_fields.begin(), o.template_fields.end(),
                         [&](const std::string& g) { return EqualsIgnoreCase(f, g); });
    });
    if (everywhere) common.push_back(f);
  }
  return common;
}

}  // namespace

Result<FieldMapping> FieldMapping::Build(const RawMapping& raw) {
  FieldMapping mapping;
  for (const RawObject& raw_object : raw.objects) {
    ObjectMapping m;
    Status s = BuildObject(raw_object, &m);
    if (!s.ok()) return s;
    if (mapping.Object(m.object)) return Fail(raw_object.location, m.object + " is mapped twice");
    mapping.objects_.push_back(std::move(m));
  }
  if (mapping.objects_.empty())
    return Status::InvalidArgument("the mapping maps no object (Lead or Contact)");

  for (const RawTemplate& raw_template : raw.templates) {
    MessageTemplate t;
    t.location = raw_template.location;
    if (!IsApiName(raw_template.name.text, false)) {
      return Fail(raw_template.name.location,
                  "template name '" + raw_template.name.text + "' is not an API name");
    }
    t.name = raw_template.name.text;
    t.label = raw_template.label.present ? raw_template.label.text : t.name;
    const std::string& object = raw_template.object.text;
    if (!object.empty() && !EqualsIgnoreCase(object, "Any")) {
      const ObjectMapping* m = mapping.Object(object);
      if (!m) return Fail(raw_template.object.location, "object '" + object + "' is not mapped");
      t.object = m->object;
    }
    if (!raw_template.body.present || raw_template.body.text.empty()) {
      return Fail(raw_template.location, "body: required field is missing");
    }
    auto body = mapping.CompileMessage(raw_template.body.text, t.object);
    if (!body.ok()) return Fail(raw_template.body.location, body.status().message());
    t.body = std::move(body).value();
    for (const MessageTemplate& other : mapping.templates_) {
      if (EqualsIgnoreCase(other.name, t.name) && other.object == t.object) {
        return Fail(raw_template.location, "template " + t.name + " is defined twice for " +
                                               (t.object.empty() ? "any object" : t.object));
      }
    }
    mapping.templates_.push_back(std::move(t));
  }
  return mapping;
}

const ObjectMapping* FieldMapping::Object(std::string_view object) const {
  for (const ObjectMapping& m : objects_) {
    if (EqualsIgnoreCase(m.object, object)) return &m;
  }
  return nullptr;
}

std::vector<std::string> FieldMapping::Objects() const {
  std::vector<std::string> names;
  for (const ObjectMapping& m : objects_) names.push_back(m.object);
  return names;
}

const MessageTemplate* FieldMapping::FindTemplate(std::string_view name,
                                                  std::string_view object) const {
  const MessageTemplate* any = nullptr;
  for (const MessageTemplate& t : templates_) {
    if (!EqualsIgnoreCase(t.name, name)) continue;
    if (!t.object.empty() && EqualsIgnoreCase(t.object, object)) return &t;
    if (t.object.empty()) any = &t;
  }
  return any;
}

Result<Template> FieldMapping::CompileMessage(std::string_view text,
                                              std::string_view object) const {
  TemplateScope scope;
  if (object.empty()) {
    scope.record_fields = CommonTemplateFields(objects_);
  } else {
    const ObjectMapping* m = Object(object);
    if (!m) return Status::InvalidArgument("object '" + std::string(object) + "' is not mapped");
    scope.object = m->object;
    scope.record_fields = m->template_fields;
  }
  return Template::Compile(text, scope);
}

std::vector<std::string> FieldMapping::RequiredFields(
    std::string_view object, const std::vector<const Template*>& extra) const {
  std::vector<std::string> fields;
  const ObjectMapping* m = Object(object);
  if (!m) return fields;
  std::set<std::string> seen;
  auto add = [&](const std::string& f) {
    if (!f.empty() && seen.insert(Lower(f)).second) fields.push_back(f);
  };
  auto add_template = [&](const Template& t) {
    for (const std::string& f : t.RecordFields()) add(f);
  };
  add("Id");
  for (const std::string& f : m->phone_fields) add(f);
  add(m->opt_in_field);
  add(m->opt_out_field);
  add(m->time_zone_field);
  add("OwnerId");
  add_template(m->task.subject);
  if (m->task.has_description) add_template(m->task.description);
  for (const auto& custom : m->task.custom_fields) add_template(custom.second);
  add_template(m->reply_task_subject);
  for (const MessageTemplate& t : templates_) {
    if (t.object.empty() || t.object == m->object) add_template(t.body);
  }
  for (const Template* t : extra) {
    if (t) add_template(*t);
  }
  return fields;
}

bool ObjectMapping::HasConsent(const rapidjson::Value& record) const {
  if (!record.IsObject()) return false;
  auto it = record.FindMember(opt_in_field.c_str());
  if (it == record.MemberEnd()) return false;
  const rapidjson::Value& v = it->value;
  if (v.IsBool()) return EqualsIgnoreCase(v.GetBool() ? "true" : "false", opt_in_value);
  if (v.IsString()) return EqualsIgnoreCase(Trim(v.GetString()), opt_in_value);
  return false;
}

std::vector<std::string> ObjectMapping::PhoneValues(const rapidjson::Value& record) const {
  std::vector<std::string> values;
  if (!record.IsObject()) return values;
  for (const std::string& field : phone_fields) {
    auto it = record.FindMember(field.c_str());
    if (it == record.MemberEnd() || !it->value.IsString()) continue;
    std::string value = Trim(it->value.GetString());
    if (!value.empty()) values.push_back(std::move(value));
  }
  return values;
}

std::vector<std::pair<std::string, std::string>> TaskSpec::Render(const FieldLookup& lookup) const {
  std::vector<std::pair<std::string, std::string>> out;
  out.emplace_back("Subject", Truncate(subject.Render(lookup), kSubjectMax));
  if (!status.empty()) out.emplace_back("Status", status);
  if (!priority.empty()) out.emplace_back("Priority", priority);
  if (!type.empty()) out.emplace_back("Type", type);
  if (!subtype.empty()) out.emplace_back("TaskSubtype", subtype);
  if (has_description)
    out.emplace_back("Description", Truncate(description.Render(lookup), kDescriptionMax));
  for (const auto& [field, value] : custom_fields) out.emplace_back(field, value.Render(lookup));
  return out;
}

}  // namespace sfn::mapping
