// tests/tasks/partition_test.cc — search/select/held-out partitions: per-role seeds for synthetic
// families, disjoint Fashion-MNIST pairs, and SplitPairs.

#include "tasks/partition.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "core/rng.h"
#include "test_util.h"

namespace ouro::tasks {
namespace {

using testing::Contains;
using testing::ErrorOf;
using testing::TempDir;

TEST(PartitionTest, SameSyntheticSpecGivesThreeDifferentSets) {
  const TaskSpec spec = ParseTaskSpec("linear:dim=3,tasks=4,train=10,valid=10,seed=7");
  const Partition p = MakePartition(spec, spec, spec);
  ASSERT_EQ(p.search.size(), 4u);
  ASSERT_EQ(p.select.size(), 4u);
  ASSERT_EQ(p.held_out.size(), 4u);
  std::set<std::vector<double>> seen;
  for (const auto* set : {&p.search, &p.select, &p.held_out}) {
    for (const Dataset& d : *set) EXPECT_TRUE(seen.insert(d.train.y).second);
  }
  // Role r generates the spec with seed DeriveSeed(seed, r).
  TaskSpec held = spec;
  held.seed = DeriveSeed(7, 3);
  EXPECT_EQ(Generate(held)[2].valid.x, p.held_out[2].valid.x);
  // Deterministic.
  EXPECT_EQ(MakePartition(spec, spec, spec).select[1].train.x, p.select[1].train.x);
}

TEST(PartitionTest, MixedFamiliesAreFine) {
  const Partition p = MakePartition(ParseTaskSpec("linear:tasks=2"), ParseTaskSpec("nonlinear"),
                                    ParseTaskSpec("linear:tasks=1"));
  EXPECT_EQ(p.search.size(), 2u);
  EXPECT_EQ(p.select.size(), 1u);
  EXPECT_EQ(p.held_out.size(), 1u);
  EXPECT_NE(p.search[0].train.y, p.held_out[0].train.y);
}

TEST(PartitionTest, OverlappingFashionPairsAreRejected) {
  // The overlap is found before any file is read, so this needs no dataset.
  const TaskSpec a = ParseTaskSpec("fmnist:pairs=0-6;2-4,data_dir=/nonexistent");
  const TaskSpec b = ParseTaskSpec("fmnist:pairs=1-3,data_dir=/nonexistent");
  const TaskSpec c = ParseTaskSpec("fmnist:pairs=5-7;6-0,data_dir=/nonexistent");
  EXPECT_EQ(ErrorOf([&] { MakePartition(a, b, c); }),
            "task partition: search and held_out share Fashion-MNIST pair 0-6; give disjoint "
            "pairs= lists");
  const TaskSpec all = ParseTaskSpec("fmnist:data_dir=/nonexistent");
  EXPECT_TRUE(Contains(ErrorOf([&] { MakePartition(b, all, a); }),
                       "task partition: search and select share Fashion-MNIST pair 1-3 (an empty "
                       "pair list means all 45 pairs)"));
}

TEST(PartitionTest, WarmupMustBeDisjointFromSelectAndHeldOutButMayShareSearch) {
  const TaskSpec search = ParseTaskSpec("fmnist:pairs=0-6;2-4,data_dir=/nonexistent");
  const TaskSpec select = ParseTaskSpec("fmnist:pairs=1-3,data_dir=/nonexistent");
  const TaskSpec held = ParseTaskSpec("fmnist:pairs=5-7,data_dir=/nonexistent");
  const TaskSpec bad = ParseTaskSpec("fmnist:pairs=2-4;7-5,data_dir=/nonexistent");
  EXPECT_EQ(ErrorOf([&] { MakePartition(search, select, held, &bad); }),
            "task partition: held_out and warmup share Fashion-MNIST pair 5-7; give disjoint "
            "pairs= lists");
  const TaskSpec bad2 = ParseTaskSpec("fmnist:pairs=3-1,data_dir=/nonexistent");
  EXPECT_TRUE(Contains(ErrorOf([&] { MakePartition(search, select, held, &bad2); }),
                       "select and warmup share Fashion-MNIST pair 1-3"));
  // Sharing pairs with search is allowed: warmup is search data. (Synthetic: no files needed.)
  const TaskSpec lin = ParseTaskSpec("linear:dim=3,tasks=2,train=10,valid=10,seed=7");
  const Partition p = MakePartition(lin, lin, lin, &lin);
  ASSERT_EQ(p.warmup.size(), 2u);
  // The warmup role has its own seed stream (4), so it is a fourth instance set.
  TaskSpec w = lin;
  w.seed = DeriveSeed(7, 4);
  EXPECT_EQ(Generate(w)[1].train.x, p.warmup[1].train.x);
  for (const auto* set : {&p.search, &p.select, &p.held_out})
    for (const Dataset& d : *set) EXPECT_NE(d.train.y, p.warmup[0].train.y);
  EXPECT_TRUE(MakePartition(lin, lin, lin).warmup.empty());
}

TEST(PartitionTest, SameDataFileIsRejected) {
  TempDir tmp;
  const std::string path = tmp.Write("d.csv", "y,x\n1,2\n");
  const TaskSpec csv = ParseTaskSpec("csv:path=" + path);
  EXPECT_EQ(ErrorOf([&] { MakePartition(ParseTaskSpec("linear"), csv, csv); }),
            "task partition: select and held_out both use the data file " + path +
                "; give each role its own file");
}

TEST(PartitionTest, FashionPartitionFromSplitPairs) {
  if (!std::filesystem::exists(TaskSpec().data_dir + "/train-images-idx3-ubyte.gz")) {
    GTEST_SKIP() << "Fashion-MNIST not installed";
  }
  const PairSplit split = SplitPairs(11, 3, 2);
  TaskSpec s = ParseTaskSpec("fmnist:dim=4,train=50,valid=20,test=20");
  TaskSpec search = s, select = s, held = s;
  search.pairs = split.search;
  select.pairs = split.select;
  held.pairs = split.held_out;
  const Partition p = MakePartition(search, select, held);
  EXPECT_EQ(p.search.size(), 3u);
  EXPECT_EQ(p.select.size(), 2u);
  EXPECT_EQ(p.held_out.size(), 40u);
  std::set<std::string> names;
  for (const auto* set : {&p.search, &p.select, &p.held_out}) {
    for (const Dataset& d : *set) EXPECT_TRUE(names.insert(d.name).second) << d.name;
  }
}

TEST(PartitionTest, AllFashionPairs) {
  const auto pairs = AllFashionPairs();
  ASSERT_EQ(pairs.size(), 45u);
  EXPECT_EQ(pairs.front(), std::make_pair(0, 1));
  EXPECT_EQ(pairs.back(), std::make_pair(8, 9));
  for (auto [a, b] : pairs) EXPECT_LT(a, b);
  const std::set<std::pair<int, int>> unique(pairs.begin(), pairs.end());
  EXPECT_EQ(unique.size(), 45u);
}

TEST(PartitionTest, SplitPairsIsDisjointCompleteAndSeeded) {
  const PairSplit s = SplitPairs(42, 10, 5);
  EXPECT_EQ(s.search.size(), 10u);
  EXPECT_EQ(s.select.size(), 5u);
  EXPECT_EQ(s.held_out.size(), 30u);
  std::set<std::pair<int, int>> all;
  for (const auto* v : {&s.search, &s.select, &s.held_out}) all.insert(v->begin(), v->end());
  EXPECT_EQ(all.size(), 45u);
  EXPECT_EQ(SplitPairs(42, 10, 5).search, s.search);
  EXPECT_NE(SplitPairs(43, 10, 5).search, s.search);
  EXPECT_TRUE(Contains(ErrorOf([] { SplitPairs(1, 40, 5); }), "at least 1 must be left"));
  EXPECT_TRUE(Contains(ErrorOf([] { SplitPairs(1, 0, 5); }), "cannot split"));
  EXPECT_TRUE(Contains(ErrorOf([] { SplitPairs(1, 5, -1); }), "cannot split"));
  EXPECT_EQ(SplitPairs(1, 43, 1).held_out.size(), 1u);
}

}  // namespace
}  // namespace ouro::tasks
