// tasks/dataset.h — task instances: what the evaluator trains and scores a program on.
//
// A Dataset is one task instance: train/valid/test splits of (features, label), a kind (regression
// or classification) and a feature size. Features are stored row-major, one row of `dim`
// doubles per example, so the evaluator can point v0 at a row without copying. Classification
// labels are class indices: 0 or 1 for two classes; 0 .. classes-1 for more, which the evaluator
// learns one-vs-rest (`ovr_train` holds the binary train labels of each class). User data also
// carries what turns a file's rows into these features and labels (its standardization and the
// label value of each class), so predictions on new rows can do the same. Datasets are immutable
// once built and safe to share between threads.
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

// Per-feature standardization, x' = (x - center) / scale, with the train split's mean and
// standard deviation (a constant feature has scale 1, so it becomes 0). Empty: none.
struct Standardization {
  std::vector<double> center, scale;
  bool empty() const { return center.empty(); }
  void Apply(double* row) const {
    for (size_t j = 0; j < center.size(); ++j) row[j] = (row[j] - center[j]) / scale[j];
  }
};

struct Dataset {
  std::string name;  // human-readable instance id, e.g. "linear[d=4,seed=17]" or "fmnist[0-6]"
  Kind kind = Kind::kRegression;
  int dim = 0;
  Split train, valid, test;
  int classes = 2;                   // classification: the number of classes
  std::vector<std::vector<double>> ovr_train;  // classes > 2: per class, train labels 1 (it) / 0
  // User data only (empty otherwise): the label value each class index stands for, ascending, and
  // the standardization applied to the file's features (before any projection).
  std::vector<double> class_values;
  Standardization standardization;

  bool multiclass() const { return kind == Kind::kClassification && classes > 2; }
};

}  // namespace ouro::tasks
