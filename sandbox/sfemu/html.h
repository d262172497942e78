// Text placed into sfemu's small HTML pages (the login form, record pages).
#pragma once

#include <string>

namespace sfemu {

// `text` with & < > " ' escaped, safe inside element content and quoted attributes.
std::string HtmlEscape(const std::string& text);

}  // namespace sfemu
