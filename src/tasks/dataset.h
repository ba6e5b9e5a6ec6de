// tasks/dataset.h — task instances: what the evaluator trains and scores a program on.
//
// A Dataset is one task instance: train/valid/test splits of (features, label), a kind (regression
// or binary classification) and a feature size. Features are stored row-major, one row of `dim`
// doubles per example, so the evaluator can point v0 at a row without copying. Classification
// labels are 0 or 1. Datasets are immutable once built and safe to share between threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ouro::tasks {

enum class Kind { kRegression, kClassification };

struct Split {
  std::vector<double> x;  // n() rows of dim doubles, row-major
  std::vector<double> y;  // n() labels
  int n() const { return static_cast<int>(y.size()); }
  const double* row(int i, int dim) const { return x.data() + static_cast<size_t>(i) * dim; }
};

struct Dataset {
  std::string name;  // human-readable instance id, e.g. "linear[d=4,seed=17]" or "fmnist[0-6]"
  Kind kind = Kind::kRegression;
  int dim = 0;
  Split train, valid, test;
};

}  // namespace ouro::tasks
