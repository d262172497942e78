#include "connector/compliance/keywords.h"

#include <algorithm>

namespace sfn::connector {

std::string NormalizeReply(std::string_view body) {
  std::string out;
  bool gap = false;
  for (size_t i = 0; i < body.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(body[i]);
    if (c == '\'') continue;
    // U+2018 / U+2019 (curly apostrophes, what phones type): E2 80 98 / E2 80 99.
    if (c == 0xE2 && i + 2 < body.size() && static_cast<unsigned char>(body[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(body[i + 2]) == 0x98 ||
         static_cast<unsigned char>(body[i + 2]) == 0x99)) {
      i += 2;
      continue;
    }
    bool letter =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
    if (!letter) {
      gap = !out.empty();
      continue;
    }
    if (gap) out.push_back(' ');
    gap = false;
    out.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
  }
  return out;
}

namespace {
std::vector<std::string> NormalizeAll(const std::vector<std::string>& list) {
  std::vector<std::string> out;
  for (const auto& item : list) {
    std::string n = NormalizeReply(item);
    if (!n.empty()) out.push_back(std::move(n));
  }
  return out;
}

bool Contains(const std::vector<std::string>& list, const std::string& text) {
  return std::find(list.begin(), list.end(), text) != list.end();
}
}  // namespace

ReplyClassifier::ReplyClassifier(const ComplianceConfig& config)
    : opt_out_keywords_(NormalizeAll(config.opt_out_keywords)),
      opt_out_phrases_(NormalizeAll(config.opt_out_phrases)),
      gateway_keywords_(NormalizeAll(config.gateway_opt_out_keywords)) {}

ReplyKind ReplyClassifier::Classify(std::string_view body) const {
  std::string text = NormalizeReply(body);
  if (text.empty()) return ReplyKind::kOther;
  if (Contains(opt_out_keywords_, text)) return ReplyKind::kStop;
  std::string padded = " " + text + " ";
  for (const auto& phrase : opt_out_phrases_) {
    if (padded.find(" " + phrase + " ") != std::string::npos) return ReplyKind::kStop;
  }
  for (const char* k : {"start", "unstop", "yes"}) {
    if (text == k) return ReplyKind::kStart;
  }
  for (const char* k : {"help", "info"}) {
    if (text == k) return ReplyKind::kHelp;
  }
  return ReplyKind::kOther;
}

bool ReplyClassifier::GatewayConfirms(std::string_view body) const {
  return Contains(gateway_keywords_, NormalizeReply(body));
}

ReplyKind ClassifyReply(std::string_view body) {
  static const ReplyClassifier defaults;
  return defaults.Classify(body);
}

const char* ReplyKindName(ReplyKind kind) {
  switch (kind) {
    case ReplyKind::kStop:
      return "stop";
    case ReplyKind::kStart:
      return "start";
    case ReplyKind::kHelp:
      return "help";
    case ReplyKind::kOther:
      return "reply";
  }
  return "reply";
}

}  // namespace sfn::connector
