// The store's two-way sync parts on their own: the opt-out write-back queue,
// conversations and their pages, and early status events that never find
// their message.
#include <SQLiteCpp/SQLiteCpp.h>

#include <catch2/catch.hpp>

#include "common/time_util.h"
#include "connector/outbox/store.h"
#include "support/test_env.h"

using namespace sfn::connector;

namespace {

std::unique_ptr<Store> Open(const sfn::test::TempDir& dir) {
  auto store = OpenSqliteStore({dir.File("store.sqlite")});
  REQUIRE(store.ok());
  return std::move(store.value());
}

InboundMessage Reply(const std::string& sid, int64_t recipient_id, const std::string& body) {
  InboundMessage m;
  m.sid = sid;
  m.from = "+14155550100";
  m.to = "+15005550006";
  m.body = body;
  m.contact_point = "Main";
  m.kind = "reply";
  m.recipient_id = recipient_id;
  m.at_ms = sfn::timeutil::NowMillis();
  return m;
}

std::vector<std::string> Bodies(const Conversation& c) {
  std::vector<std::string> out;
  for (const auto& m : c.messages) out.push_back(m.body);
  return out;
}

}  // namespace

TEST_CASE("suppression changes queue one write-back each, only when they change something",
          "[store][sync]") {
  sfn::test::TempDir dir;
  auto store = Open(dir);
  REQUIRE(store->AddSuppression("+14155550100", "Main", "stop_reply").ok());
  REQUIRE(store->AddSuppression("+14155550100", "Main", "stop_reply")
              .ok());  // already there: no change
  REQUIRE(store->AddSuppression("+14155550100", "Alerts", "stop_reply").ok());
  REQUIRE(store->RemoveSuppression("+14155550100", "Main").ok());
  REQUIRE(store->RemoveSuppression("+14155550199", "Main").ok());  // never suppressed: no change
  auto queued = store->PendingOptOutSyncs(10);
  REQUIRE(queued.size() == 3);
  CHECK((queued[0].contact_point == "Main" && queued[0].opted_out));
  CHECK((queued[1].contact_point == "Alerts" && queued[1].opted_out));
  CHECK((queued[2].contact_point == "Main" && !queued[2].opted_out));
  REQUIRE(store->CompleteOptOutSync(queued[0].id).ok());
  CHECK(store->PendingOptOutSyncs(10).size() == 2);
  CHECK(store->Suppressions() ==
        std::vector<std::pair<std::string, std::string>>{{"+14155550100", "Alerts"}});
}

TEST_CASE("conversations: one per recipient, newest activity first, keywords left out, paged",
          "[store][sync]") {
  sfn::test::TempDir dir;
  auto store = Open(dir);
  REQUIRE(store->RecordInbound(Reply("SM1", 11, "first from 11")).value());
  REQUIRE(store->RecordInbound(Reply("SM2", 22, "first from 22")).value());
  REQUIRE(store->RecordInbound(Reply("SM3", 11, "second from 11")).value());
  auto help = Reply("SM4", 22, "HELP");
  help.kind = "help";
  REQUIRE(store->RecordInbound(help).value());
  auto stranger = Reply("SM5", 0, "who is this");
  stranger.kind = "unmatched";
  REQUIRE(store->RecordInbound(stranger).value());
  CHECK_FALSE(store->RecordInbound(Reply("SM3", 11, "second from 11")).value());  // redelivered
  CHECK(store->InboundSeen("SM3"));

  auto all = store->Conversations(10, 0);
  REQUIRE(all.size() == 2);
  CHECK(all[0].recipient_id == 11);
  CHECK(Bodies(all[0]) == std::vector<std::string>{"first from 11", "second from 11"});
  CHECK(all[1].recipient_id == 22);
  CHECK(Bodies(all[1]) == std::vector<std::string>{"first from 22"});

  auto page1 = store->Conversations(1, 0);
  REQUIRE(page1.size() == 1);
  CHECK(page1[0].recipient_id == 11);
  auto page2 = store->Conversations(1, page1[0].messages.back().id);
  REQUIRE(page2.size() == 1);
  CHECK(page2[0].recipient_id == 22);
  CHECK(store->Conversations(1, page2[0].messages.back().id).empty());
}

TEST_CASE("status events for a SID never recorded are dropped after a week", "[store][sync]") {
  sfn::test::TempDir dir;
  auto store = Open(dir);
  CHECK_FALSE(
      store->ApplyGatewayStatus("SMnever", RecipientState::kDelivered, 0, "delivered").value());
  {
    // Age that event by eight days, as if its message never turned up.
    SQLite::Database db(dir.File("store.sqlite"), SQLite::OPEN_READWRITE);
    db.exec("UPDATE early_statuses SET at_ms = at_ms - " +
            std::to_string(int64_t{8} * 24 * 3600 * 1000));
  }
  CHECK_FALSE(store->ApplyGatewayStatus("SMother", RecipientState::kSent, 0, "sent").value());
  SQLite::Database db(dir.File("store.sqlite"), SQLite::OPEN_READONLY);
  SQLite::Statement q(db, "SELECT sid FROM early_statuses ORDER BY id");
  std::vector<std::string> kept;
  while (q.executeStep()) kept.push_back(q.getColumn(0).getString());
  CHECK(kept == std::vector<std::string>{"SMother"});
}

TEST_CASE("webhook inbox: duplicates, due order, retries, progress, finish and reopen",
          "[store][inbox]") {
  sfn::test::TempDir dir;
  int64_t now = sfn::timeutil::NowMillis();
  {
    auto store = Open(dir);
    WebhookItem a{0, "twilio_inbound", "SM1", "MessageSid=SM1", now, 0, "", ""};
    WebhookItem b{
        0, "twilio_status", "SM1 delivered", "MessageSid=SM1&MessageStatus=delivered", now, 0, "",
        ""};
    REQUIRE(store->EnqueueWebhook(a).value());
    CHECK_FALSE(store->EnqueueWebhook(a).value());  // same source and key: a copy
    REQUIRE(store->EnqueueWebhook(b).value());
    WebhookItem other_status = b;
    other_status.key = "SM1 sent";
    REQUIRE(store->EnqueueWebhook(other_status)
                .value());  // another status of the same SID is not a copy
    auto due = store->DueWebhooks(now, 10);
    REQUIRE(due.size() == 3);
    CHECK(due[0].key == "SM1");  // arrival order
    CHECK(due[0].payload == "MessageSid=SM1");
    REQUIRE(store->SetWebhookProgress(due[0].id, "applied").ok());
    REQUIRE(store->RetryWebhook(due[0].id, now + 60000, "Salesforce down").ok());
    REQUIRE(store->FinishWebhooks({{due[1].id, "done"}, {due[2].id, "done"}}).ok());
    CHECK(store->DueWebhooks(now, 10).empty());  // the retried one is not due yet
    CHECK(store->PendingWebhooks() == 1);
  }
  // A restart (a new connection to the same file) finds what is left, with its progress.
  auto store = Open(dir);
  auto later = store->DueWebhooks(now + 60000, 10);
  REQUIRE(later.size() == 1);
  CHECK(later[0].progress == "applied");
  CHECK(later[0].attempts == 1);
  CHECK(later[0].last_error == "Salesforce down");
  // Finished items still make copies duplicates.
  CHECK_FALSE(
      store->EnqueueWebhook({0, "twilio_status", "SM1 delivered", "x", now, 0, "", ""}).value());
  REQUIRE(store->FinishWebhooks({{later[0].id, "bad payload"}}).ok());
  CHECK(store->PendingWebhooks() == 0);
}
