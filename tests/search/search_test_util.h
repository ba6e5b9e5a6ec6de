// search_test_util.h — helpers shared by the search and meta tests: task specs, exact number text,
// search-space membership.
#pragma once

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string>

#include "search/mutator.h"
#include "tasks/task_spec.h"

namespace ouro::search::test {

inline tasks::TaskSpec Linear(int num_tasks, int n_train, int n_valid, uint64_t seed, int dim = 4) {
  tasks::TaskSpec s;
  s.family = "linear";
  s.dim = dim;
  s.num_tasks = num_tasks;
  s.n_train = n_train;
  s.n_valid = n_valid;
  s.seed = seed;
  return s;
}

// Exact text of a double (std::to_string keeps only 6 decimals).
inline std::string Exact(double v) {
  char buf[32];
  return std::string(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

inline bool Allowed(const SearchSpace& s, int c, lang::Op op) {
  return std::find(s.ops[c].begin(), s.ops[c].end(), op) != s.ops[c].end();
}

}  // namespace ouro::search::test
