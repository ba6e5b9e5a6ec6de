// Tests of the strategy knobs of the object-level search: weighted draws (WeightedIndex), the
// proposal policy (operator / operation weights, constants, insert positions, macros), crossover,
// the Edit record, islands, the evaluation cascade, the learned proposal filter, recorded
// proposals, credit statistics, the best-fitness trace and budgets counted in eval_cost.
// Small synthetic tasks, fixed seeds: deterministic and fast.
#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/error.h"
#include "eval/evaluator.h"
#include "lang/reference.h"
#include "lang/text.h"
#include "search/evolution.h"
#include "search/mutator.h"
#include "search/run_config.h"
#include "tasks/partition.h"
#include "search_test_util.h"

namespace ouro::search {
namespace {

using test::Allowed;
using test::Linear;
using test::Exact;

using lang::Component;
using lang::Instruction;
using lang::Op;
using lang::Program;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// ---- helpers: mutator level ------------------------------------------------------------------

// A space with a different op set per component and room to grow.
SearchSpace Space() {
  SearchSpace s;
  s.shape = lang::Shape{5, 4, 2, 4};
  s.ops[0] = {Op::kScalarConst, Op::kVectorConst, Op::kScalarUniform, Op::kMatrixGaussian};
  s.ops[1] = {Op::kVectorDot, Op::kScalarAdd, Op::kMatVec, Op::kScalarSin};
  s.ops[2] = {Op::kScalarSub, Op::kScalarMul, Op::kScalarVectorMul, Op::kVectorAdd};
  s.min_size = {0, 1, 0};
  s.max_size = {6, 5, 9};
  return s;
}

// Sizes in [min, max] per component, hitting the bounds often.
std::array<int, 3> RandomSizes(Rng& rng, const SearchSpace& s) {
  std::array<int, 3> out{};
  for (int c = 0; c < 3; ++c) {
    const int lo = s.min_size[c], hi = s.max_size[c];
    switch (rng.Below(4)) {
      case 0: out[c] = lo; break;
      case 1: out[c] = hi; break;
      default: out[c] = lo + static_cast<int>(rng.Below(static_cast<uint32_t>(hi - lo + 1))); break;
    }
  }
  return out;
}

std::vector<int> ChangedComponents(const Program& a, const Program& b) {
  std::vector<int> out;
  for (int c = 0; c < 3; ++c)
    if (a.fn[c] != b.fn[c]) out.push_back(c);
  return out;
}

// Two learn macros (lengths 2 and 5) and one setup macro; registers fit Space().shape.
std::vector<Macro> Macros() {
  const Program two = lang::Parse("def learn():\n  s3 = s0 - s1\n  v1 = v1 + v2\n");
  const Program five = lang::Parse(
      "def learn():\n  s2 = s0 * s1\n  s3 = s2 - s4\n  v2 = s3 * v0\n  v1 = v1 + v2\n  s4 = s4 + s3\n");
  const Program one = lang::Parse("def setup():\n  s2 = 0.125\n");
  return {Macro{Component::kLearn, two[Component::kLearn]},
          Macro{Component::kLearn, five[Component::kLearn]},
          Macro{Component::kSetup, one[Component::kSetup]}};
}

// ---- helpers: evolution level ----------------------------------------------------------------

// Three search tasks (so a cascade on one of them is a third of the cost).
const tasks::Partition& Tasks() {
  static const tasks::Partition p =
      tasks::MakePartition(Linear(3, 40, 40, 1), Linear(4, 60, 40, 1), Linear(2, 60, 40, 1));
  return p;
}

// The demo space with a small population and an unreachable target: every run uses its whole
// max_individuals (one experiment).
EvolutionConfig Config() {
  EvolutionConfig c = DefaultRunConfig().evolution;
  c.population = 48;
  c.tournament = 4;
  c.batch = 16;
  c.max_individuals = 2000;
  c.max_experiments = 1;
  c.check_every = 200;
  c.sufficient_fitness = 2.0;
  c.Compile();
  return c;
}

// Everything observable about a run except its recorded proposals and timings.
std::string Summary(const EvolutionResult& r) {
  std::string s = r.stop_reason + " search " + Exact(r.fitness_search) + " select " + Exact(r.fitness_select) +
                  " final " + Exact(r.fitness_final) + "\n";
  const Progress& p = r.progress;
  s += "ind " + std::to_string(p.individuals) + " evals " + std::to_string(p.evaluations) + " cost " +
       Exact(p.eval_cost) + " hits " + std::to_string(p.cache_hits) + " rejects " +
       std::to_string(p.cascade_rejects) + " filtered " + std::to_string(p.filtered) + " best " +
       Exact(p.best_fitness) + "\n";
  for (const auto& ind : r.lineage)
    s += std::to_string(ind->id) + " " + std::string(MutationName(ind->mutation)) + " " + Exact(ind->fitness) +
         "\n" + lang::Print(ind->program);
  for (const TracePoint& t : r.trace) s += "trace " + Exact(t.eval_cost) + " " + Exact(t.best_fitness) + "\n";
  for (int k = 0; k < kNumMutations; ++k)
    s += "credit " + std::to_string(k) + " " + Exact(r.credit.kind[k].trials) + " " + Exact(r.credit.kind[k].gains) + "\n";
  return s;
}

// Runs `c` compiled, as every caller compiles a config after changing its strategy.
EvolutionResult Evolve(EvolutionConfig c, uint64_t seed, int threads, Budget budget = {}) {
  c.Compile();
  return RunEvolution(c, Tasks(), seed, threads, budget);
}

double FullSearchFitness(const Program& p, const EvolutionConfig& c, uint64_t seed) {
  const lang::Executable exe = lang::Compile(p, c.shape);
  lang::Machine m;
  // The engine's evaluation seed stream (evolution.cc: DeriveSeed(seed, 0xe7a1)).
  return eval::EvaluateSet(exe, Tasks().search, m, DeriveSeed(seed, 0xe7a1), c.limits).fitness;
}

// The reference logistic regression as a filter. threshold 1: drop a proposal when its predicted
// P(gain) is below the bar (the bar is threshold x the observed gain rate, or the threshold itself
// in the first version of the filter; these tests pass under both readings).
FilterConfig LogisticFilter(int warmup) {
  FilterConfig f;
  f.program = lang::Parse(*lang::ReferenceProgram("logistic_regression"));
  f.warmup = warmup;
  f.threshold = 1;
  return f;
}

double Sum(const std::array<CreditCounts, kNumMutations>& a, bool gains) {
  double s = 0;
  for (const auto& x : a) s += gains ? x.gains : x.trials;
  return s;
}

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

TEST(ProposalPolicy, ValidationRejectsBadPolicies) {
  const SearchSpace space = Space();
  const std::vector<Mutation> kinds{Mutation::kAlter, Mutation::kInsert, Mutation::kMacro};
  auto expect_error = [&](const ProposalPolicy& p, const std::string& what) {
    SCOPED_TRACE(what);
    EXPECT_THROW(p.Validate(space, kinds.size()), Error);
    EXPECT_THROW(Mutator(space, kinds, p), Error);
  };
  ProposalPolicy ok;
  ok.kind_weights = {1, 0, 2};
  ok.op_weights[2] = {1, 0, 0, 3};
  ok.insert_at = {1, 0, 1};
  ok.const_fresh_prob = 1;
  ok.const_sigma = 0;
  ok.macros = Macros();
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

// ---- macros ----------------------------------------------------------------------------------

TEST(Macro, InsertsOneMacroContiguouslyInItsComponent) {
  const SearchSpace space = Space();  // max_size {6, 5, 9}
  ProposalPolicy policy;
  policy.macros = Macros();
  const Mutator mutator(space, {Mutation::kMacro}, policy);
  Rng rng(9);
  int applied = 0, refused_other = 0, refused_full = 0, used_long = 0, short_only = 0;
  for (int rep = 0; rep < 3000; ++rep) {
    const Program before = mutator.RandomProgram(rng, RandomSizes(rng, space));
    Program after = before;
    Edit edit;
    const bool ok = mutator.Apply(Mutation::kMacro, rng, after, nullptr, &edit);
    ASSERT_GE(edit.component, 0);
    ASSERT_LT(edit.component, 3);
    const int c = edit.component;
    const size_t n = before.fn[c].size();
    // Which macros of this component fit under max_size.
    std::vector<const Macro*> fits;
    for (const Macro& m : policy.macros)
      if (static_cast<int>(m.component) == c && static_cast<int>(n + m.code.size()) <= space.max_size[c]) fits.push_back(&m);
    if (!ok) {
      EXPECT_EQ(after, before);
      EXPECT_TRUE(fits.empty()) << "refused although a macro fits, component " << c << " size " << n;
      (c == 1 ? refused_other : refused_full)++;
      continue;
    }
    ++applied;
    ASSERT_FALSE(fits.empty());
    ASSERT_EQ(ChangedComponents(before, after), std::vector<int>{c});
    ASSERT_LE(static_cast<int>(after.fn[c].size()), space.max_size[c]);
    // after = before with one fitting macro inserted contiguously at some position i.
    const auto& a = after.fn[c];
    bool found = false;
    for (const Macro* m : fits) {
      if (a.size() != n + m->code.size()) continue;
      for (size_t i = 0; i <= n && !found; ++i) {
        if (!std::equal(m->code.begin(), m->code.end(), a.begin() + static_cast<long>(i))) continue;
        std::vector<Instruction> rest(a.begin(), a.begin() + static_cast<long>(i));
        rest.insert(rest.end(), a.begin() + static_cast<long>(i + m->code.size()), a.end());
        if (rest != before.fn[c]) continue;
        found = true;
        used_long += m->code.size() == 5;
        short_only += fits.size() == 1 && c == 2;
        EXPECT_EQ(edit.op, m->code.front().op);
        EXPECT_NEAR(edit.position, a.size() > 1 ? double(i) / double(a.size() - 1) : 0.0, 1e-12);
      }
    }
    EXPECT_TRUE(found) << lang::Print(before) << "--\n" << lang::Print(after);
    EXPECT_EQ(edit.kind, Mutation::kMacro);
    EXPECT_GE(edit.position, 0.0);
    EXPECT_LE(edit.position, 1.0);
  }
  EXPECT_GT(applied, 800);
  EXPECT_GT(refused_other, 500) << "no macro for predict";
  EXPECT_GT(refused_full, 50) << "at max size";
  EXPECT_GT(used_long, 50);
  EXPECT_GT(short_only, 20) << "only the short learn macro fits";
}

TEST(Macro, InsertAtStartPutsTheMacroFirst) {
  const SearchSpace space = Space();
  ProposalPolicy policy;
  policy.macros = {Macros()[0]};
  policy.insert_at = {1, 0, 0};
  const Mutator mutator(space, {Mutation::kMacro}, policy);
  Rng rng(10);
  int applied = 0;
  for (int rep = 0; rep < 300; ++rep) {
    const Program before = mutator.RandomProgram(rng, {2, 2, 3});
    Program after = before;
    if (!mutator.Apply(Mutation::kMacro, rng, after)) continue;
    ++applied;
    const auto& a = after[Component::kLearn];
    ASSERT_EQ(a.size(), 5u);
    EXPECT_TRUE(std::equal(policy.macros[0].code.begin(), policy.macros[0].code.end(), a.begin()));
    EXPECT_TRUE(std::equal(a.begin() + 2, a.end(), before[Component::kLearn].begin()));
  }
  EXPECT_GT(applied, 50);
}

TEST(Macro, RefusesWithoutALibrary) {
  const SearchSpace space = Space();
  const Mutator mutator(space, {Mutation::kMacro});
  Rng rng(11);
  for (int rep = 0; rep < 100; ++rep) {
    Program p = mutator.RandomProgram(rng, {1, 1, 1});
    const Program before = p;
    EXPECT_FALSE(mutator.Apply(Mutation::kMacro, rng, p));
    EXPECT_EQ(p, before);
    EXPECT_EQ(mutator.Mutate(rng, p), Mutation::kNone);
  }
}

// ---- crossover -------------------------------------------------------------------------------

TEST(Crossover, NeedsAMate) {
  const SearchSpace space = Space();
  const Mutator mutator(space, {Mutation::kCrossover});
  Rng rng(12);
  for (int rep = 0; rep < 100; ++rep) {
    Program p = mutator.RandomProgram(rng, RandomSizes(rng, space));
    const Program before = p;
    EXPECT_FALSE(mutator.Apply(Mutation::kCrossover, rng, p));
    EXPECT_EQ(mutator.Mutate(rng, p), Mutation::kNone);
    EXPECT_EQ(p, before);
  }
}

TEST(Crossover, HeadOfParentThenTailOfMate) {
  const SearchSpace space = Space();
  const Mutator mutator(space, {Mutation::kCrossover});
  Rng rng(13);
  int applied = 0, refused = 0;
  for (int rep = 0; rep < 3000; ++rep) {
    const Program before = mutator.RandomProgram(rng, RandomSizes(rng, space));
    const Program mate = mutator.RandomProgram(rng, RandomSizes(rng, space));
    Program after = before;
    Edit edit;
    if (!mutator.Apply(Mutation::kCrossover, rng, after, &mate, &edit)) {
      ++refused;
      EXPECT_EQ(after, before);
      continue;
    }
    ++applied;
    const int c = edit.component;
    ASSERT_GE(c, 0);
    ASSERT_LT(c, 3);
    ASSERT_EQ(ChangedComponents(before, after), std::vector<int>{c});
    const auto& a = after.fn[c];
    const auto& b = before.fn[c];
    const auto& m = mate.fn[c];
    EXPECT_GE(static_cast<int>(a.size()), space.min_size[c]);
    EXPECT_LE(static_cast<int>(a.size()), space.max_size[c]);
    bool found = false;
    for (size_t i = 0; i <= std::min(b.size(), a.size()) && !found; ++i) {
      if (!std::equal(b.begin(), b.begin() + static_cast<long>(i), a.begin())) continue;
      const size_t tail = a.size() - i;
      if (tail > m.size()) continue;
      if (std::equal(a.begin() + static_cast<long>(i), a.end(), m.end() - static_cast<long>(tail))) found = true;
    }
    EXPECT_TRUE(found) << lang::Print(before) << "-- mate\n" << lang::Print(mate) << "--\n" << lang::Print(after);
    EXPECT_EQ(edit.kind, Mutation::kCrossover);
    EXPECT_GE(edit.position, 0.0);
    EXPECT_TRUE(edit.op == Op::kCount || Allowed(space, c, edit.op));
  }
  EXPECT_GT(applied, 1500);
  EXPECT_GT(refused, 50);
  // A program crossed with itself at the same cut is unchanged: that is refused, not applied.
  Program p = mutator.RandomProgram(rng, {0, 1, 0});  // setup and learn empty, predict size 1
  int self_applied = 0;
  for (int rep = 0; rep < 200; ++rep) {
    Program q = p;
    if (mutator.Apply(Mutation::kCrossover, rng, q, &p)) {
      ++self_applied;
      EXPECT_NE(q, p);
    }
  }
  EXPECT_GT(self_applied, 0);  // predict: head of 1 + tail of 1 = size 2
}

// Edit.position is documented as relative, in [0, 1]. BUG (src/search/mutator.cc, kCrossover:
// `at(i, fn.size())` after fn = head(i) + tail): when the mate's tail is empty, the new size is i
// and the position is i / (i - 1) > 1 (e.g. parent size 5 cut at 3, mate cut at its end: 1.5).
// Enable when fixed.
TEST(Crossover, EditPositionIsRelative) {
  const SearchSpace space = Space();
  const Mutator mutator(space, {Mutation::kCrossover});
  Rng rng(14);
  for (int rep = 0; rep < 3000; ++rep) {
    const Program mate = mutator.RandomProgram(rng, RandomSizes(rng, space));
    Program p = mutator.RandomProgram(rng, RandomSizes(rng, space));
    Edit edit;
    if (!mutator.Apply(Mutation::kCrossover, rng, p, &mate, &edit)) continue;
    ASSERT_GE(edit.position, 0.0);
    ASSERT_LE(edit.position, 1.0) << "component " << edit.component << " size " << p.fn[edit.component].size();
  }
}

// ---- the Edit record of every kind -----------------------------------------------------------

TEST(StrategyEdit, MutateFillsTheEditOfEveryKind) {
  const SearchSpace space = Space();
  ProposalPolicy policy;
  policy.macros = Macros();
  for (Mutation kind : {Mutation::kAlter, Mutation::kRandomize, Mutation::kInsert, Mutation::kRemove, Mutation::kSwap,
                        Mutation::kComponent, Mutation::kMacro, Mutation::kCrossover}) {
    SCOPED_TRACE(std::string(MutationName(kind)));
    const Mutator mutator(space, {kind}, policy);
    Rng rng(200 + static_cast<int>(kind));
    int applied = 0;
    for (int rep = 0; rep < 1000; ++rep) {
      const Program mate = mutator.RandomProgram(rng, RandomSizes(rng, space));
      const Program before = mutator.RandomProgram(rng, RandomSizes(rng, space));
      Program after = before;
      Edit edit{Mutation::kSwap, 2, 0.75, Op::kScalarAdd};  // garbage that must be overwritten
      const Mutation m = mutator.Mutate(rng, after, &mate, &edit);
      ASSERT_EQ(edit.kind, m);
      if (m == Mutation::kNone) {
        EXPECT_EQ(edit.component, -1);
        EXPECT_EQ(edit.op, Op::kCount);
        EXPECT_EQ(after, before);
        continue;
      }
      ++applied;
      ASSERT_EQ(m, kind);
      ASSERT_GE(edit.component, 0);
      ASSERT_LT(edit.component, 3);
      const int c = edit.component;
      for (int changed : ChangedComponents(before, after)) EXPECT_EQ(changed, c);
      EXPECT_GE(edit.position, 0.0);
      if (kind != Mutation::kCrossover) {
        EXPECT_LE(edit.position, 1.0);  // crossover: see EditPositionIsRelative
      }
      const auto& a = after.fn[c];
      // Index the position refers to (in the program after the edit for writes).
      auto index = [&](size_t size) { return static_cast<size_t>(std::lround(edit.position * double(size - 1))); };
      switch (kind) {
        case Mutation::kSwap:
          EXPECT_EQ(edit.op, Op::kCount);
          break;
        case Mutation::kRemove:
          // Which operation a removal reports is checked in RemoveReportsNoOperation.
          break;
        case Mutation::kMacro:
          EXPECT_TRUE(edit.op == Macros()[0].code[0].op || edit.op == Macros()[1].code[0].op ||
                      edit.op == Macros()[2].code[0].op);
          EXPECT_EQ(a[index(a.size())].op, edit.op);
          break;
        case Mutation::kCrossover:
          EXPECT_TRUE(edit.op == Op::kCount || Allowed(space, c, edit.op));
          break;
        case Mutation::kComponent:
          EXPECT_EQ(edit.position, 0.0);
          EXPECT_EQ(edit.op, a.front().op);
          break;
        default:  // alter, randomize, insert: the instruction written or altered
          ASSERT_TRUE(Allowed(space, c, edit.op)) << static_cast<int>(edit.op);
          EXPECT_EQ(a[index(a.size())].op, edit.op);
          break;
      }
    }
    EXPECT_GT(applied, 300);
  }
}

// The header (search/mutator.h, Edit::op) says "kCount: none (remove, swap)". BUG
// (src/search/mutator.cc, kRemove: `at(i, n)` runs before the erase, so `e.op = fn[i].op`): a
// removal reports the operation of the removed instruction. Either the code or the comment is
// wrong; enable when they agree.
TEST(StrategyEdit, RemoveReportsNoOperation) {
  const SearchSpace space = Space();
  const Mutator mutator(space, {Mutation::kRemove});
  Rng rng(15);
  for (int rep = 0; rep < 200; ++rep) {
    Program p = mutator.RandomProgram(rng, {3, 3, 3});
    Edit edit;
    ASSERT_TRUE(mutator.Apply(Mutation::kRemove, rng, p, nullptr, &edit));
    ASSERT_EQ(edit.op, Op::kCount);
  }
}

// ---- evolution: defaults, islands ------------------------------------------------------------

TEST(StrategyEvolution, NeutralKnobsReproduceThePlainRun) {
  // Equal weights draw exactly like the uniform default; one population ignores migrate_every;
  // cascade_tasks = 0 ignores cascade_ratio; a cascade over all search tasks is no cascade;
  // recording proposals does not touch the search.
  EvolutionConfig plain = Config();
  plain.mutations = {{Mutation::kAlter, 1}, {Mutation::kRandomize, 1}, {Mutation::kInsert, 1}, {Mutation::kRemove, 1}};
  const std::string base = Summary(Evolve(plain, 5, 2));
  EvolutionConfig c = plain;
  // A switched-off first operator keeps the equal weights 2 in the compiled policy.
  c.mutations = {{Mutation::kSwap, 0}, {Mutation::kAlter, 2}, {Mutation::kRandomize, 2}, {Mutation::kInsert, 2},
                 {Mutation::kRemove, 2}};
  c.Compile();
  EXPECT_EQ(c.compiled.policy.kind_weights, (std::vector<double>{2, 2, 2, 2}));
  for (auto& ops : c.operations)
    for (auto& [op, w] : ops) w = 0.5;
  c.insert_at = {0, 3, 0};
  c.migrate_every = 40;  // the regularized scheme ignores it
  c.cascade_ratio = 0.3;
  c.record_proposals = true;
  const EvolutionResult r = Evolve(c, 5, 1);
  EXPECT_EQ(Summary(r), base);
  EXPECT_FALSE(r.proposals.empty());
  c = plain;
  c.cascade_tasks = 3;  // == number of search tasks
  c.cascade_ratio = 1.0;
  EXPECT_EQ(Summary(Evolve(c, 5, 2)), base);
  // Not everything is neutral: unequal weights change the lineage.
  c = plain;
  c.mutations[1].second = 2;
  EXPECT_NE(Summary(Evolve(c, 5, 2)), base);
}

TEST(Islands, DeterministicAcrossThreadsAndDifferentFromOnePopulation) {
  EvolutionConfig c = Config();
  c.scheme = "islands";
  c.islands = 4;
  c.migrate_every = 100;
  const EvolutionResult one = Evolve(c, 7, 1);
  const EvolutionResult two = Evolve(c, 7, 2);
  EXPECT_EQ(Summary(one), Summary(two));
  EXPECT_EQ(one.progress.individuals, c.max_individuals);
  EXPECT_GT(one.lineage.size(), 1u);
  EvolutionConfig single = c;
  single.scheme = "regularized";
  EXPECT_NE(Summary(Evolve(single, 7, 2)), Summary(one));
  EvolutionConfig no_migration = c;
  no_migration.migrate_every = 0;
  EXPECT_NE(Summary(Evolve(no_migration, 7, 2)), Summary(one));
}

TEST(Islands, WithoutMigrationALineageStaysOnItsIsland) {
  // Child i of the experiment lives on island i mod 4 (ids count the children), and its parent is
  // a tournament winner of that island. Only migration moves a program to another island.
  EvolutionConfig c = Config();
  c.scheme = "islands";
  c.islands = 4;
  c.migrate_every = 0;
  for (uint64_t seed : {2, 4}) {
    const EvolutionResult r = Evolve(c, seed, 2);
    ASSERT_GT(r.lineage.size(), 5u) << "seed " << seed;
    for (const auto& ind : r.lineage) EXPECT_EQ(ind->id % 4, r.lineage.front()->id % 4) << "seed " << seed;
  }
  c.migrate_every = 50;
  int crossings = 0;
  for (uint64_t seed : {2, 5}) {
    const EvolutionResult r = Evolve(c, seed, 2);
    for (size_t i = 1; i < r.lineage.size(); ++i) crossings += r.lineage[i]->id % 4 != r.lineage[i - 1]->id % 4;
  }
  EXPECT_GT(crossings, 0) << "migrants never founded a line";
}

TEST(Islands, InvalidIslandCountsThrow) {
  EvolutionConfig c = Config();  // population 48, tournament 4
  c.scheme = "islands";
  c.islands = 0;
  EXPECT_THROW(Evolve(c, 1, 1), Error);
  c.islands = -2;
  EXPECT_THROW(Evolve(c, 1, 1), Error);
  c.islands = 1;  // one island is the regularized scheme
  EXPECT_THROW(Evolve(c, 1, 1), Error);
  c.islands = 49;
  EXPECT_THROW(Evolve(c, 1, 1), Error);
  c.islands = 13;  // 48 / 13 = 3 < tournament 4
  EXPECT_THROW(Evolve(c, 1, 1), Error);
  c.islands = 12;  // 48 / 12 = 4 == tournament
  c.max_individuals = 200;
  EXPECT_NO_THROW(Evolve(c, 1, 1));
  c.islands = 2;
  c.migrate_every = -1;
  EXPECT_THROW(Evolve(c, 1, 1), Error);
}

// ---- cascade ---------------------------------------------------------------------------------

TEST(Cascade, RejectsCostAFractionAndFullScoresAreExact) {
  EvolutionConfig c = Config();
  c.fec = false;  // every fitness is then the program's own score
  c.max_individuals = 1000;
  c.cascade_tasks = 1;
  c.cascade_ratio = 1.0;
  const EvolutionResult r = Evolve(c, 3, 1);
  const Progress& p = r.progress;
  EXPECT_GT(p.cascade_rejects, 0);
  EXPECT_GT(p.evaluations, c.population);
  EXPECT_EQ(p.cache_hits, 0);
  EXPECT_EQ(p.individuals, p.evaluations + p.cascade_rejects);
  EXPECT_LT(p.eval_cost, static_cast<double>(p.evaluations + p.cascade_rejects));
  EXPECT_NEAR(p.eval_cost, p.evaluations + p.cascade_rejects / 3.0, 1e-6);  // 1 of 3 tasks
  // The chosen program was fully scored: its search fitness is a fresh full evaluation.
  ASSERT_TRUE(r.best);
  EXPECT_EQ(r.fitness_search, FullSearchFitness(r.best->program, c, 3));
  EXPECT_EQ(r.best->fitness, r.fitness_search);
  // Deterministic across threads.
  EXPECT_EQ(Summary(r), Summary(Evolve(c, 3, 2)));
  // And a different run from the plain one (rejects keep their partial scores).
  EvolutionConfig plain = c;
  plain.cascade_tasks = 0;
  const EvolutionResult q = Evolve(plain, 3, 2);
  EXPECT_EQ(q.progress.eval_cost, static_cast<double>(q.progress.evaluations));
  EXPECT_EQ(q.progress.cascade_rejects, 0);
}

TEST(Cascade, LowerRatioRejectsLess) {
  EvolutionConfig c = Config();
  c.fec = false;
  c.max_individuals = 1000;
  c.cascade_tasks = 1;
  c.cascade_ratio = 1.0;
  const int64_t strict = Evolve(c, 4, 2).progress.cascade_rejects;
  c.cascade_ratio = 0.5;
  const int64_t loose = Evolve(c, 4, 2).progress.cascade_rejects;
  c.cascade_ratio = 0.0;  // nothing is below 0
  EXPECT_EQ(Evolve(c, 4, 2).progress.cascade_rejects, 0);
  EXPECT_GT(strict, loose);
  c.cascade_ratio = 1.5;
  EXPECT_THROW(Evolve(c, 4, 1), Error);
  c.cascade_ratio = kNaN;
  EXPECT_THROW(Evolve(c, 4, 1), Error);
  c.cascade_ratio = 0.5;
  c.cascade_tasks = -1;
  EXPECT_THROW(Evolve(c, 4, 1), Error);
}

TEST(Cascade, BudgetCountsEvalCostNotEvaluations) {
  EvolutionConfig c = Config();
  c.cascade_tasks = 1;
  c.cascade_ratio = 1.0;
  c.max_individuals = 100000;
  Budget b;
  b.max_evaluations = 300;
  const EvolutionResult r = Evolve(c, 6, 2, b);
  const Progress& p = r.progress;
  EXPECT_EQ(r.stop_reason, "max_evals");
  EXPECT_GE(p.eval_cost, 300.0);
  EXPECT_LT(p.eval_cost, 300.0 + c.batch);  // checked after every batch
  EXPECT_LT(p.evaluations, 300) << "fewer full evaluations than the budget: rejects cost less";
  EXPECT_GT(p.evaluations + p.cascade_rejects, 300 + c.batch) << "but more than a budget in evaluations";
  // Without a cascade, eval_cost is the number of evaluations.
  c.cascade_tasks = 0;
  const EvolutionResult q = Evolve(c, 6, 2, b);
  EXPECT_EQ(q.stop_reason, "max_evals");
  EXPECT_EQ(q.progress.eval_cost, static_cast<double>(q.progress.evaluations));
  EXPECT_GE(q.progress.evaluations, 300);
  EXPECT_LT(q.progress.evaluations, 300 + c.batch);
}

// ---- learned proposal filter -----------------------------------------------------------------

TEST(Filter, LogisticRegressionFilterValidatesAgainstItsShape) {
  EXPECT_NO_THROW(LogisticFilter(0).program.Validate(kFilterShape));
  EXPECT_EQ(kFilterShape.dim, kFilterFeatures);
}

TEST(Filter, LogisticRegressionDropsProposalsDeterministically) {
  EvolutionConfig c = Config();
  c.filter = LogisticFilter(20);
  const EvolutionResult r = Evolve(c, 6, 1);
  const Progress& p = r.progress;
  EXPECT_GT(p.filtered, 0);
  // Dropped proposals are neither scored nor counted as individuals, but use up the experiment.
  EXPECT_EQ(p.individuals + p.filtered, c.max_individuals);
  EXPECT_EQ(p.individuals, p.evaluations + p.cache_hits);
  EXPECT_EQ(Summary(r), Summary(Evolve(c, 6, 2)));
  EvolutionConfig plain = c;
  plain.filter.reset();
  const EvolutionResult q = Evolve(plain, 6, 2);
  EXPECT_EQ(q.progress.filtered, 0);
  EXPECT_NE(Summary(q), Summary(r));
  // explore = 1 evaluates everything; so does threshold 0.
  c.filter->explore = 1;
  EXPECT_EQ(Evolve(c, 6, 2).progress.filtered, 0);
  c.filter->explore = 0.1;
  c.filter->threshold = 0;
  EXPECT_EQ(Evolve(c, 6, 2).progress.filtered, 0);
}

// A filter that always predicts P(gain) = sigmoid(-5) ~ 0.007: below any useful bar.
FilterConfig PessimistFilter(int warmup, double explore) {
  FilterConfig f;
  f.program = lang::Parse("def predict():\n  s1 = -5\n");
  f.threshold = 1;
  f.warmup = warmup;
  f.explore = explore;
  return f;
}

TEST(Filter, WarmupAndExploreAreHonoured) {
  EvolutionConfig c = Config();
  c.record_proposals = true;  // the filter's lessons: one per evaluated proposal
  // No exploration: after `warmup` lessons nothing more is evaluated. Drops are decided per batch
  // before that batch's lessons, so the lessons stop within one batch past the warmup.
  c.filter = PessimistFilter(100, 0);
  const EvolutionResult r = Evolve(c, 2, 2);
  EXPECT_GE(r.proposals.size(), 100u);
  EXPECT_LT(r.proposals.size(), 100u + c.batch);
  EXPECT_LE(r.progress.evaluations, c.population + static_cast<int64_t>(r.proposals.size()));
  EXPECT_GT(r.progress.filtered, 100);  // cache hits are never judged: only would-be evaluations
  EXPECT_EQ(r.progress.individuals + r.progress.filtered, c.max_individuals);
  // Exploring 10%: about a tenth of the would-be drops are evaluated (and taught) anyway.
  c.filter = PessimistFilter(100, 0.1);
  const EvolutionResult q = Evolve(c, 2, 2);
  const double explored = static_cast<double>(q.proposals.size()) - 100;
  const double share = explored / (explored + static_cast<double>(q.progress.filtered));
  EXPECT_GT(share, 0.05);
  EXPECT_LT(share, 0.2);
  // Warmup longer than the run: nothing dropped.
  c.filter = PessimistFilter(100000, 0);
  EXPECT_EQ(Evolve(c, 2, 2).progress.filtered, 0);
}

// BUG (src/search/evolution.cc, Runner::Score): a child whose fingerprint equals an earlier child
// of the same batch gets dup_of and no evaluation of its own; if that earlier child is then
// dropped by the filter, the duplicate copies its never-set fitness (0) in the loop
// `if (c.dup_of >= 0) c.ind->fitness = batch[c.dup_of].ind->fitness;`, is counted as a cache hit
// and joins the population with a score it never had. With select_top = population every member
// is shown to on_select; with fingerprints over all examples, a member's search fitness must be its
// own full score (or, with a cascade, a partial one). Seed 4 shows members at 0 whose programs
// score 0.39. Enable when fixed (e.g. judge duplicates with their first, or score them).
TEST(Filter, DuplicatesOfADroppedProposalAreNotKeptUnscored) {
  for (bool filter : {false, true}) {
    SCOPED_TRACE(filter ? "filter" : "no filter");
    EvolutionConfig c = Config();
    c.fec_train = 40;  // all examples of the search tasks: equal fingerprints, equal scores
    c.fec_valid = 40;
    c.select_top = c.population;
    if (filter) c.filter = PessimistFilter(50, 0);
    int wrong = 0;
    Callbacks cb;
    cb.on_select = [&](const Individual& ind, double) {
      const double full = FullSearchFitness(ind.program, c, 4);
      if (std::abs(full - ind.fitness) > 1e-4) {
        ADD_FAILURE() << "id " << ind.id << " search fitness " << ind.fitness << " but scores " << full;
        ++wrong;
      }
    };
    RunEvolution(c, Tasks(), 4, 2, {}, cb);
    EXPECT_EQ(wrong, 0);
  }
}

TEST(Filter, AFilterThatNeverDropsChangesNothing) {
  // Prediction and learning happen on the calling thread and never touch the search's Rng: a
  // filter still in warmup, or one that explores everything, gives the plain run.
  EvolutionConfig plain = Config();
  const std::string base = Summary(Evolve(plain, 9, 2));
  EvolutionConfig c = plain;
  c.filter = LogisticFilter(1'000'000);
  EXPECT_EQ(Summary(Evolve(c, 9, 2)), base);
  c.filter = LogisticFilter(0);
  c.filter->explore = 1;
  EXPECT_EQ(Summary(Evolve(c, 9, 1)), base);
}

TEST(Filter, InvalidFiltersThrow) {
  EvolutionConfig c = Config();
  c.filter = LogisticFilter(10);
  c.filter->program = lang::Parse("def predict():\n  s1 = s8 + s2\n");  // kFilterShape: s0..s7
  EXPECT_THROW(Evolve(c, 1, 1), Error);
  c.filter->program = lang::Parse("def learn():\n  v4 = v1 + v2\n");  // v0..v3
  EXPECT_THROW(Evolve(c, 1, 1), Error);
  c.filter->program = lang::Parse("def setup():\n  m1 = m0 + m0\n");  // m0 only
  EXPECT_THROW(Evolve(c, 1, 1), Error);
  c.filter = LogisticFilter(10);
  c.filter->threshold = -0.01;
  EXPECT_THROW(Evolve(c, 1, 1), Error);
  c.filter->threshold = 1.01;
  EXPECT_THROW(Evolve(c, 1, 1), Error);
  c.filter->threshold = kNaN;
  EXPECT_THROW(Evolve(c, 1, 1), Error);
  c.filter = LogisticFilter(10);
  c.filter->explore = 1.5;
  EXPECT_THROW(Evolve(c, 1, 1), Error);
  c.filter = LogisticFilter(-1);
  EXPECT_THROW(Evolve(c, 1, 1), Error);
  c.filter = LogisticFilter(10);
  c.filter->threshold = 1;  // the bounds themselves are fine
  c.max_individuals = 200;
  EXPECT_NO_THROW(Evolve(c, 1, 1));
}

// ---- recorded proposals and credit -----------------------------------------------------------

TEST(StrategyProposals, RecordedForEveryEvaluatedChild) {
  EvolutionConfig c = Config();
  c.fec = false;  // every child is evaluated
  c.max_individuals = 1000;
  c.record_proposals = true;
  const EvolutionResult r = Evolve(c, 10, 2);
  const Progress& p = r.progress;
  // Every child after the initial population has a parent and was evaluated.
  ASSERT_EQ(static_cast<int64_t>(r.proposals.size()), p.individuals - c.population);
  int gained = 0;
  for (const auto& [f, gain] : r.proposals) {
    for (float x : f) ASSERT_TRUE(std::isfinite(x));
    EXPECT_EQ(f[0], 1.0f) << "bias";
    EXPECT_GE(f[1], 0.0f) << "parent fitness";
    EXPECT_LE(f[2], 0.0f) << "parent below the experiment's best";
    EXPECT_GE(f[6], 0.0f);
    EXPECT_LE(f[6], 1.0f);
    gained += gain;
  }
  EXPECT_GT(gained, 0);
  EXPECT_LT(gained, static_cast<int>(r.proposals.size()));
  // With the cache on, only the evaluations (cache misses) are recorded.
  c.fec = true;
  const EvolutionResult q = Evolve(c, 10, 2);
  EXPECT_FALSE(q.proposals.empty());
  EXPECT_LE(static_cast<int64_t>(q.proposals.size()), q.progress.evaluations);
  EXPECT_LT(static_cast<int64_t>(q.proposals.size()), q.progress.individuals - c.population);
}

TEST(Credit, TrialsCountTheScoredMutatedChildren) {
  // mutate_prob = 1 and kinds that always apply: every child after the initial population is a
  // mutated one. Filtered children are not scored and earn no credit.
  EvolutionConfig c = Config();
  c.mutate_prob = 1;
  c.filter = LogisticFilter(20);
  const EvolutionResult r = Evolve(c, 2, 2);
  const CreditStats& s = r.credit;
  ASSERT_GT(r.progress.filtered, 0);
  const double trials = Sum(s.kind, false);
  EXPECT_EQ(trials, static_cast<double>(r.progress.individuals - c.population));
  EXPECT_EQ(s.kind[static_cast<int>(Mutation::kNone)].trials, 0);
  for (const auto& [m, w] : c.mutations) EXPECT_GT(s.kind[static_cast<int>(m)].trials, 0) << MutationName(m);
  double pos_trials = 0, op_trials = 0, gains = 0;
  for (const auto& x : s.position) pos_trials += x.trials;
  for (const auto& comp : s.op)
    for (const auto& x : comp) {
      op_trials += x.trials;
      EXPECT_LE(x.gains, x.trials);
    }
  for (const auto& x : s.kind) {
    EXPECT_LE(x.gains, x.trials);
    gains += x.gains;
  }
  for (const auto& x : s.position) EXPECT_LE(x.gains, x.trials);
  EXPECT_EQ(pos_trials, trials);
  EXPECT_EQ(op_trials, trials) << "alter, randomize and component all name an operation";
  EXPECT_LE(gains, trials);
  // Only allowed operations earn credit.
  for (int comp = 0; comp < lang::kNumComponents; ++comp)
    for (int op = 0; op < lang::kNumOps; ++op)
      if (!Allowed(c.compiled.space, comp, static_cast<Op>(op))) {
        EXPECT_EQ(s.op[comp][op].trials, 0);
      }
}

TEST(Credit, GainsMatchTheRecordedProposals) {
  // No cache, no filter, every child mutated: each credited trial is a recorded proposal.
  EvolutionConfig c = Config();
  c.fec = false;
  c.max_individuals = 1000;
  c.mutate_prob = 1;
  c.record_proposals = true;
  c.mutations = {{Mutation::kAlter, 1}, {Mutation::kRandomize, 1}, {Mutation::kComponent, 1}, {Mutation::kSwap, 1}};
  const EvolutionResult r = Evolve(c, 12, 2);
  // Per operator (feature 3 is kind / kNumMutations): trials and children fitter than the parent.
  std::array<int, kNumMutations> trials{}, gained{};
  for (const auto& [f, gain] : r.proposals) {
    const int k = static_cast<int>(std::lround(f[3] * kNumMutations));
    ASSERT_GE(k, 1);
    ASSERT_LT(k, kNumMutations);
    ++trials[k];
    gained[k] += gain;
  }
  EXPECT_EQ(Sum(r.credit.kind, false), static_cast<double>(r.proposals.size()));
  // Gains are delayed: only the edits on the chosen program's lineage earn theirs.
  std::array<double, kNumMutations> lasting{};
  for (size_t i = 1; i < r.lineage.size(); ++i)
    if (r.lineage[i]->mutation != Mutation::kNone)
      lasting[static_cast<int>(r.lineage[i]->mutation)] +=
          std::max(0.0, r.lineage[i]->fitness - r.lineage[i - 1]->fitness);
  int total_gained = 0;
  double total_lasting = 0;
  for (int k = 0; k < kNumMutations; ++k) {
    SCOPED_TRACE(std::string(MutationName(static_cast<Mutation>(k))));
    EXPECT_EQ(r.credit.kind[k].trials, trials[k]);
    EXPECT_NEAR(r.credit.kind[k].gains, lasting[k], 1e-12);
    EXPECT_LE(r.credit.kind[k].gains, gained[k]);  // a lasting gain was a fitter child
    total_gained += gained[k];
    total_lasting += lasting[k];
  }
  EXPECT_GT(total_gained, 0);
  EXPECT_GT(total_lasting, 0);
  EXPECT_GT(trials[static_cast<int>(Mutation::kSwap)], 0);
}

TEST(Credit, RecordAndAdd) {
  CreditStats a, b;
  a.Record(Edit{Mutation::kInsert, 2, 0.3, Op::kScalarAdd}, true);
  a.Record(Edit{Mutation::kInsert, 2, 1.0, Op::kScalarAdd}, false);
  a.Record(Edit{Mutation::kSwap, 1, 0.0, Op::kCount}, false);
  const auto& ins = a.kind[static_cast<int>(Mutation::kInsert)];
  EXPECT_EQ(ins.trials, 2);
  EXPECT_EQ(ins.gains, 1);
  EXPECT_EQ(a.kind[static_cast<int>(Mutation::kSwap)].trials, 1);
  EXPECT_EQ(a.kind[static_cast<int>(Mutation::kSwap)].gains, 0);
  EXPECT_EQ(a.op[2][static_cast<int>(Op::kScalarAdd)].trials, 2);
  EXPECT_EQ(a.op[2][static_cast<int>(Op::kScalarAdd)].gains, 1);
  double op_total = 0;
  for (const auto& comp : a.op)
    for (const auto& x : comp) op_total += x.trials;
  EXPECT_EQ(op_total, 2) << "a swap names no operation";
  // Position quartiles: 0.3 -> 1, 1.0 -> 3 (the last quartile is closed), 0.0 -> 0.
  EXPECT_EQ(a.position[0].trials, 1);
  EXPECT_EQ(a.position[1].trials, 1);
  EXPECT_EQ(a.position[1].gains, 1);
  EXPECT_EQ(a.position[2].trials, 0);
  EXPECT_EQ(a.position[3].trials, 1);

  b.Record(Edit{Mutation::kInsert, 2, 0.6, Op::kVectorAdd}, true);
  b.Record(Edit{Mutation::kAlter, 0, 0.99, Op::kScalarConst}, true);
  CreditStats sum = a;
  sum.Add(b);
  for (int k = 0; k < kNumMutations; ++k) {
    EXPECT_EQ(sum.kind[k].trials, a.kind[k].trials + b.kind[k].trials);
    EXPECT_EQ(sum.kind[k].gains, a.kind[k].gains + b.kind[k].gains);
  }
  for (int c = 0; c < lang::kNumComponents; ++c)
    for (int o = 0; o < lang::kNumOps; ++o) {
      EXPECT_EQ(sum.op[c][o].trials, a.op[c][o].trials + b.op[c][o].trials);
      EXPECT_EQ(sum.op[c][o].gains, a.op[c][o].gains + b.op[c][o].gains);
    }
  for (int q = 0; q < 4; ++q) {
    EXPECT_EQ(sum.position[q].trials, a.position[q].trials + b.position[q].trials);
    EXPECT_EQ(sum.position[q].gains, a.position[q].gains + b.position[q].gains);
  }
  EXPECT_EQ(sum.kind[static_cast<int>(Mutation::kInsert)].trials, 3);
  EXPECT_EQ(sum.position[2].gains, 1);
  EXPECT_EQ(sum.position[3].trials, 2);
  // Adding an empty record changes nothing.
  CreditStats same = sum;
  same.Add(CreditStats{});
  for (int k = 0; k < kNumMutations; ++k) EXPECT_EQ(same.kind[k].trials, sum.kind[k].trials);
}

// ---- best-fitness trace ----------------------------------------------------------------------

void ExpectGoodTrace(const EvolutionResult& r) {
  ASSERT_FALSE(r.trace.empty());
  EXPECT_GE(r.trace.front().eval_cost, 1.0);
  for (size_t i = 1; i < r.trace.size(); ++i) {
    EXPECT_GT(r.trace[i].best_fitness, r.trace[i - 1].best_fitness) << i;
    EXPECT_GE(r.trace[i].eval_cost, r.trace[i - 1].eval_cost) << i;
  }
  EXPECT_LE(r.trace.back().eval_cost, r.progress.eval_cost);
  EXPECT_GE(r.trace.back().best_fitness, r.fitness_search);
  EXPECT_GE(r.trace.back().best_fitness, r.progress.best_fitness);
}

TEST(Trace, StrictlyImprovingAndEndsAtTheBest) {
  EvolutionConfig c = Config();
  const EvolutionResult r = Evolve(c, 13, 2);
  ExpectGoodTrace(r);
  EXPECT_GT(r.trace.size(), 2u);
  // One experiment: the trace ends at the experiment's best search fitness.
  EXPECT_EQ(r.trace.back().best_fitness, r.progress.best_fitness);
  // Over several experiments it keeps the run's best (later experiments restart from scratch).
  c.max_experiments = 3;
  c.max_individuals = 600;
  ExpectGoodTrace(Evolve(c, 13, 2));
  // With a cascade and a filter too; eval_cost then moves in fractions.
  c = Config();
  c.cascade_tasks = 1;
  c.cascade_ratio = 1.0;
  c.filter = LogisticFilter(50);
  const EvolutionResult q = Evolve(c, 13, 2);
  ExpectGoodTrace(q);
  EXPECT_EQ(q.trace.back().best_fitness, q.progress.best_fitness);
}

// ---- crossover and macros inside a run --------------------------------------------------------

TEST(StrategyEvolution, CrossoverAndMacrosRunDeterministically) {
  EvolutionConfig c = Config();
  c.mutations = {{Mutation::kAlter, 2},  {Mutation::kRandomize, 2}, {Mutation::kInsert, 1},
                 {Mutation::kRemove, 1}, {Mutation::kMacro, 1},     {Mutation::kCrossover, 2}};
  c.macros = {Macro{Component::kLearn, lang::Parse("def learn():\n  s3 = s0 - s1\n  s3 = s2 * s3\n")[Component::kLearn]}};
  c.insert_at = {1, 2, 1};
  const EvolutionResult r = Evolve(c, 14, 1);
  EXPECT_EQ(Summary(r), Summary(Evolve(c, 14, 2)));
  EXPECT_GT(r.credit.kind[static_cast<int>(Mutation::kCrossover)].trials, 0);
  EXPECT_GT(r.credit.kind[static_cast<int>(Mutation::kMacro)].trials, 0);
  for (const auto& ind : r.lineage) {
    EXPECT_EQ(ind->edit.kind, ind->mutation);
    for (int k = 0; k < lang::kNumComponents; ++k) {
      EXPECT_LE(static_cast<int>(ind->program.fn[k].size()), c.max_size[k]);
    }
  }
}

}  // namespace
}  // namespace ouro::search
