// Tests of the proposal side of the object-level search's strategy knobs: weighted draws
// (WeightedIndex) and the proposal policy (its validation; operator / operation weights, constants,
// insert positions). Macros, crossover and the Edit record are tested in strategy_ops_test.cc, the
// knobs of whole runs in strategy_run_test.cc; shared helpers are in strategy_test_util.h.
// Small synthetic tasks, fixed seeds: deterministic and fast.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/error.h"
#include "lang/text.h"
#include "search/evolution.h"
#include "search/mutator.h"
#include "search/run_config.h"
#include "strategy_test_util.h"

namespace ouro::search {
namespace {

using test::ChangedComponents;
using test::Config;
using test::Evolve;
using test::kInf;
using test::kNaN;
using test::Macros;
using test::RandomSizes;
using test::Space;
using test::Tasks;

using lang::Component;
using lang::Instruction;
using lang::Op;
using lang::Program;

// ---- WeightedIndex ---------------------------------------------------------------------------

TEST(WeightedIndex, DrawsFollowTheWeightsAndSkipZeros) {
  const std::vector<double> w{1, 2, 3, 0, 4};
  Rng rng(17);
  std::array<int, 5> count{};
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    const size_t k = WeightedIndex(rng, w, w.size());
    ASSERT_LT(k, w.size());
    ++count[k];
  }
  EXPECT_EQ(count[3], 0) << "a zero weight was drawn";
  double chi2 = 0;
  for (size_t k = 0; k < w.size(); ++k) {
    if (w[k] == 0) continue;
    const double expected = n * w[k] / 10.0;
    chi2 += (count[k] - expected) * (count[k] - expected) / expected;
  }
  EXPECT_LT(chi2, 16.3) << "chi-square with 3 degrees of freedom (p = 0.001)";
  // Tiny nonzero weights are still drawn, zeros never.
  const std::vector<double> tiny{0, 1e-3, 0, 1};
  int drawn_tiny = 0;
  for (int i = 0; i < n; ++i) {
    const size_t k = WeightedIndex(rng, tiny, tiny.size());
    ASSERT_TRUE(k == 1 || k == 3) << k;
    drawn_tiny += k == 1;
  }
  EXPECT_GT(drawn_tiny, 0);
  EXPECT_LT(drawn_tiny, 100);
}

TEST(WeightedIndex, ASingleChoiceMakesNoDraw) {
  Rng rng(3);
  for (const std::vector<double>& w : {std::vector<double>{0, 0, 5, 0}, std::vector<double>{7, 0, 0, 0},
                                       std::vector<double>{0, 0, 0, 0.5}}) {
    Rng before = rng;
    const size_t expected = static_cast<size_t>(std::find_if(w.begin(), w.end(), [](double x) { return x > 0; }) - w.begin());
    EXPECT_EQ(WeightedIndex(rng, w, w.size()), expected);
    EXPECT_EQ(rng.Next(), before.Next()) << "the Rng advanced";
  }
  // n <= 1: index 0, no draw, weights or not.
  Rng before = rng;
  EXPECT_EQ(WeightedIndex(rng, {}, 1), 0u);
  EXPECT_EQ(WeightedIndex(rng, {3.0}, 1), 0u);
  EXPECT_EQ(WeightedIndex(rng, {}, 0), 0u);
  EXPECT_EQ(rng.Next(), before.Next());
}

TEST(WeightedIndex, EmptyOrEqualWeightsDrawExactlyLikeBelow) {
  for (size_t n : {2u, 3u, 6u, 13u}) {
    Rng rng(40 + n), ref(40 + n);
    const std::vector<double> equal(n, 0.37);
    for (int i = 0; i < 2000; ++i) {
      const std::vector<double>& w = i % 2 ? equal : std::vector<double>{};
      ASSERT_EQ(WeightedIndex(rng, w, n), ref.Below(static_cast<uint32_t>(n))) << "n " << n << " draw " << i;
    }
    EXPECT_EQ(rng.Next(), ref.Next()) << "same number of draws";
  }
}

// ---- ProposalPolicy validation ---------------------------------------------------------------

// A valid policy for three mutation kinds over Space(), with each of its knobs set.
ProposalPolicy ValidPolicy() {
  ProposalPolicy ok;
  ok.kind_weights = {1, 0, 2};
  ok.op_weights[2] = {1, 0, 0, 3};
  ok.insert_at = {1, 0, 1};
  ok.const_fresh_prob = 1;
  ok.const_sigma = 0;
  ok.macros = Macros();
  return ok;
}

TEST(ProposalPolicy, ValidationRejectsBadPolicies) {
  const SearchSpace space = Space();
  const std::vector<Mutation> kinds{Mutation::kAlter, Mutation::kInsert, Mutation::kMacro};
  auto expect_error = [&](const ProposalPolicy& p, const std::string& what) {
    SCOPED_TRACE(what);
    EXPECT_THROW(p.Validate(space, kinds.size()), Error);
    EXPECT_THROW(Mutator(space, kinds, p), Error);
  };
  const ProposalPolicy ok = ValidPolicy();
  EXPECT_NO_THROW(ok.Validate(space, kinds.size()));
  EXPECT_NO_THROW(Mutator(space, kinds, ok));
  EXPECT_NO_THROW(ProposalPolicy{}.Validate(space, kinds.size()));

  ProposalPolicy p = ok;
  p.kind_weights = {1, 1};
  expect_error(p, "kind weights: too few");
  p.kind_weights = {1, 1, 1, 1};
  expect_error(p, "kind weights: too many");
  p.kind_weights = {1, -1, 1};
  expect_error(p, "kind weights: negative");
  p.kind_weights = {1, kNaN, 1};
  expect_error(p, "kind weights: NaN");
  p.kind_weights = {1, kInf, 1};
  expect_error(p, "kind weights: infinite");
  p.kind_weights = {0, 0, 0};
  expect_error(p, "kind weights: all zero");

  p = ok;
  p.op_weights[1] = {1, 1, 1};  // predict allows 4 ops
  expect_error(p, "op weights: wrong size");
  p.op_weights[1] = {1, 1, 1, -0.5};
  expect_error(p, "op weights: negative");
  p.op_weights[1] = {1, kNaN, 1, 1};
  expect_error(p, "op weights: NaN");
  p.op_weights[1] = {0, 0, 0, 0};
  expect_error(p, "op weights: all zero");
  p = ok;
  SearchSpace no_setup = space;  // weights for a component with no ops at all
  no_setup.ops[0].clear();
  no_setup.max_size[0] = 0;
  p.op_weights[0] = {1};
  EXPECT_THROW(p.Validate(no_setup, kinds.size()), Error);

  p = ok;
  p.insert_at = {0, 0, 0};
  expect_error(p, "insert_at: all zero");
  p.insert_at = {1, -1, 1};
  expect_error(p, "insert_at: negative");
  p.insert_at = {1, kNaN, 1};
  expect_error(p, "insert_at: NaN");

  p = ok;
  p.const_fresh_prob = -0.01;
  expect_error(p, "const_fresh_prob < 0");
  p.const_fresh_prob = 1.01;
  expect_error(p, "const_fresh_prob > 1");
  p.const_fresh_prob = kNaN;
  expect_error(p, "const_fresh_prob NaN");
  p = ok;
  p.const_sigma = -0.1;
  expect_error(p, "const_sigma < 0");
  p.const_sigma = kInf;
  expect_error(p, "const_sigma inf");
  p.const_sigma = kNaN;
  expect_error(p, "const_sigma NaN");

  p = ok;
  p.macros.push_back(Macro{Component::kLearn, {}});
  expect_error(p, "empty macro");
  p = ok;  // s5: Space() has 5 scalars (s0..s4)
  p.macros.push_back(Macro{Component::kPredict, lang::Parse("def predict():\n  s1 = s5 + s2\n")[Component::kPredict]});
  expect_error(p, "macro scalar register outside the shape");
  p = ok;  // m2: 2 matrices
  p.macros.push_back(Macro{Component::kSetup, lang::Parse("def setup():\n  m2[0, 1] = 0.5\n")[Component::kSetup]});
  expect_error(p, "macro matrix register outside the shape");
}

TEST(ProposalPolicy, EvolutionConfigRefusesAPolicyItsStrategyDoesNotGive) {
  // The policy is compiled from the strategy; one changed behind its back is refused.
  EvolutionConfig c = Config();
  c.compiled.policy.kind_weights = {1, 1};  // three mutation kinds
  EXPECT_THROW(RunEvolution(c, Tasks(), 1, 1, {}), Error);
  c = Config();
  c.operations[2].back().second = -1;
  EXPECT_THROW(Evolve(c, 1, 1), Error);
}

// ---- ProposalPolicy draws --------------------------------------------------------------------

TEST(ProposalPolicy, ZeroWeightOpsAreNeverDrawn) {
  const SearchSpace space = Space();
  ProposalPolicy policy;
  policy.op_weights[2] = {1, 0, 2, 1};  // learn: never kScalarMul
  const Mutator mutator(space, {Mutation::kRandomize, Mutation::kInsert, Mutation::kComponent}, policy);
  Rng rng(5);
  std::array<int, 4> count{};
  const int n = 8000;
  for (int i = 0; i < n; ++i) {
    const Instruction in = mutator.RandomInstruction(rng, Component::kLearn);
    const auto it = std::find(space.ops[2].begin(), space.ops[2].end(), in.op);
    ASSERT_NE(it, space.ops[2].end());
    ++count[it - space.ops[2].begin()];
  }
  EXPECT_EQ(count[1], 0);
  EXPECT_NEAR(count[0] / double(n), 0.25, 0.02);
  EXPECT_NEAR(count[2] / double(n), 0.50, 0.02);
  EXPECT_NEAR(count[3] / double(n), 0.25, 0.02);
  // Other components stay uniform over their ops.
  std::array<int, 4> predict{};
  for (int i = 0; i < 4000; ++i) {
    const Instruction in = mutator.RandomInstruction(rng, Component::kPredict);
    ++predict[std::find(space.ops[1].begin(), space.ops[1].end(), in.op) - space.ops[1].begin()];
  }
  for (int k : predict) EXPECT_NEAR(k / 4000.0, 0.25, 0.03);
  // Nor by random programs or the operators that write instructions.
  for (int rep = 0; rep < 1000; ++rep) {
    Program p = mutator.RandomProgram(rng, RandomSizes(rng, space));
    for (int m = 0; m < 3; ++m) mutator.Mutate(rng, p);
    for (const Instruction& in : p[Component::kLearn]) ASSERT_NE(in.op, Op::kScalarMul) << lang::Print(p);
  }
}

TEST(ProposalPolicy, KindWeightsSteerMutate) {
  const SearchSpace space = Space();
  ProposalPolicy policy;
  policy.kind_weights = {0, 3, 0, 0, 1};
  const Mutator mutator(space, {Mutation::kAlter, Mutation::kRandomize, Mutation::kInsert, Mutation::kRemove,
                                Mutation::kSwap},
                        policy);
  Rng rng(6);
  int randomize = 0, swap = 0;
  const int n = 4000;
  for (int rep = 0; rep < n; ++rep) {
    Program p = mutator.RandomProgram(rng, {3, 3, 3});  // randomize and swap always apply
    const Mutation m = mutator.Mutate(rng, p);
    ASSERT_TRUE(m == Mutation::kRandomize || m == Mutation::kSwap) << MutationName(m);
    (m == Mutation::kRandomize ? randomize : swap)++;
  }
  EXPECT_NEAR(randomize / double(n), 0.75, 0.025);
  // A kind that cannot apply is retried: only remove weighted, nothing removable -> kNone.
  policy.kind_weights = {0, 0, 0, 1, 0};
  const Mutator only_remove(space, {Mutation::kAlter, Mutation::kRandomize, Mutation::kInsert, Mutation::kRemove,
                                    Mutation::kSwap},
                            policy);
  Program p = only_remove.RandomProgram(rng, {0, 1, 0});  // every component at its min size
  const Program before = p;
  Edit edit{Mutation::kSwap, 1, 0.5, Op::kScalarAdd};
  EXPECT_EQ(only_remove.Mutate(rng, p, nullptr, &edit), Mutation::kNone);
  EXPECT_EQ(p, before);
  EXPECT_EQ(edit.kind, Mutation::kNone);
  EXPECT_EQ(edit.component, -1);
}

TEST(ProposalPolicy, InsertAtStartOrEnd) {
  const SearchSpace space = Space();
  for (int where : {0, 2}) {
    SCOPED_TRACE(where == 0 ? "start" : "end");
    ProposalPolicy policy;
    policy.insert_at = {where == 0 ? 1.0 : 0.0, 0, where == 2 ? 1.0 : 0.0};
    const Mutator mutator(space, {Mutation::kInsert}, policy);
    Rng rng(7 + where);
    int applied = 0;
    for (int rep = 0; rep < 1000; ++rep) {
      const Program before = mutator.RandomProgram(rng, RandomSizes(rng, space));
      Program after = before;
      Edit edit;
      if (!mutator.Apply(Mutation::kInsert, rng, after, nullptr, &edit)) {
        EXPECT_EQ(after, before);
        continue;
      }
      ++applied;
      const int c = edit.component;
      ASSERT_EQ(ChangedComponents(before, after), std::vector<int>{c});
      const auto& b = before.fn[c];
      const auto& a = after.fn[c];
      ASSERT_EQ(a.size(), b.size() + 1);
      if (where == 0) {
        EXPECT_TRUE(std::equal(b.begin(), b.end(), a.begin() + 1));
        EXPECT_EQ(edit.position, 0.0);
        EXPECT_EQ(edit.op, a.front().op);
      } else {
        EXPECT_TRUE(std::equal(b.begin(), b.end(), a.begin()));
        EXPECT_EQ(edit.position, b.empty() ? 0.0 : 1.0);
        EXPECT_EQ(edit.op, a.back().op);
      }
    }
    EXPECT_GT(applied, 500);
  }
}

TEST(ProposalPolicy, ZeroSigmaAndNoFreshDrawsKeepConstants) {
  SearchSpace space;
  space.shape = lang::Shape{6, 5, 3, 4};
  space.ops[0] = {Op::kScalarConst, Op::kVectorConst, Op::kMatrixConst};
  space.ops[1] = {Op::kScalarUniform, Op::kVectorGaussian};
  space.ops[2] = {Op::kScalarConst, Op::kScalarGaussian};
  space.min_size = {1, 1, 1};
  ProposalPolicy frozen;
  frozen.const_fresh_prob = 0;
  frozen.const_sigma = 0;
  const Mutator mutator(space, {Mutation::kAlter}, frozen);
  ProposalPolicy fresh;
  fresh.const_fresh_prob = 1;
  const Mutator always_fresh(space, {Mutation::kAlter}, fresh);
  Rng rng(8);
  int changed = 0, const_changed_fresh = 0;
  for (int rep = 0; rep < 2000; ++rep) {
    const Program before = mutator.RandomProgram(rng, {3, 3, 3});
    Program after = before;
    ASSERT_TRUE(mutator.Apply(Mutation::kAlter, rng, after));
    changed += after != before;
    for (int c = 0; c < 3; ++c)
      for (size_t i = 0; i < before.fn[c].size(); ++i) {
        ASSERT_EQ(after.fn[c][i].c1, before.fn[c][i].c1);
        ASSERT_EQ(after.fn[c][i].c2, before.fn[c][i].c2);
      }
    // The same alters with fresh draws: constants do change, and land in [-1, 1).
    Program q = before;
    ASSERT_TRUE(always_fresh.Apply(Mutation::kAlter, rng, q));
    for (int c = 0; c < 3; ++c)
      for (size_t i = 0; i < before.fn[c].size(); ++i)
        for (auto [x, y] : {std::pair{q.fn[c][i].c1, before.fn[c][i].c1}, std::pair{q.fn[c][i].c2, before.fn[c][i].c2}})
          if (x != y) {
            ++const_changed_fresh;
            EXPECT_GE(x, -1.0);
            EXPECT_LT(x, 1.0);
          }
  }
  EXPECT_GT(changed, 500) << "registers and element indices still change";
  EXPECT_GT(const_changed_fresh, 300);
}

}  // namespace
}  // namespace ouro::search
