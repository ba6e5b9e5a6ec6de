// Tests of the improver spec's meta-operators: ApplyCredit (weights follow the gain rates),
// MineMacros (live sequences seen in enough programs, within the shape) and ProposeCandidate
// (deterministic, valid, never a disabled operator, each operator's preconditions). Shared helpers
// are in spec_test_util.h. Small programs, fixed seeds: fast.
#include "meta/spec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "lang/text.h"
#include "search/run_config.h"
#include "spec_test_util.h"

namespace ouro::meta {
namespace {

using test::MetaIdx;
using test::OpWeight;
using test::RoundTripJson;
using test::Weight;
using lang::Op;
using lang::Program;
using search::Mutation;

// ---- ApplyCredit -----------------------------------------------------------------------------

ImproverSpec CreditSpec() {
  ImproverSpec s;
  s.mutations = {{Mutation::kAlter, 1}, {Mutation::kInsert, 1}, {Mutation::kRemove, 0.3}, {Mutation::kSwap, 0}};
  s.operations[2] = {{Op::kScalarAdd, 1}, {Op::kScalarSub, 1}, {Op::kScalarMul, 0.5}, {Op::kScalarDiv, 0},
                     {Op::kVectorAdd, 1}};
  s.operations[1] = {{Op::kVectorDot, 1}, {Op::kScalarAdd, 1}};
  auto& op = s.credit.op[2];
  op[static_cast<int>(Op::kScalarAdd)] = {400, 40};   // rate 0.1
  op[static_cast<int>(Op::kScalarSub)] = {400, 8};    // 0.02
  op[static_cast<int>(Op::kScalarMul)] = {400, 0};    // 0
  op[static_cast<int>(Op::kScalarDiv)] = {400, 20};   // disabled
  op[static_cast<int>(Op::kVectorAdd)] = {400, 20};   // 0.05
  auto& k = s.credit.kind;
  k[static_cast<int>(Mutation::kAlter)] = {1000, 10};
  k[static_cast<int>(Mutation::kInsert)] = {1000, 60};
  k[static_cast<int>(Mutation::kRemove)] = {1000, 30};
  k[static_cast<int>(Mutation::kSwap)] = {1000, 5};
  return s;
}

TEST(ApplyCredit, HigherGainRateGetsLargerWeight) {
  for (double strength : {0.5, 1.0, 2.0, 4.0}) {
    ImproverSpec s = CreditSpec();
    ApplyCredit(s, strength);
    const double add = OpWeight(s, 2, Op::kScalarAdd), sub = OpWeight(s, 2, Op::kScalarSub),
                 mul = OpWeight(s, 2, Op::kScalarMul), vadd = OpWeight(s, 2, Op::kVectorAdd);
    EXPECT_EQ(add, 1.0) << strength;
    EXPECT_GT(add, vadd) << strength;
    EXPECT_GT(vadd, sub) << strength;
    EXPECT_GE(sub, mul) << strength;
    EXPECT_GE(mul, 0.02) << strength;
    EXPECT_EQ(OpWeight(s, 2, Op::kScalarDiv), 0) << "a disabled operation stays disabled";
    // Operators likewise.
    EXPECT_EQ(Weight(s, Mutation::kInsert), 1.0) << strength;
    EXPECT_GT(Weight(s, Mutation::kRemove), Weight(s, Mutation::kAlter)) << strength;
    EXPECT_GE(Weight(s, Mutation::kAlter), 0.02) << strength;
    EXPECT_EQ(Weight(s, Mutation::kSwap), 0) << strength;
    // A component without credit keeps its weights.
    EXPECT_EQ(OpWeight(s, 1, Op::kVectorDot), 1.0);
    EXPECT_EQ(OpWeight(s, 1, Op::kScalarAdd), 1.0);
    EXPECT_NO_THROW(s.Validate());
  }
  // Stronger credit spreads the weights further; the floor bounds them below.
  ImproverSpec weak = CreditSpec(), strong = CreditSpec();
  ApplyCredit(weak, 0.5);
  ApplyCredit(strong, 4.0);
  EXPECT_LT(OpWeight(strong, 2, Op::kScalarSub), OpWeight(weak, 2, Op::kScalarSub));
  EXPECT_EQ(OpWeight(strong, 2, Op::kScalarMul), 0.02);
  ImproverSpec floored = CreditSpec();
  ApplyCredit(floored, 4.0, 20, 0.1);
  EXPECT_EQ(OpWeight(floored, 2, Op::kScalarMul), 0.1);
}

TEST(ApplyCredit, NoCreditChangesNothing) {
  ImproverSpec s = CreditSpec();
  s.credit = {};
  const std::string before = ToJson(s).dump();
  ApplyCredit(s, 2.0);
  EXPECT_EQ(ToJson(s).dump(), before);
  // Trials without any gain carry no information either.
  ImproverSpec t = CreditSpec();
  for (auto& c : t.credit.kind) c.gains = 0;
  for (auto& c : t.credit.op[2]) c.gains = 0;
  const std::string before_t = ToJson(t).dump();
  ApplyCredit(t, 2.0);
  EXPECT_EQ(ToJson(t).dump(), before_t);
}

// "scaled so the largest weight is 1": the scale is the best enabled entry's, even when a disabled
// (weight 0) operation that still carries credit from earlier runs had a better rate.
TEST(ApplyCredit, LargestEnabledWeightIsOneEvenWhenADisabledOpHadTheBestRate) {
  ImproverSpec s = CreditSpec();
  s.credit.op[2][static_cast<int>(Op::kScalarDiv)] = {400, 200};
  ApplyCredit(s, 1.0);
  double top = 0;
  for (const auto& [op, w] : s.operations[2]) top = std::max(top, w);
  EXPECT_EQ(top, 1.0);
  EXPECT_EQ(OpWeight(s, 2, Op::kScalarAdd), 1.0);
}

// ---- MineMacros ------------------------------------------------------------------------------

const lang::Shape kMineShape{6, 4, 1, 4};

// Linear regression plus a dead pair (s5 is never read) and a per-program tail.
Program Mined(const std::string& extra_learn) {
  return lang::Parse(
      "def setup():\n  s2 = 0.25\n"
      "def predict():\n  s1 = dot(v0, v1)\n"
      "def learn():\n  s5 = s4 * s4\n  s5 = s5 + s4\n  s3 = s0 - s1\n  s3 = s2 * s3\n  v2 = s3 * v0\n  v1 = v1 + v2\n" +
      extra_learn);
}

std::set<std::string> Texts(const std::vector<search::Macro>& ms) {
  std::set<std::string> out;
  for (const auto& m : ms) {
    std::string t = std::string(lang::kComponentNames[static_cast<int>(m.component)]) + ":";
    for (const auto& in : m.code) t += lang::PrintInstruction(in) + ";";
    out.insert(t);
  }
  return out;
}

TEST(MineMacros, FindsLiveSequencesSeenInEnoughPrograms) {
  const std::vector<Program> progs = {Mined(""), Mined(""), Mined("")};
  const auto macros = MineMacros(progs, kMineShape, 100, 2);
  const std::set<std::string> t = Texts(macros);
  EXPECT_TRUE(t.count("learn:s3 = s0 - s1;s3 = s2 * s3;")) << ::testing::PrintToString(t);
  EXPECT_TRUE(t.count("learn:s3 = s0 - s1;s3 = s2 * s3;v2 = s3 * v0;")) << ::testing::PrintToString(t);
  EXPECT_TRUE(t.count("learn:v2 = s3 * v0;v1 = v1 + v2;")) << ::testing::PrintToString(t);
  // Nothing from the dead code (s5 is written but never read).
  for (const auto& s : t) EXPECT_EQ(s.find("s5"), std::string::npos) << s;
  // Pairs and triples only, each of one component, all valid for the shape.
  for (const auto& m : macros) {
    EXPECT_GE(m.code.size(), 2u);
    EXPECT_LE(m.code.size(), 3u);
    Program p;
    p[m.component] = m.code;
    EXPECT_NO_THROW(p.Validate(kMineShape));
  }
  // The learn body has 4 live instructions: 3 pairs + 2 triples; setup and predict have one each.
  EXPECT_EQ(macros.size(), 5u) << ::testing::PrintToString(t);
  // Longer first among equally frequent ones.
  EXPECT_EQ(macros.front().code.size(), 3u);
}

TEST(MineMacros, RespectsMinCountAndMaxMacros) {
  // The tail pair (live: it updates v1) appears in one program only, twice there.
  const std::string tail = "  v2 = s2 * v1\n  v1 = v1 + v2\n  v2 = s2 * v1\n  v1 = v1 + v2\n";
  const std::vector<Program> progs = {Mined(tail), Mined(""), lang::Parse("def predict():\n  s1 = dot(v0, v0)\n")};
  const auto two = MineMacros(progs, kMineShape, 100, 2);
  for (const auto& s : Texts(two)) EXPECT_EQ(s.find("s2 * v1"), std::string::npos) << s;
  const auto one = MineMacros(progs, kMineShape, 100, 1);
  bool found = false;
  for (const auto& s : Texts(one)) found = found || s.find("v2 = s2 * v1;v1 = v1 + v2;") != std::string::npos;
  EXPECT_TRUE(found) << ::testing::PrintToString(Texts(one));
  // Counted once per program: with min_count 3 nothing of the two regression programs qualifies.
  EXPECT_TRUE(MineMacros(progs, kMineShape, 100, 3).empty());
  const auto capped = MineMacros(progs, kMineShape, 2, 1);
  ASSERT_EQ(capped.size(), 2u);
  // The most frequent (two programs) come first.
  for (const auto& s : Texts(capped)) EXPECT_EQ(s.find("s2 * v1"), std::string::npos) << s;
  // Deterministic, and independent of nothing but the input.
  EXPECT_EQ(MineMacros(progs, kMineShape, 3, 1), MineMacros(progs, kMineShape, 3, 1));
  EXPECT_TRUE(MineMacros({}, kMineShape).empty());
}

TEST(MineMacros, SequencesDifferingOnlyInConstantsAreOneMacroWithTheFirstProgramsConstants) {
  // The same pair with other constants and element indices in each program: one macro, carrying
  // the first program's values. The same operations on other registers are another sequence.
  const auto prog = [](const std::string& a, const std::string& b, const std::string& reg) {
    return lang::Parse("def predict():\n  v1[" + a + "] = " + b + "\n  s1 = dot(" + reg + ", v0)\n");
  };
  const std::vector<Program> progs = {prog("2", "0.5", "v1"), prog("0", "-1.25", "v1"), prog("1", "3", "v2")};
  const std::set<std::string> t = Texts(MineMacros(progs, kMineShape, 100, 2));
  EXPECT_EQ(t, (std::set<std::string>{"predict:v1[2] = 0.5;s1 = dot(v1, v0);"})) << ::testing::PrintToString(t);
  // Only the third program uses v2 there: with it alone nothing recurs.
  EXPECT_TRUE(MineMacros({progs[0], progs[2]}, kMineShape, 100, 2).empty());
}

TEST(MineMacros, DropsSequencesThatDoNotFitTheShape) {
  // v3 does not exist in a shape with 3 vectors.
  const Program p = lang::Parse("def predict():\n  v3 = v0 + v0\n  s1 = dot(v3, v0)\n");
  EXPECT_EQ(MineMacros({p, p}, lang::Shape{4, 4, 1, 4}).size(), 1u);
  EXPECT_TRUE(MineMacros({p, p}, lang::Shape{4, 3, 1, 4}).empty());
}

// ---- ProposeCandidate ------------------------------------------------------------------------

ProposalContext Context() {
  ProposalContext ctx;
  ctx.shape = kMineShape;
  ctx.good_programs = {Mined(""), Mined(""), Mined("  v2 = s2 * v1\n")};
  return ctx;
}

// A spec with credit enough for credit_weights (>= 100 trials).
ImproverSpec Proposer() {
  ImproverSpec s = PlainSpec(search::DefaultRunConfig().evolution);
  s.population = 100;
  s.credit = CreditSpec().credit;
  for (auto& [m, w] : s.mutations)
    if (m == Mutation::kCrossover) w = 0.5;
  return s;
}

TEST(ProposeCandidate, DeterministicForASeed) {
  const ImproverSpec s = Proposer();
  const ProposalContext ctx = Context();
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    Rng r1(seed), r2(seed);
    std::string n1, n2;
    const ImproverSpec a = ProposeCandidate(s, r1, ctx, &n1);
    const ImproverSpec b = ProposeCandidate(s, r2, ctx, &n2);
    EXPECT_EQ(n1, n2);
    EXPECT_EQ(ToJson(a).dump(), ToJson(b).dump());
    EXPECT_EQ(r1.Next(), r2.Next());
  }
}

TEST(ProposeCandidate, AlwaysAValidDifferentSpecFromAKnownOperator) {
  ImproverSpec s = Proposer();
  s.filter = search::FilterConfig{lang::Parse("def predict():\n  s1 = s2 + s3\n", search::kFilterShape)};
  ProposalContext ctx = Context();
  ctx.discovered_filter = lang::Parse(*lang::ReferenceProgram("logistic_regression"), search::kFilterShape);
  ctx.archive = ctx.good_programs;  // for warm_start
  const std::string h = SpecHash(s);
  std::set<std::string> used;
  Rng rng(123);
  for (int i = 0; i < 300; ++i) {
    std::string name;
    const ImproverSpec c = ProposeCandidate(s, rng, ctx, &name);
    EXPECT_NE(SpecHash(c), h) << name;
    EXPECT_NO_THROW(c.Validate()) << name;
    EXPECT_NO_THROW(SpecFromJson(RoundTripJson(c))) << name;
    EXPECT_NO_THROW(ApplySpec(c, search::DefaultRunConfig().evolution)) << name;
    EXPECT_GE(MetaIdx(name), 0) << name;
    used.insert(name);
  }
  // With everything available, every meta-operator is drawn sometimes.
  EXPECT_EQ(used.size(), static_cast<size_t>(kNumMetaOperators)) << ::testing::PrintToString(used);
}

TEST(ProposeCandidate, NeverUsesADisabledOperator) {
  const ImproverSpec s = Proposer();
  ProposalContext ctx = Context();
  ctx.discovered_filter = lang::Parse(*lang::ReferenceProgram("logistic_regression"), search::kFilterShape);
  ctx.disabled[MetaIdx("credit_weights")] = true;
  ctx.disabled[MetaIdx("mine_macros")] = true;
  ctx.disabled[MetaIdx("discover_filter")] = true;
  Rng rng(7);
  for (int i = 0; i < 300; ++i) {
    std::string name;
    const ImproverSpec c = ProposeCandidate(s, rng, ctx, &name);
    EXPECT_NE(name, "credit_weights");
    EXPECT_NE(name, "mine_macros");
    EXPECT_NE(name, "discover_filter");
    EXPECT_EQ(c.macros, s.macros) << name;
    EXPECT_FALSE(c.filter) << name;
    // Proposals leave the meta weights alone (they are learned by the loop, not proposed).
    EXPECT_EQ(c.meta_weights, s.meta_weights) << name;
  }
  // Only one operator left: every candidate is its.
  ProposalContext only = ctx;
  only.disabled.fill(true);
  only.disabled[MetaIdx("perturb_params")] = false;
  for (int i = 0; i < 30; ++i) {
    std::string name;
    ProposeCandidate(s, rng, only, &name);
    EXPECT_EQ(name, "perturb_params");
  }
}

TEST(ProposeCandidate, PerturbParamsNudgesTheModelShareOfASpecThatAsksAModel) {
  ProposalContext only = Context();
  only.disabled.fill(true);
  only.disabled[MetaIdx("perturb_params")] = false;
  const ImproverSpec plain = Proposer();
  ImproverSpec with = Proposer();
  with.model = search::ModelProposals{0.02, 3};
  Rng a(11), b(11);
  int changed = 0;
  for (int i = 0; i < 200; ++i) {
    const ImproverSpec c = ProposeCandidate(plain, a, only, nullptr);
    EXPECT_FALSE(c.model);
    const ImproverSpec d = ProposeCandidate(with, b, only, nullptr);
    ASSERT_TRUE(d.model);
    EXPECT_EQ(d.model->history, 3);
    EXPECT_GE(d.model->share, 1e-3);
    EXPECT_LE(d.model->share, 1.0);
    changed += d.model->share != 0.02;
  }
  EXPECT_GT(changed, 10);   // about one proposal in eight moves the share
  EXPECT_LT(changed, 60);
}

TEST(ProposeCandidate, ThrowsWhenNoMetaOperatorHasWeight) {
  ImproverSpec s = Proposer();
  s.meta_weights.fill(0);
  Rng rng(1);
  EXPECT_THROW(ProposeCandidate(s, rng, Context(), nullptr), Error);
  // Weight only on disabled operators is the same as none.
  ImproverSpec t = Proposer();
  t.meta_weights.fill(0);
  t.meta_weights[MetaIdx("mine_macros")] = 1;
  ProposalContext ctx = Context();
  ctx.disabled[MetaIdx("mine_macros")] = true;
  EXPECT_THROW(ProposeCandidate(t, rng, ctx, nullptr), Error);
}

TEST(ProposeCandidate, DiscoverFilterOnlyWithADiscoveredFilter) {
  ImproverSpec s = Proposer();
  s.meta_weights.fill(0);
  s.meta_weights[MetaIdx("discover_filter")] = 1;
  Rng rng(3);
  ProposalContext ctx = Context();
  EXPECT_THROW(ProposeCandidate(s, rng, ctx, nullptr), Error);  // nothing it could do
  ctx.discovered_filter = lang::Parse(*lang::ReferenceProgram("logistic_regression"), search::kFilterShape);
  std::string name;
  const ImproverSpec c = ProposeCandidate(s, rng, ctx, &name);
  EXPECT_EQ(name, "discover_filter");
  ASSERT_TRUE(c.filter);
  EXPECT_EQ(c.filter->program, *ctx.discovered_filter);
  // Once the spec has that very filter, it cannot apply again.
  EXPECT_THROW(ProposeCandidate(c, rng, ctx, nullptr), Error);
  // With other operators around, a missing filter just means another one is drawn.
  ImproverSpec mixed = Proposer();
  mixed.meta_weights[MetaIdx("discover_filter")] = 5;
  ProposalContext none = Context();
  for (int i = 0; i < 50; ++i) {
    std::string n;
    const ImproverSpec m = ProposeCandidate(mixed, rng, none, &n);
    EXPECT_NE(n, "discover_filter");
    EXPECT_FALSE(m.filter);
  }
}

// "Operators that cannot apply are redrawn": but only 64 times, by the same weights. An operator
// that cannot apply at all keeps its weight, so when it holds most of the weight ProposeCandidate
// throws although other operators could apply, and RunRsi (which does not catch it) fails. Here
// discover_filter has weight 20 and the others 0.1 (the bounds the rsi loop's meta-level credit
// keeps weights in are [0.05, 20]) and there is no discovered filter: about 15% of proposals throw.
TEST(ProposeCandidate, AnInapplicableHeavyOperatorDoesNotMakeItThrow) {
  ImproverSpec s = Proposer();
  s.meta_weights.fill(0.1);
  s.meta_weights[MetaIdx("discover_filter")] = 20;
  const ProposalContext ctx = Context();
  int failures = 0;
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    Rng rng(seed);
    try {
      ProposeCandidate(s, rng, ctx, nullptr);
    } catch (const Error&) {
      ++failures;
    }
  }
  EXPECT_EQ(failures, 0) << "of 200 proposals";
}

