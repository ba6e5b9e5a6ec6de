// tasks/partition.h — building the search / select / held-out task sets and proving them disjoint.
//
// MakePartition generates the three sets of a run from three specs and refuses overlaps:
//   linear, nonlinear — each role draws from its own seed stream: the role's spec is generated with
//       seed = DeriveSeed(spec.seed, role), role 1 = search, 2 = select, 3 = held_out. So even the
//       same spec (same seed) for all three roles gives three different instance sets, and
//       MakePartition(s, ...).search differs from Generate(s). The resulting instance seeds are
//       checked to be distinct across roles of the same family.
//   fmnist — seeds are used as given (the projection stays the same across roles); the class pairs
//       of any two roles must be disjoint as unordered pairs (an empty list means all 45, which
//       overlaps everything). Use SplitPairs to divide the 45 pairs.
//   csv, idx — two roles may not read the same data file (their rows would overlap).
// Different families never overlap. Violations throw ouro::Error naming both roles.
// An optional fourth role, warmup (the search's first tasks, seed stream 4), follows the same
// rules against select and held_out; it may share instances with search, being search data too.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "tasks/task_spec.h"

namespace ouro::tasks {

Partition MakePartition(const TaskSpec& search, const TaskSpec& select, const TaskSpec& held_out,
                        const TaskSpec* warmup = nullptr);

// All 45 Fashion-MNIST class pairs (a, b) with 0 <= a < b <= 9, in lexicographic order.
std::vector<std::pair<int, int>> AllFashionPairs();

struct PairSplit {
  std::vector<std::pair<int, int>> search, select, held_out;
};

// Shuffles AllFashionPairs() with Rng(seed) and deals the first n_search to search, the next
// n_select to select and the rest to held_out. Throws ouro::Error unless n_search >= 1,
// n_select >= 1 and at least one pair is left for held_out (an empty list would mean "all 45").
PairSplit SplitPairs(uint64_t seed, int n_search, int n_select);

}  // namespace ouro::tasks
