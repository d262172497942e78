#include "sandbox/sfemu/seed.h"

#include <map>
#include <random>
#include <vector>

#include "common/json.h"
#include "sandbox/sfemu/standard_schema.h"

namespace sfemu {

namespace {

using Doc = rapidjson::Document;

// Field list for one seed record; Value() alternatives map to JSON values.
using Fields = std::vector<std::pair<std::string, Value>>;

class Seeder {
 public:
  Seeder(OrgStore& store, OrgStore::Txn& txn) : store_(store), txn_(txn) {}

  sfn::Result<std::string> Insert(const std::string& type, const Fields& fields) {
    Doc doc(rapidjson::kObjectType);
    auto& a = doc.GetAllocator();
    for (const auto& [name, value] : fields) {
      rapidjson::Value v;
      if (std::holds_alternative<bool>(value))
        v.SetBool(std::get<bool>(value));
      else if (std::holds_alternative<double>(value))
        v.SetDouble(std::get<double>(value));
      else if (std::holds_alternative<std::string>(value))
        v = sfn::json::Str(std::get<std::string>(value), a);
      doc.AddMember(sfn::json::Str(name, a), v, a);
    }
    return InsertJson(type, doc);
  }

  sfn::Result<std::string> InsertJson(const std::string& type, rapidjson::Value& fields) {
    const ObjectDef* object = store_.FindObject(type);
    if (!object) return sfn::Status::InvalidArgument("seed: unknown object type '" + type + "'");
    ApiError error;
    auto id = txn_.Create(*object, fields, creator_, &error, WriteMode::kSeed);
    if (!id)
      return sfn::Status::InvalidArgument("seed: cannot create " + type + ": " + error.code + " " +
                                          error.message);
    return *id;
  }

  sfn::Status Update(const std::string& id, const std::string& field, const std::string& value) {
    Doc doc(rapidjson::kObjectType);
    doc.AddMember(sfn::json::Str(field, doc.GetAllocator()),
                  sfn::json::Str(value, doc.GetAllocator()), doc.GetAllocator());
    ApiError error;
    if (!txn_.Update(nullptr, id, doc, creator_, &error))
      return sfn::Status::InvalidArgument("seed: cannot update " + id + ": " + error.message);
    return sfn::Status::Ok();
  }

  void set_creator(std::string id) { creator_ = std::move(id); }
  std::map<std::string, std::string>& refs() { return refs_; }