TEST(ProposeCandidate, MineMacrosAddsTheLibraryAndAMacroWeight) {
  ImproverSpec s = SpecFromConfig(search::DefaultRunConfig().evolution);  // no macro operator
  ASSERT_EQ(Weight(s, Mutation::kMacro), -1);
  s.meta_weights.fill(0);
  s.meta_weights[MetaIdx("mine_macros")] = 1;
  Rng rng(5);
  std::string name;
  const ProposalContext ctx = Context();
  const ImproverSpec c = ProposeCandidate(s, rng, ctx, &name);
  EXPECT_EQ(name, "mine_macros");
  EXPECT_EQ(c.macros, MineMacros(ctx.good_programs, ctx.shape));
  EXPECT_FALSE(c.macros.empty());
  EXPECT_GT(Weight(c, Mutation::kMacro), 0);
  const search::EvolutionConfig e = ApplySpec(c, search::DefaultRunConfig().evolution);
  EXPECT_NE(std::find(e.compiled.kinds.begin(), e.compiled.kinds.end(), Mutation::kMacro), e.compiled.kinds.end());
  // No programs to mine: it cannot apply.
  ProposalContext empty = ctx;
  empty.good_programs.clear();
  EXPECT_THROW(ProposeCandidate(s, rng, empty, nullptr), Error);
}

TEST(ProposeCandidate, CreditWeightsNeedsCredit) {
  ImproverSpec s = Proposer();
  s.meta_weights.fill(0);
  s.meta_weights[MetaIdx("credit_weights")] = 1;
  Rng rng(9);
  std::string name;
  const ImproverSpec c = ProposeCandidate(s, rng, Context(), &name);
  EXPECT_EQ(name, "credit_weights");
  EXPECT_EQ(Weight(c, Mutation::kInsert), 1.0);  // the best gain rate
  EXPECT_LT(Weight(c, Mutation::kAlter), 1.0);
  s.credit = {};
  EXPECT_THROW(ProposeCandidate(s, rng, Context(), nullptr), Error);
}

}  // namespace
}  // namespace ouro::meta
