// Tests of the improver spec as the object-level search: the default spec (and specs from other run
// configs) reproduces the search exactly, PlainSpec gives every operation and operator a uniform
// weight, and ApplySpec sets every knob. The JSON form and DiffText are tested in
// spec_json_test.cc, the meta-operators in spec_meta_ops_test.cc; shared helpers are in
// spec_test_util.h. Small synthetic tasks, fixed seeds: fast.
#include "meta/spec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "lang/text.h"
#include "search/run_config.h"
#include "spec_test_util.h"
#include "tasks/partition.h"
#include "../search/search_test_util.h"

namespace ouro::meta {
namespace {

using search::test::Exact;
using test::OpWeight;
using test::RichSpec;
using test::Weight;
using lang::Op;
using search::Mutation;

// ---- helpers ---------------------------------------------------------------------------------

tasks::TaskSpec Linear(int num_tasks, int n, uint64_t seed) { return search::test::Linear(num_tasks, n, n, seed); }

const tasks::Partition& Tasks() {
  static const tasks::Partition p = tasks::MakePartition(Linear(3, 30, 1), Linear(3, 30, 2), Linear(2, 30, 3));
  return p;
}

// Everything observable about a run except timings.
std::string Summary(const search::EvolutionResult& r) {
  std::string s = r.stop_reason + " search " + Exact(r.fitness_search) + " select " + Exact(r.fitness_select) +
                  " final " + Exact(r.fitness_final) + "\n";
  const search::Progress& p = r.progress;
  s += "ind " + std::to_string(p.individuals) + " evals " + std::to_string(p.evaluations) + " cost " +
       Exact(p.eval_cost) + " hits " + std::to_string(p.cache_hits) + " experiment " + std::to_string(p.experiment) +
       "\n";
  if (r.best) s += "best " + Exact(r.best->fitness) + "\n" + lang::Print(r.best->program);
  for (const auto& t : r.trace) s += "trace " + Exact(t.eval_cost) + " " + Exact(t.best_fitness) + "\n";
  for (int k = 0; k < search::kNumMutations; ++k)
    s += "credit " + std::to_string(k) + " " + Exact(r.credit.kind[k].trials) + " " + Exact(r.credit.kind[k].gains) + "\n";
  return s;
}

// Runs `c` compiled, as every caller compiles a config after changing its strategy.
search::EvolutionResult Evolve(search::EvolutionConfig c, uint64_t seed, int64_t max_evals) {
  c.Compile();
  search::Budget b;
  b.max_evaluations = max_evals;
  return search::RunEvolution(c, Tasks(), seed, 2, b);
}

// ---- the default spec is the object-level search --------------------------------------------

TEST(SpecFromConfig, DefaultRunConfigReproducesTheSearchExactly) {
  const search::EvolutionConfig c = search::DefaultRunConfig().evolution;
  const search::EvolutionConfig a = ApplySpec(SpecFromConfig(c), c);
  const std::string direct = Summary(Evolve(c, 5, 1500));
  const std::string via_spec = Summary(Evolve(a, 5, 1500));
  EXPECT_EQ(direct, via_spec);
  EXPECT_NE(direct.find("def predict():"), std::string::npos) << direct;
}

TEST(SpecFromConfig, InsertRemoveSwapConfigReproducesTheSearchExactly) {
  search::EvolutionConfig c = search::DefaultRunConfig().evolution;
  c.population = 40;
  c.tournament = 5;
  c.batch = 16;
  c.check_every = 200;
  c.mutations = {{Mutation::kAlter, 1}, {Mutation::kInsert, 1}, {Mutation::kRemove, 1}, {Mutation::kSwap, 1}};
  c.init_size = {3, 1, 3};
  c.max_individuals = 1200;  // most children are cache hits: bound them too
  c.max_experiments = 1;
  const search::EvolutionConfig a = ApplySpec(SpecFromConfig(c), c);
  for (uint64_t seed : {6u}) {
    const search::EvolutionResult direct = Evolve(c, seed, 300);
    const search::EvolutionResult via = Evolve(a, seed, 300);
    ASSERT_TRUE(direct.best && via.best);
    EXPECT_EQ(lang::Print(direct.best->program), lang::Print(via.best->program)) << seed;
    EXPECT_EQ(direct.fitness_search, via.fitness_search) << seed;
    EXPECT_EQ(direct.progress.individuals, via.progress.individuals) << seed;
    EXPECT_EQ(direct.progress.evaluations, via.progress.evaluations) << seed;
    EXPECT_EQ(Summary(direct), Summary(via)) << seed;
  }
  // The spec lists exactly the config's operators, at uniform weight.
  const ImproverSpec s = SpecFromConfig(c);
  ASSERT_EQ(s.mutations.size(), 4u);
  EXPECT_EQ(s.mutations[2].first, Mutation::kRemove);
  for (const auto& [m, w] : s.mutations) EXPECT_EQ(w, 1.0);
}

TEST(SpecFromConfig, WeightedIslandConfigReproducesTheSearchExactly) {
  search::EvolutionConfig c = search::DefaultRunConfig().evolution;
  c.population = 48;
  c.tournament = 4;
  c.batch = 16;
  c.check_every = 200;
  c.scheme = "islands";
  c.islands = 3;
  c.migrate_every = 96;
  c.mutations = {{Mutation::kAlter, 3}, {Mutation::kInsert, 1}, {Mutation::kRemove, 1}, {Mutation::kCrossover, 0.5}};
  const double learn_weights[] = {1, 2, 0.5, 0.25, 1, 3};
  for (size_t i = 0; i < c.operations[2].size(); ++i) c.operations[2][i].second = learn_weights[i];
  c.const_sigma = 0.3;
  c.insert_at = {1, 2, 1};
  c.cascade_tasks = 1;
  c.init_size = {3, 1, 3};
  c.max_individuals = 1200;
  c.max_experiments = 1;
  const search::EvolutionConfig a = ApplySpec(SpecFromConfig(c), c);
  EXPECT_EQ(Summary(Evolve(c, 8, 300)), Summary(Evolve(a, 8, 300)));
}

// A small regularized population (here 20 with the default tournament 10, so population /
// tournament = 2) is a valid search config; its spec keeps the unused default islands = 4, which
// must not be checked against population / tournament for the regularized scheme (it once was,
// and ApplySpec(SpecFromConfig(c), c) threw).
TEST(SpecFromConfig, SmallRegularizedPopulationIsAValidSpec) {
  search::EvolutionConfig c = search::DefaultRunConfig().evolution;
  c.population = 20;
  c.batch = 8;
  c.Compile();
  ASSERT_NO_THROW(c.Validate());
  ImproverSpec s = SpecFromConfig(c);
  EXPECT_EQ(s.scheme, "regularized");
  EXPECT_NO_THROW(s.Validate());
  EXPECT_NO_THROW(ApplySpec(s, c));
  EXPECT_NO_THROW(ApplySpec(PlainSpec(c), c));
}

// Islands that never migrate (migrate_every = 0) are a valid config, and their spec keeps it so.
TEST(SpecFromConfig, IslandsThatNeverMigrateStaySo) {
  search::EvolutionConfig c = search::DefaultRunConfig().evolution;
  c.population = 48;
  c.tournament = 4;
  c.batch = 16;
  c.scheme = "islands";
  c.islands = 3;
  c.migrate_every = 0;
  c.max_individuals = 1200;
  c.max_experiments = 1;
  const search::EvolutionConfig a = ApplySpec(SpecFromConfig(c), c);
  EXPECT_EQ(a.migrate_every, 0);
  EXPECT_EQ(a.compiled.islands, 3);
  EXPECT_EQ(Summary(Evolve(c, 8, 300)), Summary(Evolve(a, 8, 300)));
}

TEST(PlainSpec, EveryOperationAndOperatorAtUniformWeight) {
  search::EvolutionConfig base = search::DefaultRunConfig().evolution;
  const ImproverSpec p = PlainSpec(base);
  EXPECT_EQ(p.name, "plain");
  EXPECT_EQ(Weight(p, Mutation::kMacro), 0);
  EXPECT_EQ(Weight(p, Mutation::kCrossover), 0);
  EXPECT_EQ(Weight(p, Mutation::kInsert), 1);
  EXPECT_EQ(p.operations[0].size(), static_cast<size_t>(lang::kNumOps));  // shape has a matrix
  for (int c = 0; c < lang::kNumComponents; ++c)
    for (const auto& [op, w] : p.operations[c]) EXPECT_EQ(w, 1.0);
  base.shape.matrices = 0;
  const ImproverSpec nm = PlainSpec(base);
  EXPECT_LT(nm.operations[1].size(), p.operations[1].size());
  EXPECT_EQ(OpWeight(nm, 1, Op::kMatVec), -1);
  // Applied, it enables everything it lists.
  const search::EvolutionConfig e = ApplySpec(p, search::DefaultRunConfig().evolution);
  EXPECT_EQ(e.compiled.space.ops[2].size(), p.operations[2].size());
  EXPECT_EQ(e.compiled.kinds.size(), 6u);
  EXPECT_EQ(e.compiled.policy.kind_weights, std::vector<double>(6, 1.0));  // uniform
}

TEST(ApplySpec, RichSpecSetsEveryKnob) {
  const ImproverSpec s = RichSpec();
  const search::EvolutionConfig e = ApplySpec(s, search::DefaultRunConfig().evolution);
  EXPECT_EQ(e.compiled.islands, 3);
  EXPECT_EQ(e.compiled.migrate_every, 250);
  EXPECT_EQ(e.population, 60);
  EXPECT_EQ(e.cascade_tasks, 2);
  ASSERT_TRUE(e.filter);
  EXPECT_EQ(e.filter->warmup, 50);
  EXPECT_EQ(e.compiled.policy.macros.size(), 2u);
  // The config holds the spec's strategy, zero weights included; the compiled lists leave the
  // zero-weight operators and operations out.
  EXPECT_EQ(e.mutations, s.mutations);
  EXPECT_EQ(e.operations, s.operations);
  const std::vector<Mutation>& kinds = e.compiled.kinds;
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), Mutation::kSwap), 0);
  EXPECT_EQ(kinds.size() + 2, s.mutations.size());  // swap and crossover are off
  EXPECT_EQ(kinds.size(), e.compiled.policy.kind_weights.size());
  EXPECT_EQ(e.compiled.space.ops[1].size() + 1, s.operations[1].size());
  EXPECT_EQ(e.compiled.space.ops[2].size(), e.compiled.policy.op_weights[2].size());
  const std::vector<double>& setup = e.compiled.policy.op_weights[0];
  EXPECT_EQ(setup, std::vector<double>(setup.size(), 1.0));  // uniform
  // A regularized spec leaves no migration behind.
  ImproverSpec r = s;
  r.scheme = "regularized";
  const search::EvolutionConfig reg = ApplySpec(r, search::DefaultRunConfig().evolution);
  EXPECT_EQ(reg.compiled.islands, 1);
  EXPECT_EQ(reg.compiled.migrate_every, 0);
}

}  // namespace
}  // namespace ouro::meta