 private:
  OrgStore& store_;
  OrgStore::Txn& txn_;
  std::string creator_;
  std::map<std::string, std::string> refs_;
};

#define SEED_TRY(var, expr)                             \
  auto var##_result = (expr);                           \
  if (!var##_result.ok()) return var##_result.status(); \
  std::string var = var##_result.value()

struct BaseIds {
  std::string integration, sender, viewer;
  std::string sender_set, admin_set;
};

sfn::Result<BaseIds> SeedBaseOrg(Seeder& s) {
  BaseIds ids;
  // The integration user creates itself (CreatedById = own id) and then everything else.
  SEED_TRY(integration, s.Insert("User", {{"Username", std::string(kIntegrationUsername)},
                                          {"FirstName", std::string("Integration")},
                                          {"LastName", std::string("User")},
                                          {"Email", std::string("integration@sfnotify.demo")},
                                          {"Alias", std::string("integ")},
                                          {"TimeZoneSidKey", std::string("America/New_York")}}));
  s.set_creator(integration);
  // The org's own record: the first 00D id, which is the org id (MakeId("00D", 1)).
  SEED_TRY(org, s.Insert("Organization", {{"Name", std::string("sfnotify demo org")},
                                          {"OrganizationType", std::string("Developer Edition")},
                                          {"InstanceName", std::string("LOCAL")},
                                          {"IsSandbox", false},
                                          {"Country", std::string("US")},
                                          {"LanguageLocaleKey", std::string("en_US")},
                                          {"DefaultLocaleSidKey", std::string("en_US")},
                                          {"TimeZoneSidKey", std::string("America/New_York")},
                                          {"PrimaryContact", std::string("Integration User")}}));
  (void)org;
  SEED_TRY(admin_profile, s.Insert("Profile", {{"Name", std::string("System Administrator")},
                                               {"PermissionsModifyAllData", true}}));
  SEED_TRY(standard_profile, s.Insert("Profile", {{"Name", std::string("Standard User")}}));
  // The integration user has the System Administrator profile (Modify All Data).
  if (auto st = s.Update(integration, "ProfileId", admin_profile); !st.ok()) return st;
  Doc patch(rapidjson::kObjectType);
  SEED_TRY(sender, s.Insert("User", {{"Username", std::string("sender@sfnotify.demo")},
                                     {"FirstName", std::string("Sam")},
                                     {"LastName", std::string("Sender")},
                                     {"Email", std::string("sender@sfnotify.demo")},
                                     {"Alias", std::string("ssend")},
                                     {"ProfileId", standard_profile},
                                     {"TimeZoneSidKey", std::string("America/Chicago")}}));
  SEED_TRY(viewer, s.Insert("User", {{"Username", std::string("viewer@sfnotify.demo")},
                                     {"FirstName", std::string("Vera")},
                                     {"LastName", std::string("Viewer")},
                                     {"Email", std::string("viewer@sfnotify.demo")},
                                     {"Alias", std::string("vview")},
                                     {"ProfileId", standard_profile},
                                     {"TimeZoneSidKey", std::string("America/Los_Angeles")}}));
  (void)admin_profile;
  SEED_TRY(sender_set,
           s.Insert("PermissionSet", {{"Name", std::string("SMS_Notification_Sender")},
                                      {"Label", std::string("SMS Notification Sender")}}));
  SEED_TRY(admin_set,
           s.Insert("PermissionSet", {{"Name", std::string("SMS_Notification_Admin")},
                                      {"Label", std::string("SMS Notification Admin")}}));
  SEED_TRY(a1, s.Insert("PermissionSetAssignment",
                        {{"AssigneeId", sender}, {"PermissionSetId", sender_set}}));
  SEED_TRY(a2, s.Insert("PermissionSetAssignment",
                        {{"AssigneeId", integration}, {"PermissionSetId", admin_set}}));
  SEED_TRY(a3, s.Insert("PermissionSetAssignment",
                        {{"AssigneeId", integration}, {"PermissionSetId", sender_set}}));
  (void)a1;
  (void)a2;
  (void)a3;
  // A permission set group holding the sender set, assigned to nobody: tests assign it to
  // check that group membership is seen the way Salesforce represents it.
  SEED_TRY(team,
           s.Insert("PermissionSetGroup", {{"DeveloperName", std::string("SMS_Notification_Team")},
                                           {"MasterLabel", std::string("SMS Notification Team")}}));
  SEED_TRY(team_sender, s.Insert("PermissionSetGroupComponent", {{"PermissionSetGroupId", team},
                                                                 {"PermissionSetId", sender_set}}));
  (void)team_sender;

  auto mdt = [](std::string name, std::string label) {
    return Fields{{"DeveloperName", name},
                  {"MasterLabel", label},
                  {"Label", label},
                  {"QualifiedApiName", name}};
  };
  Fields main = mdt("Main", "Main");
  main.insert(main.end(),
              {{"Sender__c", std::string("+15005550006")},
               {"Roles__c", std::string("SMS_Notification_Sender, SMS_Notification_Admin")},
               {"Max_Messages_Per_Second__c", 10.0},
               {"Quiet_Hours__c", std::string("federal")},
               {"Default_Time_Zone__c", std::string("America/New_York")},
               {"Price_Per_Segment__c", 0.0079},
               {"Segment_Budget__c", 5000.0}});
  SEED_TRY(cp1, s.Insert("SMS_Contact_Point__mdt", main));
  Fields alerts = mdt("Alerts", "Alerts");
  alerts.insert(alerts.end(), {{"Sender__c", std::string("+15005550007")},
                               {"Roles__c", std::string("Everyone")},
                               {"Max_Messages_Per_Second__c", 1.0},
                               {"Quiet_Hours__c", std::string("none")},
                               {"Default_Time_Zone__c", std::string("America/Chicago")},
                               {"Price_Per_Segment__c", 0.0079}});
  SEED_TRY(cp2, s.Insert("SMS_Contact_Point__mdt", alerts));
  (void)cp1;
  (void)cp2;
  for (const char* object : {"Lead", "Contact"}) {
    Fields m = mdt(std::string(object) + "_Mapping", std::string(object) + " Mapping");
    m.insert(m.end(), {{"Object__c", std::string(object)},
                       {"Phone_Fields__c", std::string("MobilePhone,Phone")},
                       {"Opt_In_Field__c", std::string("SMS_Opt_In__c")},
                       {"Opt_In_Value__c", std::string("true")},
                       {"Opt_Out_Field__c", std::string("SMS_Opt_Out__c")},
                       {"Time_Zone_Field__c", std::string("SMS_Time_Zone__c")},
                       {"Task_Subject__c", std::string("SMS: {!Template.Name}")},
                       {"Task_Status__c", std::string("Completed")},
                       {"Task_Priority__c", std::string("Normal")},
                       {"Task_Type__c", std::string("SMS")},
                       {"Task_Owner__c", std::string("requester")},
                       {"Task_Description__c", std::string("{!Message.Body}")},
                       {"Reply_Task_Subject__c", std::string("SMS reply")}});
    SEED_TRY(mapping, s.Insert("SMS_Field_Mapping__mdt", m));
    (void)mapping;
  }
  Fields t1 = mdt("Appointment_Reminder", "Appointment Reminder");
  t1.insert(t1.end(),
            {{"Object__c", std::string("Lead")},
             {"Body__c", std::string("Hi {!Lead.FirstName, \"there\"}, this is a reminder of your "
                                     "appointment with {!Lead.Company}. Reply STOP to opt out.")}});
  SEED_TRY(tpl1, s.Insert("SMS_Template__mdt", t1));
  Fields t2 = mdt("Account_Update", "Account Update");
  t2.insert(
      t2.end(),
      {{"Object__c", std::string("Contact")},
       {"Body__c", std::string("Hello {!Contact.FirstName, \"there\"}, your account details were "
                               "updated. Reply HELP for help or STOP to opt out.")}});
  SEED_TRY(tpl2, s.Insert("SMS_Template__mdt", t2));
  (void)tpl1;
  (void)tpl2;
  ids.integration = integration;
  ids.sender = sender;
  ids.viewer = viewer;
  ids.sender_set = sender_set;
  ids.admin_set = admin_set;
  return ids;
}

// ---- demo data ------------------------------------------------------------

const char* kFirstNames[] = {
    "James",   "Mary",      "Robert",  "Patricia", "John",    "Jennifer", "Michael", "Linda",
    "David",   "Elizabeth", "William", "Barbara",  "Richard", "Susan",    "Joseph",  "Jessica",
    "Thomas",  "Sarah",     "Carlos",  "Karen",    "Daniel",  "Lisa",     "Matthew", "Nancy",
    "Anthony", "Betty",     "Mark",    "Sandra",   "Wei",     "Ashley",   "Steven",  "Emily",
    "Andrew",  "Priya",     "Joshua",  "Michelle", "Kenji",   "Amanda",   "Omar",    "Sofia",
    "Lukas",   "Hannah",    "Oliver",  "Amelia",   "Mateo",   "Valeria",  "Liam",    "Chloe"};
const char* kLastNames[] = {"Smith",    "Johnson", "Williams",  "Brown",    "Jones",     "Garcia",
                            "Miller",   "Davis",   "Rodriguez", "Martinez", "Hernandez", "Lopez",
                            "Gonzalez", "Wilson",  "Anderson",  "Thomas",   "Taylor",    "Moore",
                            "Jackson",  "Martin",  "Lee",       "Perez",    "Thompson",  "White",
                            "Harris",   "Sanchez", "Clark",     "Ramirez",  "Lewis",     "Robinson",
                            "Walker",   "Young",   "Allen",     "King",     "Wright",    "Nguyen",
                            "Patel",    "Kim",     "Chen",      "O'Brien",  "Müller",    "Schmidt"};
const char* kCompanies[] = {
    "Acme Dental",        "Bluebird Plumbing",  "Cedar Health Clinic",  "Summit Realty",
    "Harbor Auto Repair", "Northwind Traders",  "Pioneer Insurance",    "Maple Veterinary",
    "Riverside Fitness",  "Golden Gate Movers", "Lakeside Pediatrics",  "Evergreen Landscaping",
    "Metro Bank",         "Sunrise Solar",      "Oak & Iron Furniture", "Prairie Credit Union"};

struct Region {
  const char* country;
  const char* state;
  const char* time_zone;
  std::vector<const char*> area_codes;  // US/Canada only
};

const Region kUsRegions[] = {
    {"United States", "NY", "America/New_York", {"212", "646", "718", "917"}},
    {"United States", "MA", "America/New_York", {"617", "508"}},
    {"United States", "FL", "America/New_York", {"305", "407"}},
    {"United States", "IL", "America/Chicago", {"312", "773"}},
    {"United States", "TX", "America/Chicago", {"214", "512", "713"}},
    {"United States", "CO", "America/Denver", {"303", "720"}},
    {"United States", "AZ", "America/Phoenix", {"602", "480"}},
    {"United States", "CA", "America/Los_Angeles", {"415", "213", "310", "408"}},
    {"United States", "WA", "America/Los_Angeles", {"206", "425"}},
    {"United States", "AK", "America/Anchorage", {"907"}},
    {"United States", "HI", "Pacific/Honolulu", {"808"}},
};

class DemoGenerator {
 public:
  explicit DemoGenerator(uint32_t seed) : rng_(seed) {
    for (int i = 0; i < 12; ++i) shared_numbers_.push_back(UsMobile(kUsRegions[Pick(11)]));
  }

  size_t Pick(size_t n) { return rng_() % n; }
  bool Chance(int percent) { return static_cast<int>(rng_() % 100) < percent; }
  std::string Digits(int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s.push_back(static_cast<char>('0' + rng_() % 10));
    return s;
  }
  // NANP: exchange must not start with 0/1; avoid 555 so numbers look real to libphonenumber.
  std::string Exchange() {
    std::string e;
    do {
      e = std::to_string(2 + rng_() % 8) + Digits(2);
    } while (e == "555");
    return e;
  }
  std::string UsMobile(const Region& r) {
    std::string area = r.area_codes[Pick(r.area_codes.size())];
    std::string ex = Exchange(), line = Digits(4);
    switch (Pick(4)) {
      case 0:
        return "(" + area + ") " + ex + "-" + line;
      case 1:
        return area + "-" + ex + "-" + line;
      case 2:
        return "+1" + area + ex + line;
      default:
        return "+1 " + area + " " + ex + " " + line;
    }
  }
  const std::string& Shared() { return shared_numbers_[Pick(shared_numbers_.size())]; }

  // Fills address, time zone and phone fields of one person.
  void Person(Fields* f, bool lead) {
    std::string first = kFirstNames[Pick(std::size(kFirstNames))];
    std::string last = kLastNames[Pick(std::size(kLastNames))];
    f->push_back({"FirstName", first});
    f->push_back({"LastName", last});
    std::string local;
    for (char c : first + "." + last) {
      if (std::isalpha(static_cast<unsigned char>(c)) || c == '.')
        local.push_back(static_cast<char>(std::tolower(c)));
    }
    static const char* kDomains[] = {"example.com", "example.org", "example.net"};
    f->push_back({"Email", local + std::to_string(counter_++) + "@" + kDomains[Pick(3)]});

    std::string country, state, tz, mobile, phone;
    int where = static_cast<int>(Pick(100));
    if (where < 85) {
      const Region& r = kUsRegions[Pick(std::size(kUsRegions))];
      country = r.country;
      state = r.state;
      tz = r.time_zone;
      mobile = UsMobile(r);
      phone = Chance(30) ? "1-800-" + Exchange() + "-" + Digits(4)  // toll-free main line
                         : "(" + std::string(r.area_codes[0]) + ") " + Exchange() + "-" +
                               Digits(4) + " x" + Digits(3);
    } else if (where < 90) {
      country = "United Kingdom";
      tz = "Europe/London";
      mobile = "+44 7700 900" + Digits(3);
      phone = "+44 20 7946 0" + Digits(3);
    } else if (where < 94) {
      country = "Canada";
      bool west = Chance(40);
      state = west ? "BC" : "ON";
      tz = west ? "America/Vancouver" : "America/Toronto";
      mobile = std::string(west ? "(604) " : "(416) ") + Exchange() + "-" + Digits(4);
      phone = std::string(west ? "604-" : "416-") + Exchange() + "-" + Digits(4);
    } else if (where < 97) {
      country = "Mexico";
      state = "CDMX";
      tz = "America/Mexico_City";
      mobile = "+52 55 " + Digits(4) + " " + Digits(4);
      phone = "+52 55 5" + Digits(3) + " " + Digits(4);
    } else {
      country = "Germany";
      state = "BE";
      tz = "Europe/Berlin";
      mobile = "+49 151 " + Digits(8);
      phone = "+49 30 " + Digits(7);
    }
    int quirk = static_cast<int>(Pick(100));
    if (quirk < 2)
      mobile = "123";
    else if (quirk < 4)
      mobile = "555-CALL-NOW";
    else if (quirk < 8)
      mobile = Shared();  // the same number on several records
    else if (quirk < 14)
      mobile.clear();  // only a landline-looking Phone
    if (Chance(20)) phone.clear();
    if (!mobile.empty()) f->push_back({"MobilePhone", mobile});
    if (!phone.empty()) f->push_back({"Phone", phone});
    f->push_back({lead ? "State" : "MailingState", state});
    f->push_back({lead ? "Country" : "MailingCountry", country});
    f->push_back({"SMS_Time_Zone__c", Chance(60) ? tz : std::string()});
    bool opt_out = Chance(7);
    f->push_back({"SMS_Opt_In__c", !opt_out && Chance(90)});
    f->push_back({"SMS_Opt_Out__c", opt_out});
  }

 private:
  std::mt19937 rng_;
  std::vector<std::string> shared_numbers_;
  int counter_ = 1;
};

sfn::Status SeedDemoData(Seeder& s, const BaseIds& base) {
  DemoGenerator gen(20240514);
  std::vector<std::string> accounts, leads, contacts;
  for (const char* company : kCompanies) {
    SEED_TRY(id, s.Insert("Account", {{"Name", std::string(company)},
                                      {"BillingCountry", std::string("United States")}}));
    accounts.push_back(id);
  }
  static const char* kLeadStatus[] = {"Open - Not Contacted", "Working - Contacted",
                                      "Closed - Not Converted"};
  for (int i = 0; i < 520; ++i) {
    Fields f;
    gen.Person(&f, /*lead=*/true);
    f.push_back({"Company", std::string(kCompanies[gen.Pick(std::size(kCompanies))])});
    f.push_back({"Status", std::string(kLeadStatus[gen.Pick(3)])});
    f.push_back({"OwnerId", gen.Chance(70) ? base.sender : base.integration});
    SEED_TRY(id, s.Insert("Lead", f));
    leads.push_back(id);
  }
  for (int i = 0; i < 520; ++i) {
    Fields f;
    gen.Person(&f, /*lead=*/false);
    f.push_back({"AccountId", accounts[gen.Pick(accounts.size())]});
    f.push_back({"OwnerId", gen.Chance(70) ? base.sender : base.viewer});
    SEED_TRY(id, s.Insert("Contact", f));
    contacts.push_back(id);
  }
  SEED_TRY(spring, s.Insert("Campaign", {{"Name", std::string("Spring Service Reminders")},
                                         {"IsActive", true},
                                         {"Type", std::string("Other")},
                                         {"Status", std::string("In Progress")},
                                         {"OwnerId", base.sender}}));
  SEED_TRY(webinar, s.Insert("Campaign", {{"Name", std::string("Customer Webinar Follow-up")},
                                          {"IsActive", true},
                                          {"Type", std::string("Webinar")},
                                          {"Status", std::string("Planned")},
                                          {"OwnerId", base.sender}}));
  for (size_t i = 0; i < 240; i += 4) {
    SEED_TRY(m, s.Insert("CampaignMember", {{"CampaignId", spring}, {"LeadId", leads[i]}}));
    (void)m;
  }
  for (size_t i = 0; i < 150; i += 3) {
    SEED_TRY(m, s.Insert("CampaignMember", {{"CampaignId", webinar}, {"ContactId", contacts[i]}}));
    (void)m;
  }
  for (size_t i = 1; i < 40; i += 4) {
    SEED_TRY(m, s.Insert("CampaignMember", {{"CampaignId", webinar}, {"LeadId", leads[i]}}));
    (void)m;
  }
  return sfn::Status::Ok();
}

// ---- seed file --------------------------------------------------------------

sfn::Result<FieldDef> ParseFieldDef(const rapidjson::Value& v) {
  FieldDef f;
  auto name = sfn::json::GetString(v, "name");
  if (!name || name->empty())
    return sfn::Status::InvalidArgument("seed: every field needs a \"name\"");
  f.name = *name;
  f.label = sfn::json::GetString(v, "label").value_or(f.name);
  std::string type = sfn::json::GetString(v, "type").value_or("string");
  auto parsed = ParseFieldType(type);
  if (!parsed)
    return sfn::Status::InvalidArgument("seed: field " + f.name + " has unknown type '" + type +
                                        "'");
  f.type = *parsed;
  f.length = static_cast<int>(
      sfn::json::GetInt(v, "length").value_or(f.type == FieldType::kString ? 255 : 0));
  f.required_on_create = sfn::json::GetBool(v, "required").value_or(false);
  f.nillable = sfn::json::GetBool(v, "nillable").value_or(!f.required_on_create);
  f.createable = sfn::json::GetBool(v, "createable").value_or(true);
  f.updateable = sfn::json::GetBool(v, "updateable").value_or(true);
  f.custom = f.name.find("__") != std::string::npos;
  f.relationship_name = sfn::json::GetString(v, "relationship_name").value_or("");
  f.restricted_picklist = sfn::json::GetBool(v, "restricted").value_or(false);
  if (auto d = sfn::json::GetString(v, "default")) f.default_value = *d;
  if (v.HasMember("reference_to")) {
    const auto& r = v["reference_to"];
    if (r.IsString()) f.reference_to.push_back(r.GetString());
    if (r.IsArray()) {
      for (const auto& t : r.GetArray()) {
        if (t.IsString()) f.reference_to.push_back(t.GetString());
      }
    }
  }
  if (v.HasMember("picklist_values") && v["picklist_values"].IsArray()) {
    for (const auto& p : v["picklist_values"].GetArray()) {
      if (p.IsString()) f.picklist_values.push_back(p.GetString());
    }
  }
  if (f.type == FieldType::kBoolean && !f.default_value) f.default_value = "false";
  return f;
}

sfn::Status DefineSeedObjects(OrgStore& store, const rapidjson::Value& objects) {
  if (!objects.IsArray()) return sfn::Status::InvalidArgument("seed: \"objects\" must be an array");
  int next_prefix = 1;
  for (const auto& o : objects.GetArray()) {
    auto name = sfn::json::GetString(o, "name");
    if (!name || name->empty())
      return sfn::Status::InvalidArgument("seed: every object needs a \"name\"");
    ObjectDef def;
    if (store.FindObject(*name)) {
      def.name = *name;
    } else {
      std::string prefix = sfn::json::GetString(o, "key_prefix").value_or("");
      if (prefix.empty()) {
        prefix = std::string("a0") + "123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[next_prefix++ % 35];
      }
      if (prefix.size() != 3)
        return sfn::Status::InvalidArgument("seed: key_prefix of " + *name +
                                            " must be 3 characters");
      def = NewCustomObject(*name, sfn::json::GetString(o, "label").value_or(*name), prefix);
      def.platform_event = sfn::json::GetBool(o, "platform_event").value_or(false);
      def.custom_metadata = name->size() > 5 && name->compare(name->size() - 5, 5, "__mdt") == 0;
    }
    if (o.HasMember("fields")) {
      if (!o["fields"].IsArray())
        return sfn::Status::InvalidArgument("seed: fields of " + *name + " must be an array");
      for (const auto& fv : o["fields"].GetArray()) {
        auto f = ParseFieldDef(fv);
        if (!f.ok()) return f.status();
        def.fields.push_back(std::move(f.value()));
      }
    }
    store.DefineObject(std::move(def));
  }
  return sfn::Status::Ok();
}

void ResolveRefs(rapidjson::Value& fields, const std::map<std::string, std::string>& refs) {
  for (auto& m : fields.GetObject()) {
    if (!m.value.IsString() || m.value.GetStringLength() < 2 || m.value.GetString()[0] != '@')
      continue;
    auto it = refs.find(m.value.GetString() + 1);
    if (it != refs.end())
      m.value.SetString(it->second.c_str(), static_cast<rapidjson::SizeType>(it->second.size()));
  }
}

sfn::Status SeedFileRecords(Seeder& s, rapidjson::Document& doc, const BaseIds& base,
                            bool insert_records) {
  if (doc.HasMember("users")) {
    if (!doc["users"].IsArray())
      return sfn::Status::InvalidArgument("seed: \"users\" must be an array");
    for (auto& u : doc["users"].GetArray()) {
      if (!u.IsObject()) return sfn::Status::InvalidArgument("seed: every user must be an object");
      auto username = sfn::json::GetString(u, "Username");
      if (!username) return sfn::Status::InvalidArgument("seed: every user needs a Username");
      if (!insert_records) continue;
      std::vector<std::string> sets;
      if (u.HasMember("permission_sets") && u["permission_sets"].IsArray()) {
        for (const auto& p : u["permission_sets"].GetArray()) {
          if (p.IsString()) sets.push_back(p.GetString());
        }
      }
      rapidjson::Document fields(rapidjson::kObjectType);
      for (auto& m : u.GetObject()) {
        std::string key = m.name.GetString();
        if (key == "password" || key == "permission_sets" || key == "ref") continue;
        fields.AddMember(rapidjson::Value(m.name, fields.GetAllocator()),
                         rapidjson::Value(m.value, fields.GetAllocator()), fields.GetAllocator());
      }
      if (!fields.HasMember("LastName"))
        fields.AddMember("LastName", sfn::json::Str(*username, fields.GetAllocator()),
                         fields.GetAllocator());
      SEED_TRY(user, s.InsertJson("User", fields));
      if (auto ref = sfn::json::GetString(u, "ref")) s.refs()[*ref] = user;
      for (const auto& set : sets) {
        std::string set_id = set == "SMS_Notification_Sender"  ? base.sender_set
                             : set == "SMS_Notification_Admin" ? base.admin_set
                                                               : s.refs()[set];
        if (set_id.empty())
          return sfn::Status::InvalidArgument("seed: unknown permission set " + set);
        SEED_TRY(a, s.Insert("PermissionSetAssignment",
                             {{"AssigneeId", user}, {"PermissionSetId", set_id}}));
        (void)a;
      }
    }
  }
  if (!insert_records || !doc.HasMember("records")) return sfn::Status::Ok();
  if (!doc["records"].IsArray())
    return sfn::Status::InvalidArgument("seed: \"records\" must be an array");
  for (auto& r : doc["records"].GetArray()) {
    if (!r.IsObject() || !r.HasMember("attributes") || !r["attributes"].IsObject()) {
      return sfn::Status::InvalidArgument("seed: every record needs \"attributes\":{\"type\":...}");
    }
    auto type = sfn::json::GetString(r["attributes"], "type");
    auto ref = sfn::json::GetString(r["attributes"], "ref");
    if (!type) return sfn::Status::InvalidArgument("seed: every record needs attributes.type");
    ResolveRefs(r, s.refs());
    SEED_TRY(id, s.InsertJson(*type, r));
    if (ref) s.refs()[*ref] = id;
  }
  return sfn::Status::Ok();
}

}  // namespace

sfn::Status ApplySeed(OrgStore& store, const SeedOptions& options) {
  for (auto& object : StandardObjects()) store.DefineObject(std::move(object));
  rapidjson::Document doc;
  bool demo = options.seed_file.empty();
  if (!options.seed_file.empty()) {
    FILE* f = std::fopen(options.seed_file.c_str(), "rb");
    if (!f) return sfn::Status::InvalidArgument("cannot read seed file " + options.seed_file);
    std::string text;
    char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    std::fclose(f);
    auto parsed = sfn::json::Parse(text);
    if (!parsed.ok())
      return sfn::Status::InvalidArgument("seed file " + options.seed_file + ": " +
                                          parsed.status().message());
    doc = std::move(parsed.value());
    if (!doc.IsObject())
      return sfn::Status::InvalidArgument("seed file " + options.seed_file +
                                          ": must be a JSON object");
    demo = sfn::json::GetBool(doc, "demo_data").value_or(false);
    if (doc.HasMember("objects")) {
      auto status = DefineSeedObjects(store, doc["objects"]);
      if (!status.ok()) return status;
    }
  }
  for (const char* user : {kIntegrationUsername, "sender@sfnotify.demo", "viewer@sfnotify.demo"}) {
    store.SetPassword(user, kDemoPassword);
  }
  if (doc.IsObject() && doc.HasMember("users") && doc["users"].IsArray()) {
    for (const auto& u : doc["users"].GetArray()) {
      auto username = sfn::json::GetString(u, "Username");
      if (username)
        store.SetPassword(*username, sfn::json::GetString(u, "password").value_or(kDemoPassword));
    }
  }
  auto txn = store.Begin();
  Seeder seeder(store, txn);
  BaseIds base;
  if (!options.records_loaded) {
    auto ids = SeedBaseOrg(seeder);
    if (!ids.ok()) return ids.status();
    base = ids.value();
    if (demo) {
      auto status = SeedDemoData(seeder, base);
      if (!status.ok()) return status;
    }
  }
  if (doc.IsObject()) {
    auto status = SeedFileRecords(seeder, doc, base, !options.records_loaded);
    if (!status.ok()) return status;
  }
  txn.Commit();  // PersistAll (by the caller) writes everything with the seeded mark
  return sfn::Status::Ok();
}

}  // namespace sfemu
