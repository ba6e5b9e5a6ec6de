// Tests of oversight/judge: tables of (policy, evidence, state) -> verdict for the adoption seam,
// and of (policy, best so far, fitness) -> promotion verdict.
#include "oversight/judge.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace ouro::oversight {
namespace {

Policy Parse(const std::string& text) { return ParsePolicy(text, "p.toml"); }

// A policy with one tripwire of each action on its own metric, and the given gate / invariants.
Policy Rules(const std::string& adopt_gate, const std::string& invariants) {
  return Parse("[gates]\nadopt = \"" + adopt_gate + "\"\n[invariants]\n" + invariants + R"(
[[tripwire]]
name = "logged"
metric = "size_ratio"
above = 4
action = "log"
[[tripwire]]
name = "paused"
metric = "cost_ratio"
above = 4
action = "pause"
[[tripwire]]
name = "approval"
metric = "heldout_drop"
above = 0.02
action = "approve"
[[tripwire]]
name = "rejected"
metric = "search_heldout_gap"
above = 0.25
action = "reject"
[[tripwire]]
name = "stopped"
metric = "nonfinite"
above = 0
action = "stop"
)");
}

struct AdoptCase {
  const char* name;
  std::string gate, invariants;
  std::map<std::string, double> metrics;
  bool has_games;
  std::optional<bool> rerun_equal;
  std::set<std::string> acknowledged;
  Decision decision;
  std::vector<std::string> fired;  // tripwire names, in policy order
  std::string why;                 // veto, first violation or ask reason
};

std::string Why(const Verdict& v) {
  if (v.decision == Decision::kVeto) return v.veto;
  if (v.decision == Decision::kInvariant) return v.violations.empty() ? "" : v.violations[0];
  if (v.decision == Decision::kAsk) return v.ask_reason;
  return "";
}

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
const std::string kDet = "deterministic = true\n";

// The adoption table: one row per case, checked by Judge.AdoptionTable.
const AdoptCase kAdoptCases[] = {
    {"nothing fires, auto gate",
     "auto",
     "",
     {{"gain", 0.1}},
     true,
     std::nullopt,
     {},
     Decision::kAdopt,
     {},
     ""},
    {"a log tripwire only records",
     "auto",
     "",
     {{"size_ratio", 5}},
     true,
     std::nullopt,
     {},
     Decision::kAdopt,
     {"logged"},
     ""},
    {"reject vetoes",
     "auto",
     "",
     {{"search_heldout_gap", 0.3}},
     true,
     std::nullopt,
     {},
     Decision::kVeto,
     {"rejected"},
     "tripwire rejected: search_heldout_gap = 0.3"},
    {"stop vetoes too",
     "auto",
     "",
     {{"nonfinite", 2}},
     true,
     std::nullopt,
     {},
     Decision::kVeto,
     {"stopped"},
     "tripwire stopped: nonfinite = 2"},
    {"a NaN metric fires",
     "auto",
     "",
     {{"size_ratio", kNaN}},
     true,
     std::nullopt,
     {},
     Decision::kAdopt,
     {"logged"},
     ""},
    {"a veto wins over the rerun",
     "auto",
     kDet,
     {{"search_heldout_gap", 0.3}},
     true,
     std::nullopt,
     {},
     Decision::kVeto,
     {"rejected"},
     "tripwire rejected: search_heldout_gap = 0.3"},
    {"deterministic: measure first",
     "auto",
     kDet,
     {},
     true,
     std::nullopt,
     {},
     Decision::kMeasure,
     {},
     ""},
    {"deterministic, no games: nothing to rerun",
     "auto",
     kDet,
     {},
     false,
     std::nullopt,
     {},
     Decision::kAdopt,
     {},
     ""},
    {"deterministic, rerun equal", "auto", kDet, {}, true, true, {}, Decision::kAdopt, {}, ""},
    {"deterministic, rerun differs",
     "auto",
     kDet,
     {},
     true,
     false,
     {},
     Decision::kInvariant,
     {},
     "determinism: re-running one of its games gave a different score"},
    {"cost invariant",
     "auto",
     "max_cost_ratio = 2\n",
     {{"cost_ratio", 3}},
     true,
     std::nullopt,
     {},
     Decision::kInvariant,
     {},
     "cost: 3x the incumbent's evaluations per game > 2"},
    {"held-out gap invariant",
     "auto",
     "max_heldout_gap = 0.1\n",
     {{"search_heldout_gap", 0.2}},
     true,
     std::nullopt,
     {},
     Decision::kInvariant,
     {},
     "held-out gap: 0.2 > 0.1"},
    {"manual gate asks",
     "manual",
     "",
     {},
     true,
     std::nullopt,
     {},
     Decision::kAsk,
     {},
     "the gate is manual"},
    {"rule gate below its threshold",
     "manual if gain > 0.05",
     "",
     {{"gain", 0.01}},
     true,
     std::nullopt,
     {},
     Decision::kAdopt,
     {},
     ""},
    {"rule gate above its threshold",
     "manual if gain > 0.05",
     "",
     {{"gain", 0.5}},
     true,
     std::nullopt,
     {},
     Decision::kAsk,
     {},
     "gain = 0.5 > 0.05"},
    {"approve tripwire asks",
     "auto",
     "",
     {{"heldout_drop", 0.1}},
     true,
     std::nullopt,
     {},
     Decision::kAsk,
     {"approval"},
     "tripwire approval"},
    {"gate reason, then the approvals",
     "manual",
     "",
     {{"heldout_drop", 0.1}},
     true,
     std::nullopt,
     {},
     Decision::kAsk,
     {"approval"},
     "the gate is manual; tripwire approval"},
    {"pause does not decide",
     "auto",
     "",
     {{"cost_ratio", 9}},
     true,
     std::nullopt,
     {},
     Decision::kAdopt,
     {"paused"},
     ""},
    {"an invariant wins over the gate",
     "manual",
     "max_cost_ratio = 2\n",
     {{"cost_ratio", 3}},
     true,
     std::nullopt,
     {},
     Decision::kInvariant,
     {},
     "cost: 3x the incumbent's evaluations per game > 2"},
    {"a repeated stop still vetoes",
     "auto",
     "",
     {{"nonfinite", 1}},
     true,
     std::nullopt,
     {"k:stopped"},
     Decision::kVeto,
     {"stopped"},
     "tripwire stopped: nonfinite = 1"},
};

TEST(Judge, AdoptionTable) {
  for (const auto& c : kAdoptCases) {
    SCOPED_TRACE(c.name);
    const Policy p = Rules(c.gate, c.invariants);
    const Verdict v = Judge(p, {"k", c.metrics, c.has_games, c.rerun_equal}, {c.acknowledged});
    EXPECT_EQ(v.decision, c.decision);
    std::vector<std::string> fired;
    for (const auto& t : v.tripwires) fired.push_back(t.firing.name);
    EXPECT_EQ(fired, c.fired);
    EXPECT_EQ(Why(v), c.why);
  }
}

TEST(Judge, PauseAndStopActOnceAcrossAResume) {
  const Policy p = Rules("auto", "");
  const Evidence e{"adopt:g1c0:h", {{"cost_ratio", 9}, {"nonfinite", 1}}, true, std::nullopt};
  const Verdict first = Judge(p, e, {});
  ASSERT_EQ(first.tripwires.size(), 2u);
  EXPECT_EQ(first.tripwires[0].key, "adopt:g1c0:h:paused");
  EXPECT_TRUE(first.tripwires[0].pause);
  EXPECT_FALSE(first.tripwires[0].repeat);
  EXPECT_TRUE(first.tripwires[1].stop);
  const Verdict again = Judge(p, e, {{"adopt:g1c0:h:paused", "adopt:g1c0:h:stopped"}});
  ASSERT_EQ(again.tripwires.size(), 2u);
  for (const auto& t : again.tripwires) {
    EXPECT_TRUE(t.repeat);
    EXPECT_FALSE(t.pause);
    EXPECT_FALSE(t.stop);
  }
  EXPECT_EQ(again.decision, Decision::kVeto);  // what it decides does not depend on the history
}

TEST(Judge, MeasuringDoesNotChangeTheTripwirePart) {
  const Policy p = Rules("auto", "deterministic = true\n");
  Evidence e{"k", {{"size_ratio", 5}, {"cost_ratio", 5}}, true, std::nullopt};
  const Verdict before = Judge(p, e, {});
  ASSERT_EQ(before.decision, Decision::kMeasure);
  e.rerun_equal = true;
  const Verdict after = Judge(p, e, {});
  EXPECT_EQ(after.decision, Decision::kAdopt);
  ASSERT_EQ(before.tripwires.size(), after.tripwires.size());
  for (size_t i = 0; i < before.tripwires.size(); ++i) {
    EXPECT_EQ(before.tripwires[i].key, after.tripwires[i].key);
    EXPECT_EQ(before.tripwires[i].pause, after.tripwires[i].pause);
  }
}

TEST(Judge, OffPolicyAdoptsEverything) {
  const Verdict v =
      Judge(OffPolicy(), {"k", {{"nonfinite", 5}, {"cost_ratio", 100}}, true, std::nullopt}, {});
  EXPECT_EQ(v.decision, Decision::kAdopt);
  EXPECT_TRUE(v.tripwires.empty());
}

struct PromoteCase {
  const char* name;
  std::string gate;
  double best, fitness;
  bool better;
  double gain;
  std::string reason;
};

TEST(Judge, PromotionTable) {
  const std::vector<PromoteCase> cases = {
      {"first program, auto", "auto", -1, 0.4, true, 0.4, ""},
      {"no better", "auto", 0.5, 0.5, false, 0, ""},
      {"better by less than the tolerance", "auto", 0.5, 0.5 + 1e-13, false, 0, ""},
      {"better, auto", "auto", 0.5, 0.7, true, 0.2, ""},
      {"negative first fitness gains from 0", "auto", -1, -0.5, true, -0.5, ""},
      {"manual asks", "manual", 0.5, 0.7, true, 0.2, "the gate is manual"},
      {"rule on fitness, below", "manual if fitness > 0.9", 0.5, 0.7, true, 0.2, ""},
      {"rule on fitness, above", "manual if fitness > 0.6", 0.5, 0.7, true, 0.2,
       "fitness = 0.7 > 0.6"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const Policy p = Parse("[gates]\npromote = \"" + c.gate + "\"\n");
    const PromotionVerdict v = JudgePromotion(p, c.best, c.fitness);
    EXPECT_EQ(v.better, c.better);
    EXPECT_NEAR(v.gain, c.gain, 1e-12);
    EXPECT_EQ(v.ask_reason, c.reason);
  }
}

TEST(Judge, NumPrintsLikeAStream) {
  EXPECT_EQ(Num(0.3), "0.3");
  EXPECT_EQ(Num(1.0 / 3), "0.333333");
  EXPECT_EQ(Num(1e20), "1e+20");
}

}  // namespace
}  // namespace ouro::oversight
