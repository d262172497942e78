// UTF-8 helpers for every place text is checked or cut: a cut never splits a
// multi-byte character, and a validity check names where the text went bad.
// Validation follows RFC 3629: no overlong forms, no surrogates (U+D800..DFFF),
// nothing above U+10FFFF.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sfn::utf8 {

// Byte offset of the first byte that does not start a valid sequence; npos when the text is valid.
size_t FindInvalid(std::string_view text);
inline bool IsValid(std::string_view text) {
  return FindInvalid(text) == std::string_view::npos;
}

// The longest prefix of at most `max_bytes` bytes that ends on a character boundary.
std::string TruncateBytes(std::string_view text, size_t max_bytes);
// The first `max_chars` code points (all of it when shorter).
std::string TruncateChars(std::string_view text, size_t max_chars);

// The first control character (C0 other than the allowed ones, DEL, C1 U+0080..U+009F) as a
// byte offset; npos when none. `allowed` lists the C0 characters that are fine, e.g. "\n\t".
size_t FindControl(std::string_view text, std::string_view allowed);

}  // namespace sfn::utf8
