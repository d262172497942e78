// SOQL evaluation: binds the parsed query to the schema (names, relationship
// paths, literal types), filters and sorts the object's records, and writes
// each row as the REST API does.
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>
#include <unordered_set>

#include "common/time_util.h"
#include "salesforce/record_id.h"
#include "sandbox/sfemu/soql_ast.h"

namespace sfemu::soql {

namespace {

constexpr size_t kMaxRelationshipHops = 5;  // Salesforce allows five levels of parents
constexpr int64_t kMillisPerDay = 86400000;
// Text areas longer than this are "long text": Salesforce neither filters nor sorts on them.
constexpr int kMaxFilterableTextArea = 255;

// ---- Schema helpers ------------------------------------------------------------

// Salesforce's "Name" entity: the fields a polymorphic relationship (Task.Who,
// an Owner that may be a Group) exposes, whatever the parent's actual type.
const ObjectDef& NameEntity() {
  static const ObjectDef kName = [] {
    ObjectDef def;
    def.name = "Name";
    auto add = [&def](const char* name, FieldType type) {
      FieldDef field;
      field.name = name;
      field.type = type;
      def.fields.push_back(std::move(field));
    };
    add("Id", FieldType::kId);
    add("Name", FieldType::kString);
    add("FirstName", FieldType::kString);
    add("LastName", FieldType::kString);
    add("Type", FieldType::kPicklist);
    add("Alias", FieldType::kString);
    add("Email", FieldType::kEmail);
    add("Phone", FieldType::kPhone);
    add("Title", FieldType::kString);
    add("Username", FieldType::kString);
    add("IsActive", FieldType::kBoolean);
    add("ProfileId", FieldType::kReference);
    add("UserRoleId", FieldType::kReference);
    add("RecordTypeId", FieldType::kReference);
    add("LastReferencedDate", FieldType::kDateTime);
    add("LastViewedDate", FieldType::kDateTime);
    return def;
  }();
  return kName;
}

// Every Salesforce object has Id and IsDeleted even when a seed leaves them out.
const FieldDef& ImplicitField(std::string_view name) {
  static const FieldDef kId = [] {
    FieldDef f;
    f.name = "Id";
    f.type = FieldType::kId;
    return f;
  }();
  static const FieldDef kIsDeleted = [] {
    FieldDef f;
    f.name = "IsDeleted";
    f.type = FieldType::kBoolean;
    return f;
  }();
  return EqualsIgnoreCase(name, "Id") ? kId : kIsDeleted;
}

const FieldDef* FindField(const ObjectDef& object, std::string_view name) {
  if (const FieldDef* f = object.FindField(name)) return f;
  if (EqualsIgnoreCase(name, "Id") ||
      (EqualsIgnoreCase(name, "IsDeleted") && &object != &NameEntity())) {
    return &ImplicitField(name);
  }
  return nullptr;
}

bool IsLongText(const FieldDef& f) {
  return f.type == FieldType::kTextArea && f.length > kMaxFilterableTextArea;
}

// ---- Bound fields ----------------------------------------------------------------

struct Hop {
  const FieldDef* reference = nullptr;  // the lookup on the current object (OwnerId)
  const ObjectDef* target = nullptr;    // the parent object, or NameEntity()
  std::string relationship;             // schema spelling ("Owner")
};

struct BoundField {
  std::vector<Hop> hops;
  const ObjectDef* owner = nullptr;  // the object holding `field`
  const FieldDef* field = nullptr;
  const FieldRef* ref = nullptr;
};

Value ReadField(const Record& record, const ObjectDef& owner, const FieldDef& field) {
  if (field.type == FieldType::kId) return record.id;
  if (EqualsIgnoreCase(field.name, "IsDeleted")) return record.deleted;
  if (&owner == &NameEntity() && field.name == "Type") return record.type;
  auto it = record.fields.find(field.name);
  return it == record.fields.end() ? Value() : it->second;
}

// ---- Comparable values -------------------------------------------------------------

enum class Domain { kText, kId, kBoolean, kNumber, kDate, kDateTime };

Domain DomainOf(FieldType t) {
  switch (t) {
    case FieldType::kId:
    case FieldType::kReference:
      return Domain::kId;
    case FieldType::kBoolean:
      return Domain::kBoolean;
    case FieldType::kInt:
    case FieldType::kDouble:
    case FieldType::kCurrency:
      return Domain::kNumber;
    case FieldType::kDate:
      return Domain::kDate;
    case FieldType::kDateTime:
      return Domain::kDateTime;
    default:
      return Domain::kText;
  }
}

// The name Salesforce uses for a type in "must be of type ..." messages.
const char* DomainTypeName(Domain domain, FieldType type) {
  switch (domain) {
    case Domain::kText:
      return "string";
    case Domain::kId:
      return "id";
    case Domain::kBoolean:
      return "boolean";
    case Domain::kNumber:
      return type == FieldType::kInt        ? "integer"
             : type == FieldType::kCurrency ? "currency"
                                            : "double";
    case Domain::kDate:
      return "date";
    case Domain::kDateTime:
      return "dateTime";
  }
  return "string";
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::optional<int64_t> ParseDays(std::string_view s) {
  if (s.size() < 10) return std::nullopt;
  // Reuse the RFC 3339 parser for validation by anchoring the day at midnight UTC.
  auto ms = sfn::timeutil::ParseRfc3339(std::string(s.substr(0, 10)) + "T00:00:00Z");
  if (!ms.ok()) return std::nullopt;
  return *ms / kMillisPerDay;
}

// One side of a comparison, normalised for its domain: text lower-cased,
// Ids in their 18-character form, dates as days and datetimes as ms since
// the epoch. Booleans are never null (Salesforce reads an unset one as false).
struct Scalar {
  bool null = true;
  bool boolean = false;
  double number = 0;
  int64_t integer = 0;
  std::string text;
};

Scalar ToScalar(const Value& value, Domain domain) {
  Scalar out;
  const std::string* s = std::get_if<std::string>(&value);
  switch (domain) {
    case Domain::kText:
      if (s && !s->empty()) {
        out.text = Lower(*s);
      } else if (const double* d = std::get_if<double>(&value)) {
        out.text = std::to_string(*d);
      } else if (const bool* b = std::get_if<bool>(&value)) {
        out.text = *b ? "true" : "false";
      } else {
        return out;
      }
      break;
    case Domain::kId: {
      if (!s || s->empty()) return out;
      auto id = sfn::salesforce::NormalizeId(*s);
      out.text = id.ok() ? *id : *s;
      break;
    }
    case Domain::kBoolean:
      if (const bool* b = std::get_if<bool>(&value)) out.boolean = *b;
      if (s) out.boolean = EqualsIgnoreCase(*s, "true");
      break;
    case Domain::kNumber:
      if (const double* d = std::get_if<double>(&value)) {
        out.number = *d;
      } else if (s && !s->empty()) {
        char* end = nullptr;
        out.number = std::strtod(s->c_str(), &end);
        if (end == s->c_str()) return out;
      } else {
        return out;
      }
      break;
    case Domain::kDate: {
      if (!s) return out;
      auto days = ParseDays(*s);
      if (!days) return out;
      out.integer = *days;
      break;
    }
    case Domain::kDateTime: {
      if (!s || s->empty()) return out;
      auto ms = sfn::timeutil::ParseRfc3339(*s);
      if (ms.ok()) {
        out.integer = *ms;
      } else if (auto days = ParseDays(*s)) {
        out.integer = *days * kMillisPerDay;
      } else {
        return out;
      }
      break;
    }
  }
  out.null = false;
  return out;
}

// Three-way comparison of two non-null scalars of the same domain.
int CompareScalars(const Scalar& a, const Scalar& b, Domain domain) {
  switch (domain) {
    case Domain::kText:
    case Domain::kId:
      return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
    case Domain::kBoolean:
      return static_cast<int>(a.boolean) - static_cast<int>(b.boolean);
    case Domain::kNumber:
      return a.number < b.number ? -1 : a.number > b.number ? 1 : 0;
    case Domain::kDate:
    case Domain::kDateTime:
      return a.integer < b.integer ? -1 : a.integer > b.integer ? 1 : 0;
  }
  return 0;
}

// ---- LIKE ------------------------------------------------------------------------------

size_t Utf8Next(std::string_view s, size_t i) {
  ++i;
  while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
  return i;
}

// Wildcard match with % (any run) and _ (one character); both inputs lower-cased.
// Backtracks only to the last %, so work is O(|text| * |pattern|) at worst.
bool LikeMatch(std::string_view text, std::string_view pattern, const std::vector<bool>& mask) {
  auto is_wild = [&](size_t p, char w) { return p < pattern.size() && mask[p] && pattern[p] == w; };
  size_t t = 0, p = 0;
  size_t star_p = std::string_view::npos, star_t = 0;
  while (t < text.size()) {
    if (is_wild(p, '%')) {
      star_p = p++;
      star_t = t;
    } else if (is_wild(p, '_')) {
      t = Utf8Next(text, t);
      ++p;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++t;
      ++p;
    } else if (star_p != std::string_view::npos) {
      p = star_p + 1;
      star_t = Utf8Next(text, star_t);
      t = star_t;
    } else {
      return false;
    }
  }
  while (is_wild(p, '%')) ++p;
  return p == pattern.size();
}

// ---- Compiled WHERE ------------------------------------------------------------------

// A literal ready to compare: a scalar, or a day range from TODAY & co.
struct Operand {
  Scalar scalar;       // scalar.null for NULL
  bool range = false;  // [low, high) in the field's units
  int64_t low = 0;
  int64_t high = 0;
};

struct Predicate {
  Condition::Kind kind = Condition::Kind::kCompare;
  std::vector<Predicate> children;
  BoundField field;
  Domain domain = Domain::kText;
  CompareOp op = CompareOp::kEq;
  std::vector<Operand> operands;
  std::string like_pattern;
  std::vector<bool> like_mask;
  std::unordered_set<std::string> text_set;  // IN over text/Id, for long lists
  bool set_has_null = false;
};

bool OperandEquals(const Scalar& v, const Operand& o, Domain domain) {
  if (o.range) return v.integer >= o.low && v.integer < o.high;
  return CompareScalars(v, o.scalar, domain) == 0;
}

bool InList(const Scalar& v, const Predicate& p) {
  if (v.null) return p.set_has_null;
  if ((p.domain == Domain::kText || p.domain == Domain::kId) && !p.text_set.empty()) {
    return p.text_set.count(v.text) > 0;
  }
  for (const Operand& o : p.operands) {
    if (!o.scalar.null || o.range) {
      if (OperandEquals(v, o, p.domain)) return true;
    }
  }
  return false;
}

bool CompareMatches(const Scalar& v, const Predicate& p) {
  const Operand& o = p.operands.front();
  bool literal_null = o.scalar.null && !o.range;
  switch (p.op) {
    case CompareOp::kEq:
      if (literal_null) return v.null;
      return !v.null && OperandEquals(v, o, p.domain);
    case CompareOp::kNe:
      if (literal_null) return !v.null;
      return v.null || !OperandEquals(v, o, p.domain);
    case CompareOp::kLt:
    case CompareOp::kLe:
    case CompareOp::kGt:
    case CompareOp::kGe: {
      if (v.null || literal_null) return false;
      if (o.range) {
        if (p.op == CompareOp::kLt) return v.integer < o.low;
        if (p.op == CompareOp::kLe) return v.integer < o.high;
        if (p.op == CompareOp::kGt) return v.integer >= o.high;
        return v.integer >= o.low;
      }
      int c = CompareScalars(v, o.scalar, p.domain);
      if (p.op == CompareOp::kLt) return c < 0;
      if (p.op == CompareOp::kLe) return c <= 0;
      if (p.op == CompareOp::kGt) return c > 0;
      return c >= 0;
    }
    case CompareOp::kLike:
      return !v.null && LikeMatch(v.text, p.like_pattern, p.like_mask);
    case CompareOp::kIn:
      return InList(v, p);
    case CompareOp::kNotIn:
      return !InList(v, p);
  }
  return false;
}

// ---- The executor ----------------------------------------------------------------------

class Executor {
 public:
  Executor(const Query& query, const DataSource& data, const ExecuteOptions& options)
      : query_(query), data_(data), options_(options) {
    int64_t now = options.now_ms != 0 ? options.now_ms : sfn::timeutil::NowMillis();
    today_ = now >= 0 ? now / kMillisPerDay : (now - kMillisPerDay + 1) / kMillisPerDay;
  }

  bool Run(QueryResult* out);
  const Error& error() const { return error_; }

 private:
  struct OutputNode {
    std::string key;
    const BoundField* leaf = nullptr;
    const Hop* hop = nullptr;
    std::vector<OutputNode> children;
  };
  using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

  bool Fail(size_t offset, const char* code, std::string detail) {
    error_ = PositionedError(query_.text, offset, code, std::move(detail));
    return false;
  }
  bool Bind(const FieldRef& ref, BoundField* out);
  bool Compile(const Condition& condition, Predicate* out);
  bool CompileOperand(const Literal& literal, const Predicate& p, Operand* out);
  bool Matches(const Predicate& p, const Record& record) const;
  const Record* Follow(const Record& record, const ObjectDef& owner, const Hop& hop) const;
  Value Resolve(const Record& record, const BoundField& field) const;
  void BuildOutputTree();
  void WriteRecord(Writer& w, const Record& record, const ObjectDef& object, const char* type,
                   const std::vector<OutputNode>& nodes) const;
  void WriteValue(Writer& w, const Value& value, const FieldDef& field) const;
  std::string Url(const Record& record) const {
    return "/services/data/v" + options_.api_version + "/sobjects/" + record.type + "/" + record.id;
  }

  const Query& query_;
  const DataSource& data_;
  const ExecuteOptions& options_;
  int64_t today_ = 0;  // days since the epoch, UTC
  const ObjectDef* object_ = nullptr;
  std::vector<BoundField> select_;
  std::vector<OutputNode> output_;
  Error error_;
};

bool Executor::Bind(const FieldRef& ref, BoundField* out) {
  out->ref = &ref;
  const ObjectDef* current = object_;
  for (size_t i = 0; i + 1 < ref.path.size(); ++i) {
    const std::string& name = ref.path[i];
    if (out->hops.size() >= kMaxRelationshipHops) {
      return Fail(ref.offset, "MALFORMED_QUERY",
                  "SOQL statements cannot query more than " + std::to_string(kMaxRelationshipHops) +
                      " levels of parent relationships");
    }
    const FieldDef* reference = nullptr;
    for (const FieldDef& f : current->fields) {
      if (f.type == FieldType::kReference && !f.relationship_name.empty() &&
          EqualsIgnoreCase(f.relationship_name, name)) {
        reference = &f;
      }
    }
    const ObjectDef* target = nullptr;
    if (reference != nullptr) {
      target = reference->reference_to.size() == 1 ? data_.FindObject(reference->reference_to[0])
                                                   : &NameEntity();
    }
    if (target == nullptr) {
      return Fail(
          ref.offset, "INVALID_FIELD",
          "Didn't understand relationship '" + name +
              "' in field path. If you are attempting to use a custom relationship, be sure to "
              "append the '__r' after the custom relationship name. Please reference your WSDL "
              "or the describe call for the appropriate names.");
    }
    out->hops.push_back(Hop{reference, target, reference->relationship_name});
    current = target;
  }
  out->owner = current;
  out->field = FindField(*current, ref.path.back());
  if (out->field == nullptr) {
    return Fail(
        ref.offset, "INVALID_FIELD",
        "No such column '" + ref.path.back() + "' on entity '" + current->name +
            "'. If you are attempting to use a custom field, be sure to append the '__c' after "
            "the custom field name. Please reference your WSDL or the describe call for the "
            "appropriate names.");
  }
  return true;
}

const Record* Executor::Follow(const Record& record, const ObjectDef& owner, const Hop& hop) const {
  Value id = ReadField(record, owner, *hop.reference);
  const std::string* s = std::get_if<std::string>(&id);
  if (s == nullptr || s->empty()) return nullptr;
  auto id18 = sfn::salesforce::NormalizeId(*s);
  if (!id18.ok()) return nullptr;
  const Record* parent = data_.FindRecord(*id18);
  // A deleted parent reads as an empty lookup, as after Salesforce clears it.
  return parent != nullptr && !parent->deleted ? parent : nullptr;
}

Value Executor::Resolve(const Record& record, const BoundField& field) const {
  const Record* current = &record;
  const ObjectDef* owner = object_;
  for (const Hop& hop : field.hops) {
    current = Follow(*current, *owner, hop);
    if (current == nullptr) return Value();
    owner = hop.target;
  }
  return ReadField(*current, *field.owner, *field.field);
}

bool Executor::CompileOperand(const Literal& literal, const Predicate& p, Operand* out) {
  const std::string& field_name = p.field.ref->written;
  const char* type_name = DomainTypeName(p.domain, p.field.field->type);
  auto mismatch = [&](bool quoted_expected) {
    return Fail(literal.offset, "INVALID_FIELD",
                "value of filter criterion for field '" + field_name + "' must be of type " +
                    type_name +
                    (quoted_expected ? " and should be enclosed in quotes"
                                     : " and should not be enclosed in quotes"));
  };
  if (literal.kind == LiteralKind::kNull) return true;  // out->scalar stays null
  switch (p.domain) {
    case Domain::kText:
      if (literal.kind != LiteralKind::kString) return mismatch(true);
      out->scalar = ToScalar(literal.text, Domain::kText);
      return true;
    case Domain::kId: {
      if (literal.kind != LiteralKind::kString) return mismatch(true);
      if (literal.text.empty()) return true;  // '' reads as null
      auto id = sfn::salesforce::NormalizeId(literal.text);
      if (!id.ok()) {
        return Fail(literal.offset, "INVALID_QUERY_FILTER_OPERATOR",
                    "invalid ID field: " + literal.text);
      }
      out->scalar.null = false;
      out->scalar.text = *id;
      return true;
    }
    case Domain::kBoolean:
      if (literal.kind != LiteralKind::kBoolean) return mismatch(false);
      out->scalar.null = false;
      out->scalar.boolean = literal.boolean;
      return true;
    case Domain::kNumber:
      if (literal.kind != LiteralKind::kNumber) return mismatch(false);
      out->scalar.null = false;
      out->scalar.number = literal.number;
      return true;
    case Domain::kDate:
    case Domain::kDateTime:
      break;
  }
  int64_t unit = p.domain == Domain::kDate ? 1 : kMillisPerDay;
  if (literal.kind == LiteralKind::kDateRange) {
    int64_t low = today_, high = today_ + 1;
    const std::string& name = literal.range_name;
    if (name == "YESTERDAY") {
      low = today_ - 1;
      high = today_;
    } else if (name == "TOMORROW") {
      low = today_ + 1;
      high = today_ + 2;
    } else if (name == "LAST_N_DAYS") {  // today and the n days before it
      low = today_ - literal.range_n;
    } else if (name == "NEXT_N_DAYS") {  // the n days after today
      low = today_ + 1;
      high = today_ + 1 + literal.range_n;
    } else if (name == "N_DAYS_AGO") {
      low = today_ - literal.range_n;
      high = low + 1;
    }
    out->range = true;
    out->low = low * unit;
    out->high = high * unit;
    return true;
  }
  if (p.domain == Domain::kDate && literal.kind == LiteralKind::kDate) {
    out->scalar.null = false;
    out->scalar.integer = literal.epoch_days;
    return true;
  }
  if (p.domain == Domain::kDateTime && literal.kind == LiteralKind::kDateTime) {
    out->scalar.null = false;
    out->scalar.integer = literal.epoch_ms;
    return true;
  }
  return mismatch(false);
}

bool Executor::Compile(const Condition& condition, Predicate* out) {
  out->kind = condition.kind;
  if (condition.kind != Condition::Kind::kCompare) {
    out->children.resize(condition.children.size());
    for (size_t i = 0; i < condition.children.size(); ++i) {
      if (!Compile(*condition.children[i], &out->children[i])) return false;
    }
    return true;
  }
  if (!Bind(condition.field, &out->field)) return false;
  const FieldDef& field = *out->field.field;
  if (IsLongText(field)) {
    return Fail(condition.field.offset, "INVALID_FIELD",
                "field '" + field.name + "' can not be filtered in a query call");
  }
  out->domain = DomainOf(field.type);
  out->op = condition.op;
  const Literal& first = condition.values.front();
  if (condition.op == CompareOp::kLike) {
    if (out->domain != Domain::kText) {
      return Fail(
          first.offset, "INVALID_QUERY_FILTER_OPERATOR",
          std::string("invalid operator on ") + DomainTypeName(out->domain, field.type) + " field");
    }
    if (first.kind != LiteralKind::kString) {
      return Fail(first.offset, "INVALID_FIELD",
                  "value of filter criterion for field '" + condition.field.written +
                      "' must be of type string and should be enclosed in quotes");
    }
    out->like_pattern = Lower(first.text);  // ASCII lower-casing keeps the mask aligned
    out->like_mask = first.like_mask;
    out->operands.emplace_back();
    return true;
  }
  bool ordering = condition.op == CompareOp::kLt || condition.op == CompareOp::kLe ||
                  condition.op == CompareOp::kGt || condition.op == CompareOp::kGe;
  if (ordering && out->domain == Domain::kBoolean) {
    return Fail(first.offset, "INVALID_QUERY_FILTER_OPERATOR", "invalid operator on boolean field");
  }
  for (const Literal& literal : condition.values) {
    Operand operand;
    if (!CompileOperand(literal, *out, &operand)) return false;
    out->operands.push_back(std::move(operand));
  }
  if (condition.op == CompareOp::kIn || condition.op == CompareOp::kNotIn) {
    for (const Operand& o : out->operands) {
      if (o.scalar.null && !o.range) out->set_has_null = true;
    }
    if (out->domain == Domain::kText || out->domain == Domain::kId) {
      for (const Operand& o : out->operands) {
        if (!o.scalar.null) out->text_set.insert(o.scalar.text);
      }
    }
  }
  return true;
}

bool Executor::Matches(const Predicate& p, const Record& record) const {
  switch (p.kind) {
    case Condition::Kind::kAnd:
      return std::all_of(p.children.begin(), p.children.end(),
                         [&](const Predicate& c) { return Matches(c, record); });
    case Condition::Kind::kOr:
      return std::any_of(p.children.begin(), p.children.end(),
                         [&](const Predicate& c) { return Matches(c, record); });
    case Condition::Kind::kNot:
      return !Matches(p.children.front(), record);
    case Condition::Kind::kCompare:
      return CompareMatches(ToScalar(Resolve(record, p.field), p.domain), p);
  }
  return false;
}

void Executor::BuildOutputTree() {
  for (const BoundField& field : select_) {
    std::vector<OutputNode>* level = &output_;
    for (const Hop& hop : field.hops) {
      auto it = std::find_if(level->begin(), level->end(), [&](const OutputNode& n) {
        return n.hop != nullptr && EqualsIgnoreCase(n.key, hop.relationship);
      });
      if (it == level->end()) {
        OutputNode node;
        node.key = hop.relationship;
        node.hop = &hop;
        level->push_back(std::move(node));
        it = level->end() - 1;
      }
      level = &it->children;
    }
    OutputNode leaf;
    leaf.key = field.field->name;
    leaf.leaf = &field;
    level->push_back(std::move(leaf));
  }
}

void Executor::WriteValue(Writer& w, const Value& value, const FieldDef& field) const {
  if (field.type == FieldType::kBoolean) {
    w.Bool(ToScalar(value, Domain::kBoolean).boolean);
  } else if (const std::string* s = std::get_if<std::string>(&value)) {
    if (s->empty()) {
      w.Null();  // Salesforce stores empty text as null
    } else {
      w.String(s->data(), static_cast<rapidjson::SizeType>(s->size()));
    }
  } else if (const double* d = std::get_if<double>(&value)) {
    if (!std::isfinite(*d)) {
      w.Null();
    } else if (field.type == FieldType::kInt && std::fabs(*d) < 9e15) {
      w.Int64(static_cast<int64_t>(std::llround(*d)));
    } else {
      w.Double(*d);
    }
  } else if (const bool* b = std::get_if<bool>(&value)) {
    w.Bool(*b);
  } else {
    w.Null();
  }
}

void Executor::WriteRecord(Writer& w, const Record& record, const ObjectDef& object,
                           const char* type, const std::vector<OutputNode>& nodes) const {
  w.StartObject();
  w.Key("attributes");
  w.StartObject();
  w.Key("type");
  w.String(type);
  w.Key("url");
  w.String(Url(record).c_str());
  w.EndObject();
  for (const OutputNode& node : nodes) {
    w.Key(node.key.c_str());
    if (node.leaf != nullptr) {
      WriteValue(w, ReadField(record, *node.leaf->owner, *node.leaf->field), *node.leaf->field);
      continue;
    }
    const Record* parent = Follow(record, object, *node.hop);
    if (parent == nullptr) {
      w.Null();
    } else {
      WriteRecord(w, *parent, *node.hop->target, node.hop->target->name.c_str(), node.children);
    }
  }
  w.EndObject();
}

bool Executor::Run(QueryResult* out) {
  object_ = data_.FindObject(query_.object);
  if (object_ == nullptr || object_->platform_event) {
    return Fail(
        query_.object_offset, "INVALID_TYPE",
        "sObject type '" + query_.object +
            "' is not supported. If you are attempting to use a custom object, be sure to append "
            "the '__c' after the entity name. Please reference your WSDL or the describe call for "
            "the appropriate names.");
  }
  // Bind everything before touching a record so errors do not depend on data.
  select_.resize(query_.select.size());
  std::unordered_set<std::string> seen;
  for (size_t i = 0; i < query_.select.size(); ++i) {
    if (!Bind(query_.select[i], &select_[i])) return false;
    std::string canonical;
    for (const Hop& hop : select_[i].hops) canonical += Lower(hop.relationship) + ".";
    canonical += Lower(select_[i].field->name);
    if (!seen.insert(canonical).second) {
      return Fail(query_.select[i].offset, "INVALID_FIELD",
                  "duplicate field selected: " + query_.select[i].written);
    }
  }
  Predicate where;
  if (query_.where && !Compile(*query_.where, &where)) return false;
  std::vector<BoundField> order(query_.order_by.size());
  for (size_t i = 0; i < order.size(); ++i) {
    if (!Bind(query_.order_by[i].field, &order[i])) return false;
    const FieldDef& f = *order[i].field;
    if (IsLongText(f) || f.type == FieldType::kMultiPicklist) {
      return Fail(query_.order_by[i].field.offset, "INVALID_FIELD",
                  "field '" + f.name + "' can not be sorted in a query call");
    }
  }

  std::vector<const Record*> rows;
  data_.Scan(object_->name, [&](const Record& record) {
    if (record.deleted && !options_.include_deleted) return;
    if (query_.where && !Matches(where, record)) return;
    rows.push_back(&record);
  });

  if (!order.empty()) {
    // Keys are computed once per row, then indices sorted: sorting 10,000 rows
    // must not resolve relationships O(n log n) times.
    std::vector<std::vector<Scalar>> keys(rows.size());
    std::vector<Domain> domains;
    for (const BoundField& f : order) domains.push_back(DomainOf(f.field->type));
    for (size_t r = 0; r < rows.size(); ++r) {
      for (size_t k = 0; k < order.size(); ++k) {
        keys[r].push_back(ToScalar(Resolve(*rows[r], order[k]), domains[k]));
      }
    }
    std::vector<size_t> index(rows.size());
    std::iota(index.begin(), index.end(), 0);
    std::stable_sort(index.begin(), index.end(), [&](size_t a, size_t b) {
      for (size_t k = 0; k < order.size(); ++k) {
        const Scalar& x = keys[a][k];
        const Scalar& y = keys[b][k];
        const OrderItem& item = query_.order_by[k];
        if (x.null || y.null) {
          if (x.null && y.null) continue;
          return x.null != item.nulls_last;
        }
        int c = CompareScalars(x, y, domains[k]);
        if (c != 0) return item.descending ? c > 0 : c < 0;
      }
      return false;
    });
    std::vector<const Record*> sorted;
    sorted.reserve(rows.size());
    for (size_t i : index) sorted.push_back(rows[i]);
    rows.swap(sorted);
  }

  size_t begin = std::min(rows.size(), static_cast<size_t>(query_.offset));
  size_t end = rows.size();
  if (query_.limit) end = std::min(end, begin + static_cast<size_t>(*query_.limit));
  out->count_only = query_.count_only;
  out->total_size = static_cast<int64_t>(end - begin);
  out->records.clear();
  if (query_.count_only) return true;

  BuildOutputTree();
  out->records.reserve(end - begin);
  for (size_t i = begin; i < end; ++i) {
    rapidjson::StringBuffer buffer;
    Writer writer(buffer);
    WriteRecord(writer, *rows[i], *object_, object_->name.c_str(), output_);
    out->records.emplace_back(buffer.GetString(), buffer.GetSize());
  }
  return true;
}

}  // namespace

bool Execute(const ParsedQuery& query, const DataSource& data, const ExecuteOptions& options,
             QueryResult* out, Error* error) {
  if (!query.query) {
    *error = PlainError("MALFORMED_QUERY", "empty query");
    return false;
  }
  Executor executor(*query.query, data, options);
  if (!executor.Run(out)) {
    *error = executor.error();
    return false;
  }
  return true;
}

}  // namespace sfemu::soql
