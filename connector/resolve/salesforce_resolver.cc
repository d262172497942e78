#include "connector/resolve/salesforce_resolver.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <set>

#include "common/json.h"
#include "common/sms_segments.h"
#include "salesforce/query.h"
#include "salesforce/record_id.h"
#include "salesforce/soql.h"

namespace sfn::connector {

namespace {

std::optional<std::string> ValueText(const rapidjson::Value& record, const std::string& field) {
  if (!record.IsObject()) return std::nullopt;
  for (auto it = record.MemberBegin(); it != record.MemberEnd(); ++it) {
    std::string_view name(it->name.GetString(), it->name.GetStringLength());
    if (name.size() != field.size() || !http::EqualsIgnoreCase(name, field)) continue;
    const auto& v = it->value;
    if (v.IsString()) return std::string(v.GetString(), v.GetStringLength());
    if (v.IsBool()) return std::string(v.GetBool() ? "true" : "false");
    if (v.IsInt64()) return std::to_string(v.GetInt64());
    if (v.IsNumber()) {
      double d = v.GetDouble();
      if (d == static_cast<double>(static_cast<int64_t>(d))) return std::to_string(static_cast<int64_t>(d));
      return std::to_string(d);
    }
    return std::nullopt;
  }
  return std::nullopt;
}

bool HasRole(const std::vector<std::string>& roles, const std::vector<std::string>& permission_sets) {
  for (const auto& role : roles) {
    if (http::EqualsIgnoreCase(role, "Everyone")) return true;
    for (const auto& ps : permission_sets) {
      if (http::EqualsIgnoreCase(role, ps)) return true;
    }
  }
  return false;
}

Resolution Refuse(const std::string& reason, const std::string& detail) {
  Resolution r;
  r.refused = true;
  r.refusal_reason = reason;
  r.refusal_detail = detail;
  return r;
}

}  // namespace

Result<std::unique_ptr<SalesforceResolver>> SalesforceResolver::Create(SalesforceResolverOptions options,
                                                                       salesforce::Connection& connection,
                                                                       const mapping::FieldMapping& mapping,
                                                                       Store& store) {
  std::unique_ptr<SalesforceResolver> resolver(new SalesforceResolver(std::move(options), connection, mapping, store));
  for (const auto& cp : resolver->options_.contact_points) {
    auto policy = QuietHoursPolicy::Parse(cp.quiet_hours);
    if (!policy.ok()) {
      return Status::InvalidArgument("contact point '" + cp.name + "': quiet_hours: " + policy.status().message());
    }
    resolver->quiet_hours_[cp.name] = policy.value();
  }
  return resolver;
}

SalesforceResolver::SalesforceResolver(SalesforceResolverOptions options, salesforce::Connection& connection,
                                       const mapping::FieldMapping& mapping, Store& store)
    : options_(std::move(options)),
      connection_(connection),
      mapping_(mapping),
      store_(store),
      phones_(PhoneOptions{options_.default_region}) {}

Result<SalesforceResolver::UserInfo> SalesforceResolver::LookupUser(const std::string& user_id) {
  {
    std::lock_guard<std::mutex> lock(users_mu_);
    auto it = users_.find(user_id);
    if (it != users_.end() && std::chrono::steady_clock::now() - it->second.fetched < options_.user_cache_ttl) {
      return it->second;
    }
  }
  UserInfo info;
  info.fetched = std::chrono::steady_clock::now();
  auto user_query = salesforce::soql::SelectBuilder("User")
                        .Fields({"Id", "Name", "FirstName", "LastName", "Email", "IsActive"})
                        .WhereIdIn("Id", {user_id})
                        .Build();
  if (!user_query.ok()) return user_query.status();
  Status s = salesforce::ForEachRecord(connection_, *user_query, [&](const rapidjson::Value& rec) {
    info.found = true;
    info.active = ValueText(rec, "IsActive").value_or("true") == "true";
    for (const char* f : {"Id", "Name", "FirstName", "LastName", "Email"}) {
      info.fields[f] = ValueText(rec, f).value_or("");
    }
    return Status::Ok();
  });
  if (!s.ok()) return s;
  if (info.found) {
    // A set held through a permission set group has no assignment of its own: the group's
    // assignment points at the group, whose members are PermissionSetGroupComponent rows. The
    // group's API name counts as a role too (as in OutboundNotificationService).
    auto ps_query = salesforce::soql::SelectBuilder("PermissionSetAssignment")
                        .Fields({"PermissionSet.Name", "PermissionSetGroupId",
                                 "PermissionSetGroup.DeveloperName"})
                        .WhereIdIn("AssigneeId", {user_id})
                        .Build();
    if (!ps_query.ok()) return ps_query.status();
    std::vector<std::string> group_ids;
    s = salesforce::ForEachRecord(connection_, *ps_query, [&](const rapidjson::Value& rec) {
      if (auto group = ValueText(rec, "PermissionSetGroupId"); group && !group->empty()) {
        group_ids.push_back(*group);
        if (rec.HasMember("PermissionSetGroup") && rec["PermissionSetGroup"].IsObject()) {
          if (auto name = ValueText(rec["PermissionSetGroup"], "DeveloperName"))
            info.permission_sets.push_back(*name);
        }
      } else if (rec.HasMember("PermissionSet") && rec["PermissionSet"].IsObject()) {
        if (auto name = ValueText(rec["PermissionSet"], "Name"))
          info.permission_sets.push_back(*name);
      }
      return Status::Ok();
    });
    if (!s.ok()) return s;
    if (!group_ids.empty()) {
      auto member_query = salesforce::soql::SelectBuilder("PermissionSetGroupComponent")
                              .Fields({"PermissionSet.Name"})
                              .WhereIdIn("PermissionSetGroupId", group_ids)
                              .Build();
      if (!member_query.ok()) return member_query.status();
      s = salesforce::ForEachRecord(connection_, *member_query, [&](const rapidjson::Value& rec) {
        if (rec.HasMember("PermissionSet") && rec["PermissionSet"].IsObject()) {
          if (auto name = ValueText(rec["PermissionSet"], "Name"))
            info.permission_sets.push_back(*name);
        }
        return Status::Ok();
      });
      if (!s.ok()) return s;
    }
  }
  std::lock_guard<std::mutex> lock(users_mu_);
  users_[user_id] = info;
  return info;
}

Result<SalesforceResolver::UserSummary> SalesforceResolver::DescribeUser(
    const std::string& user_id) {
  auto id = salesforce::NormalizeId(user_id);
  if (!id.ok()) return id.status();
  auto user = LookupUser(*id);
  if (!user.ok()) return user.status();
  UserSummary out;
  out.found = user->found;
  out.active = user->active;
  out.name = user->fields["Name"];
  out.permission_sets = user->permission_sets;
  return out;
}

Status SalesforceResolver::LoadCampaignMembers(const std::string& campaign_id, std::vector<std::string>* ids) {
  auto q = salesforce::soql::SelectBuilder("CampaignMember")
               .Fields({"LeadId", "ContactId"})
               .WhereIdIn("CampaignId", {campaign_id})
               .Build();
  if (!q.ok()) return q.status();
  return salesforce::ForEachRecord(connection_, *q, [&](const rapidjson::Value& rec) {
    auto contact = ValueText(rec, "ContactId");
    auto lead = ValueText(rec, "LeadId");
    if (contact && !contact->empty()) ids->push_back(*contact);
    else if (lead && !lead->empty()) ids->push_back(*lead);
    return Status::Ok();
  });
}

RecipientPlan SalesforceResolver::PlanRecord(const NotificationRequest& request, const ContactPoint& cp,
                                             const mapping::ObjectMapping& om, const std::string& object,
                                             const mapping::Template& body, const std::vector<std::string>& fields,
                                             const UserInfo& user, const QuietHoursPolicy& policy,
                                             std::chrono::system_clock::time_point now,
                                             const rapidjson::Value& record) const {
  RecipientPlan plan;
  plan.object_type = object;
  auto suppress = [&](const std::string& reason) {
    plan.state = RecipientState::kSuppressed;
    plan.reason = reason;
    return plan;
  };
  plan.owner_id = ValueText(record, "OwnerId").value_or("");
  plan.record_name = ValueText(record, "Name").value_or("");
  if (plan.record_name.empty()) {
    std::string first = ValueText(record, "FirstName").value_or("");
    std::string last = ValueText(record, "LastName").value_or("");
    plan.record_name = first.empty() ? last : last.empty() ? first : first + " " + last;
  }
  auto phones = om.PhoneValues(record);
  if (!phones.empty()) plan.phone_raw = phones.front();
  std::optional<PhoneNumber> number;
  for (const auto& text : phones) {
    auto parsed = phones_.Normalize(text);
    if (parsed.ok()) {
      number = parsed.value();
      plan.phone_raw = text;
      break;
    }
  }
  if (number) plan.phone_e164 = number->e164;

  // Values Task templates may merge later (the record is not kept).
  rapidjson::Document merge(rapidjson::kObjectType);
  auto& alloc = merge.GetAllocator();
  for (const auto& field : fields) {
    if (auto v = ValueText(record, field)) merge.AddMember(json::Str(field, alloc), json::Str(*v, alloc), alloc);
  }
  for (const auto& [k, v] : user.fields) {
    merge.AddMember(json::Str("Sender." + k, alloc), json::Str(v, alloc), alloc);
  }
  merge.AddMember("Notification.RequestId", json::Str(request.request_id, alloc), alloc);
  merge.AddMember("Notification.ContactPoint", json::Str(cp.name, alloc), alloc);
  merge.AddMember("Notification.Template", json::Str(request.template_name, alloc), alloc);
  plan.merge_json = json::Serialize(merge);

  if (!om.opt_out_field.empty() &&
      http::EqualsIgnoreCase(ValueText(record, om.opt_out_field).value_or(""), om.opt_out_value)) {
    return suppress("opted_out");
  }
  if (!om.HasConsent(record)) return suppress("no_consent");
  if (!number) return suppress(phones.empty() ? "no_phone" : "invalid_phone");
  if (store_.IsSuppressed(number->e164, cp.name)) return suppress("opted_out");
  plan.body = body.Render([&](const mapping::MergeField& f) -> std::optional<std::string> {
    if (f.source == mapping::FieldSource::kRecord) return ValueText(record, f.name);
    if (f.name.rfind("Sender.", 0) == 0) {
      auto it = user.fields.find(f.name.substr(7));
      if (it != user.fields.end()) return it->second;
      return std::nullopt;
    }
    if (f.name == "Notification.ContactPoint") return cp.name;
    if (f.name == "Notification.RequestId" || f.name == "Notification.Id") return request.request_id;
    if (f.name == "Notification.Template") return request.template_name;
    return std::nullopt;
  });
  if (plan.body.empty()) return suppress("empty_message");
  auto count = sms::CountSegments(plan.body);
  plan.encoding = sms::SmsEncodingName(count.encoding);
  plan.units = count.units;
  plan.segments = count.segments;
  if (count.characters > 1600) return suppress("message_too_long");
  std::string zone_field = om.time_zone_field.empty() ? "" : ValueText(record, om.time_zone_field).value_or("");
  auto zones = zones_.Resolve(*number, zone_field, cp.default_time_zone);
  if (zones.ok()) {
    plan.time_zone = zones->zones.front();
    auto decision = CheckQuietHours(policy, now, zones->zones, zones->state);
    if (decision.ok() && !decision->allowed) {
      plan.state = RecipientState::kDeferred;
      plan.reason = "quiet_hours";
      plan.deferred_until_ms =
          std::chrono::duration_cast<std::chrono::milliseconds>(decision->next_allowed.time_since_epoch()).count();
    }
  }
  return plan;
}

Result<Resolution> SalesforceResolver::Resolve(const NotificationRequest& request, int64_t now_ms) {
  const ContactPoint* cp = nullptr;
  for (const auto& c : options_.contact_points) {
    if (c.name == request.contact_point) cp = &c;
  }
  if (!cp) return Refuse("unknown_contact_point", "no contact point named '" + request.contact_point + "'");

  auto user = LookupUser(request.requested_by);
  if (!user.ok()) return user.status();
  if (!user->found || !user->active) {
    return Refuse("not_authorized", "user " + request.requested_by + " is unknown or inactive");
  }
  const std::string requester_name = user->fields["Name"];
  auto refuse = [&requester_name](const std::string& reason, const std::string& detail) {
    Resolution refused = Refuse(reason, detail);
    refused.requester_name = requester_name;
    return refused;
  };
  if (!HasRole(cp->roles, user->permission_sets)) {
    return refuse("not_authorized", "user " + request.requested_by +
                                        " holds none of contact point '" + cp->name + "' roles");
  }

  // The audience: record ids as given, then campaign members; duplicates dropped, order kept.
  std::vector<std::string> audience;
  std::set<std::string> seen;
  std::vector<std::string> campaign_ids;
  if (!request.campaign_id.empty()) {
    Status s = LoadCampaignMembers(request.campaign_id, &campaign_ids);
    if (!s.ok()) return s;
  }
  const std::vector<std::string>* lists[] = {&request.record_ids, &campaign_ids};
  for (const std::vector<std::string>* list : lists) {
    for (const auto& raw : *list) {
      auto id = salesforce::NormalizeId(raw);
      if (id.ok() && seen.insert(*id).second) audience.push_back(*id);
    }
  }

  // Compile the message per object, load the records in bulk, and plan each record as its page
  // arrives: only the small plan is kept, never the record itself (100k recipients stay in memory
  // as plans of a few hundred bytes each).
  const QuietHoursPolicy& policy = quiet_hours_[cp->name];
  auto now_tp = std::chrono::system_clock::time_point(std::chrono::milliseconds(now_ms));
  std::map<std::string, RecipientPlan> planned;  // id → plan (pending, deferred or suppressed)
  std::map<std::string, std::vector<std::string>> ids_by_object;
  for (const auto& id : audience) {
    ids_by_object[salesforce::ObjectTypeForPrefix(salesforce::KeyPrefix(id))].push_back(id);
  }
  for (const auto& by_object : ids_by_object) {
    // Plain references: C++17 lambdas cannot capture structured bindings (clang refuses).
    const std::string& object = by_object.first;
    const std::vector<std::string>& ids = by_object.second;
    const mapping::ObjectMapping* om = mapping_.Object(object);
    if (!om) continue;  // planned below as unsupported
    mapping::Template body;
    if (!request.template_name.empty()) {
      const auto* t = mapping_.FindTemplate(request.template_name, object);
      if (!t)
        return refuse("unknown_template",
                      "no template '" + request.template_name + "' for " + object);
      body = t->body;
    } else {
      auto compiled = mapping_.CompileMessage(request.message, object);
      if (!compiled.ok()) return refuse("invalid_message", compiled.status().message());
      body = compiled.value();
    }
    std::vector<std::string> fields = mapping_.RequiredFields(object, {&body});
    // The record's display name for the history, read by the same query (no extra call).
    for (const char* name_field : {"Name", "FirstName", "LastName"}) {
      bool present = false;
      for (const auto& f : fields) present = present || http::EqualsIgnoreCase(f, name_field);
      if (!present) fields.push_back(name_field);
    }
    for (size_t start = 0; start < ids.size(); start += options_.ids_per_query) {
      std::vector<std::string> chunk(
          ids.begin() + static_cast<long>(start),
          ids.begin() + static_cast<long>(std::min(ids.size(), start + options_.ids_per_query)));
      auto soql = salesforce::soql::SelectBuilder(object).Fields(fields).WhereIdIn("Id", chunk).Build();
      if (!soql.ok()) return soql.status();
      Status s = salesforce::ForEachRecord(connection_, *soql, [&](const rapidjson::Value& record) {
        auto raw_id = ValueText(record, "Id");
        if (!raw_id) return Status::Ok();
        auto id = salesforce::NormalizeId(*raw_id);
        RecipientPlan plan = PlanRecord(request, *cp, *om, object, body, fields, user.value(), policy, now_tp, record);
        plan.record_id = id.ok() ? *id : *raw_id;
        planned[plan.record_id] = std::move(plan);
        return Status::Ok();
      });
      if (!s.ok()) return s;
    }
  }

  // Assemble in audience order; the first record with a number keeps it, later ones are duplicates.
  Resolution resolution;
  resolution.requester_name = requester_name;
  std::set<std::string> numbers_planned;
  int planned_segments = 0;
  for (const auto& id : audience) {
    auto it = planned.find(id);
    RecipientPlan plan;
    if (it == planned.end()) {
      plan.record_id = id;
      plan.object_type = salesforce::ObjectTypeForPrefix(salesforce::KeyPrefix(id));
      plan.state = RecipientState::kSuppressed;
      plan.reason = mapping_.Object(plan.object_type) ? "record_not_found" : "unsupported_object";
    } else {
      plan = std::move(it->second);
      if (plan.state != RecipientState::kSuppressed && !numbers_planned.insert(plan.phone_e164).second) {
        plan.state = RecipientState::kSuppressed;
        plan.reason = "duplicate_phone";
        plan.deferred_until_ms = 0;
      }
    }
    if (plan.state != RecipientState::kSuppressed) planned_segments += plan.segments;
    resolution.plans.push_back(std::move(plan));
  }
  if (cp->segment_budget > 0 && planned_segments > cp->segment_budget) {
    return refuse("over_segment_budget", std::to_string(planned_segments) +
                                             " segments exceed contact point '" + cp->name +
                                             "' budget of " + std::to_string(cp->segment_budget));
  }
  return resolution;
}

}  // namespace sfn::connector
