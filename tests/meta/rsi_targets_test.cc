// Tests of pre-registered targets in the rsi loop: the [rsi.test] keys, the reach of each target
// (levels from the reference program on the very instances the runs search), capability at fixed
// budgets, the Kaplan-Meier comparison with the frozen improver (hand-computed medians and
// bounds), the measurement's JSON, and the seal (targets change no lineage).
#include <gtest/gtest.h>

#include <string>

#include "core/error.h"
#include "meta/jobs.h"
#include "meta/rsi.h"
#include "meta/rsi_config.h"
#include "rsi_test_util.h"

namespace ouro::meta {
namespace {

const std::string kArenas =
    "[rsi.train]\nfamilies = [\"linear:dim=2\"]\n[rsi.validation]\nfamilies = [\"linear:dim=3\"]\n"
    "[rsi.test]\nfamilies = [\"linear:dim=1\", \"nonlinear:dim=2\"]\nbudget = 600\n";

TEST(RsiTargets, ConfigKeys) {
  const RsiConfig c =
      ParseRsiConfig(kArenas + "targets = [\"reference:0.9\", 0.5]\nbudgets = [100, 600]\n", "t.toml").rsi;
  ASSERT_EQ(c.test.targets.size(), 2u);
  EXPECT_EQ(c.test.targets[0], ParseTarget("reference:0.9"));
  EXPECT_EQ(c.test.targets[1], FitnessTarget(0.5));
  EXPECT_EQ(c.test.budgets, (std::vector<int64_t>{100, 600}));
  EXPECT_EQ(ToJson(c)["test"]["targets"], nlohmann::json::parse(R"(["reference:0.9", "0.5"])"));
  EXPECT_EQ(ToJson(c)["test"]["target"], "reference:0.9");
  for (const std::string bad : {"targets = []\n", "targets = [\"frozen\"]\n", "targets = [1.5]\n",
                                "targets = [\"reference:0.9\"]\ntarget = 0.9\n", "budgets = [601]\n",
                                "budgets = [0]\n", "budgets = [1.5]\n", "targets = [true]\n"})
    EXPECT_THROW(ParseRsiConfig(kArenas + bad, "t.toml"), Error) << bad;
  try {
    ParseRsiConfig(
        "[rsi.test]\nfamilies = [\"csv:path=/dev/null\"]\ntargets = [\"reference:0.9\"]\n", "t.toml");
    ADD_FAILURE() << "a csv family has no reference program";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("reference"), std::string::npos) << e.what();
  }
}

// Frozen: 4 runs, events at 100 and 200, two censored at the budget 300 -> S falls to 1/2 at 200.
// Final: events at 10, 20, 30 and one censored -> median 20. The ratio 200 / 20 = 10 is exact.
// When only one frozen run reaches the target, S stays at 3/4: its median is only "> 300", and
// the ratio a lower bound (> 15).
TEST(RsiTargets, KaplanMeierComparisonWithBounds) {
  TargetReach frozen{"0.5", {0.5}, {100, 200, 300, 300}, {1, 2, 3, 3}, {true, true, false, false}};
  TargetReach final_reach{"0.5", {0.5}, {10, 20, 30, 300}, {0.1, 0.2, 0.3, 3}, {true, true, true, false}};
  TargetSpeedup t = CompareReach(frozen, final_reach, 1);
  EXPECT_EQ(t.frozen_evals.value, 200);
  EXPECT_EQ(t.final_evals.value, 20);
  EXPECT_EQ(t.speedup.value, 10);
  EXPECT_EQ(t.speedup.bound, Bound::kExact);
  EXPECT_DOUBLE_EQ(t.wall_speedup.value, 10);
  EXPECT_EQ(t.frozen_reached, 2);
  EXPECT_EQ(t.final_reached, 3);
  EXPECT_LE(t.speedup_ci.low, 10);
  EXPECT_GE(t.speedup_ci.high, 10);
  frozen.reached = {true, false, false, false};
  frozen.evaluations = {100, 300, 300, 300};
  t = CompareReach(frozen, final_reach, 1);
  EXPECT_EQ(t.frozen_evals.bound, Bound::kLower);
  EXPECT_EQ(t.frozen_evals.value, 300);
  EXPECT_EQ(t.speedup.bound, Bound::kLower);
  EXPECT_EQ(t.speedup.value, 15);
  final_reach.seconds[0] = 0;  // a run stored without seconds: no wall-time comparison
  EXPECT_EQ(CompareReach(frozen, final_reach, 1).wall_speedup.bound, Bound::kUnknown);
  final_reach.evaluations.pop_back();
  EXPECT_THROW(CompareReach(frozen, final_reach, 1), Error);
}

RsiConfig WithTargets(uint64_t seed) {
  RsiConfig c = test::Tiny(seed);
  c.test.families = {tasks::ParseTaskSpec("linear:dim=3,tasks=2,train=10,valid=10"),
                     tasks::ParseTaskSpec("nonlinear:dim=2,tasks=2,train=10,valid=10")};
  c.test.targets = {ParseTarget("reference:0.9"), FitnessTarget(0.3)};
  c.test.budgets = {50, 300};
  return c;
}

// Each target's level is its fraction of the reference program's fitness on the runs' own
// instances, recomputed here from the jobs' seeds; each run's reach lies within its budget.
TEST(RsiTargets, ReachIsMeasuredAgainstTheReferenceOnTheSameInstances) {
  const RsiConfig c = WithTargets(1);
  const HeldOutMeasure m = MeasureTest(c.initial, c, nullptr, {});
  ASSERT_EQ(m.reach.size(), 2u);
  ASSERT_EQ(m.reference.size(), 2u);
  for (int f = 0; f < 2; ++f) {
    double sum = 0;
    for (int s = 0; s < c.test_seeds; ++s) {
      const RunJob job = HeldOutJob(c.initial, c.test, c.seed, f, s, c.threads, ArenaKind::kTest);
      sum += ReferenceFitness(c.test.families[f], ArenaInstances(c.test, f, job.seed), job.seed);
    }
    EXPECT_DOUBLE_EQ(m.reference[f], sum / c.test_seeds);
    EXPECT_DOUBLE_EQ(m.reach[0].fitness[f], 0.9 * m.reference[f]);
    EXPECT_DOUBLE_EQ(m.targets[f], m.reach[0].fitness[f]);  // the first target is primary
    EXPECT_EQ(m.reach[1].fitness[f], 0.3);
  }
  EXPECT_EQ(m.reach[0].evaluations, m.evals_to_target);
  for (const TargetReach& r : m.reach)
    for (size_t i = 0; i < r.evaluations.size(); ++i) {
      EXPECT_LE(r.evaluations[i], c.test.budget);
      EXPECT_GT(r.seconds[i], 0);
      if (!r.reached[i]) {
        EXPECT_EQ(r.evaluations[i], c.test.budget);
      }
    }
  ASSERT_EQ(m.capability_at.size(), 2u);
  const HeldOutMeasure back = MeasureFromJson(ToJson(m));
  EXPECT_EQ(ToJson(back).dump(), ToJson(m).dump());
  EXPECT_FALSE(ToJson(MeasureTest(test::Tiny(1).initial, test::Tiny(1), nullptr, {})).contains("reach"));
}

// Targets are part of the sealed test arena: a run with them has the lineage of a run without,
// and its result compares every target with the frozen improver.
TEST(RsiTargets, TargetsChangeNoLineageAndEveryTargetIsCompared) {
  RsiConfig plain = WithTargets(2);
  plain.test.targets.clear();
  plain.test.budgets.clear();
  plain.test.target = 0.5;
  const RsiResult a = RunRsi(plain), b = RunRsi(WithTargets(2));
  EXPECT_EQ(a.improver_hashes, b.improver_hashes);
  EXPECT_EQ(a.cumulative_evaluations, b.cumulative_evaluations);
  EXPECT_TRUE(a.target_speedups.empty());
  ASSERT_EQ(b.target_speedups.size(), 2u);
  EXPECT_EQ(b.target_speedups[0].target, "reference:0.9");
  EXPECT_EQ(b.target_speedups[1].runs, 4);
  EXPECT_TRUE(b.primary().has_value());
}

}  // namespace
}  // namespace ouro::meta
