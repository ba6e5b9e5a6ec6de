#include "run/predictor.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"
#include "eval/evaluator.h"
#include "lang/interpreter.h"
#include "lang/text.h"

namespace ouro::run {
namespace {

// The probabilities and predicted label of each row from the evaluator's raw predictions.
void FillClasses(const tasks::Dataset& d, const eval::Predictions& p, int n, PredictionTable& out) {
  const int k = d.classes;
  out.proba.resize(static_cast<size_t>(n) * k);
  for (int i = 0; i < n; ++i) {
    double* row = &out.proba[static_cast<size_t>(i) * k];
    int best = 0;
    if (p.width == 1) {  // two classes: P(class 1), the evaluator's threshold
      row[0] = 1 - p.values[i];
      row[1] = p.values[i];
      best = p.values[i] > 0.5 ? 1 : 0;
    } else {
      const double* raw = &p.values[static_cast<size_t>(i) * k];
      double sum = 0;
      for (int c = 0; c < k; ++c) sum += raw[c];
      for (int c = 0; c < k; ++c) row[c] = sum > 0 ? raw[c] / sum : 1.0 / k;
      best = static_cast<int>(std::max_element(raw, raw + k) - raw);
    }
    out.label[i] = d.class_values[static_cast<size_t>(best)];
  }
}

}  // namespace

PredictionTable TrainAndPredict(const lang::Program& program, tasks::TaskSpec spec, tasks::UserTable train,
                                const double* rows, int n, uint64_t seed) {
  const int raw_dim = train.dim;
  const std::string name = train.name;
  spec.seed = seed;
  const tasks::Dataset d = tasks::FromTable(spec, std::move(train), name);
  const tasks::RowTransform transform(spec, d, raw_dim);
  std::vector<double> prepared(static_cast<size_t>(n) * d.dim);
  for (int i = 0; i < n; ++i)
    transform.Apply(rows + static_cast<size_t>(i) * raw_dim, prepared.data() + static_cast<size_t>(i) * d.dim);

  const lang::Executable exe = lang::Compile(program, lang::MinimalShape(program, d.dim));
  lang::Machine m;
  const eval::Predictions p =
      eval::Predict(exe, d, prepared.data(), n, m, DeriveSeed(eval::EvalSeed(seed), 0), eval::Limits{});
  if (p.over_budget) throw Error(name + ": training and predicting exceed the evaluation budget");
  if (p.diverged) throw Error(name + ": the program's predictions diverged (non-finite or larger than 1e12)");
  PredictionTable out;
  out.kind = d.kind;
  out.classes = d.class_values;
  out.standardization = d.standardization;
  out.label.resize(n);
  if (d.kind == tasks::Kind::kClassification) FillClasses(d, p, n, out);
  else std::copy(p.values.begin(), p.values.end(), out.label.begin());
  return out;
}

double Fitness(const PredictionTable& p, const double* truth, int n) {
  if (n <= 0) throw Error("no rows to score");
  double acc = 0;
  for (int i = 0; i < n; ++i) {
    if (p.kind == tasks::Kind::kClassification) acc += p.label[i] == truth[i] ? 1.0 : 0.0;
    else acc += (p.label[i] - truth[i]) * (p.label[i] - truth[i]);
  }
  return p.kind == tasks::Kind::kClassification ? acc / n : eval::SquashRmse(std::sqrt(acc / n));
}

}  // namespace ouro::run
