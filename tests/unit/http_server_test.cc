// The HTTP server seam (common/http_server.h) in-process: plain and TLS listeners
// answer through the project's own client, and a Responder kept by a handler (as
// CometD long-polls keep theirs) answers later from another thread.
#include "common/http_server.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "common/http_client.h"
#include "support/test_env.h"

namespace sfn::http {

TEST_CASE("http server: TLS listener serves HTTPS with the given certificate", "[http]") {
  ServerOptions options;
  options.tls.certificate_chain_file = test::SourceDir() + "/sandbox/certs/sfemu-demo.crt";
  options.tls.private_key_file = test::SourceDir() + "/sandbox/certs/sfemu-demo.key";
  Server server(options, [](Request&& request, Responder responder) {
    responder.Send(JsonResponse(200, "{\"path\":\"" + request.path + "\"}"));
  });
  REQUIRE(server.Start().ok());
  CHECK(server.base_url().rfind("https://127.0.0.1:", 0) == 0);
  ClientOptions client_options;
  client_options.verify_tls = false;  // the demo certificate is self-signed
  Client client(server.base_url(), client_options);
  Request request;
  request.path = "/over-tls";
  auto r = client.Send(request);
  INFO((r.ok() ? "" : r.status().message()));
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(r->body == "{\"path\":\"/over-tls\"}");

  ServerOptions broken = options;
  broken.tls.private_key_file = test::SourceDir() + "/no-such-key.pem";
  Server bad(broken, [](Request&&, Responder) {});
  auto s = bad.Start();
  CHECK_FALSE(s.ok());
  CHECK(s.message().find("TLS private key") != std::string::npos);
}

TEST_CASE("http server: a kept Responder answers later from another thread", "[http]") {
  std::vector<std::thread> later;
  Server server(ServerOptions{}, [&later](Request&&, Responder responder) {
    later.emplace_back([responder] {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      responder.Send(TextResponse(200, "late"));
      responder.Send(TextResponse(500, "ignored"));  // only the first Send counts
    });
  });
  REQUIRE(server.Start().ok());
  Client client(server.base_url());
  Request request;
  auto r = client.Send(request);
  REQUIRE(r.ok());
  CHECK(r->status == 200);
  CHECK(r->body == "late");
  for (auto& t : later) t.join();
  server.Stop();
  server.Stop();  // twice is fine
}

}  // namespace sfn::http
