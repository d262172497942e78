// The org's daily API budget as reported by the Sforce-Limit-Info header on
// every REST response ("api-usage=10018/100000"). Calls marked non-essential
// fail fast with kRateLimited once usage crosses the threshold, so background
// work never exhausts the quota that interactive sends need. Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string_view>

#include "common/status.h"

namespace sfn::salesforce {

struct ApiUsage {
  int64_t used = -1;  // -1 until a response reported it
  int64_t max = -1;
  bool known() const { return used >= 0 && max > 0; }
  double fraction() const {
    return known() ? static_cast<double>(used) / static_cast<double>(max) : 0.0;
  }
};

// Parses "api-usage=U/M" (other items such as per-app-api-usage are ignored).
std::optional<ApiUsage> ParseLimitInfo(std::string_view header);

class ApiBudget {
 public:
  // `threshold`: fraction of the daily maximum (0..1] above which non-essential
  // calls are refused. 1.0 refuses only when the quota is exhausted.
  explicit ApiBudget(double threshold = 0.9) : threshold_(threshold) {}

  void Record(const ApiUsage& usage);
  ApiUsage usage() const;
  double threshold() const;
  void set_threshold(double threshold);
  // Ok, or kRateLimited naming usage and threshold when a non-essential call must not run.
  Status Admit(bool essential) const;

 private:
  mutable std::mutex mu_;
  double threshold_;
  ApiUsage usage_;
};

}  // namespace sfn::salesforce
