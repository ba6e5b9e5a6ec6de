// tasks/user_data.h — a user's table of rows (from a csv or idx file, or arrays handed over from
// Python) turned into one task instance, the way people expect:
//   * features standardized with the train split's mean and standard deviation (spec.standardize;
//     a constant feature is centered and left at scale 1, never divided by zero), before any
//     random projection (spec.project_dim);
//   * the label's kind: kind=regression or kind=classification as given; otherwise integer labels
//     with at most kMaxGuessedClasses distinct values are classes and anything else a regression
//     target. Classes are numbered by ascending label value: two classes are labels 0 and 1 (the
//     upper value is class 1); more are learned one-vs-rest (Dataset::ovr_train) and scored by
//     accuracy of the most probable class;
//   * rows shuffled by the spec's seed and cut into train/valid/test by its fractions or counts.
// Errors name the row: a constant label, a non-integer class label, too many classes.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tasks/dataset.h"
#include "tasks/projection.h"
#include "tasks/task_spec.h"

namespace ouro::tasks {

inline constexpr int kMaxGuessedClasses = 20;  // more distinct integer labels: a regression target
inline constexpr int kMaxClasses = 100;        // kind=classification: at most this many classes

// Loaded user data before splitting.
struct UserTable {
  std::string name;  // dataset name, e.g. "csv[data.csv]"
  int dim = 0;
  std::vector<double> x;  // n rows of dim
  std::vector<double> y;
  std::vector<std::string> row_names;  // where each row came from, for messages (one per row)
  std::string label_name;              // the label, for messages (a csv column: "column 'y'")
  int n() const { return static_cast<int>(y.size()); }
};

// The task instance of a table, per the spec's kind, standardize, seed, splits and project_dim
// (its family and path are not read). `source` prefixes error messages. Throws ouro::Error.
Dataset FromTable(const TaskSpec& spec, UserTable t, const std::string& source);

// The classes of a table's labels under spec.kind (see above): empty for a regression target,
// else the distinct label values ascending. Throws ouro::Error naming the row of a bad label.
std::vector<double> ResolveClasses(const TaskSpec& spec, const UserTable& t, const std::string& source);

// What a table's rows go through on their way into the task: the dataset's standardization, then
// the spec's random projection when it has one. The one rule for the task's own rows and for new
// rows to predict (ouro predict, the Python module).
class RowTransform {
 public:
  // `raw_dim`: features per row before the projection. REQUIRES: d was made by FromTable(spec, ..)
  // from rows of raw_dim features (its standardization is empty or has raw_dim entries).
  RowTransform(const TaskSpec& spec, const Dataset& d, int raw_dim);
  int in() const { return in_; }
  int out() const { return out_; }
  // out() values into dst from in() values of src.
  void Apply(const double* src, double* dst) const;

 private:
  int in_, out_;
  Standardization standardization_;
  std::unique_ptr<Projection> projection_;  // none: the rows keep their features
  mutable std::vector<double> scratch_;  // not thread-safe: one RowTransform per thread
};

}  // namespace ouro::tasks
