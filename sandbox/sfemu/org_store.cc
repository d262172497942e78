#include "sandbox/sfemu/org_store.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "common/json.h"
#include "common/time_util.h"
#include "common/utf8.h"
#include "salesforce/record_id.h"

namespace sfemu {

namespace sf = sfn::salesforce;

std::string SalesforceDateTime(int64_t epoch_ms) {
  std::string s = sfn::timeutil::FormatRfc3339Millis(epoch_ms);  // ...Z
  if (!s.empty() && s.back() == 'Z') s.replace(s.size() - 1, 1, "+0000");
  return s;
}

struct OrgStore::Db {
  explicit Db(const std::string& path)
      : db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_FULLMUTEX) {}
  SQLite::Database db;
};

OrgStore::OrgStore(OrgStoreOptions options) : options_(std::move(options)) {}
OrgStore::~OrgStore() = default;

namespace {

Value ValueFromJson(const rapidjson::Value& v) {
  if (v.IsBool()) return v.GetBool();
  if (v.IsNumber()) return v.GetDouble();
  if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
  return std::monostate{};
}

rapidjson::Value ValueToJson(const Value& value, const FieldDef* field,
                             rapidjson::Document::AllocatorType& a) {
  if (std::holds_alternative<bool>(value)) return rapidjson::Value(std::get<bool>(value));
  if (std::holds_alternative<double>(value)) {
    double d = std::get<double>(value);
    bool integral = std::floor(d) == d && std::fabs(d) < 9e15;
    if (integral && (!field || field->type == FieldType::kInt))
      return rapidjson::Value(static_cast<int64_t>(d));
    return rapidjson::Value(d);
  }
  if (std::holds_alternative<std::string>(value))
    return sfn::json::Str(std::get<std::string>(value), a);
  return rapidjson::Value(rapidjson::kNullType);
}

std::string FieldsJson(const Record& r) {
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  for (const auto& [name, value] : r.fields)
    doc.AddMember(sfn::json::Str(name, a), ValueToJson(value, nullptr, a), a);
  return sfn::json::Serialize(doc);
}

bool IsSystemField(std::string_view name) {
  static const char* kSystem[] = {"Id",
                                  "IsDeleted",
                                  "CreatedDate",
                                  "CreatedById",
                                  "LastModifiedDate",
                                  "LastModifiedById",
                                  "SystemModstamp"};
  for (const char* s : kSystem) {
    if (EqualsIgnoreCase(name, s)) return true;
  }
  return false;
}

std::string Shorten(const std::string& s) {
  return s.size() > 40 ? sfn::utf8::TruncateBytes(s, 40) + "..." : s;
}

const std::string* StringField(const Record& r, std::string_view name) {
  auto it = r.fields.find(name);
  if (it == r.fields.end() || !std::holds_alternative<std::string>(it->second)) return nullptr;
  return &std::get<std::string>(it->second);
}

bool ParseNumber(const rapidjson::Value& v, double* out) {
  if (v.IsNumber()) {
    *out = v.GetDouble();
    return true;
  }
  if (v.IsString()) {
    const char* s = v.GetString();
    char* end = nullptr;
    *out = std::strtod(s, &end);
    return end != s && *end == '\0';
  }
  return false;
}

const char* JsonTokenName(const rapidjson::Value& v) {
  if (v.IsString()) return "VALUE_STRING";
  if (v.IsBool()) return v.GetBool() ? "VALUE_TRUE" : "VALUE_FALSE";
  if (v.IsNumber()) return v.IsDouble() ? "VALUE_NUMBER_FLOAT" : "VALUE_NUMBER_INT";
  if (v.IsArray()) return "START_ARRAY";
  if (v.IsObject()) return "START_OBJECT";
  return "VALUE_NULL";
}

bool LooksLikeEmail(const std::string& s) {
  auto at = s.find('@');
  if (at == std::string::npos || at == 0 || s.find('@', at + 1) != std::string::npos) return false;
  auto dot = s.find('.', at);
  return dot != std::string::npos && dot > at + 1 && dot + 1 < s.size() &&
         s.find(' ') == std::string::npos;
}

}  // namespace

// ---- persistence ----------------------------------------------------------

