// tasks/user_data.cc — the "csv" and "idx" families: one task instance from the user's own data,
// rows shuffled by seed and split into train/valid/test.

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <numeric>
#include <string>

#include "core/error.h"
#include "core/rng.h"
#include "tasks/csv.h"
#include "tasks/families.h"
#include "tasks/idx.h"
#include "tasks/projection.h"

namespace ouro::tasks::internal {
namespace {

// Loaded user data before splitting.
struct Table {
  std::string name;  // dataset name, e.g. "csv[data.csv]"
  int dim = 0;
  std::vector<double> x;  // n rows of dim
  std::vector<double> y;
  std::vector<std::string> row_names;  // where each row came from, for messages; may be empty
  std::string label_name;              // the label, for messages (a csv column: 'NAME')
  int n() const { return static_cast<int>(y.size()); }
};

Kind ResolveKind(const TaskSpec& spec, const Table& t, const std::string& source) {
  auto binary = [](double v) { return v == 0.0 || v == 1.0; };
  if (spec.kind == "regression") return Kind::kRegression;
  if (spec.kind == "classification") {
    for (int i = 0; i < t.n(); ++i) {
      if (!binary(t.y[i])) {
        char v[32];
        std::snprintf(v, sizeof v, "%.17g", t.y[i]);
        throw Error(source + ": kind=classification needs labels 0 or 1, but " + t.row_names[i] +
                    " has label " + v);
      }
    }
    return Kind::kClassification;
  }
  if (!spec.kind.empty()) {
    throw Error(t.name + ": unknown kind '" + spec.kind + "' (known: regression, classification)");
  }
  for (double v : t.y) {
    if (!binary(v)) return Kind::kRegression;
  }
  return Kind::kClassification;
}

// Rows for one split: its fraction (if >= 0) or its count. Fractions are cut at rounded
// cumulative boundaries, so fractions summing to 1 use every row exactly once.
struct SplitSizes {
  int train = 0, valid = 0, test = 0;
};

SplitSizes ResolveSizes(const TaskSpec& spec, const Table& t) {
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

// A label with one value in every row leaves nothing to learn: an error, not a perfect score.
void CheckLabelVaries(const Table& t, const std::string& source) {
  if (std::any_of(t.y.begin(), t.y.end(), [&t](double v) { return v != t.y.front(); })) return;
  char v[32];
  std::snprintf(v, sizeof v, "%.17g", t.y.front());
  throw Error(source + ": the label" + (t.label_name.empty() ? "" : " " + t.label_name) + " is " + v + " in all " +
              std::to_string(t.n()) + " rows: there is nothing to learn");
}

Dataset Finish(const TaskSpec& spec, Table t, const std::string& source) {
  CheckLabelVaries(t, source);
  Dataset d;
  d.name = t.name;
  d.kind = ResolveKind(spec, t, source);
  const SplitSizes sizes = ResolveSizes(spec, t);

  // Shuffle row order with instance 0's seed, as a synthetic family's instance 0 would use.
  std::vector<int> order(t.n());
  std::iota(order.begin(), order.end(), 0);
  Rng rng(DeriveSeed(spec.seed, 0));
  PartialShuffle(order, order.size(), rng);

  std::unique_ptr<Projection> proj;
  d.dim = t.dim;
  if (spec.project_dim > 0 && spec.project_dim != t.dim) {
    proj = std::make_unique<Projection>(DeriveSeed(spec.seed, kProjectionStream), t.dim,
                                        spec.project_dim);
    d.dim = spec.project_dim;
  }
  size_t next = 0;
  auto fill = [&](Split& s, int count) {
    s.x.resize(static_cast<size_t>(count) * d.dim);
    s.y.resize(count);
    for (int r = 0; r < count; ++r, ++next) {
      const double* src = t.x.data() + static_cast<size_t>(order[next]) * t.dim;
      double* dst = s.x.data() + static_cast<size_t>(r) * d.dim;
      if (proj) {
        proj->Apply(src, dst);
      } else {
        std::copy(src, src + t.dim, dst);
      }
      s.y[r] = t.y[order[next]];
    }
  };
  fill(d.train, sizes.train);
  fill(d.valid, sizes.valid);
  fill(d.test, sizes.test);
  return d;
}

std::string BaseName(const std::string& path) {
  return std::filesystem::path(path).filename().string();
}

}  // namespace

std::vector<Dataset> GenerateCsv(const TaskSpec& spec) {
  if (spec.path.empty()) throw Error("csv: no file given (key path=)");
  CsvTable csv = LoadCsv(spec.path, spec.label_column);
  Table t;
  t.name = "csv[" + BaseName(spec.path) + "]";
  t.dim = csv.dim;
  t.x = std::move(csv.x);
  t.y = std::move(csv.y);
  for (int line : csv.lines) t.row_names.push_back("line " + std::to_string(line));
  t.label_name = "column '" + csv.columns[static_cast<size_t>(csv.label_index)] + "'";
  std::vector<Dataset> out;
  out.push_back(Finish(spec, std::move(t), spec.path));
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
  Table t;
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
  out.push_back(Finish(spec, std::move(t), spec.labels_path));
  return out;
}

}  // namespace ouro::tasks::internal
