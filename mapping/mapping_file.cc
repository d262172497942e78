// FieldMapping from the JSON mapping file (format in docs/mapping.md).
#include <cerrno>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <sstream>

#include "common/json.h"
#include "mapping/field_mapping.h"
#include "mapping/raw_mapping.h"

namespace sfn::mapping {

namespace {

// Reads one JSON object of the file, remembering the first problem with its
// path. Unknown keys are errors: a misspelt setting must not be ignored.
class ObjectReader {
 public:
  ObjectReader(const std::string& origin, std::string path, Status* error)
      : origin_(origin), path_(std::move(path)), error_(error) {}

  std::string Path(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }
  std::string Location(std::string_view key) const { return origin_ + ": " + Path(key); }

  bool Fail(const std::string& location, const std::string& problem) {
    if (error_->ok()) *error_ = Status::InvalidArgument(location + ": " + problem);
    return false;
  }

  bool CheckKeys(const rapidjson::Value& obj, std::initializer_list<const char*> allowed) {
    for (auto it = obj.MemberBegin(); it != obj.MemberEnd(); ++it) {
      std::string key(it->name.GetString(), it->name.GetStringLength());
      bool known = false;
      for (const char* a : allowed) known = known || key == a;
      if (!known) return Fail(Location(key), "unknown setting");
    }
    return true;
  }

  RawText Text(const rapidjson::Value& obj, const char* key) {
    RawText raw;
    raw.location = Location(key);
    auto it = obj.FindMember(key);
    if (it == obj.MemberEnd() || it->value.IsNull()) return raw;
    if (!it->value.IsString()) {
      Fail(raw.location, "must be a string");
      return raw;
    }
    raw.text.assign(it->value.GetString(), it->value.GetStringLength());
    raw.present = true;
    return raw;
  }

  std::vector<RawText> TextList(const rapidjson::Value& obj, const char* key) {
    std::vector<RawText> list;
    auto it = obj.FindMember(key);
    if (it == obj.MemberEnd() || it->value.IsNull()) return list;
    if (!it->value.IsArray()) {
      Fail(Location(key), "must be an array of strings");
      return list;
    }
    for (rapidjson::SizeType i = 0; i < it->value.Size(); ++i) {
      std::string location = Location(key) + "[" + std::to_string(i) + "]";
      if (!it->value[i].IsString()) {
        Fail(location, "must be a string");
        return list;
      }
      list.push_back(RawText{it->value[i].GetString(), location, true});
    }
    return list;
  }

  // nullptr when absent; an error when present but not an object.
  const rapidjson::Value* Child(const rapidjson::Value& obj, const char* key) {
    auto it = obj.FindMember(key);
    if (it == obj.MemberEnd() || it->value.IsNull()) return nullptr;
    if (!it->value.IsObject()) {
      Fail(Location(key), "must be an object");
      return nullptr;
    }
    return &it->value;
  }

  const std::string& origin() const { return origin_; }

