#include "salesforce/api_budget.h"

#include <charconv>
#include <string>

namespace sfn::salesforce {

std::optional<ApiUsage> ParseLimitInfo(std::string_view header) {
  constexpr std::string_view kKey = "api-usage=";
  size_t pos = 0;
  // Find "api-usage=" as a whole item, not the tail of "per-app-api-usage=".
  while ((pos = header.find(kKey, pos)) != std::string_view::npos) {
    if (pos == 0 || header[pos - 1] == ' ' || header[pos - 1] == ',' || header[pos - 1] == ';')
      break;
    pos += kKey.size();
  }
  if (pos == std::string_view::npos) return std::nullopt;
  std::string_view rest = header.substr(pos + kKey.size());
  size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  ApiUsage usage;
  auto r1 = std::from_chars(rest.data(), rest.data() + slash, usage.used);
  if (r1.ec != std::errc() || r1.ptr != rest.data() + slash) return std::nullopt;
  const char* end = rest.data() + rest.size();
  auto r2 = std::from_chars(rest.data() + slash + 1, end, usage.max);
  if (r2.ec != std::errc() || usage.max <= 0 || usage.used < 0) return std::nullopt;
  return usage;
}

void ApiBudget::Record(const ApiUsage& usage) {
  if (!usage.known()) return;
  std::lock_guard<std::mutex> lock(mu_);
  usage_ = usage;
}

ApiUsage ApiBudget::usage() const {
  std::lock_guard<std::mutex> lock(mu_);
  return usage_;
}

double ApiBudget::threshold() const {
  std::lock_guard<std::mutex> lock(mu_);
  return threshold_;
}

void ApiBudget::set_threshold(double threshold) {
  std::lock_guard<std::mutex> lock(mu_);
  threshold_ = threshold;
}

Status ApiBudget::Admit(bool essential) const {
  if (essential) return Status::Ok();
  std::lock_guard<std::mutex> lock(mu_);
  if (!usage_.known() || usage_.fraction() < threshold_) return Status::Ok();
  return Status::RateLimited("API budget: " + std::to_string(usage_.used) + "/" +
                             std::to_string(usage_.max) +
                             " daily requests used, above the threshold of " +
                             std::to_string(static_cast<int>(threshold_ * 100)) +
                             "% reserved for essential calls; non-essential call refused");
}

}  // namespace sfn::salesforce
