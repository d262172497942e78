#include <catch2/catch.hpp>

#include "salesforce/api_error.h"

using namespace sfn;
using namespace sfn::salesforce;

TEST_CASE("REST error arrays parse into typed errors", "[api_error]") {
  auto errors = ParseApiErrors(
      400,
      R"([{"message":"Subject: data value too large","errorCode":"STRING_TOO_LONG","fields":["Subject"]}])");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].http_status == 400);
  CHECK(errors[0].error_code == "STRING_TOO_LONG");
  CHECK(errors[0].fields == std::vector<std::string>{"Subject"});
  CHECK(CategoryFor(errors[0]) == StatusCode::kPermanent);
}

TEST_CASE("OAuth error bodies parse into typed errors", "[api_error]") {
  auto errors =
      ParseApiErrors(400, R"({"error":"invalid_grant","error_description":"audience is invalid"})");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].error_code == "invalid_grant");
  CHECK(errors[0].message == "audience is invalid");
  CHECK(CategoryFor(errors[0]) == StatusCode::kUnauthenticated);
  CHECK(ParseApiErrors(500, "<html>oops</html>").empty());
}

TEST_CASE("categories follow what the caller must do", "[api_error]") {
  CHECK(CategoryFor({401, "INVALID_SESSION_ID", "", {}}) == StatusCode::kUnauthenticated);
  CHECK(CategoryFor({403, "REQUEST_LIMIT_EXCEEDED", "", {}}) == StatusCode::kRateLimited);
  CHECK(CategoryFor({400, "UNABLE_TO_LOCK_ROW", "", {}}) == StatusCode::kUnavailable);
  CHECK(CategoryFor({503, "SERVER_UNAVAILABLE", "", {}}) == StatusCode::kUnavailable);
  CHECK(CategoryFor({404, "NOT_FOUND", "", {}}) == StatusCode::kNotFound);
  CHECK(CategoryFor({500, "UNKNOWN_EXCEPTION", "", {}}) == StatusCode::kUnknownOutcome);
  CHECK(CategoryFor({400, "INVALID_FIELD", "", {}}) == StatusCode::kInvalidArgument);
  CHECK(IsRetryableError({400, "unknown_error", "", {}}));
  CHECK(IsRetryableError({502, "http_502", "", {}}));
  CHECK_FALSE(IsRetryableError({500, "UNKNOWN_EXCEPTION", "", {}}));
  CHECK_FALSE(IsRetryableError({403, "REQUEST_LIMIT_EXCEEDED", "", {}}));
}

TEST_CASE("ApiError survives the trip through a Status", "[api_error]") {
  ApiError e{400,
             "REQUIRED_FIELD_MISSING",
             "Required fields are missing: [LastName, Company]",
             {"LastName", "Company"}};
  Status s = ToStatus(e);
  CHECK(s.code() == StatusCode::kInvalidArgument);
  CHECK(s.message().find("REQUIRED_FIELD_MISSING") != std::string::npos);
  auto back = ApiError::From(s);
  REQUIRE(back);
  CHECK(back->http_status == 400);
  CHECK(back->error_code == e.error_code);
  CHECK(back->message == e.message);
  CHECK(back->fields == e.fields);
  CHECK_FALSE(ApiError::From(Status::Unavailable("connection refused")));
  CHECK_FALSE(ApiError::From(Status::Ok()));
}
