// `ouro search --llm-replay` (issue 19): the shipped demo config runs offline from the cassette in
// the repo (recorded against the project's test server), twice to the same run, with the model's
// exchanges stored; a cassette that is not the run's is an error that marks the run failed.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_fixture.h"

namespace {

using ouro_test::CliFixture;

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
