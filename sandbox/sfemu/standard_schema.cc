#include "sandbox/sfemu/standard_schema.h"

namespace sfemu {

namespace {

// Small builder so each object reads like its describe.
class ObjectBuilder {
 public:
  ObjectBuilder(std::string name, std::string label, std::string prefix) {
    def_.name = std::move(name);
    def_.label = std::move(label);
    def_.key_prefix = std::move(prefix);
    def_.custom = def_.name.size() > 3 && def_.name.find("__") != std::string::npos;
    Add("Id", "Record ID", FieldType::kId, 18).nillable = false;
    def_.fields.back().createable = false;
    def_.fields.back().updateable = false;
  }
  FieldDef& Add(std::string name, std::string label, FieldType type, int length = 0) {
    FieldDef f;
    f.name = std::move(name);
    f.label = std::move(label);
    f.type = type;
    f.length = length;
    f.custom = f.name.size() > 3 && f.name.compare(f.name.size() - 3, 3, "__c") == 0;
    def_.fields.push_back(std::move(f));
    return def_.fields.back();
  }
  FieldDef& Text(std::string name, std::string label, int length) {
    return Add(std::move(name), std::move(label), FieldType::kString, length);
  }
  FieldDef& Ref(std::string name, std::string label, std::vector<std::string> to,
                std::string relationship) {
    FieldDef& f = Add(std::move(name), std::move(label), FieldType::kReference, 18);
    f.reference_to = std::move(to);
    f.relationship_name = std::move(relationship);
    return f;
  }
  FieldDef& Bool(std::string name, std::string label) {
    FieldDef& f = Add(std::move(name), std::move(label), FieldType::kBoolean);
    f.nillable = false;
    f.default_value = "false";
    return f;
  }
  FieldDef& ReadOnly(FieldDef& f) {
    f.createable = false;
    f.updateable = false;
    return f;
  }
  void Audit(bool owner) {
    ReadOnly(Bool("IsDeleted", "Deleted"));
    ReadOnly(Add("CreatedDate", "Created Date", FieldType::kDateTime));
    ReadOnly(Ref("CreatedById", "Created By ID", {"User"}, "CreatedBy"));
    ReadOnly(Add("LastModifiedDate", "Last Modified Date", FieldType::kDateTime));
    ReadOnly(Ref("LastModifiedById", "Last Modified By ID", {"User"}, "LastModifiedBy"));
    ReadOnly(Add("SystemModstamp", "System Modstamp", FieldType::kDateTime));
    if (owner) Ref("OwnerId", "Owner ID", {"User"}, "Owner");
  }
  void Person() {
    Text("FirstName", "First Name", 40);
    FieldDef& last = Text("LastName", "Last Name", 80);
    last.nillable = false;
    last.required_on_create = true;
    ReadOnly(Text("Name", "Full Name", 121));
  }
  void SmsFields() {
    Bool("SMS_Opt_In__c", "SMS Opt In");
    Bool("SMS_Opt_Out__c", "SMS Opt Out");
    Text("SMS_Time_Zone__c", "SMS Time Zone", 40);
  }
  ObjectDef Build() { return std::move(def_); }
  ObjectDef& def() { return def_; }

