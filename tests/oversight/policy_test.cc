// Tests of oversight/policy: parsing (with clear errors), the shipped default, tripwires, gates and
// invariants over metrics.
#include "oversight/policy.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "core/error.h"

namespace ouro::oversight {
namespace {

std::string ErrorOf(const std::string& text) {
  try {
    ParsePolicy(text, "p.toml");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Policy, ShippedFileEqualsTheEmbeddedDefault) {
  std::ifstream f(std::string(OURO_SOURCE_DIR) + "/configs/policies/default.toml");
  ASSERT_TRUE(f);
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_EQ(ss.str(), std::string(DefaultPolicyText()));
}

TEST(Policy, DefaultHasTheDocumentedRules) {
  const Policy p = DefaultPolicy();
  EXPECT_EQ(p.name, "default");
  EXPECT_EQ(p.adopt.mode, "auto");
  EXPECT_EQ(p.promote.mode, "auto");
  EXPECT_TRUE(p.invariants.deterministic);
  EXPECT_DOUBLE_EQ(p.invariants.max_cost_ratio, 4.0);
  EXPECT_DOUBLE_EQ(p.invariants.max_heldout_gap, 0.25);
  ASSERT_GE(p.tripwires.size(), 4u);
  EXPECT_EQ(p.tripwires[0].name, "divergence");
  EXPECT_EQ(p.tripwires[0].metric, "search_heldout_gap");
  EXPECT_EQ(p.tripwires[0].action, "reject");
  EXPECT_FALSE(p.run.any());
}

TEST(Policy, ParsesEveryPart) {
  const Policy p = ParsePolicy(R"(
[budget]
evaluations = 1000
wall_seconds = 60
[budget.generation]
cpu_seconds = 5
[gates]
adopt = "manual if gain > 0.05"
promote = "manual"
[invariants]
max_cost_ratio = 2
deterministic = false
[[tripwire]]
metric = "heldout_jump_sd"
above = 3
action = "approve"
[[tripwire]]
name = "x"
metric = "nonfinite"
above = 0
action = "stop"
)", "p.toml");
  EXPECT_DOUBLE_EQ(p.run.evaluations, 1000);
  EXPECT_DOUBLE_EQ(p.run.wall_seconds, 60);
  EXPECT_DOUBLE_EQ(p.generation.cpu_seconds, 5);
  EXPECT_EQ(p.adopt.mode, "rule");
  EXPECT_EQ(p.adopt.metric, "gain");
  EXPECT_DOUBLE_EQ(p.adopt.above, 0.05);
  EXPECT_EQ(p.promote.mode, "manual");
  EXPECT_FALSE(p.invariants.deterministic);
  ASSERT_EQ(p.tripwires.size(), 2u);
  EXPECT_EQ(p.tripwires[0].name, "heldout_jump_sd");  // the metric names an unnamed rule
  EXPECT_EQ(p.tripwires[1].action, "stop");
  EXPECT_EQ(ToJson(p)["gates"]["adopt"], "manual if gain > 0.05");
  // The stored rule is the rule in effect, to the last digit (found by fuzz_policy).
  const Policy q = ParsePolicy("[gates]\nadopt = \"manual if gain > 0.1234567\"\n", "q.toml");
  EXPECT_EQ(ToJson(q)["gates"]["adopt"], "manual if gain > 0.1234567");
  EXPECT_DOUBLE_EQ(ParsePolicy("[gates]\nadopt = " + ToJson(q)["gates"]["adopt"].dump() + "\n", "r.toml").adopt.above,
                   q.adopt.above);
}

TEST(Policy, BadInputGetsAClearError) {
  EXPECT_NE(ErrorOf("[budget]\nevaluations = -1\n").find("[budget].evaluations"), std::string::npos);
  EXPECT_NE(ErrorOf("[gates]\nadopt = \"sometimes\"\n").find("manual if METRIC > X"), std::string::npos);
  EXPECT_NE(ErrorOf("[gates]\nadopt = \"manual if nonsense > 1\"\n").find("unknown metric 'nonsense'"), std::string::npos);
  EXPECT_NE(ErrorOf("[[tripwire]]\nmetric = \"gain\"\nabove = 1\naction = \"explode\"\n").find("unknown action"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[[tripwire]]\nmetric = \"gain\"\n").find("needs a threshold"), std::string::npos);
  EXPECT_NE(ErrorOf("[[tripwire]]\nabove = 1\n").find("needs a metric"), std::string::npos);
  EXPECT_NE(ErrorOf("[[tripwire]]\nmetric=\"gain\"\nabove=1\n[[tripwire]]\nmetric=\"gain\"\nabove=2\n").find("duplicate"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[budgets]\n").find("unknown key 'budgets'"), std::string::npos);
  EXPECT_NE(ErrorOf("tripwire = 3\n").find("array of tables"), std::string::npos);
  EXPECT_NE(ErrorOf("[budget\n").find("p.toml:1"), std::string::npos);
  EXPECT_NE(ErrorOf("[invariants]\ndeterministic = 1\n").find("true or false"), std::string::npos);
  EXPECT_THROW(LoadPolicy("/dev/null/missing.toml"), Error);
  try {
    LoadPolicy("/dev/zero");  // would read forever
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos) << e.what();
  }
}

// The test arena is sealed: no tripwire or gate may read any metric the loop records from it.
TEST(Policy, TestArenaMetricsAreRefused) {
  ASSERT_GE(kTestMetrics.size(), 3u);
  for (const auto& m : kTestMetrics) {
    const std::string name = m.name;
    for (const std::string& text : {"[[tripwire]]\nmetric = \"" + name + "\"\nabove = 0\n",
                                    "[gates]\nadopt = \"manual if " + name + " > 1\"\n",
                                    "[gates]\npromote = \"manual if " + name + " > 1\"\n"}) {
      const std::string e = ErrorOf(text);
      EXPECT_NE(e.find("p.toml:"), std::string::npos) << e;
      EXPECT_NE(e.find("'" + name + "' is a test-arena metric"), std::string::npos) << e;
      EXPECT_NE(e.find("sealed"), std::string::npos) << e;
    }
    for (const auto& k : kMetrics) EXPECT_NE(std::string(k.name), name);  // never also a decision metric
  }
}

TEST(Policy, TripwiresFireAboveTheirThresholdAndOnNaN) {
  const Policy p = DefaultPolicy();
  std::map<std::string, double> m = {{"search_heldout_gap", 0.1}, {"nonfinite", 0}, {"size_ratio", 1}};
  EXPECT_TRUE(CheckTripwires(p, m).empty());
  m["search_heldout_gap"] = 0.6;
  auto f = CheckTripwires(p, m);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].name, "divergence");
  EXPECT_EQ(f[0].action, "reject");
  EXPECT_DOUBLE_EQ(f[0].value, 0.6);
  m["nonfinite"] = 2;
  m["size_ratio"] = std::nan("");
  f = CheckTripwires(p, m);
  ASSERT_EQ(f.size(), 3u);  // policy order: divergence, program_size (NaN), nonfinite
  EXPECT_EQ(f[1].name, "program_size");
  EXPECT_EQ(f[2].action, "stop");
  // A metric that was not measured does not fire.
  EXPECT_TRUE(CheckTripwires(p, {}).empty());
}

TEST(Policy, GatesAndInvariants) {
  Gate g;
  EXPECT_EQ(GateReason(g, {{"gain", 1}}), "");
  g.mode = "manual";
  EXPECT_EQ(GateReason(g, {}), "the gate is manual");
  g.mode = "rule";
  g.metric = "gain";
  g.above = 0.05;
  EXPECT_EQ(GateReason(g, {{"gain", 0.01}}), "");
  EXPECT_NE(GateReason(g, {{"gain", 0.2}}).find("gain = 0.2 > 0.05"), std::string::npos);
  Invariants inv;
  inv.max_cost_ratio = 2;
  inv.deterministic = true;
  inv.max_heldout_gap = 0.1;
  EXPECT_TRUE(InvariantViolations(inv, {{"cost_ratio", 1.5}, {"search_heldout_gap", 0.05}}, true).empty());
  auto v = InvariantViolations(inv, {{"cost_ratio", 3}, {"search_heldout_gap", 0.5}}, false);
  ASSERT_EQ(v.size(), 3u);
  EXPECT_NE(v[0].find("cost"), std::string::npos);
  EXPECT_NE(v[1].find("determinism"), std::string::npos);
  EXPECT_NE(v[2].find("held-out gap"), std::string::npos);
  EXPECT_TRUE(InvariantViolations(Invariants{}, {{"cost_ratio", 100}}, false).empty());
}

TEST(Policy, OffPolicyHasNoControls) {
  const Policy p = OffPolicy();
  EXPECT_TRUE(p.tripwires.empty());
  EXPECT_EQ(p.adopt.mode, "auto");
  EXPECT_FALSE(p.invariants.deterministic);
  EXPECT_FALSE(p.run.any());
}

}  // namespace
}  // namespace ouro::oversight
