// tests/llm/proposer_test.cc — the model as the search's proposer, against the project's test
// server: a reply with a program becomes the answer, a reply that is not one and a server error
// are rejections with their reasons, every exchange is kept with its outcome, budgets stop the
// requests (no request is sent once spent), the prompt shows the parent, the history and the
// allowed operations, and a run of proposals recorded to a cassette replays without a server.
#include "llm/proposer.h"

#include <gtest/gtest.h>

#include "core/error.h"
#include "lang/reference.h"
#include "lang/text.h"
#include "llm/cassette.h"
#include "search/run_config.h"
#include "fake_server.h"

namespace ouro::llm {
namespace {

using ouro_test::FakeServer;
using ouro_test::Script;

ServerConfig Config(const std::string& url) { return ouro_test::TestServerConfig(url, 0); }

search::SearchSpace Space() {
  search::EvolutionConfig c = search::DefaultRunConfig().evolution;
  c.Compile();
  return c.compiled.space;
}

const PromptTemplate& Prompt() {
  static const PromptTemplate t = PromptTemplate::Load(std::string(OURO_SOURCE_DIR) + "/prompts/program.txt");
  return t;
}

const lang::Program& Learner() {
  static const lang::Program p = lang::Parse(*lang::ReferenceProgram("linear_regression"));
  return p;
}

std::vector<search::ProposalRequest> Requests(int n) {
  std::vector<search::ProposalRequest> out;
  for (int i = 0; i < n; ++i) out.push_back({100 + i, {&Learner(), 0.5 + 0.1 * i}, {{&Learner(), 0.9}}});
  return out;
}

std::string Fenced(const lang::Program& p) { return "Here it is:\n```\n" + lang::Print(p) + "```\n"; }

TEST(LlmProposer, RepliesBecomeProgramsOrRejectionsWithTheirReasons) {
  FakeServer server(Script{{{"content", Fenced(Learner())}},
                           {{"content", "I would rather not."}},
                           {{"status", 500}},
                           {{"content", "```\ndef predict():\n  m0 = m0 + m0\n```"}}});
  LlmProposer p(std::make_unique<HttpBackend>(Config(server.url())), Config(server.url()), Prompt(), 4096);
  const auto answers = p.Propose(Requests(4), Space(), nullptr);
  ASSERT_EQ(answers.size(), 4u);
  ASSERT_TRUE(answers[0].program);
  EXPECT_EQ(lang::Print(*answers[0].program), lang::Print(Learner()));
  EXPECT_FALSE(answers[1].program);
  EXPECT_NE(answers[1].rejection.find("does not parse"), std::string::npos) << answers[1].rejection;
  EXPECT_EQ(answers[2].rejection, "no reply: HTTP 500");
  EXPECT_NE(answers[3].rejection.find("matrix_add"), std::string::npos) << answers[3].rejection;
  const std::vector<Exchange> ex = p.TakeExchanges();
  ASSERT_EQ(ex.size(), 4u);
  EXPECT_EQ(ex[0].individual, 100);
  EXPECT_EQ(ex[0].program, lang::Print(Learner()));
  EXPECT_EQ(ex[2].outcome.status, 500);
  EXPECT_EQ(ex[3].rejection, answers[3].rejection);
  EXPECT_TRUE(p.TakeExchanges().empty());  // taken once
  EXPECT_EQ(p.usage().requests, 4);
  EXPECT_EQ(p.usage().failed, 1);
  EXPECT_EQ(p.usage().prompt_tokens, 3 * 11);  // the test server reports 11 + 7 per reply
  EXPECT_EQ(p.usage().completion_tokens, 3 * 7);
  EXPECT_EQ(server.Requests().size(), 4u);
}

TEST(LlmProposer, ASpentBudgetSendsNoFurtherRequest) {
  FakeServer server(Script{{{"content", Fenced(Learner())}}, {{"content", Fenced(Learner())}}});
  LlmBudget budget;
  budget.max_completion_tokens = 14;  // two replies of 7
  budget.cost_per_prompt_token = 0.5;
  LlmProposer p(std::make_unique<HttpBackend>(Config(server.url())), Config(server.url()), Prompt(), 4096, budget);
  const auto answers = p.Propose(Requests(3), Space(), nullptr);
  EXPECT_TRUE(answers[0].program);
  EXPECT_TRUE(answers[1].program);
  EXPECT_EQ(answers[2].rejection, "llm budget spent: completion tokens");
  EXPECT_EQ(server.Requests().size(), 2u);
  EXPECT_DOUBLE_EQ(p.usage().cost, 2 * 11 * 0.5);
  LlmBudget requests;
  requests.max_requests = 1;
  LlmProposer q(std::make_unique<HttpBackend>(Config(server.url())), Config(server.url()), Prompt(), 4096, requests);
  EXPECT_EQ(q.Propose(Requests(2), Space(), nullptr)[1].rejection, "llm budget spent: requests");
}

TEST(LlmProposer, ThePromptShowsTheParentTheHistoryAndTheAllowedOperations) {
  const auto values = PromptValues(Requests(1)[0], Space());
  EXPECT_NE(values.at("parents").find("fitness 0.500000"), std::string::npos);
  EXPECT_NE(values.at("parents").find(lang::Print(Learner())), std::string::npos);
  EXPECT_NE(values.at("history").find("fitness 0.900000"), std::string::npos);
  EXPECT_NE(values.at("operations").find("dot(v1, v2)"), std::string::npos) << values.at("operations");
  EXPECT_EQ(values.at("operations").find("m1 ="), std::string::npos);  // no matrix op in the demo space
  EXPECT_EQ(values.at("dim"), "4");
  const ChatRequest filled = Prompt().Fill(values);
  EXPECT_NE(filled.user.find("fitness 0.500000"), std::string::npos);
  EXPECT_FALSE(filled.system.empty());
}

TEST(LlmProposer, RecordedProposalsReplayWithoutAServer) {
  std::vector<search::ProposalAnswer> live;
  std::string path;
  {
    FakeServer server(Script{{{"content", Fenced(Learner())}}, {{"status", 503}}, {{"content", "no"}}});
    path = (std::filesystem::temp_directory_path() / ("ouro_proposer_" + std::to_string(getpid()) + ".jsonl")).string();
    std::filesystem::remove(path);
    const ServerConfig c = Config(server.url());
    LlmProposer p(std::make_unique<RecordingBackend>(std::make_unique<HttpBackend>(c), c, path), c, Prompt(), 4096);
    live = p.Propose(Requests(3), Space(), nullptr);
  }  // the server is gone
  const ServerConfig c = Config("http://127.0.0.1:9/v1");
  LlmProposer replay(std::make_unique<ReplayBackend>(Cassette::Load(path), c), c, Prompt(), 4096);
  const auto again = replay.Propose(Requests(3), Space(), nullptr);
  ASSERT_EQ(again.size(), live.size());
  for (size_t i = 0; i < live.size(); ++i) {
    EXPECT_EQ(again[i].rejection, live[i].rejection) << i;
    EXPECT_EQ(again[i].program.has_value(), live[i].program.has_value()) << i;
  }
  EXPECT_TRUE(again[0].program);
  EXPECT_EQ(again[1].rejection, "no reply: HTTP 503");
  // A request the cassette does not hold is not a replay.
  auto other = Requests(4);
  EXPECT_THROW(replay.Propose({other[3]}, Space(), nullptr), Error);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace ouro::llm
