// bench/vm_bench.cc — Google Benchmark microbenchmarks of the hot path: the interpreter running
// reference programs through the evaluator, per training example, at several feature sizes.
// Throughput is reported as examples/s; compare runs made in the same session (docs/benchmarks.md).
#include <benchmark/benchmark.h>

#include <cmath>

#include "core/rng.h"
#include "eval/evaluator.h"
#include "lang/interpreter.h"
#include "lang/reference.h"
#include "lang/text.h"

namespace {

using namespace ouro;

tasks::Dataset Data(int dim, int n_train, int n_valid, tasks::Kind kind) {
  Rng r(7);
  tasks::Dataset d;
  d.kind = kind;
  d.dim = dim;
  std::vector<double> w(dim);
  for (double& x : w) x = r.Gaussian();
  // Features scaled by 1/sqrt(dim) keep every reference program's step size stable at every dim,
  // so each iteration runs all 1100 examples (a diverging run would stop early and look fast).
  const double scale = 1.0 / std::sqrt(static_cast<double>(dim));
  auto fill = [&](tasks::Split& s, int n) {
    for (int i = 0; i < n; ++i) {
      double z = 0;
      for (int k = 0; k < dim; ++k) {
        s.x.push_back(scale * r.Gaussian());
        z += w[k] * s.x.back();
      }
      s.y.push_back(kind == tasks::Kind::kClassification ? (z > 0) : z);
    }
  };
  fill(d.train, n_train);
  fill(d.valid, n_valid);
  return d;
}

void RunReference(benchmark::State& state, const char* name, tasks::Kind kind) {
  const int dim = static_cast<int>(state.range(0));
  const lang::Program p = lang::Parse(*lang::ReferenceProgram(name));
  const lang::Executable exe = lang::Compile(p, lang::MinimalShape(p, dim));
  const tasks::Dataset d = Data(dim, 1000, 100, kind);
  lang::Machine m;
  if (eval::EvaluateTask(exe, d, m, 1, eval::Limits{}).diverged) {
    state.SkipWithError("reference program diverged on the benchmark data");
    return;
  }
  for (auto _ : state) benchmark::DoNotOptimize(eval::EvaluateTask(exe, d, m, 1, eval::Limits{}).fitness);
  state.SetItemsProcessed(state.iterations() * 1100);
}

void BM_LinearRegression(benchmark::State& s) { RunReference(s, "linear_regression", tasks::Kind::kRegression); }
void BM_LogisticRegression(benchmark::State& s) { RunReference(s, "logistic_regression", tasks::Kind::kClassification); }
void BM_NeuralNet(benchmark::State& s) { RunReference(s, "neural_net", tasks::Kind::kRegression); }

BENCHMARK(BM_LinearRegression)->Arg(4)->Arg(16)->Arg(7);
BENCHMARK(BM_LogisticRegression)->Arg(4)->Arg(16)->Arg(7);
BENCHMARK(BM_NeuralNet)->Arg(4)->Arg(16);

void BM_CompileAndPrune(benchmark::State& state) {
  const lang::Program p = lang::Parse(*lang::ReferenceProgram("neural_net"));
  const lang::Shape shape = lang::MinimalShape(p, 4);
  for (auto _ : state) benchmark::DoNotOptimize(lang::Compile(p, shape));
}
BENCHMARK(BM_CompileAndPrune);

}  // namespace

BENCHMARK_MAIN();
