// End-to-end tests of the controls `ouro rsi` runs after its loop ([rsi] controls = ["null"],
// --with-null-control, --no-controls): the null control is its own stored run with the same config,
// seed and budget; the JSON line carries it (null_control_run, speedup_vs_null) beside the loop's
// keys; the text compares frozen, final and null-control improvers; a loop stopped before its end
// starts no control. The tiny config of cli_fixture.h keeps each command under a second.
#include <gtest/gtest.h>

#include <string>

#include <nlohmann/json.hpp>

#include "cli_fixture.h"

namespace {

using json = nlohmann::json;
using ouro_test::Result;

// The tiny config with `line` added to its [rsi] table.
std::string TinyWith(int generations, const std::string& line) {
  std::string text = ouro_test::TinyRsiConfig(1, generations);
  const std::string table = "[rsi]\n";
  return text.insert(text.find(table) + table.size(), line + "\n");
}

class RsiControls : public ouro_test::CliFixture {
 protected:
  json Last(const Result& r) {
    EXPECT_EQ(r.code, 0) << r.out;
    const json j = json::parse(r.last_line, nullptr, false);
    EXPECT_TRUE(j.is_object()) << "last line is not a JSON object: " << r.last_line << "\n" << r.out;
    return j;
  }
  json Runs() { return json::parse(Run("runs --json --db " + db_).last_line, nullptr, false); }
};

TEST_F(RsiControls, NullControlIsItsOwnRunWithTheSameConfigAndBudget) {
  const std::string cfg = Write("c.toml", TinyWith(2, "controls = [\"null\"]"));
  const json j = Last(Run("rsi --config " + cfg + " --db " + db_ + " --json --quiet"));
  ASSERT_TRUE(j.contains("null_control_run")) << j.dump();
  // The loop's keys stay at the top level.
  EXPECT_EQ(j["run_id"], 1);
  EXPECT_EQ(j["null_control"], false);
  for (const char* key : {"adopted", "speedup", "capability_final", "capability_frozen", "final_improver"})
    EXPECT_TRUE(j.contains(key)) << key;
  const json& n = j["null_control_run"];
  EXPECT_EQ(n["run_id"], 2);
  EXPECT_EQ(n["null_control"], true);
  EXPECT_EQ(n["status"], "finished");
  EXPECT_EQ(n["seed"], j["seed"]);
  EXPECT_EQ(n["generations"], j["generations"]);
  // The same frozen improver on the same test runs: the comparison is paired.
  EXPECT_EQ(n["capability_frozen"], j["capability_frozen"]);
  EXPECT_EQ(n["evals_to_target_frozen"], j["evals_to_target_frozen"]);
  ASSERT_TRUE(j["speedup_vs_null"].is_number()) << j.dump();
  EXPECT_LE(j["speedup_vs_null_ci_low"].get<double>(), j["speedup_vs_null"].get<double>());
  EXPECT_GE(j["speedup_vs_null_ci_high"].get<double>(), j["speedup_vs_null"].get<double>());
  // Two stored runs: the loop, then a null control.
  const json runs = Runs();
  ASSERT_EQ(runs.size(), 2u) << runs.dump();
  EXPECT_EQ(runs[0]["null_control"], false);
  EXPECT_EQ(runs[1]["null_control"], true);
  EXPECT_EQ(runs[1]["status"], "finished");
  // It is the run `ouro rsi --null-control` makes on the same config (which starts no control itself).
  const json alone = Last(Run("rsi --config " + cfg + " --db " + db_ + " --json --quiet --null-control"));
  EXPECT_FALSE(alone.contains("null_control_run")) << alone.dump();
  EXPECT_EQ(alone["null_control"], true);
  EXPECT_EQ(alone["final_improver"], n["final_improver"]);
  EXPECT_EQ(alone["adopted"], n["adopted"]);
  EXPECT_EQ(alone["cumulative_evaluations"], n["cumulative_evaluations"]);
  EXPECT_EQ(Runs().size(), 3u);
}

TEST_F(RsiControls, TextComparesFrozenFinalAndNull) {
  const std::string cfg = Write("c.toml", TinyWith(2, "controls = [\"null\"]"));
  const Result r = Run("rsi --config " + cfg + " --db " + db_ + " --quiet");
  ASSERT_EQ(r.code, 0) << r.out;
  for (const char* s : {"run 1: 2 generations", "null control: run 2, the same config, seed and budget",
                        "frozen initial", "final, loop (run 1)", "final, null control (run 2)",
                        "final vs null control: "})
    EXPECT_NE(r.out.find(s), std::string::npos) << s << "\n" << r.out;
  // The loop's report comes first, the comparison last.
  EXPECT_LT(r.out.find("export the final improver"), r.out.find("final vs null control"));
}

TEST_F(RsiControls, FlagsAddOrDropTheControl) {
  const std::string plain = Write("plain.toml", TinyWith(1, ""));
  json j = Last(Run("rsi --config " + plain + " --db " + db_ + " --json --quiet"));
  EXPECT_FALSE(j.contains("null_control_run")) << j.dump();
  EXPECT_EQ(Runs().size(), 1u);
  j = Last(Run("rsi --config " + plain + " --db " + db_ + " --json --quiet --with-null-control"));
  ASSERT_TRUE(j["null_control_run"].is_object()) << j.dump();
  EXPECT_EQ(j["null_control_run"]["run_id"], 3);
  const std::string with = Write("with.toml", TinyWith(1, "controls = [\"null\"]"));
  j = Last(Run("rsi --config " + with + " --db " + db_ + " --json --quiet --no-controls"));
  EXPECT_FALSE(j.contains("null_control_run")) << j.dump();
  EXPECT_EQ(Runs().size(), 4u);
  // Contradictory flags and unknown controls are refused before any run.
  EXPECT_NE(Run("rsi --config " + with + " --db " + db_ + " --with-null-control --no-controls").code, 0);
  EXPECT_NE(Run("rsi --config " + with + " --db " + db_ + " --with-null-control --null-control").code, 0);
  const Result bad = Run("rsi --config " + Write("bad.toml", TinyWith(1, "controls = [\"nul\"]")) + " --db " + db_);
  EXPECT_EQ(bad.code, 1) << bad.out;
  EXPECT_NE(bad.out.find("[rsi].controls"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("unknown control 'nul'"), std::string::npos) << bad.out;
  EXPECT_EQ(Runs().size(), 4u);
}

// A loop stopped before its end (here by the policy's evaluation budget, as by people, a tripwire or
// Ctrl-C) starts no null control: one stored run, null_control_run null in the JSON.
TEST_F(RsiControls, StoppedLoopStartsNoControl) {
  const std::string cfg = Write("c.toml", TinyWith(20, "controls = [\"null\"]"));
  const std::string policy = Write("budget.toml", "[budget]\nevaluations = 6000\n");
  const json j = Last(Run("rsi --config " + cfg + " --policy " + policy + " --db " + db_ + " --json --quiet"));
  EXPECT_EQ(j["stop_reason"], "budget: run evaluations") << j.dump();
  EXPECT_LT(j["generations"].get<int>(), 20);
  ASSERT_TRUE(j.contains("null_control_run")) << j.dump();
  EXPECT_TRUE(j["null_control_run"].is_null()) << j.dump();
  EXPECT_TRUE(j["speedup_vs_null"].is_null()) << j.dump();
  const json runs = Runs();
  ASSERT_EQ(runs.size(), 1u) << runs.dump();
  EXPECT_EQ(runs[0]["status"], "stopped");
  const Result text = Run("rsi --config " + cfg + " --policy " + policy + " --db " + db_ + " --quiet");
  EXPECT_NE(text.out.find("null control not started"), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find("final vs null control"), std::string::npos) << text.out;
  EXPECT_EQ(Runs().size(), 2u);
}

}  // namespace