sfn::Status OrgStore::Open(bool* loaded) {
  *loaded = false;
  if (options_.state_path.empty()) return sfn::Status::Ok();
  try {
    db_ = std::make_unique<Db>(options_.state_path);
    db_->db.setBusyTimeout(5000);
    db_->db.exec("PRAGMA journal_mode=WAL");
    db_->db.exec(
        "CREATE TABLE IF NOT EXISTS sfemu_records (id TEXT PRIMARY KEY, type TEXT NOT NULL, seq "
        "INTEGER NOT NULL, "
        "deleted INTEGER NOT NULL, fields TEXT NOT NULL)");
    db_->db.exec(
        "CREATE TABLE IF NOT EXISTS sfemu_org_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    SQLite::Statement seeded(db_->db, "SELECT value FROM sfemu_org_meta WHERE key = 'seeded'");
    if (!seeded.executeStep()) return sfn::Status::Ok();
    SQLite::Statement counters(db_->db,
                               "SELECT key, value FROM sfemu_org_meta WHERE key LIKE 'counter:%'");
    while (counters.executeStep()) {
      counters_[counters.getColumn(0).getString().substr(8)] =
          std::stoull(counters.getColumn(1).getString());
    }
    SQLite::Statement rows(db_->db,
                           "SELECT id, type, seq, deleted, fields FROM sfemu_records ORDER BY seq");
    while (rows.executeStep()) {
      Record r;
      r.id = rows.getColumn(0).getString();
      r.type = rows.getColumn(1).getString();
      uint64_t seq = static_cast<uint64_t>(rows.getColumn(2).getInt64());
      r.deleted = rows.getColumn(3).getInt() != 0;
      auto doc = sfn::json::Parse(rows.getColumn(4).getString());
      if (!doc.ok() || !doc->IsObject())
        return sfn::Status::IOError("corrupt record " + r.id + " in state file");
      for (auto& m : doc->GetObject()) r.fields[m.name.GetString()] = ValueFromJson(m.value);
      next_seq_ = std::max(next_seq_, seq + 1);
      order_[r.type].push_back(r.id);
      std::string id = r.id;  // r is moved from below
      records_[id] = Stored{std::move(r), seq};
    }
    *loaded = true;
    return sfn::Status::Ok();
  } catch (const std::exception& e) {
    db_.reset();
    return sfn::Status::IOError("cannot open state file " + options_.state_path + ": " + e.what());
  }
}

sfn::Status OrgStore::PersistAll() {
  if (!db_) return sfn::Status::Ok();
  std::vector<std::string> ids;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [id, stored] : records_) ids.push_back(id);
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto status = PersistIds(ids);
  if (!status.ok()) return status;
  try {
    db_->db.exec("INSERT OR REPLACE INTO sfemu_org_meta (key, value) VALUES ('seeded', '1')");
  } catch (const std::exception& e) {
    return sfn::Status::IOError(std::string("cannot write state file: ") + e.what());
  }
  return sfn::Status::Ok();
}

// Caller holds mu_.
sfn::Status OrgStore::PersistIds(const std::vector<std::string>& ids) {
  if (!db_ || ids.empty()) return sfn::Status::Ok();
  try {
    SQLite::Transaction tx(db_->db);
    SQLite::Statement put(
        db_->db,
        "INSERT OR REPLACE INTO sfemu_records (id, type, seq, deleted, fields) VALUES (?,?,?,?,?)");
    SQLite::Statement del(db_->db, "DELETE FROM sfemu_records WHERE id = ?");
    for (const auto& id : ids) {
      auto it = records_.find(id);
      if (it == records_.end()) {
        del.bind(1, id);
        del.exec();
        del.reset();
        continue;
      }
      const Record& r = it->second.record;
      put.bind(1, r.id);
      put.bind(2, r.type);
      put.bind(3, static_cast<int64_t>(it->second.seq));
      put.bind(4, r.deleted ? 1 : 0);
      put.bind(5, FieldsJson(r));
      put.exec();
      put.reset();
    }
    SQLite::Statement counter(db_->db,
                              "INSERT OR REPLACE INTO sfemu_org_meta (key, value) VALUES (?, ?)");
    for (const auto& [prefix, next] : counters_) {
      counter.bind(1, "counter:" + prefix);
      counter.bind(2, std::to_string(next));
      counter.exec();
      counter.reset();
    }
    tx.commit();
  } catch (const std::exception& e) {
    return sfn::Status::IOError(std::string("cannot write state file: ") + e.what());
  }
  return sfn::Status::Ok();
}

