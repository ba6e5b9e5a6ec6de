// The test arenas and their measurement: parsing [arena], the operation floor, the solved rule
// that needs the held-out tasks too, measuring and resuming, and the summary of stored rows
// against values computed by hand.
#include "run/evidence.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "lang/ops.h"
#include "run/arena.h"
#include "store/store.h"
#include "tasks/partition.h"

namespace ouro::run {
namespace {

// A tiny arena: linear regression at dim 2, runs of at most a second.
std::string TinyArena(const std::string& arena_extra = "", const std::string& name = "tiny") {
  return R"(seed = 1
[arena]
name = ")" +
         name + R"("
seeds = [1, 2]
cap_seconds = 1
select_target = 0.9
final_target = 0.9
)" + arena_extra +
         R"(
[shape]
dim = 2
[tasks.search]
family = "linear"
tasks = 2
train = 10
valid = 10
seed = 5
[tasks.select]
family = "linear"
tasks = 3
train = 10
valid = 10
seed = 5
[tasks.held_out]
family = "linear"
tasks = 3
train = 10
valid = 10
seed = 5
[search]
population = 20
tournament = 4
init_size = { setup = 3, predict = 1, learn = 3 }
batch = 8
check_every = 100
)";
}

template <typename F>
void ExpectError(F f, const std::string& fragment) {
  try {
    f();
    ADD_FAILURE() << "expected an Error containing '" << fragment << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(Arena, ParsesTheArenaTableAndTheRunConfig) {
  const Arena a = ParseArena(TinyArena("op_floor = 0.05\nthreads = 1"), "tiny.toml");
  EXPECT_EQ(a.name, "tiny");
  EXPECT_EQ(a.seeds, (std::vector<uint64_t>{1, 2}));
  EXPECT_DOUBLE_EQ(a.cap_seconds, 1);
  EXPECT_DOUBLE_EQ(a.select_target, 0.9);
  EXPECT_DOUBLE_EQ(a.op_floor, 0.05);
  EXPECT_EQ(a.threads, 1);
  EXPECT_EQ(a.config.evolution.shape.dim, 2);
  EXPECT_EQ(a.config.search_tasks.num_tasks, 2);
  // The hash names the text: another text, another hash; another cap, another hash.
  EXPECT_NE(ParseArena(TinyArena("threads = 1"), "x").hash, a.hash);
  Arena capped = a;
  OverrideCap(capped, 0.5);
  EXPECT_NE(capped.hash, a.hash);
  EXPECT_DOUBLE_EQ(capped.cap_seconds, 0.5);
}

TEST(Arena, BadArenaTablesAreClearErrors) {
  ExpectError([] { ParseArena("seed = 1\n[shape]\ndim = 2\n", "plain.toml"); }, "no [arena] table");
  ExpectError([] { ParseArena(TinyArena("colour = 1"), "a.toml"); }, "unknown key 'colour'");
  ExpectError(
      [] {
        ParseArena("[arena]\nname = \"x\"\nseeds = [1]\ncap_seconds = 1\nselect_target = 0.5\n",
                   "a.toml");
      },
      "missing key 'final_target'");
  std::string repeated = TinyArena();
  repeated.replace(repeated.find("[1, 2]"), 6, "[1, 1]");
  ExpectError([&] { ParseArena(repeated, "a.toml"); }, "seed 1 is repeated");
  ExpectError([] { ParseArena(TinyArena("", "T 1"), "a.toml"); }, "lower-case");
  ExpectError([] { ParseArena(TinyArena("op_floor = 2"), "a.toml"); }, "op_floor");
}

TEST(Arena, TheFloorKeepsEveryOperationAvailable) {
  search::Strategy s;
  s.operations[0] = {{lang::Op::kScalarAdd, 2.0}, {lang::Op::kScalarSub, 0.0}};
  FloorOperations(s, 0.01);
  for (const search::OpWeights& ops : s.operations) {
    ASSERT_EQ(ops.size(), static_cast<size_t>(lang::kNumOps));
    for (const auto& [op, w] : ops) EXPECT_GT(w, 0) << lang::Info(op).id;
  }
  EXPECT_DOUBLE_EQ(s.operations[0][0].second, 2.0);   // above the floor: kept
  EXPECT_DOUBLE_EQ(s.operations[0][1].second, 0.02);  // switched off: raised to 0.01 x 2
  EXPECT_DOUBLE_EQ(s.operations[1][0].second, 0.01);  // a component without weights: 0.01 x 1
}

TEST(Arena, AnImproverRunsUnderTheArenasRule) {
  const Arena a = ParseArena(TinyArena("op_floor = 0.01"), "tiny.toml");
  meta::ImproverSpec spec = meta::SpecFromConfig(a.config.evolution);
  for (auto& ops : spec.operations)
    for (auto& [op, w] : ops) w = op == lang::Op::kVectorDot ? 1.0 : 0.0;
  const search::EvolutionConfig e = ArenaEvolution(a, spec);
  EXPECT_DOUBLE_EQ(e.sufficient_fitness, 0.9);
  EXPECT_DOUBLE_EQ(e.held_out_target, 0.9);
  // Every operation the shape can run is still drawn, however the improver weighted it.
  EXPECT_GT(e.compiled.space.ops[1].size(), 6u);
  EXPECT_EQ(e.population, 20);
}

// The solved rule: a program that reaches select_target but not the held-out target does not end
// the run.
TEST(Arena, HeldOutTargetVetoesSolved) {
  search::RunConfig c = ParseArena(TinyArena(), "tiny.toml").config;
  const tasks::Partition p =
      tasks::MakePartition(c.search_tasks, c.select_tasks, c.held_out_tasks, nullptr);
  search::EvolutionConfig e = c.evolution;
  e.sufficient_fitness = 0.01;  // any program that does not diverge
  search::Budget budget;
  budget.max_evaluations = 2000;
  const search::EvolutionResult easy = search::RunEvolution(e, p, 1, 1, budget);
  EXPECT_TRUE(easy.solved);
  e.held_out_target = 0.01;
  const search::EvolutionResult both = search::RunEvolution(e, p, 1, 1, budget);
  EXPECT_TRUE(both.solved);
  EXPECT_GE(both.fitness_final, 0.01);
  e.held_out_target = 1.5;  // beyond any fitness
  const search::EvolutionResult vetoed = search::RunEvolution(e, p, 1, 1, budget);
  EXPECT_FALSE(vetoed.solved);
  EXPECT_EQ(vetoed.stop_reason, "max_evals");
}

TEST(Evidence, MeasuresEachSeedOnceAndResumes) {
  auto db = store::Store::Open(":memory:");
  const Arena a = ParseArena(TinyArena(), "tiny.toml");
  const meta::ImproverSpec spec = meta::SpecFromConfig(a.config.evolution);
  int seen = 0;
  const MeasureResult first =
      MeasureImprover(*db, a, spec, "frozen", nullptr, [&](const auto&) { ++seen; });
  ASSERT_EQ(first.added.size(), 2u);
  EXPECT_EQ(seen, 2);
  for (const store::EvidenceRow& r : first.added) {
    EXPECT_EQ(r.arena, "tiny");
    EXPECT_EQ(r.improver_hash, meta::SpecHash(spec));
    ASSERT_TRUE(db->GetRun(r.run_id).has_value());
    EXPECT_EQ(db->GetRun(r.run_id)->kind, "search");
    if (r.reached) {
      EXPECT_LE(r.seconds, 1.0);
      EXPECT_GE(r.fitness_select, 0.9);
      EXPECT_GE(r.fitness_final, 0.9);
    } else {
      EXPECT_DOUBLE_EQ(r.seconds, 1.0);
    }
  }
  // Again, and under another label: the same improver is not measured twice.
  const MeasureResult again = MeasureImprover(*db, a, spec, "final:7", nullptr);
  EXPECT_TRUE(again.added.empty());
  EXPECT_EQ(again.skipped, 2);
  EXPECT_EQ(db->GetEvidence().size(), 2u);
  // A stop request before the first run: nothing is run or stored.
  meta::ImproverSpec other = spec;
  other.population = 30;
  std::atomic<bool> stop{true};
  const MeasureResult stopped = MeasureImprover(*db, a, other, "null:8", &stop);
  EXPECT_TRUE(stopped.stopped);
  EXPECT_TRUE(stopped.added.empty());
}

TEST(Evidence, BadLabelsAndChangedArenasAreRefused) {
  auto db = store::Store::Open(":memory:");
  const Arena a = ParseArena(TinyArena(), "tiny.toml");
  const meta::ImproverSpec spec = meta::SpecFromConfig(a.config.evolution);
  for (const char* bad : {"best", "final:", "null:a b", "frozen:1", ""})
    ExpectError([&] { CheckEvidenceLabel(bad); }, "expected 'frozen', 'final:RUN' or 'null:RUN'");
  CheckEvidenceLabel("final:12");
  MeasureImprover(*db, a, spec, "frozen", nullptr);
  Arena changed = a;
  OverrideCap(changed, 0.5);
  ExpectError([&] { MeasureImprover(*db, changed, spec, "frozen", nullptr); }, "pre-registered");
  meta::ImproverSpec other = spec;
  other.population = 30;
  ExpectError([&] { MeasureImprover(*db, a, other, "frozen", nullptr); }, "already names improver");
}

}  // namespace
}  // namespace ouro::run
