// tasks/families.h — internal: one generator per task family, and what they share.
//
// Generate (task_spec.cc) validates the spec and dispatches here. Each generator is a pure
// function of the spec. Not part of the public interface: include task_spec.h instead.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/rng.h"
#include "tasks/dataset.h"
#include "tasks/task_spec.h"

namespace ouro::tasks::internal {

// Stream ids under spec.seed for draws that are not per-instance. Instance i of a synthetic family
// uses DeriveSeed(spec.seed, i) (i small), so these are chosen far from any instance index.
inline constexpr uint64_t kProjectionStream = 0x70726f6a65637400ULL;  // "project"
inline constexpr uint64_t kShuffleStream = 0x73687566666c6500ULL;     // "shuffle"

std::vector<Dataset> GenerateLinear(const TaskSpec& spec);
std::vector<Dataset> GenerateNonlinear(const TaskSpec& spec);
std::vector<Dataset> GenerateLeaky(const TaskSpec& spec);
std::vector<Dataset> GenerateFashion(const TaskSpec& spec);
std::vector<Dataset> GenerateCsv(const TaskSpec& spec);
std::vector<Dataset> GenerateIdx(const TaskSpec& spec);

// The first k entries of a seeded Fisher-Yates shuffle of `items` (all of them when k = size);
// written out rather than std::shuffle so the result is the same with every standard library.
template <typename T>
void PartialShuffle(std::vector<T>& items, size_t k, Rng& rng) {
  const size_t n = items.size();
  for (size_t i = 0; i < k && i + 1 < n; ++i) {
    const size_t j = i + rng.Below(static_cast<uint32_t>(n - i));
    std::swap(items[i], items[j]);
  }
}

// A synthetic regression instance: kind, dim, then its train, valid and test splits in that
// order, each example dim Gaussian features drawn from rng and the label y = f(x).
template <typename F>
void FillRegression(Dataset& d, const TaskSpec& spec, const F& f, Rng& rng) {
  d.kind = Kind::kRegression;
  d.dim = spec.dim;
  for (auto [split, n] : {std::pair{&d.train, spec.n_train}, {&d.valid, spec.n_valid}, {&d.test, spec.n_test}}) {
    split->x.resize(static_cast<size_t>(n) * spec.dim);
    split->y.resize(n);
    double* x = split->x.data();
    for (int r = 0; r < n; ++r, x += spec.dim) {
      for (int j = 0; j < spec.dim; ++j) x[j] = rng.Gaussian();
      split->y[r] = f(x);
    }
  }
}

}  // namespace ouro::tasks::internal