// ---- schema ---------------------------------------------------------------

void OrgStore::DefineObject(ObjectDef def) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = objects_by_name_.find(def.name);
  if (it == objects_by_name_.end()) {
    objects_.push_back(std::make_unique<ObjectDef>(std::move(def)));
    objects_by_name_[objects_.back()->name] = objects_.back().get();
    return;
  }
  ObjectDef* existing = it->second;
  if (!def.label.empty()) existing->label = def.label;
  if (!def.key_prefix.empty()) existing->key_prefix = def.key_prefix;
  for (auto& f : def.fields) {
    bool replaced = false;
    for (auto& old : existing->fields) {
      if (EqualsIgnoreCase(old.name, f.name)) {
        old = f;
        replaced = true;
      }
    }
    if (!replaced) existing->fields.push_back(std::move(f));
  }
}

std::vector<const ObjectDef*> OrgStore::Objects() const {
  // No lock: the schema is fixed before serving starts, and callers may hold a Txn.
  std::vector<const ObjectDef*> out;
  for (const auto& o : objects_) out.push_back(o.get());
  return out;
}

void OrgStore::SetSharing(const std::string& object, SharingModel model) {
  std::lock_guard<std::mutex> lock(mu_);
  sharing_[object] = model;
}

namespace {
bool BoolField(const Record& r, std::string_view name) {
  auto it = r.fields.find(name);
  return it != r.fields.end() && std::holds_alternative<bool>(it->second) &&
         std::get<bool>(it->second);
}
}  // namespace

bool OrgStore::HasModifyAllData(const std::string& user_id) const {
  const Record* user = FindRecord(user_id);
  if (!user) return false;
  auto live = [this](const std::string* id) -> const Record* {
    if (!id) return nullptr;
    const Record* r = FindRecord(*id);
    return r && !r->deleted ? r : nullptr;
  };
  if (const Record* profile = live(StringField(*user, "ProfileId"));
      profile && BoolField(*profile, "PermissionsModifyAllData")) {
    return true;
  }
  bool found = false;
  Scan("PermissionSetAssignment", [&](const Record& a) {
    if (found || a.deleted) return;
    const std::string* assignee = StringField(a, "AssigneeId");
    if (!assignee || *assignee != user_id) return;
    if (const Record* set = live(StringField(a, "PermissionSetId"));
        set && BoolField(*set, "PermissionsModifyAllData")) {
      found = true;
      return;
    }
    // A group grants what its component permission sets grant.
    const std::string* group = StringField(a, "PermissionSetGroupId");
    if (!group) return;
    Scan("PermissionSetGroupComponent", [&](const Record& c) {
      if (found || c.deleted) return;
      const std::string* g = StringField(c, "PermissionSetGroupId");
      if (!g || *g != *group) return;
      const Record* set = live(StringField(c, "PermissionSetId"));
      if (set && BoolField(*set, "PermissionsModifyAllData")) found = true;
    });
  });
  return found;
}

bool OrgStore::CanEdit(const Record& record, const std::string& user_id) const {
  auto it = sharing_.find(record.type);
  if (it == sharing_.end() || it->second == SharingModel::kReadWrite || user_id.empty())
    return true;
  const std::string* owner = StringField(record, "OwnerId");
  if (owner && *owner == user_id) return true;
  return HasModifyAllData(user_id);
}

void OrgStore::SetPassword(const std::string& username, const std::string& password) {
  std::lock_guard<std::mutex> lock(mu_);
  passwords_[username] = password;
}

bool OrgStore::CheckPassword(const std::string& username, const std::string& password) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = passwords_.find(username);
  return it != passwords_.end() && it->second == password;
}

// ---- DataSource -----------------------------------------------------------

const ObjectDef* OrgStore::FindObject(std::string_view name) const {
  auto it = objects_by_name_.find(name);
  return it == objects_by_name_.end() ? nullptr : it->second;
}

const Record* OrgStore::FindRecord(std::string_view id18) const {
  auto it = records_.find(std::string(id18));
  return it == records_.end() ? nullptr : &it->second.record;
}

void OrgStore::Scan(std::string_view object, const std::function<void(const Record&)>& fn) const {
  auto it = order_.find(object);
  if (it == order_.end()) return;
  for (const auto& id : it->second) {
    auto r = records_.find(id);
    if (r != records_.end()) fn(r->second.record);
  }
}

// ---- records --------------------------------------------------------------

