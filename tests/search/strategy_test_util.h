// strategy_test_util.h — helpers shared by the strategy tests (strategy_test.cc,
// strategy_ops_test.cc, strategy_run_test.cc): a mixed search space, random sizes, macros, and
// small evolution configs over three synthetic tasks with a summary of everything a run shows.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/rng.h"
#include "eval/evaluator.h"
#include "lang/reference.h"
#include "lang/text.h"
#include "search/evolution.h"
#include "search/mutator.h"
#include "search/run_config.h"
#include "search_test_util.h"
#include "tasks/partition.h"

namespace ouro::search::test {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
inline constexpr double kInf = std::numeric_limits<double>::infinity();

// ---- helpers: mutator level ------------------------------------------------------------------

// A space with a different op set per component and room to grow.
inline SearchSpace Space() {
  SearchSpace s;
  s.shape = lang::Shape{5, 4, 2, 4};
  s.ops[0] = {lang::Op::kScalarConst, lang::Op::kVectorConst, lang::Op::kScalarUniform,
              lang::Op::kMatrixGaussian};
  s.ops[1] = {lang::Op::kVectorDot, lang::Op::kScalarAdd, lang::Op::kMatVec, lang::Op::kScalarSin};
  s.ops[2] = {lang::Op::kScalarSub, lang::Op::kScalarMul, lang::Op::kScalarVectorMul,
              lang::Op::kVectorAdd};
  s.min_size = {0, 1, 0};
  s.max_size = {6, 5, 9};
  return s;
}

// Sizes in [min, max] per component, hitting the bounds often.
inline std::array<int, 3> RandomSizes(Rng& rng, const SearchSpace& s) {
  std::array<int, 3> out{};
  for (int c = 0; c < 3; ++c) {
    const int lo = s.min_size[c], hi = s.max_size[c];
    switch (rng.Below(4)) {
      case 0:
        out[c] = lo;
        break;
      case 1:
        out[c] = hi;
        break;
      default:
        out[c] = lo + static_cast<int>(rng.Below(static_cast<uint32_t>(hi - lo + 1)));
        break;
    }
  }
  return out;
}

inline std::vector<int> ChangedComponents(const lang::Program& a, const lang::Program& b) {
  std::vector<int> out;
  for (int c = 0; c < 3; ++c)
    if (a.fn[c] != b.fn[c]) out.push_back(c);
  return out;
}

// Two learn macros (lengths 2 and 5) and one setup macro; registers fit Space().shape.
inline std::vector<Macro> Macros() {
  const lang::Program two = lang::Parse("def learn():\n  s3 = s0 - s1\n  v1 = v1 + v2\n");
  const lang::Program five = lang::Parse(
      "def learn():\n  s2 = s0 * s1\n  s3 = s2 - s4\n  v2 = s3 * v0\n  v1 = v1 + v2\n  s4 = s4 + "
      "s3\n");
  const lang::Program one = lang::Parse("def setup():\n  s2 = 0.125\n");
  return {Macro{lang::Component::kLearn, two[lang::Component::kLearn]},
          Macro{lang::Component::kLearn, five[lang::Component::kLearn]},
          Macro{lang::Component::kSetup, one[lang::Component::kSetup]}};
}

// ---- helpers: evolution level ----------------------------------------------------------------

// Three search tasks (so a cascade on one of them is a third of the cost).
inline const tasks::Partition& Tasks() {
  static const tasks::Partition p =
      tasks::MakePartition(Linear(3, 40, 40, 1), Linear(4, 60, 40, 1), Linear(2, 60, 40, 1));
  return p;
}

// The demo space with a small population and an unreachable target: every run uses its whole
// max_individuals (one experiment).
inline EvolutionConfig Config() {
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
inline std::string Summary(const EvolutionResult& r) {
  std::string s = r.stop_reason + " search " + Exact(r.fitness_search) + " select " +
                  Exact(r.fitness_select) + " final " + Exact(r.fitness_final) + "\n";
  const Progress& p = r.progress;
  s += "ind " + std::to_string(p.individuals) + " evals " + std::to_string(p.evaluations) +
       " cost " + Exact(p.eval_cost) + " hits " + std::to_string(p.cache_hits) + " rejects " +
       std::to_string(p.cascade_rejects) + " filtered " + std::to_string(p.filtered) + " best " +
       Exact(p.best_fitness) + "\n";
  for (const auto& ind : r.lineage)
    s += std::to_string(ind->id) + " " + std::string(MutationName(ind->mutation)) + " " +
         Exact(ind->fitness) + "\n" + lang::Print(ind->program);
  for (const TracePoint& t : r.trace)
    s += "trace " + Exact(t.eval_cost) + " " + Exact(t.best_fitness) + "\n";
  for (int k = 0; k < kNumMutations; ++k)
    s += "credit " + std::to_string(k) + " " + Exact(r.credit.kind[k].trials) + " " +
         Exact(r.credit.kind[k].gains) + "\n";
  return s;
}

// Runs `c` compiled, as every caller compiles a config after changing its strategy.
inline EvolutionResult Evolve(EvolutionConfig c, uint64_t seed, int threads, Budget budget = {}) {
  c.Compile();
  return RunEvolution(c, Tasks(), seed, threads, budget);
}

inline double FullSearchFitness(const lang::Program& p, const EvolutionConfig& c, uint64_t seed) {
  const lang::Executable exe = lang::Compile(p, c.shape);
  lang::Machine m;
  // The engine's evaluation seed stream (evolution.cc: DeriveSeed(seed, 0xe7a1)).
  return eval::EvaluateSet(exe, Tasks().search, m, DeriveSeed(seed, 0xe7a1), c.limits).fitness;
}

// The reference logistic regression as a filter. threshold 1: drop a proposal when its predicted
// P(gain) is below the bar (the bar is threshold x the observed gain rate, or the threshold itself
// in the first version of the filter; these tests pass under both readings).
inline FilterConfig LogisticFilter(int warmup) {
  FilterConfig f;
  f.program = lang::Parse(*lang::ReferenceProgram("logistic_regression"));
  f.warmup = warmup;
  f.threshold = 1;
  return f;
}

inline double Sum(const std::array<CreditCounts, kNumMutations>& a, bool gains) {
  double s = 0;
  for (const auto& x : a) s += gains ? x.gains : x.trials;
  return s;
}

}  // namespace ouro::search::test
