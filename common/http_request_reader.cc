#include "common/http_request_reader.h"

#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

namespace sfn::http {

namespace bhttp = boost::beast::http;

namespace {
std::string_view View(boost::beast::string_view s) {
  return {s.data(), s.size()};
}
}  // namespace

struct RequestReader::Parser {
  bhttp::request_parser<bhttp::string_body> parser;
};

RequestReader::RequestReader(const ServerLimits& limits) : limits_(limits) {
  Reset();
}

RequestReader::~RequestReader() = default;

void RequestReader::Reset() {
  parser_ = std::make_unique<Parser>();
  parser_->parser.header_limit(
      static_cast<std::uint32_t>(std::min<size_t>(limits_.max_header_bytes, UINT32_MAX)));
  parser_->parser.body_limit(limits_.max_body_bytes);
  parser_->parser.eager(true);
  state_ = State::kHeader;
  error_status_ = 0;
  error_message_.clear();
  expects_continue_ = false;
  keep_alive_ = false;
}

void RequestReader::Fail(int status, std::string message) {
  state_ = State::kError;
  error_status_ = status;
  error_message_ = std::move(message);
}

std::string RequestReader::HeadersTooLarge() const {
  return "request headers too large: request line and headers exceed " +
         std::to_string(limits_.max_header_bytes) + " bytes";
}

size_t RequestReader::Feed(std::string_view data) {
  if (state_ == State::kComplete || state_ == State::kError) return 0;
  auto& p = parser_->parser;
  size_t used = 0;
  while (!p.is_done()) {
    boost::beast::error_code ec;
    size_t n = p.put(boost::asio::buffer(data.data() + used, data.size() - used), ec);
    used += n;
    if (ec == bhttp::error::need_more) break;
    if (ec == bhttp::error::header_limit) {
      Fail(431, HeadersTooLarge());
      return used;
    }
    if (ec == bhttp::error::body_limit) {
      Fail(413, "request body too large: more than " + std::to_string(limits_.max_body_bytes) +
                    " bytes");
      return used;
    }
    if (ec) {
      Fail(400, "malformed request: " + ec.message());
      return used;
    }
    if (n == 0) break;
  }
  if (p.is_header_done() && state_ == State::kHeader) {
    state_ = State::kBody;
    const auto& header = p.get();
    keep_alive_ = header.keep_alive();
    auto expect = header[bhttp::field::expect];
    expects_continue_ = header.version() >= 11 && expect.size() == 12 &&
                        EqualsIgnoreCase(View(expect), "100-continue");
  }
  if (p.is_done()) {
    state_ = State::kComplete;
    return used;
  }
  // What the parser did not take it needs again with more bytes: a partial request line,
  // header block, chunk-size line or trailer. Beast bounds the header block itself; chunk
  // lines and trailers are bounded here.
  if (data.size() - used > limits_.max_header_bytes) {
    if (state_ == State::kHeader) {
      Fail(431, HeadersTooLarge());
    } else {
      Fail(400, "malformed request: chunk header or trailer longer than " +
                    std::to_string(limits_.max_header_bytes) + " bytes");
    }
  }
  return used;
}

Request RequestReader::TakeRequest() {
  Request request;
  auto message = parser_->parser.release();
  request.method = std::string(message.method_string());
  SplitTarget(View(message.target()), &request.path, &request.query);
  for (const auto& field : message)
    request.headers.Add(std::string(field.name_string()), std::string(field.value()));
  request.body = std::move(message.body());
  return request;
}

}  // namespace sfn::http
