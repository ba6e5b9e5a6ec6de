#include "eval/evaluator.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <numbers>

#include "core/hash.h"

namespace ouro::eval {
namespace {

using lang::Component;
using lang::Executable;

inline double Sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

struct NoSink {
  void operator()(int, double) const {}
};

// The inner loop, specialised on the compile-time dim. `sink` receives each scored prediction and
// `train_sink` each training prediction (Fingerprint uses both); returns false if the run diverged.
// `train_y` holds the n_train labels `learn` sees (task.train.y, or one class's one-vs-rest labels).
template <int D, typename Sink, typename TrainSink = NoSink>
bool RunLoop(const Executable& exe, const tasks::Dataset& task, const double* train_y, lang::Machine& m,
             uint64_t seed, int n_train, const tasks::Split& scored, int n_score, double max_abs, Sink&& sink,
             TrainSink&& train_sink = TrainSink{}, const std::atomic<bool>* stop = nullptr) {
  const int dim = exe.shape.dim;
  m.Reset(exe, seed);
  double* mem = m.mem();
  uint64_t* rng = m.rng();
  double* v0 = mem + exe.vector_base;
  const auto& setup = exe.fn[0];
  const auto& predict = exe.fn[1];
  const auto& learn = exe.fn[2];
  const auto* pb = predict.data();
  const auto* pe = pb + predict.size();
  const auto* lb = learn.data();
  const auto* le = lb + learn.size();
  const bool classify = task.kind == tasks::Kind::kClassification;
  const uint32_t scratch = exe.scratch;
  lang::Execute<D>(setup.data(), setup.data() + setup.size(), mem, rng, dim, scratch);
  for (int i = 0; i < n_train; ++i) {
    if ((i & 1023) == 1023 && stop && stop->load(std::memory_order_relaxed)) return false;
    std::copy_n(task.train.row(i, dim), dim, v0);
    mem[lang::kLabelScalar] = 0.0;
    lang::Execute<D>(pb, pe, mem, rng, dim, scratch);
    double p = mem[lang::kPredictionScalar];
    if (!(std::fabs(p) <= max_abs)) return false;  // also catches NaN
    if (classify) mem[lang::kPredictionScalar] = p = Sigmoid(p);
    train_sink(i, p);
    mem[lang::kLabelScalar] = train_y[i];
    lang::Execute<D>(lb, le, mem, rng, dim, scratch);
  }
  for (int i = 0; i < n_score; ++i) {
    std::copy_n(scored.row(i, dim), dim, v0);
    mem[lang::kLabelScalar] = 0.0;
    lang::Execute<D>(pb, pe, mem, rng, dim, scratch);
    double p = mem[lang::kPredictionScalar];
    if (!(std::fabs(p) <= max_abs)) return false;
    if (classify) {
      p = Sigmoid(p);
      mem[lang::kPredictionScalar] = p;
    }
    sink(i, p);
  }
  return true;
}

// The budgeted work of a whole evaluation: setup once, predict + learn per training example,
// predict per scored example, each at its compiled cost (lang::OpCost). In 128 bits, so no product
// of a component cost (< 2^63) and an example count (< 2^31) can wrap.
__int128 Cost(const Executable& exe, int n_train, int n_score) {
  using Wide = __int128;
  const Wide predict = exe.Cost(Component::kPredict);
  return exe.Cost(Component::kSetup) + Wide{n_train} * (predict + exe.Cost(Component::kLearn)) +
         Wide{n_score} * predict;
}

}  // namespace

Quantized Quantize(double p) {
  const uint64_t bits = std::bit_cast<uint64_t>(p);
  const int biased = static_cast<int>((bits >> 52) & 0x7ff);
  if (p == 0) return {};  // frexp(+-0) is (+-0, 0): mantissa 0, exponent 0
  if (biased == 0 || biased == 0x7ff) {  // zero, subnormal, inf, nan: the library's way
    Quantized q;
    const double mant = std::frexp(p, &q.exponent);
    q.mantissa = std::llround(mant * 1048576.0);  // 2^20
    return q;
  }
  // p = sig * 2^(biased - 1075) with a 53-bit sig, so frexp's mantissa * 2^20 is sig * 2^-33;
  // adding half of 2^33 before the shift rounds half away from zero, as llround does.
  const uint64_t sig = (bits & ((uint64_t{1} << 52) - 1)) | (uint64_t{1} << 52);
  const int64_t r = static_cast<int64_t>((sig + (uint64_t{1} << 32)) >> 33);
  return {bits >> 63 ? -r : r, biased - 1022};
}

double SquashRmse(double rmse) { return 1.0 - (2.0 / std::numbers::pi) * std::atan(rmse); }

namespace {

// The train labels `learn` sees for class c of a multi-class task, else the task's own.
const double* TrainLabels(const tasks::Dataset& task, int c) {
  return task.multiclass() ? task.ovr_train[static_cast<size_t>(c)].data() : task.train.y.data();
}

// Runs the program once per class (once for a task that is not multi-class), each time from fresh
// memory with the same seed: sink(c, i, p) receives class c's prediction for scored example i.
// False when a run diverged or was stopped.
template <typename Sink>
bool RunClasses(const Executable& exe, const tasks::Dataset& task, lang::Machine& m, uint64_t seed, int n_train,
                const tasks::Split& scored, int n_score, const Limits& limits, Sink&& sink) {
  const int runs = task.multiclass() ? task.classes : 1;
  for (int c = 0; c < runs; ++c) {
    const bool ok = lang::DispatchDim(exe.shape.dim, [&]<int D>() {
      return RunLoop<D>(exe, task, TrainLabels(task, c), m, seed, n_train, scored, n_score,
                        limits.max_abs_prediction, [&](int i, double p) { sink(c, i, p); }, NoSink{}, limits.stop);
    });
    if (!ok) return false;
  }
  return true;
}

// Index of the largest of n values (the first on ties).
int ArgMax(const double* v, int n) { return static_cast<int>(std::max_element(v, v + n) - v); }

// A multi-class task's fitness: the accuracy of the most probable class over its one-vs-rest runs.
TaskResult EvaluateMulticlass(const Executable& exe, const tasks::Dataset& task, lang::Machine& m, uint64_t seed,
                              const Limits& limits, const tasks::Split& scored, int n_train, int n_score) {
  TaskResult r;
  const int k = task.classes;
  std::vector<double> probs(static_cast<size_t>(n_score) * k);
  auto sink = [&](int c, int i, double p) { probs[static_cast<size_t>(i) * k + c] = p; };
  if (!RunClasses(exe, task, m, seed, n_train, scored, n_score, limits, sink)) {
    if (limits.stop && limits.stop->load(std::memory_order_relaxed)) r.stopped = true;
    else r.diverged = true;
    return r;
  }
  int correct = 0;
  for (int i = 0; i < n_score; ++i)
    correct += ArgMax(&probs[static_cast<size_t>(i) * k], k) == static_cast<int>(scored.y[i]);
  r.fitness = static_cast<double>(correct) / n_score;
  return r;
}

}  // namespace

TaskResult EvaluateTask(const Executable& exe, const tasks::Dataset& task, lang::Machine& m,
                        uint64_t seed, const Limits& limits, ScoreOn on, int n_train, int n_score) {
  const tasks::Split& scored = on == ScoreOn::kValid ? task.valid : task.test;
  n_train = n_train < 0 ? task.train.n() : std::min(n_train, task.train.n());
  n_score = n_score < 0 ? scored.n() : std::min(n_score, scored.n());
  TaskResult r;
  if (Cost(exe, n_train, n_score) * (task.multiclass() ? task.classes : 1) > limits.max_instructions) {
    r.over_budget = true;
    return r;
  }
  if (n_score == 0) return r;
  if (task.multiclass()) return EvaluateMulticlass(exe, task, m, seed, limits, scored, n_train, n_score);
  const bool classify = task.kind == tasks::Kind::kClassification;
  double acc = 0;  // squared error sum, or correct count
  auto sink = [&](int i, double p) {
    const double y = scored.y[i];
    if (classify) {
      acc += ((p > 0.5) == (y > 0.5)) ? 1.0 : 0.0;
    } else {
      acc += (p - y) * (p - y);
    }
  };
  const bool ok = lang::DispatchDim(exe.shape.dim, [&]<int D>() {
    return RunLoop<D>(exe, task, task.train.y.data(), m, seed, n_train, scored, n_score, limits.max_abs_prediction,
                      sink, NoSink{}, limits.stop);
  });
  if (!ok) {
    if (limits.stop && limits.stop->load(std::memory_order_relaxed)) r.stopped = true;
    else r.diverged = true;
    return r;
  }
  r.fitness = classify ? acc / n_score : SquashRmse(std::sqrt(acc / n_score));
  if (!std::isfinite(r.fitness)) {
    r.fitness = 0;
    r.diverged = true;
  }
  return r;
}

Predictions Predict(const Executable& exe, const tasks::Dataset& task, const double* rows, int n,
                    lang::Machine& m, uint64_t seed, const Limits& limits) {
  Predictions out;
  out.width = task.multiclass() ? task.classes : 1;
  tasks::Split scored;
  scored.x.assign(rows, rows + static_cast<size_t>(n) * task.dim);
  scored.y.assign(n, 0.0);
  if (Cost(exe, task.train.n(), n) * out.width > limits.max_instructions) {
    out.over_budget = true;
    return out;
  }
  out.values.assign(static_cast<size_t>(n) * out.width, 0.0);
  auto sink = [&](int c, int i, double p) { out.values[static_cast<size_t>(i) * out.width + c] = p; };
  if (!RunClasses(exe, task, m, seed, task.train.n(), scored, n, limits, sink)) {
    out.diverged = true;
    out.values.clear();
  }
  return out;
}

SetResult EvaluateSet(const Executable& exe, const std::vector<tasks::Dataset>& set,
                      lang::Machine& m, uint64_t seed, const Limits& limits, ScoreOn on) {
  SetResult r;
  r.per_task.reserve(set.size());
  double sum = 0;
  for (size_t t = 0; t < set.size(); ++t) {
    const TaskResult tr = EvaluateTask(exe, set[t], m, DeriveSeed(seed, t), limits, on);
    sum += tr.fitness;
    r.diverged += tr.diverged;
    r.over_budget += tr.over_budget;
    r.per_task.push_back(tr.fitness);
  }
  r.fitness = set.empty() ? 0.0 : sum / static_cast<double>(set.size());
  return r;
}

uint64_t Fingerprint(const Executable& exe, const std::vector<tasks::Dataset>& set,
                     lang::Machine& m, uint64_t seed, int n_tasks, int n_train, int n_valid,
                     const Limits& limits) {
  uint64_t h = 0x6f75726f;  // "ouro"
  if (n_tasks <= 0 || n_tasks > static_cast<int>(set.size())) n_tasks = static_cast<int>(set.size());
  for (int t = 0; t < n_tasks; ++t) {
    const tasks::Dataset& task = set[t];
    const int nt = std::min(n_train, task.train.n());
    const int nv = std::min(n_valid, task.valid.n());
    auto sink = [&](int, double p) {
      const Quantized q = Quantize(p);
      h = HashCombine(h, static_cast<uint64_t>(q.mantissa) * 131 + static_cast<uint64_t>(q.exponent + 4096));
    };
    const bool ok = lang::DispatchDim(exe.shape.dim, [&]<int D>() {
      return RunLoop<D>(exe, task, TrainLabels(task, 0), m, DeriveSeed(seed, t), nt, task.valid, nv,
                        limits.max_abs_prediction, sink, sink);
    });
    h = HashCombine(h, ok ? 1 : 2);
  }
  return h;
}

}  // namespace ouro::eval
