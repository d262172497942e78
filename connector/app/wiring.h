// Builds the configured parts shared by `sfnotify run`, `doctor` and
// `mapping validate`: the Salesforce token source, the field mapping (file or
// Custom Metadata over REST) and the gateway transport. Secrets come from the
// environment variables the config names, never from the file.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "connector/config/config.h"
#include "connector/send/transport.h"
#include "mapping/field_mapping.h"
#include "salesforce/connection.h"
#include "salesforce/token_source.h"

namespace sfn::connector {

// The value of environment variable `variable`; `what` names the config field in errors.
Result<std::string> ReadSecretEnv(const std::string& variable, const std::string& what);

Result<std::shared_ptr<salesforce::TokenSource>> MakeTokenSource(const SalesforceOptions& options);

// The mapping from config.mapping_file, or from SMS_Field_Mapping__mdt / SMS_Template__mdt.
Result<mapping::FieldMapping> LoadMapping(const Config& config, salesforce::Connection& connection);

Result<std::unique_ptr<Transport>> MakeTransport(const GatewayOptions& options);

// The 18-character Id of the active User named by `user` (a User Id or a username), looked up
// with one SOQL query. kNotFound with a message naming `user` when there is no such active user.
Result<std::string> ResolveSalesforceUser(salesforce::Connection& connection,
                                          const std::string& user);

// A QuiqTransport for `gateway` (type "quiq"); the secret comes from gateway.quiq.secret_env.
Result<std::unique_ptr<Transport>> MakeQuiqTransport(const GatewayOptions& gateway);
// For `sfnotify doctor`: both secrets are set and Quiq accepts the app token.
Status CheckQuiqGateway(const GatewayOptions& gateway);

}  // namespace sfn::connector
