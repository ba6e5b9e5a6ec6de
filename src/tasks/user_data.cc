// tasks/user_data.cc — user data as a task instance (FromTable, tasks/user_data.h), and the "csv"
// and "idx" families that read it from files.

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <numeric>
#include <set>
#include <string>

#include "core/error.h"
#include "core/rng.h"
#include "tasks/csv.h"
#include "tasks/families.h"
#include "tasks/idx.h"
#include "tasks/projection.h"
#include "tasks/user_data.h"

namespace ouro::tasks {
namespace {

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

bool IsInteger(double v) { return std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 9e15; }

// The labels as runs made before standardization and multi-class labels read them
// (TaskSpec::legacy_user_data): 0/1 labels are classes, anything else a regression target.
std::vector<double> LegacyClasses(const TaskSpec& spec, const UserTable& t, const std::string& source) {
  auto binary = [](double v) { return v == 0.0 || v == 1.0; };
  if (spec.kind == "regression") return {};
  for (int i = 0; i < t.n(); ++i) {
    if (binary(t.y[i])) continue;
    if (spec.kind == "classification")
      throw Error(source + ": kind=classification needs labels 0 or 1, but " + t.row_names[i] + " has label " +
                  Number(t.y[i]));
    return {};
  }
  return {0.0, 1.0};
}

// Rows for one split: its fraction (if >= 0) or its count. Fractions are cut at rounded
// cumulative boundaries, so fractions summing to 1 use every row exactly once.
struct SplitSizes {
  int train = 0, valid = 0, test = 0;
};

SplitSizes ResolveSizes(const TaskSpec& spec, const UserTable& t) {
  const int n = t.n();
  double cum = 0.0;
  auto size = [&](double fraction, int count) {
    if (fraction < 0) return count;
    const long start = std::lround(cum * n);
    cum += fraction;
    return static_cast<int>(std::lround(cum * n) - start);
  };
  SplitSizes s;
  s.train = size(spec.train_fraction, spec.n_train);
  s.valid = size(spec.valid_fraction, spec.n_valid);
  s.test = size(spec.test_fraction, spec.n_test);
  const long total = long{s.train} + s.valid + s.test;
  if (total > n) {
    throw Error(t.name + ": train+valid+test = " + std::to_string(total) + " rows requested, the " +
                "data has " + std::to_string(n));
  }
  if (s.train < 1) {
    throw Error(t.name + ": the train split is empty (" + std::to_string(n) + " rows in all)");
  }
  return s;
}

// What a spec built in code (Python's keywords) may get wrong that ParseTaskSpec would refuse.
void CheckTableSpec(const TaskSpec& spec, const std::string& source) {
  if (spec.epochs < 1 || spec.epochs > 1000)
    throw Error(source + ": epochs must be between 1 and 1000, got " + std::to_string(spec.epochs));
  double sum = 0;
  for (const double f : {spec.train_fraction, spec.valid_fraction, spec.test_fraction}) {
    if (!(f <= 1) || (f < 0 && f != -1)) throw Error(source + ": split fractions must be between 0 and 1");
    sum += std::max(f, 0.0);
  }
  if (sum > 1 + 1e-9) throw Error(source + ": split fractions add up to more than 1");
}

// A label with one value in every row leaves nothing to learn: an error, not a perfect score.
void CheckLabelVaries(const UserTable& t, const std::string& source) {
  if (t.n() == 0) throw Error(source + ": no rows");
  if (std::any_of(t.y.begin(), t.y.end(), [&t](double v) { return v != t.y.front(); })) return;
  throw Error(source + ": the label" + (t.label_name.empty() ? "" : " " + t.label_name) + " is " +
              Number(t.y.front()) + " in all " + std::to_string(t.n()) + " rows: there is nothing to learn");
}

// Mean and standard deviation (population, as scikit-learn's StandardScaler) of each feature
// over the given rows; a constant feature gets scale 1.
Standardization Fit(const UserTable& t, const std::vector<int>& rows) {
  Standardization s;
  s.center.assign(t.dim, 0.0);
  s.scale.assign(t.dim, 0.0);
  const double n = static_cast<double>(rows.size());
  for (int r : rows)
    for (int j = 0; j < t.dim; ++j) s.center[j] += t.x[static_cast<size_t>(r) * t.dim + j];
  for (double& c : s.center) c /= n;
  for (int r : rows)
    for (int j = 0; j < t.dim; ++j) {
      const double d = t.x[static_cast<size_t>(r) * t.dim + j] - s.center[j];
      s.scale[j] += d * d;
    }
  for (int j = 0; j < t.dim; ++j) {  // constant up to rounding: centered, not scaled
    const double sd = std::sqrt(s.scale[j] / n);
    s.scale[j] = sd > 1e-12 * std::max(1.0, std::fabs(s.center[j])) && std::isfinite(sd) ? sd : 1.0;
  }
  return s;
}

// Class labels as indices, and for more than two classes the binary train labels of each class.
void SetLabels(Dataset& d, const std::vector<double>& classes) {
  if (classes.empty()) return;
  d.kind = Kind::kClassification;
  d.classes = static_cast<int>(classes.size());
  d.class_values = classes;
  for (Split* s : {&d.train, &d.valid, &d.test})
    for (double& y : s->y)
      y = static_cast<double>(std::lower_bound(classes.begin(), classes.end(), y) - classes.begin());
  if (d.classes <= 2) return;
  d.ovr_train.assign(d.classes, std::vector<double>(d.train.y.size()));
  for (int c = 0; c < d.classes; ++c)
    for (size_t i = 0; i < d.train.y.size(); ++i) d.ovr_train[c][i] = d.train.y[i] == c ? 1.0 : 0.0;
}

// Epochs 2.. of the train split: its rows again, each pass in an order of its own from `rng`.
void RepeatTrain(Split& train, int dim, int epochs, Rng& rng) {
  const Split first = train;
  std::vector<int> order(first.n());
  for (int e = 1; e < epochs; ++e) {
    std::iota(order.begin(), order.end(), 0);
    internal::PartialShuffle(order, order.size(), rng);
    for (int r : order) {
      train.x.insert(train.x.end(), first.row(r, dim), first.row(r, dim) + dim);
      train.y.push_back(first.y[r]);
    }
  }
}

}  // namespace

std::vector<double> ResolveClasses(const TaskSpec& spec, const UserTable& t, const std::string& source) {
  if (spec.legacy_user_data) return LegacyClasses(spec, t, source);
  if (spec.kind == "regression") return {};
  const bool asked = spec.kind == "classification";
  if (!asked && !spec.kind.empty())
    throw Error(t.name + ": unknown kind '" + spec.kind + "' (known: regression, classification)");
  std::set<double> values;
  for (int i = 0; i < t.n(); ++i) {
    if (!IsInteger(t.y[i])) {
      if (!asked) return {};
      throw Error(source + ": kind=classification needs integer class labels, but " + t.row_names[i] +
                  " has label " + Number(t.y[i]));
    }
    values.insert(t.y[i]);
    if (!asked && values.size() > static_cast<size_t>(kMaxGuessedClasses)) return {};
    if (values.size() > static_cast<size_t>(kMaxClasses))
      throw Error(source + ": more than " + std::to_string(kMaxClasses) + " classes in the label" +
                  (t.label_name.empty() ? "" : " " + t.label_name));
  }
  return {values.begin(), values.end()};
}

RowTransform::RowTransform(const TaskSpec& spec, const Dataset& d, int raw_dim)
    : in_(raw_dim), out_(raw_dim), standardization_(d.standardization) {
  if (spec.project_dim > 0 && spec.project_dim != raw_dim) {
    projection_ = std::make_unique<Projection>(DeriveSeed(spec.seed, internal::kProjectionStream), raw_dim,
                                               spec.project_dim);
    out_ = spec.project_dim;
    scratch_.resize(raw_dim);
  }
}

void RowTransform::Apply(const double* src, double* dst) const {
  if (!projection_) {
    std::copy(src, src + in_, dst);
    standardization_.Apply(dst);
    return;
  }
  std::copy(src, src + in_, scratch_.begin());
  standardization_.Apply(scratch_.data());
  projection_->Apply(scratch_.data(), dst);
}

Dataset FromTable(const TaskSpec& spec, UserTable t, const std::string& source) {
  CheckTableSpec(spec, source);
  CheckLabelVaries(t, source);
  const std::vector<double> classes = ResolveClasses(spec, t, source);
  const SplitSizes sizes = ResolveSizes(spec, t);

  // Shuffle row order with instance 0's seed, as a synthetic family's instance 0 would use.
  std::vector<int> order(t.n());
  std::iota(order.begin(), order.end(), 0);
  Rng rng(DeriveSeed(spec.seed, 0));
  internal::PartialShuffle(order, order.size(), rng);

  Dataset d;
  d.name = t.name;
  d.kind = Kind::kRegression;
  if (spec.standardize && !spec.legacy_user_data)
    d.standardization = Fit(t, std::vector<int>(order.begin(), order.begin() + sizes.train));
  const RowTransform transform(spec, d, t.dim);
  d.dim = transform.out();
  size_t next = 0;
  auto fill = [&](Split& s, int count) {
    s.x.resize(static_cast<size_t>(count) * d.dim);
    s.y.resize(count);
    for (int r = 0; r < count; ++r, ++next) {
      transform.Apply(t.x.data() + static_cast<size_t>(order[next]) * t.dim,
                      s.x.data() + static_cast<size_t>(r) * d.dim);
      s.y[r] = t.y[order[next]];
    }
  };
  fill(d.train, sizes.train);
  fill(d.valid, sizes.valid);
  fill(d.test, sizes.test);
  RepeatTrain(d.train, d.dim, spec.epochs, rng);
  SetLabels(d, classes);
  return d;
}

namespace internal {
namespace {

std::string BaseName(const std::string& path) {
  return std::filesystem::path(path).filename().string();
}

}  // namespace

std::vector<Dataset> GenerateCsv(const TaskSpec& spec) {
  if (spec.path.empty()) throw Error("csv: no file given (key path=)");
  CsvTable csv = LoadCsv(spec.path, spec.label_column);
  UserTable t;
  t.name = "csv[" + BaseName(spec.path) + "]";
  t.dim = csv.dim;
  t.x = std::move(csv.x);
  t.y = std::move(csv.y);
  for (int line : csv.lines) t.row_names.push_back("line " + std::to_string(line));
  t.label_name = "column '" + csv.columns[static_cast<size_t>(csv.label_index)] + "'";
  std::vector<Dataset> out;
  out.push_back(FromTable(spec, std::move(t), spec.path));
  return out;
}

std::vector<Dataset> GenerateIdx(const TaskSpec& spec) {
  if (spec.path.empty()) throw Error("idx: no images file given (key path=)");
  if (spec.labels_path.empty()) throw Error("idx: no labels file given (key labels=)");
  const IdxArray images = ReadIdx(spec.path);
  const IdxArray labels = ReadIdx(spec.labels_path);
  const size_t n = images.dims[0];
  if (labels.size() != n || (labels.dims.size() > 1 && labels.item_size() != 1)) {
    throw Error(spec.labels_path + ": " + std::to_string(labels.size()) + " labels for " +
                std::to_string(n) + " items in " + spec.path);
  }
  if (n == 0) throw Error(spec.path + ": no items");
  if (n > INT_MAX) throw Error(spec.path + ": too many items (" + std::to_string(n) + ")");
  const size_t item = images.item_size();
  if (item == 0) throw Error(spec.path + ": items have no features (a dimension is 0)");
  if (item > (1u << 24)) throw Error(spec.path + ": items are too large to use as features");
  UserTable t;
  t.name = "idx[" + BaseName(spec.path) + "]";
  t.dim = static_cast<int>(item);
  const double scale = images.type == IdxType::kUByte ? 1.0 / 255.0 : 1.0;
  t.x.resize(images.size());
  for (size_t i = 0; i < t.x.size(); ++i) {
    t.x[i] = images.at(i) * scale;
    if (!std::isfinite(t.x[i])) {
      throw Error(spec.path + ": item " + std::to_string(i / item) + " has a non-finite value");
    }
  }
  t.y.resize(n);
  for (size_t i = 0; i < n; ++i) {
    t.y[i] = labels.at(i);
    if (!std::isfinite(t.y[i])) {
      throw Error(spec.labels_path + ": item " + std::to_string(i) + " has a non-finite label");
    }
    t.row_names.push_back("item " + std::to_string(i));
  }
  std::vector<Dataset> out;
  out.push_back(FromTable(spec, std::move(t), spec.labels_path));
  return out;
}

}  // namespace internal
}  // namespace ouro::tasks
