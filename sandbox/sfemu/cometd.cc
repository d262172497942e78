// Placeholder until the CometD endpoint lands: every request is refused.
#include "sandbox/sfemu/cometd.h"

namespace sfemu {

struct CometdEndpoint::Impl {};

CometdEndpoint::CometdEndpoint(EventBus&, CometdOptions) : impl_(std::make_unique<Impl>()) {}
CometdEndpoint::~CometdEndpoint() = default;

void CometdEndpoint::Handle(sfn::http::Request&&, sfn::http::Responder responder, const AuthInfo&) {
  responder.Send(sfn::http::JsonResponse(501, R"([{"successful":false,"error":"501::not implemented yet"}])"));
}

void CometdEndpoint::DropAllSessions() {}
void CometdEndpoint::Shutdown() {}
size_t CometdEndpoint::ActiveClients() const { return 0; }

}  // namespace sfemu
