#include "connector/app/wiring.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "common/json.h"
#include "connector/send/quiq_transport.h"
#include "connector/send/sandbox_transport.h"
#include "connector/send/twilio_transport.h"
#include "salesforce/oauth.h"
#include "salesforce/query.h"
#include "salesforce/record_id.h"
#include "salesforce/soql.h"

namespace sfn::connector {

Result<std::string> ReadSecretEnv(const std::string& variable, const std::string& what) {
  if (variable.empty()) return Status::InvalidArgument(what + ": no environment variable configured");
  const char* value = std::getenv(variable.c_str());
  if (!value || !*value) return Status::InvalidArgument(what + ": environment variable " + variable + " is not set");
  return std::string(value);
}

namespace {
Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::InvalidArgument(path + ": cannot read file");
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}
}  // namespace

Result<std::shared_ptr<salesforce::TokenSource>> MakeTokenSource(const SalesforceOptions& sf) {
  salesforce::OAuthOptions base;
  base.login_url = sf.login_url;
  base.client_id = sf.client_id;
  if (!sf.client_secret_env.empty()) {
    auto secret = ReadSecretEnv(sf.client_secret_env, "salesforce.client_secret_env");
    if (!secret.ok()) return secret.status();
    base.client_secret = *secret;
  }
  if (sf.auth_flow == "jwt") {
    salesforce::JwtBearerOptions o;
    static_cast<salesforce::OAuthOptions&>(o) = base;
    o.username = sf.username;
    auto key = ReadFile(sf.private_key_file);
    if (!key.ok()) return Status::InvalidArgument("salesforce.private_key_file: " + key.status().message());
    o.private_key_pem = *key;
    return std::shared_ptr<salesforce::TokenSource>(std::make_shared<salesforce::JwtBearerTokenSource>(o));
  }
  if (sf.auth_flow == "client_credentials") {
    return std::shared_ptr<salesforce::TokenSource>(std::make_shared<salesforce::ClientCredentialsTokenSource>(base));
  }
  if (sf.auth_flow == "password") {
    salesforce::PasswordOptions o;
    static_cast<salesforce::OAuthOptions&>(o) = base;
    o.username = sf.username;
    auto password = ReadSecretEnv("SFNOTIFY_SF_PASSWORD", "password flow");
    if (!password.ok()) return password.status();
    o.password = *password;
    return std::shared_ptr<salesforce::TokenSource>(std::make_shared<salesforce::PasswordTokenSource>(o));
  }
  salesforce::RefreshTokenOptions o;
  static_cast<salesforce::OAuthOptions&>(o) = base;
  auto token = ReadSecretEnv("SFNOTIFY_SF_REFRESH_TOKEN", "refresh_token flow");
  if (!token.ok()) return token.status();
  o.refresh_token = *token;
  return std::shared_ptr<salesforce::TokenSource>(std::make_shared<salesforce::RefreshTokenSource>(o));
}

// Loads SMS_Field_Mapping__mdt and SMS_Template__mdt over REST, selecting the
// fields the org's describe says exist.
namespace {
Result<mapping::FieldMapping> LoadMappingFromMetadata(salesforce::Connection& connection) {
  auto records_of = [&](const std::string& type, std::vector<std::string> wanted) -> Result<std::string> {
    auto describe = connection.CallJson("GET", "/sobjects/" + type + "/describe");
    if (!describe.ok()) return describe.status();
    std::vector<std::string> fields;
    for (const auto& f : (*describe)["fields"].GetArray()) {
      std::string name = f["name"].GetString();
      for (const auto& w : wanted) {
        if (w == name) fields.push_back(name);
      }
    }
    // Field names come from the org's describe: the builder checks them like any identifier.
    auto soql = salesforce::soql::SelectBuilder(type).Fields(fields).Build();
    if (!soql.ok()) return soql.status();
    std::string all = "[";
    bool first = true;
    Status s = salesforce::ForEachRecord(connection, *soql, [&](const rapidjson::Value& rec) {
      if (!first) all += ",";
      first = false;
      all += json::Serialize(rec);
      return Status::Ok();
    });
    if (!s.ok()) return s;
    return all + "]";
  };
  auto mappings = records_of("SMS_Field_Mapping__mdt",
                             {"DeveloperName", "MasterLabel", "Object__c", "Phone_Fields__c", "Opt_In_Field__c",
                              "Opt_In_Value__c", "Opt_Out_Field__c", "Opt_Out_Value__c", "Time_Zone_Field__c",
                              "Template_Fields__c", "Task_Subject__c", "Task_Status__c", "Task_Priority__c",
                              "Task_Type__c", "Task_Subtype__c", "Task_Owner__c", "Task_Description__c",
                              "Reply_Task_Subject__c"});
  if (!mappings.ok()) return mappings.status();
  auto templates = records_of("SMS_Template__mdt", {"DeveloperName", "MasterLabel", "Object__c", "Body__c"});
  if (!templates.ok()) return templates.status();
  return mapping::FieldMapping::FromMetadata(*mappings, *templates);
}
}  // namespace