std::string OrgStore::NextId(const std::string& prefix) {
  uint64_t& next = counters_[prefix];
  if (next == 0) next = 1;
  return sf::MakeId(prefix, next++);
}

void OrgStore::PutRecord(Record record) {
  auto it = records_.find(record.id);
  if (it != records_.end()) {
    it->second.record = std::move(record);
    return;
  }
  order_[record.type].push_back(record.id);
  std::string id = record.id;
  records_[id] = Stored{std::move(record), next_seq_++};
}

void OrgStore::EraseRecord(const std::string& id) {
  auto it = records_.find(id);
  if (it == records_.end()) return;
  auto& ids = order_[it->second.record.type];
  ids.erase(std::remove(ids.begin(), ids.end(), id), ids.end());
  records_.erase(it);
}

void OrgStore::Derive(const ObjectDef& object, Record* r) const {
  const FieldDef* name = object.FindField("Name");
  if (name && !name->createable && object.FindField("LastName")) {
    const std::string* first = StringField(*r, "FirstName");
    const std::string* last = StringField(*r, "LastName");
    std::string full = first && !first->empty() ? *first : "";
    if (last && !last->empty()) full += (full.empty() ? "" : " ") + *last;
    r->fields["Name"] = full.empty() ? Value{} : Value{full};
  }
  if (object.FindField("IsClosed")) {
    const std::string* status = StringField(*r, "Status");
    bool closed = status && (*status == "Completed");
    r->fields["IsClosed"] = closed;
  }
  if (object.FindField("IsDeleted")) r->fields["IsDeleted"] = r->deleted;
}

