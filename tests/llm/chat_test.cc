// tests/llm/chat_test.cc — the chat-completions client against the project's own test server: a
// normal reply with its usage, retries after 429 (Retry-After) and 500, a slow reply cut by the
// timeout, a truncated body, invalid JSON and a reply without a message (not retried), a server
// that is not there, the API key sent but never logged, and bad configs refused.
#include "llm/chat.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "core/error.h"
#include "fake_server.h"

namespace ouro::llm {
namespace {

using ouro_test::FakeServer;
using ouro_test::Script;

ServerConfig Config(const FakeServer& s) {
  ServerConfig c = ouro_test::TestServerConfig(s.url(), ServerConfig{}.retries);
  c.model = "test-model";
  return c;
}

ChatRequest Ask() { return ChatRequest{.system = "be brief", .user = "a program, please", .context = "", .key = ""}; }

TEST(HttpBackend, ANormalReplyGivesTheMessageAndTheUsage) {
  FakeServer server(Script{{{"content", "def predict():\n  s1 = s0\n"}}});
  ASSERT_GT(server.port(), 0);
  HttpBackend backend(Config(server));
  const ChatOutcome out = backend.Complete(Ask(), nullptr);
  ASSERT_TRUE(out.ok) << out.error;
  EXPECT_EQ(out.content, "def predict():\n  s1 = s0\n");
  EXPECT_EQ(out.status, 200);
  EXPECT_EQ(out.attempts, 1);
  EXPECT_EQ(out.prompt_tokens, 11);
  EXPECT_EQ(out.completion_tokens, 7);
  const std::vector<nlohmann::json> got = server.Requests();
  ASSERT_EQ(got.size(), 1u);
  const nlohmann::json body = nlohmann::json::parse(got[0]["body"].get<std::string>());
  EXPECT_EQ(body, Ask().Body(Config(server)));  // the canonical body, as sent
  EXPECT_EQ(body["model"], "test-model");
  EXPECT_EQ(body["messages"][0]["role"], "system");
  EXPECT_EQ(body["messages"][1]["content"], "a program, please");
}

TEST(HttpBackend, RetriesAfter429And500ThenSucceeds) {
  FakeServer server(Script{{{"status", 429}, {"retry_after", "0"}},
                     {{"status", 500}},
                     {{"content", "ok"}}});
  HttpBackend backend(Config(server));
  const ChatOutcome out = backend.Complete(Ask(), nullptr);
  ASSERT_TRUE(out.ok) << out.error;
  EXPECT_EQ(out.attempts, 3);
  EXPECT_EQ(server.Requests().size(), 3u);
}

TEST(HttpBackend, GivesUpAfterItsRetriesWithTheLastStatus) {
  FakeServer server(Script{{{"status", 503}}});
  ServerConfig c = Config(server);
  c.retries = 2;
  const ChatOutcome out = HttpBackend(c).Complete(Ask(), nullptr);
  EXPECT_FALSE(out.ok);
  EXPECT_EQ(out.error, "HTTP 503");
  EXPECT_EQ(out.status, 503);
  EXPECT_EQ(out.attempts, 3);
  // A status that is not worth retrying (400) is final at once.
  FakeServer bad(Script{{{"status", 400}}});
  const ChatOutcome once = HttpBackend(Config(bad)).Complete(Ask(), nullptr);
  EXPECT_EQ(once.error, "HTTP 400");
  EXPECT_EQ(once.attempts, 1);
}

TEST(HttpBackend, ASlowReplyTimesOutAndIsRetried) {
  FakeServer server(Script{{{"delay_ms", 1500}, {"content", "late"}}, {{"content", "in time"}}});
  ServerConfig c = Config(server);
  c.timeout_seconds = 0.3;
  c.retries = 1;
  const ChatOutcome out = HttpBackend(c).Complete(Ask(), nullptr);
  EXPECT_TRUE(out.ok) << out.error;
  EXPECT_EQ(out.content, "in time");
  EXPECT_EQ(out.attempts, 2);
  FakeServer slow(Script{{{"delay_ms", 1500}, {"content", "late"}}});
  ServerConfig once = Config(slow);
  once.timeout_seconds = 0.3;
  once.retries = 0;
  const ChatOutcome late = HttpBackend(once).Complete(Ask(), nullptr);
  EXPECT_FALSE(late.ok);
  EXPECT_EQ(late.status, 0);
  EXPECT_NE(late.error.find("timed out"), std::string::npos) << late.error;
}

TEST(HttpBackend, ATruncatedBodyIsAFailedExchange) {
  FakeServer server(Script{{{"truncate", true}, {"content", std::string(2000, 'x')}}});
  ServerConfig c = Config(server);
  c.retries = 1;
  const ChatOutcome out = HttpBackend(c).Complete(Ask(), nullptr);
  EXPECT_FALSE(out.ok);
  EXPECT_EQ(out.attempts, 2);  // a transport failure is retried
  EXPECT_EQ(server.Requests().size(), 2u);
}

TEST(HttpBackend, InvalidJsonAndMissingMessagesAreFinalFailures) {
  FakeServer server(Script{{{"body", "{not json"}}, {{"body", "{\"choices\": []}"}},
                     {{"body", "{\"choices\": [{\"message\": {\"role\": \"assistant\"}}]}"}}});
  HttpBackend backend(Config(server));
  const ChatOutcome a = backend.Complete(Ask(), nullptr);
  EXPECT_EQ(a.error, "invalid JSON in the reply");
  EXPECT_EQ(a.attempts, 1);
  EXPECT_EQ(backend.Complete(Ask(), nullptr).error, "the reply has no choices");
  EXPECT_EQ(backend.Complete(Ask(), nullptr).error,
            "the reply's first choice has no message content");
}

TEST(HttpBackend, ATooLongReplyIsRefused) {
  FakeServer server(Script{{{"content", std::string(5000, 'y')}}});
  ServerConfig c = Config(server);
  c.max_reply_bytes = 1000;
  const ChatOutcome out = HttpBackend(c).Complete(Ask(), nullptr);
  EXPECT_FALSE(out.ok);
  EXPECT_NE(out.error.find("reply too long"), std::string::npos) << out.error;
}

TEST(HttpBackend, NoServerIsAFailedExchangeNotAnError) {
  int port = 0;
  {
    FakeServer gone(Script{{{"content", "x"}}});
    port = gone.port();
  }  // ended: nothing listens there now
  ServerConfig c;
  c.base_url = "http://127.0.0.1:" + std::to_string(port) + "/v1";
  c.retries = 1;
  c.backoff_seconds = 0;
  const ChatOutcome out = HttpBackend(c).Complete(Ask(), nullptr);
  EXPECT_FALSE(out.ok);
  EXPECT_EQ(out.error, "cannot connect to the server");
  EXPECT_EQ(out.attempts, 2);
}

TEST(HttpBackend, TheApiKeyIsSentAsABearerTokenOnlyFromTheEnvironment) {
  FakeServer server(Script{{{"content", "x"}}});
  unsetenv(kApiKeyVariable);
  HttpBackend backend(Config(server));
  backend.Complete(Ask(), nullptr);
  setenv(kApiKeyVariable, "sk-test-secret", 1);
  backend.Complete(Ask(), nullptr);
  unsetenv(kApiKeyVariable);
  const std::vector<nlohmann::json> got = server.Requests();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0]["authorized"], false);
  EXPECT_EQ(got[1]["authorized"], true);
  EXPECT_EQ(got[1]["body"].get<std::string>().find("sk-test-secret"), std::string::npos);
}

TEST(ServerConfig, BadValuesAreRefused) {
  const auto refused = [](auto change) {
    ServerConfig c;
    change(c);
    EXPECT_THROW(c.Validate(), Error);
  };
  refused([](ServerConfig& c) { c.base_url = "ftp://host/v1"; });
  refused([](ServerConfig& c) { c.model = ""; });
  refused([](ServerConfig& c) { c.temperature = -1; });
  refused([](ServerConfig& c) { c.max_tokens = 0; });
  refused([](ServerConfig& c) { c.timeout_seconds = 0; });
  refused([](ServerConfig& c) { c.retries = -1; });
  ServerConfig no_host;
  no_host.base_url = "http:///v1";
  EXPECT_THROW(HttpBackend{no_host}, Error);
  EXPECT_NO_THROW(ServerConfig{}.Validate());
}

}  // namespace
}  // namespace ouro::llm
