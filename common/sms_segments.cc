#include "common/sms_segments.h"

#include <vector>

namespace sfn::sms {

namespace {

constexpr char32_t kReplacement = 0xFFFD;

// GSM 03.38 basic table, outside printable ASCII, in code order 0x00-0x7F.
// Printable ASCII is handled separately because all of it is GSM-7 except
// '$' (0x24 is '¤'), '@' (0x00), '_' (0x11), '`' and the extension characters
// '[', '\', ']', '^', '{', '|', '}', '~'.
constexpr char32_t kBasicNonAscii[] = {
    0x00A3, 0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC, 0x00F2, 0x00C7, 0x00D8, 0x00F8,
    0x00C5, 0x00E5, 0x0394, 0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8, 0x03A3,
    0x0398, 0x039E, 0x00C6, 0x00E6, 0x00DF, 0x00C9, 0x00A4, 0x00A1, 0x00C4, 0x00D6,
    0x00D1, 0x00DC, 0x00A7, 0x00BF, 0x00E4, 0x00F6, 0x00F1, 0x00FC, 0x00E0,
};

// Decodes UTF-8; every byte that does not start a valid, shortest-form
// sequence of a scalar value becomes one U+FFFD.
std::vector<char32_t> DecodeUtf8(std::string_view text) {
  std::vector<char32_t> out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    unsigned char lead = static_cast<unsigned char>(text[i]);
    int length = 0;
    char32_t cp = 0;
    char32_t min = 0;
    if (lead < 0x80) {
      out.push_back(lead);
      ++i;
      continue;
    } else if ((lead & 0xE0) == 0xC0) {
      length = 2, cp = lead & 0x1F, min = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3, cp = lead & 0x0F, min = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4, cp = lead & 0x07, min = 0x10000;
    }
    bool valid = length > 0 && i + length <= text.size();
    for (int k = 1; valid && k < length; ++k) {
      unsigned char next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) valid = false;
      cp = (cp << 6) | (next & 0x3F);
    }
    if (valid && (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))) valid = false;
    if (!valid) {
      out.push_back(kReplacement);
      ++i;
      continue;
    }
    out.push_back(cp);
    i += length;
  }
  return out;
}

// Splits `widths` (units per character) into parts of at most `part_limit`
// units without ever splitting one character's units across two parts.
int CountParts(const std::vector<int>& widths, int part_limit) {
  int parts = 1;
  int used = 0;
  for (int w : widths) {
    if (used + w > part_limit) {
      ++parts;
      used = 0;
    }
    used += w;
  }
  return parts;
}

}  // namespace

bool IsGsm7Basic(char32_t c) {
  if (c == '\n' || c == '\r') return true;
  if (c >= 0x20 && c < 0x7F) {
    switch (c) {
      case '$':  // 0x02 in GSM-7, so still GSM-7 (0x24 is the currency sign)
      case '@':
      case '_':
        return true;
      case '`':
      case '[':
      case '\\':
      case ']':
      case '^':
      case '{':
      case '|':
      case '}':
      case '~':
        return false;
      default:
        return true;
    }
  }
  for (char32_t basic : kBasicNonAscii) {
    if (c == basic) return true;
  }
  return false;
}

bool IsGsm7Extension(char32_t c) {
  switch (c) {
    case 0x000C:  // form feed
    case '^':
    case '{':
    case '}':
    case '\\':
    case '[':
    case '~':
    case ']':
    case '|':
    case 0x20AC:  // €
      return true;
    default:
      return false;
  }
}

const char* SmsEncodingName(SmsEncoding encoding) {
  return encoding == SmsEncoding::kGsm7 ? "GSM-7" : "UCS-2";
}

SegmentCount CountSegments(std::string_view utf8_body) {
  std::vector<char32_t> chars = DecodeUtf8(utf8_body);
  SegmentCount count;
  count.characters = static_cast<int>(chars.size());
  if (chars.empty()) return count;

  bool gsm7 = true;
  for (char32_t c : chars) {
    if (!IsGsm7(c)) {
      gsm7 = false;
      break;
    }
  }
  std::vector<int> widths;
  widths.reserve(chars.size());
  for (char32_t c : chars) {
    if (gsm7) {
      widths.push_back(IsGsm7Basic(c) ? 1 : 2);
    } else {
      widths.push_back(c > 0xFFFF ? 2 : 1);
    }
    count.units += widths.back();
  }
  count.encoding = gsm7 ? SmsEncoding::kGsm7 : SmsEncoding::kUcs2;
  int single = gsm7 ? kGsm7SingleLimit : kUcs2SingleLimit;
  int part = gsm7 ? kGsm7PartLimit : kUcs2PartLimit;
  count.segments = count.units <= single ? 1 : CountParts(widths, part);
  return count;
}

}  // namespace sfn::sms
