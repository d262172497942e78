#include "sandbox/smsemu/seed.h"

#include <phonenumbers/phonenumberutil.h>

#include <fstream>
#include <sstream>

#include "common/json.h"

namespace sfn::smsemu {

bool IsE164Number(const std::string& text) {
  if (text.size() < 2 || text[0] != '+') return false;
  for (size_t i = 1; i < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
  }
  using i18n::phonenumbers::PhoneNumber;
  using i18n::phonenumbers::PhoneNumberUtil;
  const PhoneNumberUtil* util = PhoneNumberUtil::GetInstance();
  PhoneNumber number;
  if (util->Parse(text, "ZZ", &number) != PhoneNumberUtil::NO_PARSING_ERROR) return false;
  return util->IsPossibleNumber(number);
}

Status ParseCarrierRule(const rapidjson::Value& object, std::string* number, CarrierRule* rule) {
  if (!object.IsObject()) return Status::InvalidArgument("a carrier rule must be a JSON object");
  Status error;
  auto num = json::GetString(object, "number", &error);
  if (!error.ok()) return error;
  if (!num || !IsE164Number(*num))
    return Status::InvalidArgument("number: expected an E.164 number such as +14155552671");
  *number = *num;
  *rule = CarrierRule{};
  auto reject = json::GetInt(object, "reject", &error);
  if (!error.ok()) return error;
  auto outcome = json::GetString(object, "outcome", &error);
  if (!error.ok()) return error;
  auto code = json::GetInt(object, "error_code", &error);
  if (!error.ok()) return error;
  if (reject && outcome)
    return Status::InvalidArgument("outcome: give either reject or outcome, not both");
  if (!reject && !outcome) return Status::InvalidArgument("outcome: expected outcome or reject");
  if (reject) rule->reject_code = static_cast<int>(*reject);
  if (outcome) rule->outcome = *outcome;
  if (code) rule->error_code = static_cast<int>(*code);
  std::string problem = NormalizeCarrierRule(rule);
  if (!problem.empty()) return Status::InvalidArgument(problem);
  return Status::Ok();
}

Status ParseCallbackBehaviour(const rapidjson::Value& object, CallbackBehaviour* behaviour) {
  if (!object.IsObject()) return Status::InvalidArgument("callbacks: expected a JSON object");
  Status error;
  auto duplicate = json::GetBool(object, "duplicate", &error);
  if (!error.ok()) return error;
  auto reorder = json::GetBool(object, "reorder", &error);
  if (!error.ok()) return error;
  if (duplicate) behaviour->duplicate = *duplicate;
  if (reorder) behaviour->reorder = *reorder;
  if (object.HasMember("drop_status")) {
    const auto& drop = object["drop_status"];
    std::set<std::string> statuses;
    if (drop.IsString()) {
      if (drop.GetStringLength() > 0) statuses.insert(drop.GetString());
    } else if (drop.IsArray()) {
      for (const auto& s : drop.GetArray()) {
        if (!s.IsString()) return Status::InvalidArgument("drop_status: expected status names");
        statuses.insert(s.GetString());
      }
    } else if (!drop.IsNull()) {
      return Status::InvalidArgument("drop_status: expected a status name or a list of them");
    }
    for (const auto& s : statuses) {
      if (s != "queued" && s != "sending" && s != "sent" && s != "delivered" &&
          s != "undelivered" && s != "failed") {
        return Status::InvalidArgument("drop_status: unknown status '" + s + "'");
      }
    }
    behaviour->drop_statuses = std::move(statuses);
  }
  return Status::Ok();
}

Result<Seed> ParseSeed(std::string_view json_text) {
  auto doc = json::Parse(json_text);
  if (!doc.ok()) return doc.status();
  if (!doc->IsObject()) return Status::InvalidArgument("seed: expected a JSON object");
  Seed seed;
  const auto& root = doc.value();
  if (root.HasMember("from_numbers")) {
    if (!root["from_numbers"].IsArray())
      return Status::InvalidArgument("from_numbers: expected a list");
    for (const auto& n : root["from_numbers"].GetArray()) {
      if (!n.IsString() || !IsE164Number(n.GetString())) {
        return Status::InvalidArgument("from_numbers: expected E.164 numbers");
      }
      seed.from_numbers.push_back(n.GetString());
    }
  }
  if (root.HasMember("carrier")) {
    if (!root["carrier"].IsArray())
      return Status::InvalidArgument("carrier: expected a list of rules");
    for (const auto& r : root["carrier"].GetArray()) {
      std::string number;
      CarrierRule rule;
      Status s = ParseCarrierRule(r, &number, &rule);
      if (!s.ok()) return Status::InvalidArgument("carrier: " + s.message());
      seed.carrier[number] = rule;
    }
  }
  if (root.HasMember("stop_list")) {
    if (!root["stop_list"].IsArray()) return Status::InvalidArgument("stop_list: expected a list");
    for (const auto& e : root["stop_list"].GetArray()) {
      if (!e.IsObject()) return Status::InvalidArgument("stop_list: expected objects");
      auto handset = json::GetString(e, "handset");
      auto sender = json::GetString(e, "sender");
      if (!handset || !IsE164Number(*handset))
        return Status::InvalidArgument("stop_list: handset must be E.164");
      StopEntry entry;
      entry.handset = *handset;
      entry.sender = sender.value_or("*");
      seed.stop_list.push_back(entry);
    }
  }
  Status error;
  seed.inbound_url = json::GetString(root, "inbound_url", &error).value_or("");
  if (!error.ok()) return error;
  if (root.HasMember("callbacks")) {
    Status s = ParseCallbackBehaviour(root["callbacks"], &seed.callbacks);
    if (!s.ok()) return s;
  }
  return seed;
}

Result<Seed> LoadSeedFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError("cannot read seed file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  auto seed = ParseSeed(text.str());
  if (!seed.ok()) return Status::InvalidArgument(path + ": " + seed.status().message());
  return seed;
}

}  // namespace sfn::smsemu
