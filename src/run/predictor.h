// run/predictor.h — a program trained on a user's rows and applied to new ones: the one rule
// behind `ouro predict` and the Python module's predictions.
//
// Training is evaluation's: the training rows become a task instance by tasks::FromTable (shuffled
// by the seed, cut by the spec's splits, standardized with the train split's statistics unless the
// spec says not), and the program learns its train split as eval::EvaluateTask would with that
// seed (task 0 of eval::EvalSeed(seed)): with `ouro eval --data`'s spec and seed, the very model
// whose held-out score it printed. New rows go through the same standardization and projection
// (tasks::RowTransform), then `predict`. Classification: the class with the highest probability
// (for two classes, P(class 1) > 0.5, the evaluator's rule), reported as the label value of the
// training data; probabilities of the one-vs-rest runs are normalized to sum to 1.
//
// Layer: run/ (see run/control_service.h).
#pragma once

#include <cstdint>
#include <vector>

#include "lang/program.h"
#include "tasks/dataset.h"
#include "tasks/task_spec.h"
#include "tasks/user_data.h"

namespace ouro::run {

struct PredictionTable {
  tasks::Kind kind = tasks::Kind::kRegression;
  std::vector<double> classes;  // classification: the label value of each class, ascending
  std::vector<double> label;    // per row: the prediction (regression) or the predicted label value
  std::vector<double> proba;    // classification: rows × classes probabilities, row-major
  tasks::Standardization standardization;  // what the training rows' features went through
};

// Trains `program` on `train` (spec: kind, standardize, splits, project_dim; its seed is replaced
// by `seed`) and predicts `n` new rows of train.dim features at `rows`. Throws ouro::Error when the
// program diverges or exceeds the evaluation budget, or when the data is bad (tasks::FromTable).
PredictionTable TrainAndPredict(const lang::Program& program, tasks::TaskSpec spec, tasks::UserTable train,
                                const double* rows, int n, uint64_t seed);

// The evaluator's fitness of predictions against the true labels (n values): for classes, the
// share of rows whose predicted label value equals the truth (eval::EvaluateTask's accuracy); for
// a target, 1 - (2/pi) atan(RMSE) (eval::SquashRmse).
double Fitness(const PredictionTable& p, const double* truth, int n);

}  // namespace ouro::run
