// Tests of the search's fingerprint shortcuts: a child whose executable is its parent's (or one
// remembered from earlier) takes over that fingerprint instead of computing it. Exactness is
// what matters: every individual's stored fingerprint must be the one its executable gives on
// the task set it was scored on, across the warmup switch (where the task set changes).
#include <gtest/gtest.h>

#include <utility>

#include "eval/evaluator.h"
#include "search/evolution.h"
#include "search/run_config.h"
#include "search_test_util.h"
#include "tasks/partition.h"

namespace ouro::search {
namespace {

// Checks the lineage of one run; returns (nodes, nodes compiled like their parent).
std::pair<int, int> CheckLineage(const EvolutionConfig& c, const tasks::Partition& p, uint64_t seed, bool warmup) {
  const EvolutionResult r = RunEvolution(c, p, seed, 2, {});
  lang::Machine m;
  bool switched = !warmup;
  int copies = 0;
  for (size_t i = 0; i < r.lineage.size(); ++i) {
    const Individual& ind = *r.lineage[i];
    const lang::Executable exe = lang::Compile(ind.program, c.shape);
    // The warmup switch: the first member re-scored as a copy of itself.
    const int64_t n = ind.id % c.max_individuals;
    if (warmup && n >= c.warmup_individuals && n < c.warmup_individuals + c.population) switched = true;
    const auto& set = switched ? p.search : p.warmup;
    EXPECT_EQ(ind.exe_hash, lang::Hash(exe)) << i;
    EXPECT_EQ(ind.fingerprint, eval::Fingerprint(exe, set, m, eval::EvalSeed(seed), c.fec_tasks, c.fec_train,
                                                 c.fec_valid, c.limits))
        << "lineage node " << i << " id " << ind.id;
    if (i > 0 && ind.exe_hash == r.lineage[i - 1]->exe_hash) ++copies;
  }
  return {static_cast<int>(r.lineage.size()), copies};
}

void ExpectStoredFingerprintsAreComputedOnes(const EvolutionConfig& c, const tasks::Partition& p, bool warmup) {
  int nodes = 0, copies = 0;
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    const auto [n, k] = CheckLineage(c, p, seed, warmup);
    nodes += n;
    copies += k;
  }
  EXPECT_GE(nodes, 12);
  EXPECT_GT(copies, 0) << "some children compile to their parent's executable (the shortcut is exercised)";
}

EvolutionConfig Small() {
  EvolutionConfig c = DefaultRunConfig().evolution;
  c.population = 50;
  c.tournament = 5;
  c.batch = 16;
  c.max_individuals = 3000;
  c.max_experiments = 1;
  c.check_every = 500;
  c.sufficient_fitness = 2.0;
  c.fec_tasks = 2;
  c.Compile();
  return c;
}

TEST(EvolutionFec, EveryStoredFingerprintIsTheOneItsExecutableGives) {
  const tasks::Partition p = tasks::MakePartition(test::Linear(3, 40, 40, 1), test::Linear(2, 50, 50, 1),
                                                  test::Linear(2, 50, 50, 2));
  ExpectStoredFingerprintsAreComputedOnes(Small(), p, false);
}

TEST(EvolutionFec, FingerprintsFollowTheTaskSetAcrossTheWarmupSwitch) {
  EvolutionConfig c = Small();
  c.warmup_individuals = 800;
  tasks::Partition p = tasks::MakePartition(test::Linear(3, 40, 40, 1), test::Linear(2, 50, 50, 1),
                                            test::Linear(2, 50, 50, 2));
  p.warmup = tasks::Generate(test::Linear(2, 15, 15, 77));
  ExpectStoredFingerprintsAreComputedOnes(c, p, true);
}

}  // namespace
}  // namespace ouro::search
