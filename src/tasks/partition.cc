// tasks/partition.cc — MakePartition's disjointness rules, and dividing the Fashion-MNIST pairs
// (see partition.h).

#include "tasks/partition.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <set>
#include <string>

#include "core/error.h"
#include "core/rng.h"
#include "tasks/families.h"

namespace ouro::tasks {
namespace {

constexpr const char* kRoles[] = {"search", "select", "held_out", "warmup"};

bool Synthetic(const TaskSpec& s) { return s.family == "linear" || s.family == "nonlinear"; }

std::set<std::pair<int, int>> UnorderedPairs(const TaskSpec& s) {
  std::set<std::pair<int, int>> out;
  for (auto [a, b] : s.pairs.empty() ? AllFashionPairs() : s.pairs) {
    out.insert({std::min(a, b), std::max(a, b)});
  }
  return out;
}

std::string SameFile(const std::string& a, const std::string& b) {
  std::error_code ec;
  if (std::filesystem::equivalent(a, b, ec)) return a;
  return a == b ? a : "";
}

}  // namespace

std::vector<std::pair<int, int>> AllFashionPairs() {
  std::vector<std::pair<int, int>> out;
  for (int a = 0; a < 10; ++a) {
    for (int b = a + 1; b < 10; ++b) out.emplace_back(a, b);
  }
  return out;
}

PairSplit SplitPairs(uint64_t seed, int n_search, int n_select) {
  std::vector<std::pair<int, int>> pairs = AllFashionPairs();
  const int total = static_cast<int>(pairs.size());
  if (n_search < 1 || n_select < 1 || n_search > total || n_select > total - 1 - n_search) {
    throw Error("cannot split the " + std::to_string(total) + " Fashion-MNIST pairs into " +
                std::to_string(n_search) + " search and " + std::to_string(n_select) +
                " select pairs: each needs at least 1 and at least 1 must be left for held_out");
  }
  Rng rng(seed);
  internal::PartialShuffle(pairs, pairs.size(), rng);
  PairSplit split;
  split.search.assign(pairs.begin(), pairs.begin() + n_search);
  split.select.assign(pairs.begin() + n_search, pairs.begin() + n_search + n_select);
  split.held_out.assign(pairs.begin() + n_search + n_select, pairs.end());
  return split;
}

Partition MakePartition(const TaskSpec& search, const TaskSpec& select, const TaskSpec& held_out,
                        const TaskSpec* warmup) {
  std::vector<TaskSpec> specs = {search, select, held_out};
  if (warmup) specs.push_back(*warmup);
  const int n = static_cast<int>(specs.size());
  for (int r = 0; r < n; ++r) {
    if (Synthetic(specs[r])) specs[r].seed = DeriveSeed(specs[r].seed, r + 1);
  }
  for (int r = 0; r < n; ++r) {
    for (int q = r + 1; q < n; ++q) {
      if (r == 0 && q == 3) continue;  // warmup and search are both search data
      const TaskSpec& a = specs[r];
      const TaskSpec& b = specs[q];
      const std::string roles = std::string(kRoles[r]) + " and " + kRoles[q];
      if (a.family != b.family) continue;
      if (Synthetic(a)) {
        std::set<uint64_t> seeds;
        for (int i = 0; i < a.num_tasks; ++i) seeds.insert(DeriveSeed(a.seed, i));
        for (int i = 0; i < b.num_tasks; ++i) {
          if (seeds.count(DeriveSeed(b.seed, i))) {
            throw Error("task partition: " + roles + " share a " + a.family +
                        " instance seed; choose different seeds");
          }
        }
      } else if (a.family == "fmnist") {
        const auto pa = UnorderedPairs(a);
        for (auto p : UnorderedPairs(b)) {
          if (pa.count(p)) {
            throw Error("task partition: " + roles + " share Fashion-MNIST pair " +
                        std::to_string(p.first) + "-" + std::to_string(p.second) +
                        (a.pairs.empty() || b.pairs.empty()
                             ? " (an empty pair list means all 45 pairs)"
                             : "") +
                        "; give disjoint pairs= lists");
          }
        }
      } else if (!a.path.empty()) {
        if (std::string f = SameFile(a.path, b.path); !f.empty()) {
          throw Error("task partition: " + roles + " both use the data file " + f +
                      "; give each role its own file");
        }
      }
    }
  }
  Partition p;
  p.search = Generate(specs[0]);
  p.select = Generate(specs[1]);
  p.held_out = Generate(specs[2]);
  if (warmup) p.warmup = Generate(specs[3]);
  return p;
}

}  // namespace ouro::tasks