bool OrgStore::ApplyFields(const ObjectDef& object, const rapidjson::Value& fields, bool creating,
                           WriteMode mode, Record* record, ApiError* error) {
  auto fail = [&](int http, std::string code, std::string message, std::vector<std::string> names) {
    *error = ApiError{http, std::move(code), std::move(message), std::move(names)};
    return false;
  };
  if (!fields.IsObject())
    return fail(400, "JSON_PARSER_ERROR", "The request body must be a JSON object", {});
  for (const auto& m : fields.GetObject()) {
    std::string name(m.name.GetString(), m.name.GetStringLength());
    if (name == "attributes") continue;
    if (EqualsIgnoreCase(name, "Id")) {
      if (creating)
        return fail(400, "INVALID_FIELD",
                    "The Id field should not be specified in the sobject data.", {});
      continue;  // updates name the record by URL or "id"; the field itself is not written
    }
    const FieldDef* f = object.FindField(name);
    if (!f) {
      return fail(400, "INVALID_FIELD",
                  "No such column '" + name + "' on sobject of type " + object.name, {name});
    }
    bool writable = creating ? f->createable : f->updateable;
    if (mode == WriteMode::kApi && (!writable || IsSystemField(f->name))) {
      return fail(400, "INVALID_FIELD_FOR_INSERT_UPDATE",
                  "Unable to create/update fields: " + f->name +
                      ". Please check the security settings of this field and verify that it is "
                      "read/write for "
                      "your profile or permission set.",
                  {f->name});
    }
    const rapidjson::Value& v = m.value;
    auto parse_error = [&](const char* type) {
      std::string shown =
          v.IsString() ? std::string(v.GetString()) : std::string(sfn::json::Serialize(v));
      return fail(400, "JSON_PARSER_ERROR",
                  std::string("Cannot deserialize instance of ") + type + " from " +
                      JsonTokenName(v) + " value " + shown +
                      " or request may be missing a required field",
                  {});
    };
    if (v.IsNull()) {
      if (!f->nillable && f->type != FieldType::kBoolean) {
        return fail(400, "REQUIRED_FIELD_MISSING", "Required fields are missing: [" + f->name + "]",
                    {f->name});
      }
      record->fields[f->name] = f->type == FieldType::kBoolean ? Value{false} : Value{};
      continue;
    }
    Value out;
    switch (f->type) {
      case FieldType::kBoolean:
        if (v.IsBool()) {
          out = v.GetBool();
        } else if (v.IsString() && (EqualsIgnoreCase(v.GetString(), "true") ||
                                    EqualsIgnoreCase(v.GetString(), "false"))) {
          out = EqualsIgnoreCase(v.GetString(), "true");
        } else {
          return parse_error("boolean");
        }
        break;
      case FieldType::kInt:
      case FieldType::kDouble:
      case FieldType::kCurrency: {
        double d = 0;
        if (!ParseNumber(v, &d)) return parse_error(f->type == FieldType::kInt ? "int" : "double");
        out = d;
        break;
      }
      case FieldType::kDate: {
        if (!v.IsString()) return parse_error("date");
        std::string s = v.GetString();
        if (s.size() != 10 || !sfn::timeutil::ParseRfc3339(s + "T00:00:00Z").ok())
          return parse_error("date");
        out = s;
        break;
      }
      case FieldType::kDateTime: {
        if (!v.IsString()) return parse_error("datetime");
        auto ms = sfn::timeutil::ParseRfc3339(v.GetString());
        if (!ms.ok()) return parse_error("datetime");
        out = SalesforceDateTime(*ms);
        break;
      }
      case FieldType::kId:
      case FieldType::kReference: {
        if (!v.IsString()) return parse_error("id");
        std::string raw = v.GetString();
        if (raw.empty()) {
          out = std::monostate{};
          break;
        }
        auto id = sf::NormalizeId(raw);
        if (!id.ok()) {
          bool ends_with_id =
              f->label.size() > 3 && f->label.compare(f->label.size() - 3, 3, " ID") == 0;
          return fail(
              400, "MALFORMED_ID",
              f->label + (ends_with_id ? "" : " ID") + ": id value of incorrect type: " + raw,
              {f->name});
        }
        if (mode == WriteMode::kApi) {
          auto target = records_.find(*id);
          bool type_ok = false;
          if (target != records_.end()) {
            for (const auto& t : f->reference_to)
              type_ok = type_ok || EqualsIgnoreCase(t, target->second.record.type);
          }
          if (!type_ok) {
            return fail(400, "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id",
                        {f->name});
          }
          if (target->second.record.deleted)
            return fail(400, "ENTITY_IS_DELETED", "entity is deleted", {f->name});
        }
        out = *id;
        break;
      }
      default: {
        std::string s;
        if (v.IsString()) {
          s.assign(v.GetString(), v.GetStringLength());
        } else if (v.IsNumber() || v.IsBool()) {
          s = sfn::json::Serialize(v);
        } else {
          return parse_error("String");
        }
        // Salesforce measures text fields in characters, not bytes.
        size_t chars = 0;
        for (unsigned char c : s) chars += (c & 0xC0) != 0x80;
        if (f->length > 0 && chars > static_cast<size_t>(f->length)) {
          return fail(400, "STRING_TOO_LONG",
                      f->label + ": data value too large: " + Shorten(s) +
                          " (max length=" + std::to_string(f->length) + ")",
                      {f->name});
        }
        if (f->type == FieldType::kEmail && !s.empty() && !LooksLikeEmail(s)) {
          return fail(400, "INVALID_EMAIL_ADDRESS", f->label + ": invalid email address: " + s,
                      {f->name});
        }
        if (f->type == FieldType::kPicklist && f->restricted_picklist && !s.empty() &&
            std::find(f->picklist_values.begin(), f->picklist_values.end(), s) ==
                f->picklist_values.end()) {
          return fail(400, "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                      f->label + ": bad value for restricted picklist field: " + s, {f->name});
        }
        out = s.empty() ? Value{} : Value{s};
        break;
      }
    }
    record->fields[f->name] = std::move(out);
  }
  return true;
}

// ---- Txn ------------------------------------------------------------------

OrgStore::Txn OrgStore::Begin() {
  return Txn(this);
}

OrgStore::Txn::Txn(OrgStore* store) : store_(store), lock_(store->mu_) {}
OrgStore::Txn::Txn(Txn&& other) noexcept
    : store_(other.store_), lock_(std::move(other.lock_)), undo_(std::move(other.undo_)) {
  other.undo_.clear();
}
OrgStore::Txn::~Txn() {
  if (lock_.owns_lock()) RollbackTo(0);
}

const Record* OrgStore::Txn::Find(std::string_view id) const {
  auto id18 = sf::NormalizeId(id);
  if (!id18.ok()) return nullptr;
  return store_->FindRecord(*id18);
}

const Record* OrgStore::Txn::FindBy(std::string_view type, std::string_view field,
                                    std::string_view value) const {
  const Record* found = nullptr;
  store_->Scan(type, [&](const Record& r) {
    if (found || r.deleted) return;
    const std::string* s = StringField(r, field);
    if (s && EqualsIgnoreCase(*s, value)) found = &r;
  });
  return found;
}

std::string OrgStore::Txn::NewId(const std::string& prefix) {
  return store_->NextId(prefix);
}

std::optional<std::string> OrgStore::Txn::Create(const ObjectDef& object,
                                                 const rapidjson::Value& fields,
                                                 const std::string& user_id, ApiError* error,
                                                 WriteMode mode) {
  if (mode == WriteMode::kApi &&
      (object.custom_metadata || object.platform_event || object.read_only)) {
    *error = ApiError{400,
                      "INVALID_TYPE_FOR_OPERATION",
                      "entity type " + object.name + " does not support insert",
                      {}};
    return std::nullopt;
  }
  Record r;
  r.type = object.name;
  for (const auto& f : object.fields) {
    if (f.type == FieldType::kBoolean)
      r.fields[f.name] = f.default_value && *f.default_value == "true";
    else if (f.default_value)
      r.fields[f.name] = *f.default_value;
  }
  if (!store_->ApplyFields(object, fields, /*creating=*/true, mode, &r, error)) return std::nullopt;
  if (EqualsIgnoreCase(object.name, "PermissionSetAssignment") && !FillGroupAssignment(&r, error))
    return std::nullopt;
  std::vector<std::string> missing;
  for (const auto& f : object.fields) {
    if (!f.required_on_create) continue;
    auto it = r.fields.find(f.name);
    if (it == r.fields.end() || std::holds_alternative<std::monostate>(it->second))
      missing.push_back(f.name);
  }
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    *error = ApiError{400, "REQUIRED_FIELD_MISSING", "Required fields are missing: [" + list + "]",
                      missing};
    return std::nullopt;
  }
  r.id = store_->NextId(object.key_prefix);
  std::string now = SalesforceDateTime(sfn::timeutil::NowMillis());
  std::string creator = user_id.empty() ? r.id : user_id;
  auto set_default = [&](const char* name, Value v) {
    if (!object.FindField(name)) return;
    auto it = r.fields.find(name);
    if (mode == WriteMode::kSeed && it != r.fields.end() &&
        !std::holds_alternative<std::monostate>(it->second))
      return;
    r.fields[name] = std::move(v);
  };
  r.fields["Id"] = r.id;
  set_default("CreatedDate", now);
  set_default("CreatedById", creator);
  set_default("LastModifiedDate", now);
  set_default("LastModifiedById", creator);
  set_default("SystemModstamp", now);
  if (object.FindField("OwnerId")) {
    auto it = r.fields.find("OwnerId");
    if (it == r.fields.end() || std::holds_alternative<std::monostate>(it->second))
      r.fields["OwnerId"] = creator;
  }
  if (object.FindField("CompletedDateTime") && EqualsIgnoreCase(object.name, "Task")) {
    const std::string* status = StringField(r, "Status");
    if (status && *status == "Completed") r.fields["CompletedDateTime"] = now;
  }
  store_->Derive(object, &r);
  std::string id = r.id;
  std::string group_label =
      EqualsIgnoreCase(object.name, "PermissionSetGroup")
          ? (StringField(r, "MasterLabel") ? *StringField(r, "MasterLabel") : std::string())
          : std::string();
  std::string group_name =
      EqualsIgnoreCase(object.name, "PermissionSetGroup") && StringField(r, "DeveloperName")
          ? *StringField(r, "DeveloperName")
          : std::string();
  store_->PutRecord(std::move(r));
  undo_.push_back(Undo{id, std::nullopt});
  if (EqualsIgnoreCase(object.name, "PermissionSetGroup")) {
    // Salesforce keeps one aggregate PermissionSet per group (Type = Group); assignments of
    // the group point their PermissionSetId at it.
    const ObjectDef* sets = store_->FindObject("PermissionSet");
    rapidjson::Document agg(rapidjson::kObjectType);
    auto& a = agg.GetAllocator();
    agg.AddMember("Name", sfn::json::Str("sfemu_group_" + group_name, a), a);
    agg.AddMember("Label", sfn::json::Str(group_label, a), a);
    agg.AddMember("Type", "Group", a);
    agg.AddMember("PermissionSetGroupId", sfn::json::Str(id, a), a);
    if (!sets || !Create(*sets, agg, user_id, error, WriteMode::kSeed)) return std::nullopt;
  }
  return id;
}

