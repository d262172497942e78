#include "mapping/template.h"

#include <unicode/utf8.h>

#include <algorithm>
#include <cctype>

namespace sfn::mapping {

const char* const kEngineVariables[] = {
    "Sender.Id",
    "Sender.Name",
    "Sender.FirstName",
    "Sender.LastName",
    "Sender.Email",
    "Notification.Id",
    "Notification.RequestId",
    "Notification.ContactPoint",
    "Notification.Template",
    "Message.Body",
    "Message.To",
    "Message.From",
    "Message.Segments",
    "Message.Sid",
    "Reply.Body",
    "Reply.From",
    "Reply.To",
    "Reply.ReceivedAt",
    "Template.Name",
    "Template.Label",
    nullptr,
};

namespace {

// Salesforce API names are far shorter; the cap keeps error messages small.
constexpr size_t kMaxIdentifier = 80;
constexpr const char* kEngineNamespaces[] = {"Sender", "Notification", "Message", "Reply",
                                             "Template"};
// Objects a template author might name by mistake; naming them gives a
// clearer message than "unknown namespace".
constexpr const char* kKnownObjects[] = {"Lead", "Contact", "Account", "User", "Task", "Campaign"};

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool IsBlank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}
bool IsIdentStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) != 0;
}
bool IsIdentChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

// Line and column (in characters, both 1-based) of a byte offset.
std::string Position(std::string_view text, size_t offset) {
  size_t line = 1, column = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '\n') {
      ++line;
      column = 1;
    } else if ((c & 0xC0) != 0x80) {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

// Offset of the first invalid UTF-8 sequence, or npos.
size_t FirstInvalidUtf8(std::string_view text) {
  const auto* s = reinterpret_cast<const uint8_t*>(text.data());
  int32_t length = static_cast<int32_t>(text.size());
  int32_t i = 0;
  while (i < length) {
    int32_t start = i;
    UChar32 c;
    U8_NEXT(s, i, length, c);
    if (c < 0) return static_cast<size_t>(start);
  }
  return std::string_view::npos;
}

// A one-pass parser over the template text. Every loop advances `pos_`, so
// work is linear in the input length.
class Compiler {
 public:
  Compiler(std::string_view text, const TemplateScope& scope) : text_(text), scope_(scope) {}

  Status Run(std::vector<std::string>* literals, std::vector<MergeField>* fields,
             std::vector<bool>* order) {
    std::string literal;
    while (pos_ < text_.size()) {
      size_t open = text_.find("{!", pos_);
      if (open == std::string_view::npos) {
        literal.append(text_.substr(pos_));
        break;
      }
      literal.append(text_.substr(pos_, open - pos_));
      pos_ = open;
      if (fields->size() >= scope_.limits.max_merge_fields) {
        return Error(
            open, "more than " + std::to_string(scope_.limits.max_merge_fields) + " merge fields");
      }
      MergeField field;
      Status s = ParseMergeField(&field);
      if (!s.ok()) return s;
      if (!literal.empty()) {
        literals->push_back(std::move(literal));
        order->push_back(false);
        literal.clear();
      }
      fields->push_back(std::move(field));
      order->push_back(true);
    }
    if (!literal.empty()) {
      literals->push_back(std::move(literal));
      order->push_back(false);
    }
    return Status::Ok();
  }

 private:
  Status Error(size_t offset, const std::string& problem) const {
    return Status::InvalidArgument(Position(text_, offset) + ": " + problem);
  }

  void SkipBlanks() {
    while (pos_ < text_.size() && IsBlank(text_[pos_])) ++pos_;
  }

  bool ParseIdentifier(std::string* out) {
    if (pos_ >= text_.size() || !IsIdentStart(text_[pos_])) return false;
    size_t start = pos_;
    while (pos_ < text_.size() && IsIdentChar(text_[pos_])) ++pos_;
    if (pos_ - start > kMaxIdentifier) return false;
    out->assign(text_.substr(start, pos_ - start));
    return true;
  }

  Status ParseMergeField(MergeField* field) {
    const size_t open = pos_;
    pos_ += 2;  // "{!"
    std::vector<std::string> parts;
    for (;;) {
      SkipBlanks();
      size_t at = pos_;
      std::string part;
      if (!ParseIdentifier(&part)) {
        if (pos_ >= text_.size()) return Error(open, "merge field is not closed with '}'");
        return Error(at, parts.empty() ? "expected a name like Contact.FirstName after '{!'"
                                       : "expected a field name after '.'");
      }
      parts.push_back(std::move(part));
      SkipBlanks();
      if (pos_ < text_.size() && text_[pos_] == '.') {
        ++pos_;
        continue;
      }
      break;
    }
    if (parts.size() < 2) {
      return Error(open, "merge field {!" + parts[0] + "} needs a namespace, e.g. {!Contact." +
                             parts[0] + "}");
    }
    if (pos_ < text_.size() && text_[pos_] == ',') {
      ++pos_;
      SkipBlanks();
      Status s = ParseDefault(&field->fallback);
      if (!s.ok()) return s;
      SkipBlanks();
    }
    if (pos_ >= text_.size()) return Error(open, "merge field is not closed with '}'");
    if (text_[pos_] != '}') return Error(pos_, "expected '}' to close the merge field");
    ++pos_;
    return Resolve(open, parts, field);
  }

  Status ParseDefault(std::string* out) {
    if (pos_ >= text_.size() || (text_[pos_] != '"' && text_[pos_] != '\'')) {
      return Error(pos_, "the default after ',' must be quoted, e.g. \"there\"");
    }
    const size_t open = pos_;
    const char quote = text_[pos_++];
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == quote) {
        ++pos_;
        return Status::Ok();
      }
      if (c == '\\') {
        if (pos_ + 1 >= text_.size()) break;
        char next = text_[pos_ + 1];
        if (next == '"' || next == '\'' || next == '\\') {
          out->push_back(next);
        } else if (next == 'n') {
          out->push_back('\n');
        } else {
          return Error(pos_, "unsupported escape in default (use \\\", \\', \\\\ or \\n)");
        }
        pos_ += 2;
        continue;
      }
      out->push_back(c);
      ++pos_;
    }
    return Error(open, "default text is not closed with " + std::string(1, quote));
  }

  Status Resolve(size_t open, const std::vector<std::string>& parts, MergeField* field) const {
    const std::string& ns = parts[0];
    std::string rest = parts[1];
    for (size_t i = 2; i < parts.size(); ++i) rest += "." + parts[i];
    std::string written = ns + "." + rest;

    bool record_ns = EqualsIgnoreCase(ns, "Recipient") ||
                     (!scope_.object.empty() && EqualsIgnoreCase(ns, scope_.object));
    if (record_ns) {
      for (const auto& allowed : scope_.record_fields) {
        if (EqualsIgnoreCase(allowed, rest)) {
          field->source = FieldSource::kRecord;
          field->name = allowed;
          return Status::Ok();
        }
      }
      return Error(open, "unknown field " + written + ": not among the mapping's template fields" +
                             (scope_.object.empty() ? "" : " for " + scope_.object));
    }
    for (const char* engine_ns : kEngineNamespaces) {
      if (!EqualsIgnoreCase(ns, engine_ns)) continue;
      for (const char* const* v = kEngineVariables; *v; ++v) {
        if (EqualsIgnoreCase(*v, written)) {
          field->source = FieldSource::kVariable;
          field->name = *v;
          return Status::Ok();
        }
      }
      return Error(open, "unknown variable " + written);
    }
    for (const char* object : kKnownObjects) {
      if (EqualsIgnoreCase(ns, object)) {
        return Error(open, "merge field " + written + " names object " + object +
                               " but this template is for " +
                               (scope_.object.empty() ? "any object (use Recipient." + rest + ")"
                                                      : scope_.object));
      }
    }
    return Error(open, "unknown namespace '" + ns + "' in " + written);
  }

  std::string_view text_;
  const TemplateScope& scope_;
  size_t pos_ = 0;
};

}  // namespace

