// Minimal leveled logging to stderr, one line per call, thread-safe.
// Secrets must never be passed in; Redact() masks a value when one must be
// mentioned (e.g. "token ending in ...abcd").
#pragma once

#include <string>
#include <string_view>

namespace sfn::log {

enum class Level { kDebug = 0, kInfo, kWarn, kError };

void SetLevel(Level level);
Level GetLevel();
// Parses "debug|info|warn|error"; returns false on an unknown name.
bool ParseLevel(std::string_view name, Level* out);

void Write(Level level, std::string_view component, std::string_view message);
inline void Debug(std::string_view c, std::string_view m) { Write(Level::kDebug, c, m); }
inline void Info(std::string_view c, std::string_view m) { Write(Level::kInfo, c, m); }
inline void Warn(std::string_view c, std::string_view m) { Write(Level::kWarn, c, m); }
inline void Error(std::string_view c, std::string_view m) { Write(Level::kError, c, m); }

// "****abcd": keeps at most the last 4 characters of values longer than 8.
std::string Redact(std::string_view secret);

}  // namespace sfn::log