// A PermissionSetAssignment naming a PermissionSetGroupId gets the group's aggregate
// permission set as PermissionSetId; one without either is REQUIRED_FIELD_MISSING.
bool OrgStore::Txn::FillGroupAssignment(Record* r, ApiError* error) {
  const std::string* group = StringField(*r, "PermissionSetGroupId");
  const std::string* set = StringField(*r, "PermissionSetId");
  if (!group) {
    if (set) return true;
    *error = ApiError{400,
                      "REQUIRED_FIELD_MISSING",
                      "Required fields are missing: [PermissionSetId]",
                      {"PermissionSetId"}};
    return false;
  }
  std::string aggregate;
  store_->Scan("PermissionSet", [&](const Record& p) {
    const std::string* g = StringField(p, "PermissionSetGroupId");
    if (!p.deleted && g && *g == *group) aggregate = p.id;
  });
  if (aggregate.empty() || (set && *set != aggregate)) {
    *error = ApiError{400,
                      "INVALID_CROSS_REFERENCE_KEY",
                      "PermissionSetId must be the permission set group's own permission set",
                      {"PermissionSetId"}};
    return false;
  }
  r->fields["PermissionSetId"] = aggregate;
  return true;
}

namespace {
// Resolves a URL/collection id to a live record of the expected object, or fills *error.
const Record* LocateForWrite(const OrgStore::Txn& txn, const ObjectDef* object, std::string_view id,
                             ApiError* error) {
  auto id18 = sf::NormalizeId(id);
  if (!id18.ok() || (object && sf::KeyPrefix(*id18) != object->key_prefix)) {
    std::string label = object ? object->name : "Record";
    *error = ApiError{
        400, "MALFORMED_ID", label + " ID: id value of incorrect type: " + std::string(id), {"Id"}};
    return nullptr;
  }
  const Record* r = txn.data().FindRecord(*id18);
  if (!r) {
    *error = ApiError{404, "NOT_FOUND", "The requested resource does not exist", {}};
    return nullptr;
  }
  if (r->deleted) {
    *error = ApiError{404, "ENTITY_IS_DELETED", "entity is deleted", {}};
    return nullptr;
  }
  return r;
}
}  // namespace

