// tests/llm/cassette_test.cc — recording every exchange (failures included) to a cassette and
// replaying the run from it without a server: the same requests in the same order get the same
// outcomes, the same request asked twice gets its two answers, a request the cassette does not
// hold is an error, the key never reaches the file, and a torn last line is tolerated.
#include "llm/cassette.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>

#include "core/error.h"
#include "fake_server.h"
#include "oversight/audit.h"

namespace ouro::llm {
namespace {

using ouro_test::FakeServer;
using ouro_test::Script;

ServerConfig Config(const std::string& url) { return ouro_test::TestServerConfig(url, 1); }

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(Cassette, ARecordedRunReplaysWithoutAServer) {
  FakeServer server(Script{{{"content", "first answer"}},
                     {{"status", 500}},
                     {{"status", 500}},
                     {{"content", "second answer"}},
                     {{"body", "{not json"}}});
  const ServerConfig c = Config(server.url());
  const std::string path = (server.dir() / "run.cassette.jsonl").string();
  const ChatRequest a{.system = "", .user = "question a", .context = "", .key = ""}, b{.system = "", .user = "question b", .context = "", .key = ""};
  std::vector<ChatOutcome> live;
  setenv(kApiKeyVariable, "sk-never-in-a-cassette", 1);
  {
    RecordingBackend rec(std::make_unique<HttpBackend>(c), c, path);
    live.push_back(rec.Complete(a, nullptr));  // "first answer"
    live.push_back(rec.Complete(b, nullptr));  // 500, 500 (retries exhausted)
    live.push_back(rec.Complete(a, nullptr));  // the same request again: "second answer"
    live.push_back(rec.Complete(b, nullptr));  // invalid JSON
  }
  unsetenv(kApiKeyVariable);
  EXPECT_EQ(live[0].content, "first answer");
  EXPECT_EQ(live[1].error, "HTTP 500");
  EXPECT_EQ(live[2].content, "second answer");
  EXPECT_EQ(live[3].error, "invalid JSON in the reply");
  EXPECT_EQ(Slurp(path).find("sk-never"), std::string::npos);

  const Cassette cassette = Cassette::Load(path);
  EXPECT_EQ(cassette.size(), 4u);
  ReplayBackend replay(cassette, c);
  for (int i = 0; i < 4; ++i) {
    const ChatOutcome got = replay.Complete(i % 2 == 0 ? a : b, nullptr);
    EXPECT_EQ(got.ToJson(), live[static_cast<size_t>(i)].ToJson()) << i;
  }
  // A fifth question was never asked in the recorded run.
  EXPECT_THROW(replay.Complete(a, nullptr), Error);
  // Another model (so another body) is another run.
  ServerConfig other = c;
  other.model = "other";
  EXPECT_THROW(ReplayBackend(cassette, other).Complete(a, nullptr), Error);
}

TEST(Cassette, KeysNumberTheSendingsOfOneBodyInEachContext) {
  const nlohmann::json body = {{"model", "m"}, {"messages", nlohmann::json::array()}};
  RequestCounter counter;
  EXPECT_EQ(counter.NextKey(body, ""), RequestKey(body, 0));
  EXPECT_EQ(counter.NextKey(body, "job 1"), RequestKey(body, 0, "job 1"));
  EXPECT_EQ(counter.NextKey(body, ""), RequestKey(body, 1));
  EXPECT_EQ(counter.NextKey(body, "job 1"), RequestKey(body, 1, "job 1"));
  EXPECT_NE(RequestKey(body, 0), RequestKey(body, 1));
  EXPECT_NE(RequestKey(body, 0), RequestKey(body, 0, "job 1"));
  EXPECT_EQ(RequestKey(body, 0).size(), 64u);
  // Without a context, the key cassettes were recorded with before contexts (the shipped ones).
  EXPECT_EQ(RequestKey(body, 1), oversight::Sha256Hex(body.dump() + "\n#1"));
}

// Jobs run in parallel ask in whatever order their threads get there: with a context each, a
// replay finds every answer in any other order.
TEST(Cassette, ExchangesOfContextsReplayInAnyOrder) {
  FakeServer server(Script{{{"content", "one"}}, {{"content", "two"}}, {{"content", "three"}}});
  const ServerConfig c = Config(server.url());
  const std::string path = (server.dir() / "jobs.cassette.jsonl").string();
  const ChatRequest a1{.system = "", .user = "q", .context = "job a", .key = ""}, b1{.system = "", .user = "q", .context = "job b", .key = ""};
  {
    RecordingBackend rec(std::make_unique<HttpBackend>(c), c, path);
    EXPECT_EQ(rec.Complete(a1, nullptr).content, "one");
    EXPECT_EQ(rec.Complete(b1, nullptr).content, "two");
    EXPECT_EQ(rec.Complete(a1, nullptr).content, "three");  // job a's second sending of q
  }
  EXPECT_NE(Slurp(path).find(R"("context":"job b")"), std::string::npos);
  ReplayBackend replay(Cassette::Load(path), c);
  EXPECT_EQ(replay.Complete(a1, nullptr).content, "one");
  EXPECT_EQ(replay.Complete(a1, nullptr).content, "three");
  EXPECT_EQ(replay.Complete(b1, nullptr).content, "two");
  EXPECT_THROW(replay.Complete(ChatRequest{.system = "", .user = "q", .context = "job c", .key = ""}, nullptr), Error);
}

// A caller that numbers its own sendings (a job's proposer) and asks a key again — the same job
// run again — gets the recorded outcome, without a request and without a second line; so does a
// run that continues its cassette (append).
TEST(Cassette, AKeyAskedAgainGetsItsRecordedOutcome) {
  FakeServer server(Script{{{"content", "first"}}, {{"content", "second"}}});
  const ServerConfig c = Config(server.url());
  const std::string path = (server.dir() / "again.cassette.jsonl").string();
  ChatRequest q{.system = "", .user = "q", .context = "job a", .key = ""};
  q.key = RequestKey(q.Body(c), 0, q.context);
  {
    RecordingBackend rec(std::make_unique<HttpBackend>(c), c, path);
    EXPECT_EQ(rec.Complete(q, nullptr).content, "first");
    EXPECT_EQ(rec.Complete(q, nullptr).content, "first");
  }
  RecordingBackend resumed(std::make_unique<HttpBackend>(c), c, path, /*append=*/true);
  EXPECT_EQ(resumed.Complete(q, nullptr).content, "first");
  EXPECT_EQ(Cassette::Load(path).size(), 1u);
  EXPECT_EQ(server.Requests().size(), 1u);
}

TEST(Cassette, ATornLastLineIsIgnoredAndABadLineIsAnError) {
  const std::string dir = ::testing::TempDir();
  ChatOutcome ok;
  ok.ok = true;
  ok.content = "x";
  ok.status = 200;
  ok.attempts = 1;
  const std::string line =
      nlohmann::json{{"key", "k1"}, {"request", {}}, {"outcome", ok.ToJson()}}.dump();
  const std::string torn = dir + "/torn.jsonl", bad = dir + "/bad.jsonl";
  std::ofstream(torn) << line << "\n" << line.substr(0, 20);
  const Cassette c = Cassette::Load(torn);
  EXPECT_EQ(c.size(), 1u);
  EXPECT_EQ(c.torn_lines(), 1);
  ASSERT_NE(c.Find("k1"), nullptr);
  EXPECT_EQ(c.Find("k1")->content, "x");
  EXPECT_EQ(c.Find("k2"), nullptr);
  std::ofstream(bad) << "{\"key\": \"k\"}\n" << line << "\n";
  try {
    Cassette::Load(bad);
    ADD_FAILURE() << "a line without an outcome was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.jsonl:1: not a cassette line"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(Cassette::Load(dir + "/missing.jsonl"), Error);
}

}  // namespace
}  // namespace ouro::llm