 private:
  ObjectDef def_;
};

ObjectDef Lead() {
  ObjectBuilder b("Lead", "Lead", "00Q");
  b.Person();
  FieldDef& company = b.Text("Company", "Company", 255);
  company.nillable = false;
  company.required_on_create = true;
  b.Text("Title", "Title", 128);
  b.Add("Email", "Email", FieldType::kEmail, 80);
  b.Add("Phone", "Phone", FieldType::kPhone, 40);
  b.Add("MobilePhone", "Mobile Phone", FieldType::kPhone, 40);
  b.Text("Street", "Street", 255);
  b.Text("City", "City", 40);
  b.Text("State", "State/Province", 80);
  b.Text("PostalCode", "Zip/Postal Code", 20);
  b.Text("Country", "Country", 80);
  FieldDef& status = b.Add("Status", "Status", FieldType::kPicklist, 255);
  status.picklist_values = {"Open - Not Contacted", "Working - Contacted", "Closed - Converted",
                            "Closed - Not Converted"};
  status.default_value = "Open - Not Contacted";
  status.nillable = false;
  b.Add("LeadSource", "Lead Source", FieldType::kPicklist, 255).picklist_values = {
      "Web", "Phone Inquiry", "Partner Referral", "Other"};
  b.Bool("HasOptedOutOfEmail", "Email Opt Out");
  // Conversion (LeadConvert in a real org; the /__emulator/leads/convert hook or a seed here).
  b.ReadOnly(b.Bool("IsConverted", "Converted"));
  b.ReadOnly(b.Ref("ConvertedContactId", "Converted Contact ID", {"Contact"}, "ConvertedContact"));
  b.ReadOnly(b.Ref("ConvertedAccountId", "Converted Account ID", {"Account"}, "ConvertedAccount"));
  b.ReadOnly(b.Add("ConvertedDate", "Converted Date", FieldType::kDate));
  b.SmsFields();
  b.Audit(true);
  return b.Build();
}

ObjectDef Contact() {
  ObjectBuilder b("Contact", "Contact", "003");
  b.Person();
  b.Ref("AccountId", "Account ID", {"Account"}, "Account");
  b.Text("Title", "Title", 128);
  b.Add("Email", "Email", FieldType::kEmail, 80);
  b.Add("Phone", "Business Phone", FieldType::kPhone, 40);
  b.Add("MobilePhone", "Mobile Phone", FieldType::kPhone, 40);
  b.Add("HomePhone", "Home Phone", FieldType::kPhone, 40);
  b.Text("MailingStreet", "Mailing Street", 255);
  b.Text("MailingCity", "Mailing City", 40);
  b.Text("MailingState", "Mailing State/Province", 80);
  b.Text("MailingPostalCode", "Mailing Zip/Postal Code", 20);
  b.Text("MailingCountry", "Mailing Country", 80);
  b.Bool("HasOptedOutOfEmail", "Email Opt Out");
  b.SmsFields();
  b.Audit(true);
  return b.Build();
}

ObjectDef Account() {
  ObjectBuilder b("Account", "Account", "001");
  FieldDef& name = b.Text("Name", "Account Name", 255);
  name.nillable = false;
  name.required_on_create = true;
  b.Add("Phone", "Account Phone", FieldType::kPhone, 40);
  b.Text("BillingCountry", "Billing Country", 80);
  b.Audit(true);
  return b.Build();
}

ObjectDef Task() {
  ObjectBuilder b("Task", "Task", "00T");
  b.Ref("WhoId", "Name ID", {"Contact", "Lead"}, "Who");
  b.Ref("WhatId", "Related To ID", {"Account", "Campaign", "Opportunity", "Case"}, "What");
  FieldDef& subject = b.Add("Subject", "Subject", FieldType::kString, 255);
  subject.picklist_values = {"Call", "Send Letter", "Send Quote", "Other"};
  b.Add("Description", "Description", FieldType::kTextArea, 32000);
  FieldDef& status = b.Add("Status", "Status", FieldType::kPicklist, 255);
  status.picklist_values = {"Not Started", "In Progress", "Completed", "Waiting on someone else",
                            "Deferred"};
  status.restricted_picklist = true;
  status.default_value = "Not Started";
  status.nillable = false;
  FieldDef& priority = b.Add("Priority", "Priority", FieldType::kPicklist, 40);
  priority.picklist_values = {"High", "Normal", "Low"};
  priority.restricted_picklist = true;
  priority.default_value = "Normal";
  priority.nillable = false;
  b.ReadOnly(b.Bool("IsClosed", "Closed"));
  b.Add("Type", "Type", FieldType::kPicklist, 40).picklist_values = {"Call", "Email", "Meeting",
                                                                     "Other", "SMS"};
  FieldDef& subtype = b.Add("TaskSubtype", "Task Subtype", FieldType::kPicklist, 40);
  subtype.picklist_values = {"Task", "Email", "ListEmail", "Call", "LinkedIn"};
  subtype.restricted_picklist = true;
  subtype.updateable = false;  // create-only
  b.Add("ActivityDate", "Due Date Only", FieldType::kDate);
  b.ReadOnly(b.Add("CompletedDateTime", "Completed Date/Time", FieldType::kDateTime));
  FieldDef& call_type = b.Add("CallType", "Call Type", FieldType::kPicklist, 40);
  call_type.picklist_values = {"Inbound", "Internal", "Outbound"};
  call_type.restricted_picklist = true;
  b.Text("SMS_Message_Sid__c", "SMS Message Sid", 34);
  b.Text("SMS_Delivery_Status__c", "SMS Delivery Status", 40);
  b.Text("SMS_Notification_Id__c", "SMS Notification Id", 64);
  b.Add("SMS_Segments__c", "SMS Segments", FieldType::kDouble);
  b.Audit(true);
  return b.Build();
}

ObjectDef User() {
  ObjectBuilder b("User", "User", "005");
  FieldDef& username = b.Text("Username", "Username", 80);
  username.nillable = false;
  username.required_on_create = true;
  b.Person();
  b.Add("Email", "Email", FieldType::kEmail, 128);
  b.Text("Alias", "Alias", 8);
  b.Bool("IsActive", "Active").default_value = "true";
  b.Ref("ProfileId", "Profile ID", {"Profile"}, "Profile");
  b.Text("TimeZoneSidKey", "Time Zone", 40);
  b.Audit(false);
  return b.Build();
}

ObjectDef Profile() {
  ObjectBuilder b("Profile", "Profile", "00e");
  b.Text("Name", "Name", 255).required_on_create = true;
  b.Bool("PermissionsModifyAllData", "Modify All Data");
  b.Audit(false);
  return b.Build();
}

ObjectDef PermissionSet() {
  ObjectBuilder b("PermissionSet", "Permission Set", "0PS");
  b.Text("Name", "Name", 80).required_on_create = true;
  b.Text("Label", "Label", 80).required_on_create = true;
  b.Text("Description", "Description", 255);
  b.Bool("PermissionsModifyAllData", "Modify All Data");
  // "Regular" for ordinary sets; "Group" for the aggregate set Salesforce keeps per
  // permission set group (PermissionSetGroupId names the group). Set by the org.
  FieldDef& type = b.ReadOnly(b.Add("Type", "Type", FieldType::kPicklist, 40));
  type.picklist_values = {"Regular", "Group", "Profile", "Session", "Standard"};
  type.default_value = "Regular";
  b.ReadOnly(b.Bool("IsOwnedByProfile", "Is Owned By Profile"));
  b.ReadOnly(b.Ref("PermissionSetGroupId", "Permission Set Group ID", {"PermissionSetGroup"},
                   "PermissionSetGroup"));
  b.Audit(false);
  return b.Build();
}

ObjectDef PermissionSetGroup() {
  ObjectBuilder b("PermissionSetGroup", "Permission Set Group", "0PG");
  b.Text("DeveloperName", "Developer Name", 80).required_on_create = true;
  b.Text("MasterLabel", "Label", 80).required_on_create = true;
  b.Text("Description", "Description", 255);
  FieldDef& status = b.ReadOnly(b.Add("Status", "Status", FieldType::kPicklist, 40));
  status.picklist_values = {"Updated", "Outdated", "Updating", "Failed"};
  status.default_value = "Updated";
  b.Audit(false);
  return b.Build();
}

ObjectDef PermissionSetGroupComponent() {
  ObjectBuilder b("PermissionSetGroupComponent", "Permission Set Group Component", "0PH");
  b.Ref("PermissionSetGroupId", "Permission Set Group ID", {"PermissionSetGroup"},
        "PermissionSetGroup")
      .required_on_create = true;
  b.Ref("PermissionSetId", "Permission Set ID", {"PermissionSet"}, "PermissionSet")
      .required_on_create = true;
  b.Audit(false);
  return b.Build();
}

ObjectDef PermissionSetAssignment() {
  ObjectBuilder b("PermissionSetAssignment", "Permission Set Assignment", "0Pa");
  b.Ref("AssigneeId", "Assignee ID", {"User"}, "Assignee").required_on_create = true;
  // Required unless PermissionSetGroupId is given: then the org fills in the group's
  // aggregate permission set (Type = Group), as Salesforce does.
  b.Ref("PermissionSetId", "Permission Set ID", {"PermissionSet"}, "PermissionSet");
  b.Ref("PermissionSetGroupId", "Permission Set Group ID", {"PermissionSetGroup"},
        "PermissionSetGroup");
  b.ReadOnly(b.Bool("IsActive", "Is Active")).default_value = "true";
  b.Audit(false);
  return b.Build();
}

// The org itself: one record whose Id is the org id. Read-only through the API here (a real
// org lets an admin update a few fields such as Name; sfemu does not).
ObjectDef Organization() {
  ObjectBuilder b("Organization", "Organization", "00D");
  b.Text("Name", "Name", 80);
  b.Text("Division", "Division", 80);
  b.Text("Country", "Country", 80);
  b.Text("Phone", "Phone", 40);
  b.Text("PrimaryContact", "Primary Contact", 80);
  FieldDef& type = b.Add("OrganizationType", "Edition", FieldType::kPicklist, 40);
  type.picklist_values = {
      "Team Edition",     "Professional Edition", "Enterprise Edition",      "Developer Edition",
      "Personal Edition", "Unlimited Edition",    "Contact Manager Edition", "Base Edition"};
  b.Text("InstanceName", "Instance Name", 5);
  b.Bool("IsSandbox", "Is Sandbox");
  b.Add("TrialExpirationDate", "Trial Expiration Date", FieldType::kDateTime);
  b.Text("NamespacePrefix", "Namespace Prefix", 15);
  b.Text("LanguageLocaleKey", "Locale", 40);
  b.Text("DefaultLocaleSidKey", "Default Locale", 40);
  b.Text("TimeZoneSidKey", "Default Time Zone", 40);
  b.Bool("IsReadOnly", "Is Read Only");
  b.Audit(false);
  ObjectDef def = b.Build();
  def.read_only = true;
  for (auto& f : def.fields) f.createable = f.updateable = false;
  return def;
}

ObjectDef Campaign() {
  ObjectBuilder b("Campaign", "Campaign", "701");
  b.Text("Name", "Name", 80).required_on_create = true;
  b.Bool("IsActive", "Active");
  b.Add("Type", "Type", FieldType::kPicklist, 40).picklist_values = {"Email", "Webinar",
                                                                     "Conference", "Other"};
  b.Add("Status", "Status", FieldType::kPicklist, 40).picklist_values = {"Planned", "In Progress",
                                                                         "Completed"};
  b.Audit(true);
  return b.Build();
}

ObjectDef CampaignMember() {
  ObjectBuilder b("CampaignMember", "Campaign Member", "00v");
  b.Ref("CampaignId", "Campaign ID", {"Campaign"}, "Campaign").required_on_create = true;
  b.Ref("LeadId", "Lead ID", {"Lead"}, "Lead");
  b.Ref("ContactId", "Contact ID", {"Contact"}, "Contact");
  b.Text("Status", "Status", 40).default_value = "Sent";
  b.Audit(false);
  return b.Build();
}

ObjectDef OutboundNotification() {
  ObjectBuilder b("Outbound_Notification__e", "Outbound Notification", "e00");
  b.def().platform_event = true;
  b.def().fields.clear();  // platform events have no Id field; ReplayId and EventUuid are on the
                           // wire only
  b.Text("Request_Id__c", "Request Id", 64);
  b.Text("Contact_Point__c", "Contact Point", 80);
  b.Add("Record_Ids__c", "Record Ids", FieldType::kTextArea, 131072);
  b.Text("Campaign_Id__c", "Campaign Id", 18);
  b.Text("Template__c", "Template", 80);
  b.Add("Message__c", "Message", FieldType::kTextArea, 10000);
  // A request split over several events: one Request_Id__c, chunk i (1-based) of n.
  b.Add("Chunk_Index__c", "Chunk Index", FieldType::kDouble);
  b.Add("Chunk_Count__c", "Chunk Count", FieldType::kDouble);
  b.ReadOnly(b.Ref("CreatedById", "Created By ID", {"User"}, "CreatedBy"));
  b.ReadOnly(b.Add("CreatedDate", "Created Date", FieldType::kDateTime));
  return b.Build();
}

ObjectBuilder Metadata(std::string name, std::string label, std::string prefix) {
  ObjectBuilder b(std::move(name), std::move(label), std::move(prefix));
  b.def().custom_metadata = true;
  b.Text("DeveloperName", "Custom Metadata Record Name", 40).required_on_create = true;
  b.Text("MasterLabel", "Label", 40);
  b.Text("Label", "Label", 40);
  b.Text("QualifiedApiName", "Qualified API Name", 70);
  b.Text("NamespacePrefix", "Namespace Prefix", 15);
  return b;
}

ObjectDef ContactPoint() {
  ObjectBuilder b = Metadata("SMS_Contact_Point__mdt", "SMS Contact Point", "m00");
  b.Text("Sender__c", "Sender", 40);
  b.Text("Roles__c", "Roles", 255);
  b.Add("Max_Messages_Per_Second__c", "Max Messages Per Second", FieldType::kDouble);
  b.Text("Quiet_Hours__c", "Quiet Hours", 20);
  b.Text("Default_Time_Zone__c", "Default Time Zone", 40);
  b.Add("Price_Per_Segment__c", "Price Per Segment", FieldType::kDouble);
  b.Add("Segment_Budget__c", "Segment Budget", FieldType::kDouble);
  return b.Build();
}

ObjectDef FieldMapping() {
  ObjectBuilder b = Metadata("SMS_Field_Mapping__mdt", "SMS Field Mapping", "m01");
  b.Text("Object__c", "Object", 80);
  b.Text("Phone_Fields__c", "Phone Fields", 255);
  b.Text("Opt_In_Field__c", "Opt In Field", 80);
  b.Text("Opt_In_Value__c", "Opt In Value", 80);
  b.Text("Opt_Out_Field__c", "Opt Out Field", 80);
  b.Text("Time_Zone_Field__c", "Time Zone Field", 80);
  b.Text("Task_Subject__c", "Task Subject", 255);
  b.Text("Task_Status__c", "Task Status", 40);
  b.Text("Task_Priority__c", "Task Priority", 40);
  b.Text("Task_Type__c", "Task Type", 40);
  b.Text("Task_Owner__c", "Task Owner", 40);
  b.Add("Task_Description__c", "Task Description", FieldType::kTextArea, 1000);
  b.Text("Reply_Task_Subject__c", "Reply Task Subject", 255);
  return b.Build();
}

ObjectDef Template() {
  ObjectBuilder b = Metadata("SMS_Template__mdt", "SMS Template", "m02");
  b.Text("Object__c", "Object", 80);
  b.Add("Body__c", "Body", FieldType::kTextArea, 10000);
  return b.Build();
}

}  // namespace

std::vector<ObjectDef> StandardObjects() {
  return {Account(),
          Lead(),
          Contact(),
          Task(),
          User(),
          Profile(),
          PermissionSet(),
          PermissionSetGroup(),
          PermissionSetGroupComponent(),
          PermissionSetAssignment(),
          Organization(),
          Campaign(),
          CampaignMember(),
          OutboundNotification(),
          ContactPoint(),
          FieldMapping(),
          Template()};
}

}  // namespace sfemu

namespace sfemu {

ObjectDef NewCustomObject(const std::string& name, const std::string& label,
                          const std::string& key_prefix) {
  ObjectBuilder b(name, label, key_prefix);
  b.Text("Name", label + " Name", 80);
  b.Audit(true);
  return b.Build();
}

}  // namespace sfemu