const Record* OrgStore::Txn::Locate(const ObjectDef* object, std::string_view id,
                                    ApiError* error) const {
  return LocateForWrite(*this, object, id, error);
}

bool OrgStore::Txn::Update(const ObjectDef* object, std::string_view id,
                           const rapidjson::Value& fields, const std::string& user_id,
                           ApiError* error) {
  const Record* current = LocateForWrite(*this, object, id, error);
  if (!current) return false;
  const ObjectDef* def = store_->FindObject(current->type);
  if (def->custom_metadata || def->read_only) {
    *error = ApiError{400,
                      "INVALID_TYPE_FOR_OPERATION",
                      "entity type " + def->name + " does not support update",
                      {}};
    return false;
  }
  if (EqualsIgnoreCase(def->name, "Lead") && BoolField(*current, "IsConverted")) {
    *error = ApiError{400, "CANNOT_UPDATE_CONVERTED_LEAD", "cannot reference converted lead", {}};
    return false;
  }
  if (!store_->CanEdit(*current, user_id)) {
    *error = ApiError{
        400, "INSUFFICIENT_ACCESS_OR_READONLY", "insufficient access rights on object id", {}};
    return false;
  }
  Record updated = *current;
  if (!store_->ApplyFields(*def, fields, /*creating=*/false, WriteMode::kApi, &updated, error))
    return false;
  std::string now = SalesforceDateTime(sfn::timeutil::NowMillis());
  if (def->FindField("LastModifiedDate")) updated.fields["LastModifiedDate"] = now;
  if (def->FindField("LastModifiedById")) updated.fields["LastModifiedById"] = user_id;
  if (def->FindField("SystemModstamp")) updated.fields["SystemModstamp"] = now;
  store_->Derive(*def, &updated);
  undo_.push_back(Undo{updated.id, *current});
  store_->PutRecord(std::move(updated));
  return true;
}

