// cli/cmd_bench.cc — `ouro bench`: the headline performance figures, measured in one process.
//
//   vm_native_ratio             time of the logistic-regression reference program run by the
//                               interpreter / the same algorithm hand-written in C++, same data
//                               (dim 16, 8000 train + 1000 valid), median of paired repetitions.
//                               The two must reach the same accuracy bit for bit, or the bench fails.
//   demo_individuals_per_second the AutoML-Zero demo workload (configs/automl-zero-demo.toml),
//                               one experiment for --demo-seconds on all cores.
//   rediscovery_*               with --rediscovery N: time to solve the demo for seeds 1..N
//                               (with --improver SPEC: using that improver's strategy); an
//                               unsolved seed counts as --rediscovery-timeout seconds.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "meta/spec.h"
#include "meta/stats.h"
#include "cli/common.h"
#include "core/error.h"
#include "core/rng.h"
#include "eval/evaluator.h"
#include "lang/interpreter.h"
#include "lang/reference.h"
#include "lang/text.h"
#include "search/run_config.h"
#include "tasks/partition.h"

namespace ouro::cli {
namespace {

using Clock = std::chrono::steady_clock;

struct BenchArgs {
  bool json = false;
  double demo_seconds = 10;
  int rediscovery = 0;
  double rediscovery_timeout = 300;
  std::string improver;  // rediscovery with this improver spec's strategy
  int threads = 0;
};

tasks::Dataset ClassificationData(int dim, int n_train, int n_valid, uint64_t seed) {
  Rng r(seed);
  std::vector<double> w(dim);
  for (double& x : w) x = r.Gaussian();
  tasks::Dataset d;
  d.name = "bench-logistic";
  d.kind = tasks::Kind::kClassification;
  d.dim = dim;
  auto fill = [&](tasks::Split& s, int n) {
    for (int i = 0; i < n; ++i) {
      double z = 0.5 * r.Gaussian();
      for (int k = 0; k < dim; ++k) {
        const double x = r.Gaussian();
        s.x.push_back(x);
        z += w[k] * x;
      }
      s.y.push_back(z > 0 ? 1.0 : 0.0);
    }
  };
  fill(d.train, n_train);
  fill(d.valid, n_valid);
  return d;
}

// The logistic-regression reference program, written by hand. Operation order matches the
// program so both produce identical numbers.
double NativeLogistic(const tasks::Dataset& d, double lr) {
  const int dim = d.dim;
  std::vector<double> w(dim, 0.0);
  double b = 0;
  for (int i = 0; i < d.train.n(); ++i) {
    const double* x = d.train.row(i, dim);
    double z = 0;
    for (int k = 0; k < dim; ++k) z += x[k] * w[k];
    const double p = 1.0 / (1.0 + std::exp(-(z + b)));
    const double e = lr * (d.train.y[i] - p);
    for (int k = 0; k < dim; ++k) w[k] = w[k] + e * x[k];
    b = b + e;
  }
  int correct = 0;
  for (int i = 0; i < d.valid.n(); ++i) {
    const double* x = d.valid.row(i, dim);
    double z = 0;
    for (int k = 0; k < dim; ++k) z += x[k] * w[k];
    const double p = 1.0 / (1.0 + std::exp(-(z + b)));
    correct += (p > 0.5) == (d.valid.y[i] > 0.5);
  }
  return static_cast<double>(correct) / d.valid.n();
}

// 1. Interpreter overhead: vm_native_ratio and friends.
void BenchInterpreter(const BenchArgs& a, nlohmann::json& out) {
  const lang::Program prog = lang::Parse(*lang::ReferenceProgram("logistic_regression"));
  double lr = 0;
  for (const auto& in : prog[lang::Component::kSetup])
    if (in.op == lang::Op::kScalarConst && in.out == 2) lr = in.c1;
  const tasks::Dataset d = ClassificationData(16, 8000, 1000, 12345);
  const lang::Executable exe = lang::Compile(prog, lang::MinimalShape(prog, 16));
  lang::Machine m;
  std::vector<double> ratios;
  double vm_acc = 0, native_acc = 0, vm_time = 0, native_time = 0;
  for (int rep = 0; rep < 15; ++rep) {
    const auto t0 = Clock::now();
    vm_acc = eval::EvaluateTask(exe, d, m, 1, eval::Limits{}).fitness;
    const auto t1 = Clock::now();
    native_acc = NativeLogistic(d, lr);
    const auto t2 = Clock::now();
    vm_time = std::chrono::duration<double>(t1 - t0).count();
    native_time = std::chrono::duration<double>(t2 - t1).count();
    ratios.push_back(vm_time / native_time);
  }
  if (vm_acc != native_acc)
    throw Error("bench: interpreter and native logistic regression disagree (" + std::to_string(vm_acc) +
                " vs " + std::to_string(native_acc) + ")");
  out["vm_native_ratio"] = meta::Median(ratios);
  out["vm_accuracy"] = vm_acc;
  out["vm_examples_per_second"] = 9000 / vm_time;
  if (!a.json) std::fprintf(stderr, "vm/native ratio %.3f (accuracy %.4f both)\n", meta::Median(ratios), vm_acc);
}

// 2. Demo throughput: demo_individuals_per_second.
void BenchDemo(const BenchArgs& a, const search::RunConfig& cfg, const tasks::Partition& part,
               nlohmann::json& out) {
  search::EvolutionConfig e = cfg.evolution;
  e.max_experiments = 1;
  e.sufficient_fitness = 2.0;  // never "solved": measure steady-state throughput
  search::Budget budget;
  budget.max_seconds = a.demo_seconds;
  budget.stop = &StopFlag();
  const auto r = search::RunEvolution(e, part, 1, a.threads, budget);
  out["demo_individuals_per_second"] = r.progress.individuals_per_second;
  out["demo_individuals"] = r.progress.individuals;
  out["demo_cache_hit_rate"] = static_cast<double>(r.progress.cache_hits) / std::max<int64_t>(1, r.progress.individuals);
  if (!a.json)
    std::fprintf(stderr, "demo: %.0f individuals/s (%lld in %.1f s, cache %.0f%%)\n", r.progress.individuals_per_second,
                 static_cast<long long>(r.progress.individuals), r.progress.seconds,
                 100.0 * r.progress.cache_hits / std::max<int64_t>(1, r.progress.individuals));
}

// 3. Rediscovery: rediscovery_* for seeds 1..a.rediscovery.
void BenchRediscovery(const BenchArgs& a, const search::RunConfig& cfg, const tasks::Partition& part,
                      nlohmann::json& out) {
  search::EvolutionConfig e = cfg.evolution;
  if (!a.improver.empty()) {
    e = meta::ApplySpec(meta::LoadSpec(a.improver), cfg.evolution);
    out["rediscovery_improver"] = a.improver;
  }
  std::vector<double> times;
  int solved = 0;
  nlohmann::json per_seed = nlohmann::json::array();
  for (int s = 1; s <= a.rediscovery && !StopFlag().load(); ++s) {
    search::Budget budget;
    budget.max_seconds = a.rediscovery_timeout;
    budget.stop = &StopFlag();
    const auto r = search::RunEvolution(e, part, static_cast<uint64_t>(s), a.threads, budget);
    solved += r.solved;
    times.push_back(r.solved ? r.progress.seconds : a.rediscovery_timeout);  // unsolved: the timeout
    per_seed.push_back({{"seed", s}, {"solved", r.solved}, {"seconds", r.progress.seconds},
                        {"experiments", r.progress.experiment + 1}, {"individuals", r.progress.individuals},
                        {"fitness_final", r.fitness_final}});
    if (!a.json)
      std::fprintf(stderr, "seed %d: %s in %.1f s (%d experiments, %lld individuals, held-out %.6f)\n", s,
                   r.solved ? "solved" : "NOT solved", r.progress.seconds, r.progress.experiment + 1,
                   static_cast<long long>(r.progress.individuals), r.fitness_final);
  }
  out["rediscovery_seeds"] = times.size();
  out["rediscovery_solved"] = solved;
  out["rediscovery_median_seconds"] = times.empty() ? 0.0 : meta::Median(times);
  out["rediscovery_max_seconds"] = times.empty() ? 0.0 : *std::max_element(times.begin(), times.end());
  out["rediscovery"] = per_seed;
}

int RunBench(const BenchArgs& a) {
  nlohmann::json out;
  BenchInterpreter(a, out);
  search::RunConfig cfg = search::DefaultRunConfig();
  const tasks::Partition part = tasks::MakePartition(cfg.search_tasks, cfg.select_tasks, cfg.held_out_tasks);
  BenchDemo(a, cfg, part, out);
  if (a.rediscovery > 0) BenchRediscovery(a, cfg, part, out);
  if (a.json) {
    std::printf("%s\n", out.dump().c_str());
  } else {
    std::printf("%s\n", out.dump(2).c_str());
  }
  return 0;
}

}  // namespace

Action RegisterBench(CLI::App& app) {
  auto a = std::make_shared<BenchArgs>();
  CLI::App* s = app.add_subcommand("bench", "Headline benchmarks: interpreter overhead, demo throughput");
  s->add_flag("--json", a->json, "Print one JSON object as the last line of stdout");
  s->add_option("--demo-seconds", a->demo_seconds, "Seconds of demo search for the throughput figure")
      ->capture_default_str()->check(CLI::PositiveNumber);
  s->add_option("--rediscovery", a->rediscovery, "Also time solving the demo for seeds 1..N")->check(kNonNegative);
  s->add_option("--rediscovery-timeout", a->rediscovery_timeout, "Give up on a seed after this many seconds")
      ->capture_default_str()->check(CLI::PositiveNumber);
  s->add_option("--threads", a->threads, "Worker threads (0 = all cores)")->check(CLI::Range(0, 256));
  s->add_option("--improver", a->improver, "Rediscovery with this improver spec's strategy (JSON) instead of the demo's");
  return [a] { return RunBench(*a); };
}

}  // namespace ouro::cli
