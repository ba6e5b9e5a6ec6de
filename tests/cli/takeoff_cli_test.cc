// End-to-end tests of `ouro takeoff` and the takeoff panel of `ouro show`: a tiny real rsi run
// read as a takeoff, its JSON's public keys and their agreement with the run's summary, and the
// errors (a search run, an unknown run, a bad RUN).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include <nlohmann/json.hpp>

#include "cli_fixture.h"

namespace {

using ouro_test::Result;

class TakeoffCli : public ouro_test::CliFixture {
 protected:
  // A tiny rsi run of `generations` generations; its JSON summary.
  nlohmann::json Rsi(int generations) {
    const std::string config = Write("tiny.toml", ouro_test::TinyRsiConfig(3, generations));
    const Result r = Run("rsi --config " + config + " --db " + db_ + " --policy off --quiet --json");
    EXPECT_EQ(r.code, 0) << r.out;
    return nlohmann::json::parse(r.last_line);
  }
  nlohmann::json TakeoffJson(const std::string& run) {
    const Result r = Run("takeoff " + run + " --db " + db_ + " --json");
    EXPECT_EQ(r.code, 0) << r.out;
    return nlohmann::json::parse(r.last_line);
  }
};

TEST_F(TakeoffCli, JsonHasThePublicKeysAndAgreesWithTheSummary) {
  const nlohmann::json s = Rsi(6);
  const std::string run = std::to_string(s["run_id"].get<int>());
  const nlohmann::json t = TakeoffJson(run);
  for (const char* key : {"f", "f_ci_low", "f_ci_high", "multiplier", "returns_r", "returns_ci_low",
                          "returns_ci_high", "verdict", "reason", "method", "adoptions", "costs",
                          "evaluations_since_last_adoption"})
    EXPECT_TRUE(t.contains(key)) << key << " missing from " << t.dump();
  const std::vector<std::string> verdicts{"accelerating", "steady", "diminishing", "insufficient"};
  EXPECT_NE(std::find(verdicts.begin(), verdicts.end(), t["verdict"].get<std::string>()), verdicts.end()) << t.dump();
  EXPECT_EQ(t["run_id"], s["run_id"]);
  EXPECT_EQ(t["adoptions"], s["adopted"]);
  EXPECT_EQ(t["returns_r"], s["returns_r"]);
  // One rule: the run summary's verdict is the takeoff reading's.
  EXPECT_EQ(t["verdict"], s["takeoff_verdict"]);
  EXPECT_EQ(t["reason"], s["returns_verdict"]);
  double total = t["evaluations_since_last_adoption"].get<double>();
  for (const auto& c : t["costs"]) total += c.get<double>();
  EXPECT_DOUBLE_EQ(total, s["cumulative_evaluations"].get<double>());
  if (t["f"].is_number()) {
    EXPECT_LE(t["f_ci_low"].get<double>(), t["f"].get<double>());
    EXPECT_GE(t["f_ci_high"].get<double>(), t["f"].get<double>());
    EXPECT_GT(t["multiplier"].get<double>(), 0);
  }
  // The same by default ("latest") and as text.
  EXPECT_EQ(TakeoffJson("latest"), t);
  const Result text = Run("takeoff --db " + db_);
  ASSERT_EQ(text.code, 0) << text.out;
  EXPECT_NE(text.out.find("run " + run + " as a takeoff: " + t["verdict"].get<std::string>()), std::string::npos) << text.out;
  EXPECT_NE(text.out.find(t["reason"].get<std::string>()), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("method: f = 1 - exp(b)"), std::string::npos) << text.out;
  // The panel of `ouro show`, and its JSON.
  const Result show = Run("show " + run + " --db " + db_);
  ASSERT_EQ(show.code, 0) << show.out;
  EXPECT_NE(show.out.find("takeoff (`ouro takeoff " + run + "`"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("multiplier 1/(1-f)"), std::string::npos) << show.out;
  const Result show_json = Run("show " + run + " --db " + db_ + " --json");
  ASSERT_EQ(show_json.code, 0) << show_json.out;
  EXPECT_EQ(nlohmann::json::parse(show_json.last_line)["takeoff"], t);
}

TEST_F(TakeoffCli, OneGenerationIsInsufficient) {
  const nlohmann::json s = Rsi(1);
  const nlohmann::json t = TakeoffJson(std::to_string(s["run_id"].get<int>()));
  EXPECT_EQ(t["verdict"], "insufficient");
  for (const char* key : {"f", "f_ci_low", "f_ci_high", "multiplier", "returns_r"}) EXPECT_TRUE(t[key].is_null()) << key;
  const Result text = Run("takeoff --db " + db_);
  EXPECT_NE(text.out.find("Too few adoptions to say"), std::string::npos) << text.out;
}

TEST_F(TakeoffCli, Errors) {
  const Result s = Run("search --task linear:dim=2,tasks=2,train=10,valid=10 --max-evals 100 --seed 1 --quiet --json --db " + db_);
  ASSERT_EQ(s.code, 0) << s.out;
  struct Case {
    std::string args, fragment;
  };
  for (const Case& c : {Case{"takeoff 1", "only rsi runs"}, Case{"takeoff 9", "no run 9"},
                        Case{"takeoff abc", "RUN must be a run id"}, Case{"takeoff 0", "RUN must be a run id"}}) {
    const Result r = Run(c.args + " --db " + db_);
    EXPECT_EQ(r.code, 1) << c.args << "\n" << r.out;
    EXPECT_EQ(r.out.rfind("ouro: ", 0), 0u) << r.out;
    EXPECT_NE(r.out.find(c.fragment), std::string::npos) << c.args << "\n" << r.out;
  }
  EXPECT_EQ(Run("takeoff 1 --db " + db_ + "_missing").code, 1);
  EXPECT_EQ(Run("takeoff 1 --db " + db_ + " --bogus").code, 2);
}

}  // namespace