bool OrgStore::Txn::SetFields(std::string_view id, const rapidjson::Value& fields,
                              ApiError* error) {
  const Record* current = LocateForWrite(*this, nullptr, id, error);
  if (!current) return false;
  const ObjectDef* def = store_->FindObject(current->type);
  Record updated = *current;
  if (!store_->ApplyFields(*def, fields, /*creating=*/false, WriteMode::kSeed, &updated, error))
    return false;
  store_->Derive(*def, &updated);
  undo_.push_back(Undo{updated.id, *current});
  store_->PutRecord(std::move(updated));
  return true;
}

bool OrgStore::Txn::Delete(const ObjectDef* object, std::string_view id, const std::string& user_id,
                           ApiError* error) {
  const Record* current = LocateForWrite(*this, object, id, error);
  if (!current) return false;
  const ObjectDef* def = store_->FindObject(current->type);
  if (def->custom_metadata || def->read_only) {
    *error = ApiError{400,
                      "INVALID_TYPE_FOR_OPERATION",
                      "entity type " + def->name + " does not support delete",
                      {}};
    return false;
  }
  if (!store_->CanEdit(*current, user_id)) {
    *error = ApiError{
        400, "INSUFFICIENT_ACCESS_OR_READONLY", "insufficient access rights on object id", {}};
    return false;
  }
  Record updated = *current;
  updated.deleted = true;
  if (def->FindField("LastModifiedById")) updated.fields["LastModifiedById"] = user_id;
  store_->Derive(*def, &updated);
  undo_.push_back(Undo{updated.id, *current});
  store_->PutRecord(std::move(updated));
  return true;
}

std::optional<std::string> OrgStore::Txn::BuildEventPayload(const ObjectDef& event,
                                                            const rapidjson::Value& fields,
                                                            const std::string& user_id,
                                                            ApiError* error, int64_t created_ms) {
  Record r;
  r.type = event.name;
  if (!store_->ApplyFields(event, fields, /*creating=*/true, WriteMode::kApi, &r, error))
    return std::nullopt;
  rapidjson::Document doc(rapidjson::kObjectType);
  auto& a = doc.GetAllocator();
  doc.AddMember("CreatedDate",
                sfn::json::Str(sfn::timeutil::FormatRfc3339Millis(
                                   created_ms > 0 ? created_ms : sfn::timeutil::NowMillis()),
                               a),
                a);
  doc.AddMember("CreatedById", sfn::json::Str(user_id, a), a);
  for (const auto& f : event.fields) {
    if (EqualsIgnoreCase(f.name, "CreatedDate") || EqualsIgnoreCase(f.name, "CreatedById"))
      continue;
    auto it = r.fields.find(f.name);
    Value v = it == r.fields.end() ? Value{} : it->second;
    doc.AddMember(sfn::json::Str(f.name, a), ValueToJson(v, &f, a), a);
  }
  return sfn::json::Serialize(doc);
}

void OrgStore::Txn::RollbackTo(size_t savepoint) {
  while (undo_.size() > savepoint) {
    Undo u = std::move(undo_.back());
    undo_.pop_back();
    if (u.before) {
      store_->PutRecord(std::move(*u.before));
    } else {
      store_->EraseRecord(u.id);
    }
  }
}

sfn::Status OrgStore::Txn::Commit() {
  std::vector<std::string> ids;
  for (const auto& u : undo_) ids.push_back(u.id);
  undo_.clear();
  return store_->PersistIds(ids);
}

// ---- JSON -----------------------------------------------------------------

rapidjson::Value RecordToJson(const Record& record, const ObjectDef& object,
                              const std::string& api_version, const std::vector<std::string>& only,
                              rapidjson::Document::AllocatorType& a) {
  rapidjson::Value out(rapidjson::kObjectType);
  rapidjson::Value attributes(rapidjson::kObjectType);
  attributes.AddMember("type", sfn::json::Str(object.name, a), a);
  attributes.AddMember(
      "url",
      sfn::json::Str(
          "/services/data/v" + api_version + "/sobjects/" + object.name + "/" + record.id, a),
      a);
  out.AddMember("attributes", attributes, a);
  auto add = [&](const FieldDef& f) {
    auto it = record.fields.find(f.name);
    Value v = it == record.fields.end() ? Value{} : it->second;
    out.AddMember(sfn::json::Str(f.name, a), ValueToJson(v, &f, a), a);
  };
  if (only.empty()) {
    for (const auto& f : object.fields) add(f);
  } else {
    for (const auto& name : only) {
      if (const FieldDef* f = object.FindField(name)) add(*f);
    }
  }
  return out;
}

}  // namespace sfemu
