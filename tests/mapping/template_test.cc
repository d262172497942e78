#include <catch2/catch.hpp>

#include <map>
#include <random>

#include "mapping/template.h"

using sfn::mapping::FieldSource;
using sfn::mapping::MergeField;
using sfn::mapping::Template;
using sfn::mapping::TemplateScope;

namespace {

TemplateScope ContactScope() {
  TemplateScope scope;
  scope.object = "Contact";
  scope.record_fields = {"FirstName", "LastName", "Owner.Name", "SMS_Time_Zone__c"};
  return scope;
}

// Looks values up by "record:Name" / "var:Sender.Name".
struct Values {
  std::map<std::string, std::string> map;
  sfn::mapping::FieldLookup Lookup() const {
    return [this](const MergeField& f) -> std::optional<std::string> {
      auto it = map.find((f.source == FieldSource::kRecord ? "record:" : "var:") + f.name);
      if (it == map.end()) return std::nullopt;
      return it->second;
    };
  }
};

std::string Render(std::string_view text, const Values& values,
                   TemplateScope scope = ContactScope()) {
  auto t = Template::Compile(text, scope);
  REQUIRE(t.ok());
  return t->Render(values.Lookup());
}

std::string CompileError(std::string_view text, TemplateScope scope = ContactScope()) {
  auto t = Template::Compile(text, scope);
  REQUIRE_FALSE(t.ok());
  return t.status().message();
}

}  // namespace

TEST_CASE("merge fields render record fields and engine variables", "[template]") {
  Values v{{{"record:FirstName", "Ada"}, {"var:Sender.Name", "Grace Hopper"}}};
  CHECK(Render("Hi {!Contact.FirstName}, {!Sender.Name} here.", v) == "Hi Ada, Grace Hopper here.");
  CHECK(Render("{!Recipient.FirstName}", v) == "Ada");
}

TEST_CASE("defaults apply to null and empty values, with either quote", "[template]") {
  Values empty{{{"record:FirstName", ""}}};
  CHECK(Render("Hi {!Contact.FirstName, \"there\"}!", empty) == "Hi there!");
  CHECK(Render("Hi {!Contact.LastName, 'friend'}!", Values{}) == "Hi friend!");
  CHECK(Render("Hi {!Contact.LastName}!", Values{}) == "Hi !");
  Values set{{{"record:FirstName", "Ada"}}};
  CHECK(Render("Hi {!Contact.FirstName, \"there\"}!", set) == "Hi Ada!");
}

