// eval/evaluator.h — scores a compiled program on task instances inside the sandbox.
//
// Per task: fresh zeroed memory, `setup` once, then for each training example v0 = features,
// s0 = 0, `predict`, (classification: s1 = sigmoid(s1)), s0 = label, `learn`; then `predict` on each
// scored example (validation or test split). Regression fitness is 1 - (2/pi) atan(RMSE)
// (AutoML-Zero's squash); classification fitness is accuracy with s1 > 0.5 meaning class 1.
// The sandbox: the cost of a whole evaluation (each compiled instruction at its lang::OpCost: 1,
// dim, dim² or dim³) is known before it starts and must fit the budget; a non-finite or huge
// (> 1e12) prediction stops the task with fitness 0 ("diverged").
// The fitness of a set of tasks is the mean over tasks.
// Thread-safety: an Evaluator is immutable after construction and may be shared; each thread
// passes its own lang::Machine.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "core/rng.h"
#include "lang/interpreter.h"
#include "tasks/dataset.h"

namespace ouro::eval {

enum class ScoreOn { kValid, kTest };

struct Limits {
  // Budget of one task evaluation (setup + all predict/learn runs), in scalar-operation
  // equivalents: an instruction costs 1, dim, dim² or dim³ by its op (lang::OpCost, see
  // docs/language.md). Over it, the task is not run and scores 0 (over_budget).
  int64_t max_instructions = 2'000'000'000;
  double max_abs_prediction = 1e12;
  // When set and true, an evaluation in progress ends within 1024 examples with fitness 0 and
  // `stopped` (a stop takes effect in the middle of a long evaluation).
  const std::atomic<bool>* stop = nullptr;
};

struct TaskResult {
  double fitness = 0;
  bool diverged = false;
  bool over_budget = false;
  bool stopped = false;
};

// Fitness of one task. n_train / n_score < 0 mean "all examples of the split". A multi-class task
// (tasks::Dataset::multiclass) is learned one-vs-rest: the program runs once per class, from fresh
// memory with the same seed, learning that class's 0/1 labels, and an example counts as correct
// when its own class has the highest probability; the budget covers all the runs.
TaskResult EvaluateTask(const lang::Executable& exe, const tasks::Dataset& task, lang::Machine& m,
                        uint64_t seed, const Limits& limits, ScoreOn on = ScoreOn::kValid,
                        int n_train = -1, int n_score = -1);

struct SetResult {
  double fitness = 0;  // mean over tasks
  int diverged = 0;
  int over_budget = 0;
  std::vector<double> per_task;
};

// A program's predictions for new rows, after training on the task's whole train split exactly as
// EvaluateTask does (same seed, same order): `rows` holds n rows of task.dim features, prepared as
// the task's own (tasks::RowTransform). values has n * width entries: for regression the
// prediction (width 1); for two classes P(class 1) (width 1); for more, P(class c) from class c's
// one-vs-rest run (width = classes; they need not sum to 1). diverged / over_budget: values empty.
struct Predictions {
  int width = 1;
  std::vector<double> values;
  bool diverged = false;
  bool over_budget = false;
};
Predictions Predict(const lang::Executable& exe, const tasks::Dataset& task, const double* rows, int n,
                    lang::Machine& m, uint64_t seed, const Limits& limits);

SetResult EvaluateSet(const lang::Executable& exe, const std::vector<tasks::Dataset>& set,
                      lang::Machine& m, uint64_t seed, const Limits& limits,
                      ScoreOn on = ScoreOn::kValid);

// Functional fingerprint for the equivalence cache: train on the first n_train examples and
// predict the first n_valid validation examples of the first n_tasks tasks (<= 0: all), then hash all those
// predictions (training and validation) quantised to ~6 significant digits. Programs that compute the same function (up to
// rounding) on those examples get the same fingerprint.
uint64_t Fingerprint(const lang::Executable& exe, const std::vector<tasks::Dataset>& set,
                     lang::Machine& m, uint64_t seed, int n_tasks, int n_train, int n_valid,
                     const Limits& limits = Limits{});

// The fingerprint's quantisation of a prediction to ~6 significant digits: frexp's exponent and
// its mantissa rounded to 20 bits (llround(mantissa * 2^20)), computed from the bits for normal
// numbers (the same integers, without two library calls per prediction).
struct Quantized {
  int64_t mantissa = 0;
  int exponent = 0;
};
Quantized Quantize(double p);

// The evaluation seed of a search run (and of `ouro eval`, which reproduces its scores): every
// task evaluation in a run draws its random streams from DeriveSeed(EvalSeed(run_seed), task).
inline uint64_t EvalSeed(uint64_t run_seed) { return DeriveSeed(run_seed, 0xe7a1); }

// Regression fitness from RMSE, exposed for tests and baselines.
double SquashRmse(double rmse);

}  // namespace ouro::eval
