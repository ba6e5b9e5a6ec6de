// `ouro search --llm-replay` and `ouro rsi --llm-replay` (issue 19): the shipped demo configs run
// offline from the cassettes in the repo (recorded against the project's test server), twice to
// the same run, with the model's exchanges stored (and, in rsi, hashed into the audit chain, and
// reproduced by `ouro replay`); the [llm] budget stops an rsi run between games; a cassette that is
// not the run's is an error that marks the run failed.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli_fixture.h"

namespace {

using ouro_test::CliFixture;
using ouro_test::Slurp;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

class LlmCli : public CliFixture {
 protected:
  std::string config_ = std::string(OURO_SOURCE_DIR) + "/configs/llm-demo.toml";
  std::string cassette_ = std::string(OURO_SOURCE_DIR) + "/configs/llm-demo.test-server.cassette.jsonl";
};

TEST_F(LlmCli, TheDemoReplaysOfflineFromTheShippedCassette) {
  const auto first = Run("search --config " + config_ + " --llm-replay " + cassette_ + " --db " + db_ + " --json --quiet");
  ASSERT_EQ(first.code, 0) << first.out;
  const auto a = nlohmann::json::parse(first.last_line);
  EXPECT_GT(a["model"]["requests"].get<int>(), 0);
  EXPECT_GT(a["model"]["programs"].get<int>(), 0);
  EXPECT_GT(a["model"]["rejections"].get<int>(), 0);
  EXPECT_EQ(a["model"]["exchanges"], a["model"]["requests"]);
  const auto second = Run("search --config " + config_ + " --llm-replay " + cassette_ + " --db " + db_ + " --json --quiet");
  ASSERT_EQ(second.code, 0) << second.out;
  const auto b = nlohmann::json::parse(second.last_line);
  for (const char* k : {"program", "fitness_search", "fitness_select", "individuals", "evaluations"}) EXPECT_EQ(a[k], b[k]) << k;
  EXPECT_EQ(a["model"]["reasons"], b["model"]["reasons"]);
  const auto text = Run("search --config " + config_ + " --llm-replay " + cassette_ + " --db " + db_);
  EXPECT_EQ(text.code, 0) << text.out;
  EXPECT_NE(text.out.find("model: "), std::string::npos) << text.out;
}

TEST_F(LlmCli, TheRsiDemoReplaysOfflineIntoTheAuditChainAndOuroReplayReproducesIt) {
  const std::string config = std::string(OURO_SOURCE_DIR) + "/configs/llm-rsi-demo.toml";
  const std::string cassette = std::string(OURO_SOURCE_DIR) + "/configs/llm-rsi-demo.test-server.cassette.jsonl";
  const auto run = Run("rsi --config " + config + " --llm-replay " + cassette + " --db " + db_ + " --json --quiet");
  ASSERT_EQ(run.code, 0) << run.out;
  const auto summary = nlohmann::json::parse(run.last_line);
  EXPECT_EQ(summary["stop_reason"], "generations");
  EXPECT_EQ(summary["generations"], 3);
  // Every exchange listed in the chain, with its hash; the sealed test arena's in no budget.
  int listed = 0, test = 0;
  for (const std::string& line : Lines(Run("audit export 1 --db " + db_).out)) {
    const auto e = nlohmann::json::parse(line);
    if (e["type"] != "llm_exchanges") continue;
    for (const auto& x : e["content"]["exchanges"]) {
      EXPECT_EQ(x["seq"], listed++);
      EXPECT_EQ(x["sha256"].get<std::string>().size(), 64u);
      EXPECT_EQ(x["counted"], x["arena"] != "test");
      test += x["arena"] == "test";
    }
  }
  EXPECT_GT(listed, test);
  EXPECT_GT(test, 0);
  EXPECT_EQ(Run("audit verify 1 --db " + db_).code, 0);
  const auto replay = Run("replay 1 --db " + db_ + " --json --quiet");  // from the cassette it replayed
  ASSERT_EQ(replay.code, 0) << replay.out;
  EXPECT_EQ(nlohmann::json::parse(replay.last_line)["reproduced"], true) << replay.out;
  // The same run again: the same figures.
  const auto again = Run("rsi --config " + config + " --llm-replay " + cassette + " --db " + db_ + " --json --quiet");
  ASSERT_EQ(again.code, 0) << again.out;
  const auto b = nlohmann::json::parse(again.last_line);
  for (const char* k : {"final_improver", "adopted", "cumulative_evaluations", "capability_final"}) EXPECT_EQ(summary[k], b[k]) << k;
  // A budget of 5 requests stops the run at its last checkpoint, between games.
  std::string text = Slurp(config);
  const std::string was = "max_requests = 2000";
  text.replace(text.find(was), was.size(), "max_requests = 5");
  const std::string small = Write("small.toml", text);
  const auto stopped = Run("rsi --config " + small + " --llm-replay " + cassette + " --db " + db_ + " --json --quiet");
  EXPECT_EQ(stopped.code, 0) << stopped.out;
  EXPECT_EQ(nlohmann::json::parse(stopped.last_line)["stop_reason"], "budget: llm requests") << stopped.out;
}

// The oversight policy's model budget stops a run too, and its tripwires read the candidates' model
// metrics (here: one that fires whenever a candidate's games asked the model).
TEST_F(LlmCli, ThePolicyBudgetsAndWatchesTheModel) {
  const std::string config = std::string(OURO_SOURCE_DIR) + "/configs/llm-rsi-demo.toml";
  const std::string cassette = std::string(OURO_SOURCE_DIR) + "/configs/llm-rsi-demo.test-server.cassette.jsonl";
  const std::string watch = Write("watch.toml",
                                  "[[tripwire]]\nname = \"asked\"\nmetric = \"model_requests\"\nabove = 0\naction = \"log\"\n");
  const auto run = Run("rsi --config " + config + " --llm-replay " + cassette + " --policy " + watch + " --db " + db_ +
                       " --json --quiet");
  ASSERT_EQ(run.code, 0) << run.out;
  int fired = 0;
  for (const std::string& line : Lines(Run("audit export 1 --db " + db_).out)) {
    const auto e = nlohmann::json::parse(line);
    if (e["type"] == "tripwire") fired += e["content"].dump().find("asked") != std::string::npos;
  }
  EXPECT_GT(fired, 0);
  const std::string capped = Write("capped.toml", "[budget]\nllm_requests = 4\n");
  const auto stopped = Run("rsi --config " + config + " --llm-replay " + cassette + " --policy " + capped + " --db " + db_ +
                           " --json --quiet");
  ASSERT_EQ(stopped.code, 0) << stopped.out;
  EXPECT_EQ(nlohmann::json::parse(stopped.last_line)["stop_reason"], "budget: policy llm requests") << stopped.out;
  // A bad [llm] section, or a cassette for a config without one: refused before any run exists.
  std::string text = Slurp(config);
  text.replace(text.find("temperature = 0.7"), 17, "temperature = 9.0");
  const auto hot = Run("rsi --config " + Write("hot.toml", text) + " --db " + db_);
  EXPECT_EQ(hot.code, 1) << hot.out;
  EXPECT_NE(hot.out.find("temperature"), std::string::npos) << hot.out;
  const auto none = Run("rsi --llm-replay " + cassette + " --db " + db_);
  EXPECT_EQ(none.code, 1) << none.out;
  EXPECT_NE(none.out.find("no [llm] section"), std::string::npos) << none.out;
  // A live run onto a cassette that holds exchanges (here: the shipped one) is refused likewise.
  std::string live = Slurp(config);
  live.replace(live.find("runs/llm-rsi-demo.cassette.jsonl"), 32, cassette);
  const auto taken = Run("rsi --config " + Write("live.toml", live) + " --db " + db_);
  EXPECT_EQ(taken.code, 1) << taken.out;
  EXPECT_NE(taken.out.find("the cassette exists"), std::string::npos) << taken.out;
  EXPECT_EQ(Run("runs --db " + db_ + " --json").out.find("\"run_id\":3"), std::string::npos);
  const std::string bad = Write("bad.toml", "[budget.generation]\nllm_requests = 4\n");
  const auto refused = Run("rsi --config " + config + " --llm-replay " + cassette + " --policy " + bad + " --db " + db_);
  EXPECT_NE(refused.code, 0);
  EXPECT_NE(refused.out.find("llm_requests"), std::string::npos) << refused.out;
}

TEST_F(LlmCli, AnotherRunsCassetteIsAnErrorAndTheRunIsMarkedFailed) {
  // The demo with another seed asks other questions than the recorded ones.
  const auto r = Run("search --config " + config_ + " --seed 5 --llm-replay " + cassette_ + " --db " + db_ + " --json --quiet");
  EXPECT_EQ(r.code, 1) << r.out;
  EXPECT_NE(r.out.find("cassette"), std::string::npos) << r.out;
  const auto runs = Run("runs --db " + db_ + " --json");
  EXPECT_NE(runs.out.find("failed"), std::string::npos) << runs.out;
  const auto none = Run("search --llm-replay " + cassette_ + " --db " + db_);
  EXPECT_EQ(none.code, 1) << none.out;
  EXPECT_NE(none.out.find("no [llm] section"), std::string::npos) << none.out;
}

}  // namespace
