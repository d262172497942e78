#include "common/json.h"

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/reader.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace sfn::json {

namespace {

// Passes SAX events on to the document being built and stops the parse when
// arrays/objects nest deeper than kMaxDepth. (The document's own destructor and
// serialisers recurse too, so a shallow tree is also what keeps them safe.)
class DepthLimit {
 public:
  explicit DepthLimit(rapidjson::Document& doc) : doc_(doc) {}
  bool too_deep() const { return too_deep_; }

  bool Null() { return doc_.Null(); }
  bool Bool(bool b) { return doc_.Bool(b); }
  bool Int(int i) { return doc_.Int(i); }
  bool Uint(unsigned u) { return doc_.Uint(u); }
  bool Int64(int64_t i) { return doc_.Int64(i); }
  bool Uint64(uint64_t u) { return doc_.Uint64(u); }
  bool Double(double d) { return doc_.Double(d); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) {
    return doc_.RawNumber(s, n, copy);
  }
  bool String(const char* s, rapidjson::SizeType n, bool copy) { return doc_.String(s, n, copy); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) { return doc_.Key(s, n, copy); }
  bool StartObject() { return Enter() && doc_.StartObject(); }
  bool EndObject(rapidjson::SizeType members) {
    --depth_;
    return doc_.EndObject(members);
  }
  bool StartArray() { return Enter() && doc_.StartArray(); }
  bool EndArray(rapidjson::SizeType elements) {
    --depth_;
    return doc_.EndArray(elements);
  }

 private:
  bool Enter() {
    if (++depth_ > kMaxDepth) {
      too_deep_ = true;
      return false;
    }
    return true;
  }

  rapidjson::Document& doc_;
  int depth_ = 0;
  bool too_deep_ = false;
};

// Document::Populate calls this with the document as the handler.
struct IterativeParse {
  std::string_view text;
  rapidjson::ParseResult result;
  bool too_deep = false;

  bool operator()(rapidjson::Document& doc) {
    rapidjson::MemoryStream bytes(text.data(), text.size());
    rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> in(bytes);
    rapidjson::Reader reader;
    DepthLimit limit(doc);
    result = reader.Parse<rapidjson::kParseIterativeFlag>(in, limit);
    too_deep = limit.too_deep();
    return !result.IsError();
  }
};

}  // namespace

Result<rapidjson::Document> Parse(std::string_view text) {
  rapidjson::Document doc;
  IterativeParse parse{text, {}, false};
  doc.Populate(parse);
  if (parse.result.IsError()) {
    std::string problem = parse.too_deep
                              ? "nesting deeper than " + std::to_string(kMaxDepth) + " levels"
                              : rapidjson::GetParseError_En(parse.result.Code());
    return Status::InvalidArgument("invalid JSON at offset " +
                                   std::to_string(parse.result.Offset()) + ": " + problem);
  }
  return Result<rapidjson::Document>(std::move(doc));
}

std::string Serialize(const rapidjson::Value& value) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buf);
  value.Accept(writer);
  return std::string(buf.GetString(), buf.GetSize());
}

std::string SerializePretty(const rapidjson::Value& value) {
  rapidjson::StringBuffer buf;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> writer(buf);
  writer.SetIndent(' ', 2);
  value.Accept(writer);
  return std::string(buf.GetString(), buf.GetSize());
}

namespace {
const rapidjson::Value* Member(const rapidjson::Value& obj, const char* field) {
  if (!obj.IsObject()) return nullptr;
  auto it = obj.FindMember(field);
  if (it == obj.MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}
void SetTypeError(Status* error, const char* field, const char* expected) {
  if (error) *error = Status::InvalidArgument(std::string("field '") + field + "' must be " + expected);
}
}  // namespace

std::optional<std::string> GetString(const rapidjson::Value& obj, const char* field, Status* error) {
  const auto* v = Member(obj, field);
  if (!v) return std::nullopt;
  if (!v->IsString()) {
    SetTypeError(error, field, "a string");
    return std::nullopt;
  }
  return std::string(v->GetString(), v->GetStringLength());
}

std::optional<int64_t> GetInt(const rapidjson::Value& obj, const char* field, Status* error) {
  const auto* v = Member(obj, field);
  if (!v) return std::nullopt;
  if (!v->IsInt64()) {
    SetTypeError(error, field, "an integer");
    return std::nullopt;
  }
  return v->GetInt64();
}

std::optional<double> GetDouble(const rapidjson::Value& obj, const char* field, Status* error) {
  const auto* v = Member(obj, field);
  if (!v) return std::nullopt;
  if (!v->IsNumber()) {
    SetTypeError(error, field, "a number");
    return std::nullopt;
  }
  return v->GetDouble();
}

std::optional<bool> GetBool(const rapidjson::Value& obj, const char* field, Status* error) {
  const auto* v = Member(obj, field);
  if (!v) return std::nullopt;
  if (!v->IsBool()) {
    SetTypeError(error, field, "true or false");
    return std::nullopt;
  }
  return v->GetBool();
}

}  // namespace sfn::json