Result<Template> Template::Compile(std::string_view text, const TemplateScope& scope) {
  if (text.size() > scope.limits.max_bytes) {
    return Status::InvalidArgument("template is " + std::to_string(text.size()) +
                                   " bytes; the limit is " +
                                   std::to_string(scope.limits.max_bytes));
  }
  size_t bad = FirstInvalidUtf8(text);
  if (bad != std::string_view::npos) {
    return Status::InvalidArgument(Position(text, bad) + ": invalid UTF-8");
  }
  std::vector<std::string> literals;
  std::vector<MergeField> fields;
  std::vector<bool> order;
  Status s = Compiler(text, scope).Run(&literals, &fields, &order);
  if (!s.ok()) return s;

  Template t;
  t.source_ = std::string(text);
  t.fields_ = std::move(fields);
  size_t next_literal = 0, next_field = 0;
  for (bool is_field : order) {
    Piece piece;
    piece.is_field = is_field;
    if (is_field) {
      piece.field = next_field++;
    } else {
      piece.literal = std::move(literals[next_literal++]);
    }
    t.pieces_.push_back(std::move(piece));
  }
  return t;
}

std::string Template::Render(const FieldLookup& lookup) const {
  std::string out;
  for (const Piece& piece : pieces_) {
    if (!piece.is_field) {
      out += piece.literal;
      continue;
    }
    const MergeField& field = fields_[piece.field];
    std::optional<std::string> value = lookup ? lookup(field) : std::nullopt;
    out += (value && !value->empty()) ? *value : field.fallback;
  }
  return out;
}

std::vector<std::string> Template::RecordFields() const {
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (const MergeField& f : fields_) {
    if (f.source == FieldSource::kRecord && seen.insert(f.name).second) names.push_back(f.name);
  }
  return names;
}

}  // namespace sfn::mapping