 private:
  std::string origin_;
  std::string path_;
  Status* error_;
};

void ReadTask(const rapidjson::Value& task, ObjectReader& r, RawObject* out) {
  if (!r.CheckKeys(task, {"subject", "status", "priority", "type", "subtype", "owner",
                          "description", "custom_fields"}))
    return;
  out->task_subject = r.Text(task, "subject");
  out->task_status = r.Text(task, "status");
  out->task_priority = r.Text(task, "priority");
  out->task_type = r.Text(task, "type");
  out->task_subtype = r.Text(task, "subtype");
  out->task_owner = r.Text(task, "owner");
  out->task_description = r.Text(task, "description");
  const rapidjson::Value* custom = r.Child(task, "custom_fields");
  if (!custom) return;
  for (auto it = custom->MemberBegin(); it != custom->MemberEnd(); ++it) {
    std::string field(it->name.GetString(), it->name.GetStringLength());
    std::string location = r.Location("custom_fields") + "." + field;
    if (!it->value.IsString()) {
      r.Fail(location, "must be a string (a value template)");
      return;
    }
    out->task_custom_fields.emplace_back(field, RawText{it->value.GetString(), location, true});
  }
}

void ReadObject(const std::string& origin, const std::string& name, const rapidjson::Value& value,
                Status* error, RawObject* out) {
  ObjectReader r(origin, "objects." + name, error);
  out->object = name;
  out->location = origin + ": objects." + name;
  if (!value.IsObject()) {
    r.Fail(out->location, "must be an object");
    return;
  }
  if (!r.CheckKeys(value, {"phone_fields", "opt_in", "opt_out", "time_zone_field",
                           "template_fields", "task", "reply_task"}))
    return;
  out->phone_fields = r.TextList(value, "phone_fields");
  out->phone_fields_location = r.Location("phone_fields");
  if (const rapidjson::Value* opt_in = r.Child(value, "opt_in")) {
    ObjectReader sub(origin, r.Path("opt_in"), error);
    if (sub.CheckKeys(*opt_in, {"field", "value"})) {
      out->opt_in_field = sub.Text(*opt_in, "field");
      out->opt_in_value = sub.Text(*opt_in, "value");
    }
  }
  if (const rapidjson::Value* opt_out = r.Child(value, "opt_out")) {
    ObjectReader sub(origin, r.Path("opt_out"), error);
    if (sub.CheckKeys(*opt_out, {"field", "value"})) {
      out->opt_out_field = sub.Text(*opt_out, "field");
      out->opt_out_value = sub.Text(*opt_out, "value");
    }
  }
  out->time_zone_field = r.Text(value, "time_zone_field");
  out->template_fields = r.TextList(value, "template_fields");
  if (const rapidjson::Value* task = r.Child(value, "task")) {
    ObjectReader sub(origin, r.Path("task"), error);
    ReadTask(*task, sub, out);
  }
  if (const rapidjson::Value* reply = r.Child(value, "reply_task")) {
    ObjectReader sub(origin, r.Path("reply_task"), error);
    if (sub.CheckKeys(*reply, {"subject"})) out->reply_task_subject = sub.Text(*reply, "subject");
  }
}

}  // namespace

Result<FieldMapping> FieldMapping::Parse(std::string_view json, const std::string& origin) {
  auto doc = json::Parse(json);
  if (!doc.ok()) return Status::InvalidArgument(origin + ": " + doc.status().message());
  if (!doc->IsObject())
    return Status::InvalidArgument(origin + ": the mapping must be a JSON object");

  Status error;
  RawMapping raw;
  ObjectReader top(origin, "", &error);
  if (!top.CheckKeys(*doc, {"objects", "templates"})) return error;
  const rapidjson::Value* objects = top.Child(*doc, "objects");
  if (!error.ok()) return error;
  if (!objects) return Status::InvalidArgument(origin + ": objects: required field is missing");
  for (auto it = objects->MemberBegin(); it != objects->MemberEnd(); ++it) {
    RawObject object;
    ReadObject(origin, it->name.GetString(), it->value, &error, &object);
    if (!error.ok()) return error;
    raw.objects.push_back(std::move(object));
  }

  auto templates = doc->FindMember("templates");
  if (templates != doc->MemberEnd() && !templates->value.IsNull()) {
    if (!templates->value.IsArray())
      return Status::InvalidArgument(origin + ": templates: must be an array");
    for (rapidjson::SizeType i = 0; i < templates->value.Size(); ++i) {
      const rapidjson::Value& value = templates->value[i];
      std::string path = "templates[" + std::to_string(i) + "]";
      ObjectReader r(origin, path, &error);
      if (!value.IsObject())
        return Status::InvalidArgument(origin + ": " + path + ": must be an object");
      if (!r.CheckKeys(value, {"name", "label", "object", "body"})) return error;
      RawTemplate t;
      t.location = origin + ": " + path;
      t.name = r.Text(value, "name");
      t.label = r.Text(value, "label");
      t.object = r.Text(value, "object");
      t.body = r.Text(value, "body");
      if (!error.ok()) return error;
      if (!t.name.present)
        return Status::InvalidArgument(t.location + ": name: required field is missing");
      raw.templates.push_back(std::move(t));
    }
  }
  auto built = Build(raw);
  if (!built.ok() && built.status().message().rfind(origin, 0) != 0) {
    return Status::InvalidArgument(origin + ": " + built.status().message());
  }
  return built;
}

Result<FieldMapping> FieldMapping::LoadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError(path + ": cannot open: " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path);
}

}  // namespace sfn::mapping