Result<mapping::FieldMapping> LoadMapping(const Config& config, salesforce::Connection& connection) {
  if (config.mapping_source == "metadata") return LoadMappingFromMetadata(connection);
  return mapping::FieldMapping::LoadFile(config.mapping_file);
}

namespace {
Result<QuiqOptions> QuiqOptionsFrom(const GatewayOptions& gateway) {
  auto secret = ReadSecretEnv(gateway.quiq.secret_env, "gateway.secret_env");
  if (!secret.ok()) return secret.status();
  QuiqOptions options;
  options.base_url = gateway.base_url;
  options.identity = gateway.quiq.identity;
  options.secret = *secret;
  options.api = gateway.quiq.api;
  options.topic = gateway.quiq.topic;
  options.batch_size = static_cast<size_t>(gateway.quiq.batch_size);
  options.batch_linger_ms = gateway.quiq.batch_linger_ms;
  options.timeout = std::chrono::milliseconds(gateway.quiq.timeout_ms);
  return options;
}
}  // namespace

Result<std::unique_ptr<Transport>> MakeQuiqTransport(const GatewayOptions& gateway) {
  auto options = QuiqOptionsFrom(gateway);
  if (!options.ok()) return options.status();
  return std::unique_ptr<Transport>(std::make_unique<QuiqTransport>(*options));
}

Status CheckQuiqGateway(const GatewayOptions& gateway) {
  auto webhook_secret =
      ReadSecretEnv(gateway.quiq.webhook_secret_env, "gateway.webhook_secret_env");
  if (!webhook_secret.ok()) return webhook_secret.status();
  auto options = QuiqOptionsFrom(gateway);
  if (!options.ok()) return options.status();
  return QuiqTransport(*options).CheckCredentials();
}

Result<std::string> ResolveSalesforceUser(salesforce::Connection& connection,
                                          const std::string& user) {
  auto id = salesforce::NormalizeId(user);
  bool by_id = id.ok() && salesforce::KeyPrefix(*id) == "005";
  auto soql = salesforce::soql::SelectBuilder("User")
                  .Fields({"Id", "Username", "IsActive"})
                  .WhereEquals(by_id ? "Id" : "Username", by_id ? *id : user)
                  .Limit(1)
                  .Build();
  if (!soql.ok()) return soql.status();
  std::optional<std::string> found;
  bool active = false;
  Status s = salesforce::ForEachRecord(connection, *soql, [&](const rapidjson::Value& rec) {
    found = json::GetString(rec, "Id").value_or("");
    auto is_active = rec.FindMember("IsActive");
    active =
        is_active == rec.MemberEnd() || !is_active->value.IsBool() || is_active->value.GetBool();
    return Status::Ok();
  });
  if (!s.ok()) return Status(s.code(), "cannot look up '" + user + "': " + s.message());
  if (!found || found->empty()) {
    return Status::NotFound("no Salesforce user '" + user +
                            "' (give the User Id 005... or the exact username)");
  }
  if (!active) return Status::NotFound("Salesforce user '" + user + "' is inactive");
  auto normalized = salesforce::NormalizeId(*found);
  if (!normalized.ok()) return normalized.status();
  return *normalized;
}

Result<std::unique_ptr<Transport>> MakeTransport(const GatewayOptions& gateway) {
  if (gateway.type == "quiq") return MakeQuiqTransport(gateway);
  if (gateway.type != "twilio") return std::unique_ptr<Transport>(std::make_unique<SandboxTransport>());
  auto token = ReadSecretEnv(gateway.auth_token_env, "gateway.auth_token_env");
  if (!token.ok()) return token.status();
  TwilioOptions options;
  options.base_url = gateway.base_url;
  options.account_sid = gateway.account_sid;
  options.auth_token = *token;
  return std::unique_ptr<Transport>(std::make_unique<TwilioTransport>(options));
}

}  // namespace sfn::connector
