// Fuzzes sfemu's SOQL engine (sandbox/sfemu/soql.h): Parse any bytes, and
// Execute what parses over a tiny org with sfemu's standard schema and a few
// Leads, Contacts, Users and Tasks (nulls, relationships, dates included).
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "salesforce/record_id.h"
#include "sandbox/sfemu/soql.h"
#include "sandbox/sfemu/standard_schema.h"

namespace {

class TinyOrg : public sfemu::DataSource {
 public:
  TinyOrg() {
    for (auto& o : sfemu::StandardObjects()) objects_.push_back(std::move(o));
    std::string owner =
        Add("005", 1, "User", {{"Name", std::string("Ada Admin")}, {"IsActive", true}});
    std::string lead = Add("00Q", 1, "Lead",
                           {{"FirstName", std::string("Grace")},
                            {"LastName", std::string("O'Hopper")},
                            {"Company", std::string("Navy")},
                            {"MobilePhone", std::string("+15551230001")},
                            {"OwnerId", owner},
                            {"SMS_Opt_In__c", true},
                            {"CreatedDate", std::string("2024-05-01T10:00:00.000+0000")}});
    Add("00Q", 2, "Lead", {{"LastName", std::string("Null%_Phone")}, {"Company", std::string("x")}},
        /*deleted=*/true);
    std::string contact = Add("003", 1, "Contact",
                              {{"LastName", std::string("Torvalds")},
                               {"Phone", std::string("555 0100")},
                               {"OwnerId", owner}});
    Add("00T", 1, "Task",
        {{"WhoId", lead},
         {"Subject", std::string("SMS: hi")},
         {"ActivityDate", std::string("2024-05-02")}});
    Add("00T", 2, "Task", {{"WhoId", contact}, {"Subject", std::string("Call")}});
  }

  const sfemu::ObjectDef* FindObject(std::string_view name) const override {
    for (const auto& o : objects_) {
      if (sfemu::EqualsIgnoreCase(o.name, name)) return &o;
    }
    return nullptr;
  }
  const sfemu::Record* FindRecord(std::string_view id18) const override {
    for (const auto& r : records_) {
      if (r.id == id18) return &r;
    }
    return nullptr;
  }
  void Scan(std::string_view object,
            const std::function<void(const sfemu::Record&)>& fn) const override {
    for (const auto& r : records_) {
      if (sfemu::EqualsIgnoreCase(r.type, object)) fn(r);
    }
  }

 private:
  std::string Add(const char* prefix, int n, const char* type,
                  std::initializer_list<std::pair<const char*, sfemu::Value>> fields,
                  bool deleted = false) {
    sfemu::Record r;
    r.id = sfn::salesforce::MakeId(prefix, n);
    r.type = type;
    r.deleted = deleted;
    for (const auto& [k, v] : fields) r.fields[k] = v;
    r.fields["Id"] = r.id;
    records_.push_back(std::move(r));
    return records_.back().id;
  }

  std::deque<sfemu::ObjectDef> objects_;
  std::deque<sfemu::Record> records_;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const TinyOrg org;  // immutable after construction
  std::string_view text(reinterpret_cast<const char*>(data), size);
  sfemu::soql::ParsedQuery parsed;
  sfemu::soql::Error error;
  if (!sfemu::soql::Parse(text, &parsed, &error)) {
    if (error.code.empty()) __builtin_trap();
    return 0;
  }
  sfemu::soql::ExecuteOptions options;
  options.now_ms = 1714557600000;  // fixed "now" keeps runs reproducible
  options.include_deleted = size % 2 == 0;
  sfemu::soql::QueryResult result;
  if (!sfemu::soql::Execute(parsed, org, options, &result, &error) && error.code.empty()) {
    __builtin_trap();
  }
  return 0;
}