TEST_CASE("escaped quotes and backslashes inside defaults", "[template]") {
  CHECK(Render(R"({!Contact.FirstName, "say \"hi\""})", Values{}) == "say \"hi\"");
  CHECK(Render(R"({!Contact.FirstName, 'it\'s'})", Values{}) == "it's");
  CHECK(Render(R"({!Contact.FirstName, "a\\b"})", Values{}) == "a\\b");
  CHECK(Render(R"({!Contact.FirstName, "it's"})", Values{}) == "it's");
  CHECK(Render(R"({!Contact.FirstName, "}{!"})", Values{}) == "}{!");
}

TEST_CASE("blanks around the parts of a merge field are tolerated", "[template]") {
  Values v{{{"record:FirstName", "Ada"}}};
  CHECK(Render("{! Contact.FirstName }", v) == "Ada");
  CHECK(Render("{!\tContact . FirstName ,  \"x\"\n}", v) == "Ada");
}

TEST_CASE("names match case-insensitively and resolve to the mapping's spelling", "[template]") {
  auto t = Template::Compile("{!contact.firstname} {!sender.name} {!CONTACT.owner.name}",
                             ContactScope());
  REQUIRE(t.ok());
  REQUIRE(t->fields().size() == 3);
  CHECK(t->fields()[0].name == "FirstName");
  CHECK(t->fields()[1].source == FieldSource::kVariable);
  CHECK(t->fields()[1].name == "Sender.Name");
  CHECK(t->fields()[2].name == "Owner.Name");
  CHECK(t->RecordFields() == std::vector<std::string>{"FirstName", "Owner.Name"});
}

TEST_CASE("unknown fields are load-time errors with their position", "[template]") {
  CHECK(CompileError("Hi {!Contact.Nickname}") ==
        "line 1, column 4: unknown field Contact.Nickname: not among the mapping's template fields "
        "for Contact");
  CHECK(CompileError("ok\nsecond {!Sender.Shoe}") ==
        "line 2, column 8: unknown variable Sender.Shoe");
  CHECK(CompileError("{!Lead.FirstName}") ==
        "line 1, column 1: merge field Lead.FirstName names object Lead but this template is for "
        "Contact");
  CHECK(CompileError("{!Foo.Bar}") == "line 1, column 1: unknown namespace 'Foo' in Foo.Bar");
}

TEST_CASE("columns count characters, not bytes", "[template]") {
  CHECK(CompileError("héllo 😀 {!Contact.X}") ==
        "line 1, column 9: unknown field Contact.X: not among the "
        "mapping's template fields for Contact");
}

TEST_CASE("malformed merge fields are errors", "[template]") {
  CHECK(CompileError("Hi {!Contact.FirstName") ==
        "line 1, column 4: merge field is not closed with '}'");
  CHECK(CompileError("Hi {!}") ==
        "line 1, column 6: expected a name like Contact.FirstName after '{!'");
  CHECK(CompileError("{!FirstName}") ==
        "line 1, column 1: merge field {!FirstName} needs a namespace, e.g. {!Contact.FirstName}");
  CHECK(CompileError("{!Contact.}") == "line 1, column 11: expected a field name after '.'");
  CHECK(CompileError("{!Contact.FirstName there}") ==
        "line 1, column 21: expected '}' to close the merge field");
  CHECK(CompileError("{!Contact.FirstName, there}") ==
        "line 1, column 22: the default after ',' must be quoted, e.g. \"there\"");
  CHECK(CompileError("{!Contact.FirstName, \"there}") ==
        "line 1, column 22: default text is not closed with \"");
  CHECK(CompileError(R"({!Contact.FirstName, "\q"})") ==
        "line 1, column 23: unsupported escape in default (use \\\", \\', \\\\ or \\n)");
}

TEST_CASE("literal text is kept byte for byte, including UTF-8 and emoji", "[template]") {
  Values v{{{"record:FirstName", "Zoë"}}};
  std::string text = "¡Hola {!Contact.FirstName}! 😀👍🏽 — naïve { ! } {x} !{ \r\n\ttab";
  CHECK(Render(text, v) == "¡Hola Zoë! 😀👍🏽 — naïve { ! } {x} !{ \r\n\ttab");
  CHECK(Render("", v).empty());
  CHECK(Render("no fields at all", v) == "no fields at all");
}

TEST_CASE("invalid UTF-8 is refused with its position", "[template]") {
  CHECK(CompileError("ok \xC3") == "line 1, column 4: invalid UTF-8");
  CHECK(CompileError("a\xFF b") == "line 1, column 2: invalid UTF-8");
}

TEST_CASE("any-object templates allow only Recipient and engine variables", "[template]") {
  TemplateScope any;
  any.record_fields = {"FirstName"};
  CHECK(Template::Compile("{!Recipient.FirstName} {!Notification.ContactPoint}", any).ok());
  CHECK(CompileError("{!Contact.FirstName}", any) ==
        "line 1, column 1: merge field Contact.FirstName names object Contact but this template is "
        "for any "
        "object (use Recipient.FirstName)");
}

TEST_CASE("limits bound the work on hostile input", "[template][fuzz]") {
  TemplateScope scope = ContactScope();
  scope.limits.max_bytes = 1000;
  scope.limits.max_merge_fields = 3;
  CHECK(CompileError(std::string(1001, 'a'), scope) == "template is 1001 bytes; the limit is 1000");
  CHECK(CompileError("{!Sender.Name}{!Sender.Name}{!Sender.Name}{!Sender.Name}", scope) ==
        "line 1, column 43: more than 3 merge fields");
  // A very long identifier is refused rather than echoed at length.
  std::string long_name = "{!Contact." + std::string(5000, 'x') + "}";
  CHECK(CompileError(long_name).find("expected a field name") != std::string::npos);
  // Deep nesting of openers is linear work and an error, not a crash.
  std::string openers;
  for (int i = 0; i < 20000; ++i) openers += "{!";
  CHECK_FALSE(Template::Compile(openers, ContactScope()).ok());
}

TEST_CASE("random and mutated inputs never crash the compiler", "[template][fuzz]") {
  std::mt19937 rng(12345);
  const std::string alphabet =
      "{}!.,\"'\\ \tContactFirstNameSenderRecipient\n\xC3\xA9\xF0\x9F\x98\x80xyz";
  const std::string seed = R"(Hi {!Contact.FirstName, "th\"ere"} from {!Sender.Name}!)";
  int compiled = 0;
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    if (round % 2 == 0) {
      std::uniform_int_distribution<size_t> len(0, 80), pick(0, alphabet.size() - 1);
      for (size_t n = len(rng); n > 0; --n) text.push_back(alphabet[pick(rng)]);
    } else {
      text = seed;
      std::uniform_int_distribution<size_t> pos(0, text.size() - 1), pick(0, alphabet.size() - 1);
      for (int edits = 0; edits < 3; ++edits) text[pos(rng)] = alphabet[pick(rng)];
    }
    auto t = Template::Compile(text, ContactScope());
    if (t.ok()) {
      ++compiled;
      (void)t->Render([](const MergeField&) { return std::optional<std::string>("v"); });
    } else {
      CHECK(t.status().message().rfind("line ", 0) == 0);
    }
  }
  CHECK(compiled > 0);
}
