#include "cli/common.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "core/error.h"
#include "core/rng.h"
#include "store/store.h"

namespace ouro::cli {

store::RunInfo ResolveRun(store::Store& db, const std::string& arg) {
  if (arg == "latest") {
    auto run = db.LatestRun();
    if (!run) throw Error(db.path() + ": no runs");
    return *run;
  }
  int64_t id = 0;
  size_t used = 0;
  try {
    id = std::stoll(arg, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != arg.size() || id < 1) throw Error("RUN must be a run id (a positive integer) or 'latest', got '" + arg + "'");
  auto run = db.GetRun(id);
  if (!run) throw Error("no run " + arg + " in " + db.path());
  return *run;
}

tasks::TaskSpec CsvSpec(const std::string& path, const std::string& label) {
  tasks::TaskSpec spec;
  spec.family = "csv";
  spec.path = path;
  spec.label_column = label;
  spec.train_fraction = 0.6;
  spec.valid_fraction = 0.2;
  spec.test_fraction = 0.2;
  return spec;
}

tasks::Partition PartitionUserData(tasks::TaskSpec spec, uint64_t seed) {
  if (spec.test_fraction == 0 || (spec.test_fraction < 0 && spec.n_test == 0))
    throw Error(spec.family + " task '" + spec.path +
                "': held-out rows are needed; give a test split, e.g. train=0.6,valid=0.2,test=0.2");
  spec.seed = seed;
  const std::string csv_path = spec.path;
  std::vector<tasks::Dataset> sets = tasks::Generate(spec);
  if (sets.size() != 1) throw Error(csv_path + ": expected one dataset");
  const tasks::Dataset& d = sets[0];
  if (d.train.n() < 1 || d.valid.n() < 2 || d.test.n() < 1)
    throw Error(csv_path + ": too few rows to split into train/valid/test (need at least 5)");
  auto slice = [&](const tasks::Split& s, int from, int to) {
    tasks::Split out;
    out.x.assign(s.x.begin() + static_cast<size_t>(from) * d.dim, s.x.begin() + static_cast<size_t>(to) * d.dim);
    out.y.assign(s.y.begin() + from, s.y.begin() + to);
    return out;
  };
  const int half = d.valid.n() / 2;
  tasks::Partition p;
  tasks::Dataset search = d, select = d, held = d;
  search.name = d.name + "[search]";
  search.valid = slice(d.valid, 0, half);
  search.test = {};
  select.name = d.name + "[select]";
  select.valid = slice(d.valid, half, d.valid.n());
  select.test = {};
  held.name = d.name + "[held_out]";
  held.valid = {};
  p.search.push_back(std::move(search));
  p.select.push_back(std::move(select));
  p.held_out.push_back(std::move(held));
  return p;
}

uint64_t ResolveSeed(int64_t flag, const std::optional<uint64_t>& from_config) {
  if (flag >= 0) return static_cast<uint64_t>(flag);
  if (from_config) return *from_config;
  const auto now = std::chrono::system_clock::now().time_since_epoch().count();
  return SplitMix64(static_cast<uint64_t>(now) ^ static_cast<uint64_t>(getpid())) % 1000000000ULL;
}

ProgressLine::ProgressLine(bool enabled, const search::Budget& budget, int64_t max_individuals)
    : enabled_(enabled), tty_(isatty(fileno(stderr)) != 0), budget_(budget),
      max_individuals_(max_individuals) {}

void ProgressLine::Update(const search::Progress& p) {
  if (!enabled_) return;
  const bool phase_changed = p.warmup != last_warmup_;
  last_warmup_ = p.warmup;
  if (!phase_changed && !tty_ && p.seconds - last_print_ < 5.0) return;
  if (!phase_changed && tty_ && p.seconds - last_print_ < 0.2) return;
  last_print_ = p.seconds;
  const double hit = p.individuals > 0 ? 100.0 * static_cast<double>(p.cache_hits) / static_cast<double>(p.individuals) : 0;
  std::string eta = "-";
  double remaining = -1;
  if (budget_.max_seconds > 0) remaining = budget_.max_seconds - p.seconds;
  if (budget_.max_evaluations > 0 && p.evaluations > 0) {
    const double r = (budget_.max_evaluations - p.evaluations) * (p.seconds / static_cast<double>(p.evaluations));
    remaining = remaining < 0 ? r : std::min(remaining, r);
  }
  if (remaining >= 0) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.0fs", std::max(0.0, remaining));
    eta = buf;
  } else if (p.individuals_per_second > 0) {
    // No run budget: the run ends when solved, so the next known point is the experiment's end.
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.0fs to experiment end",
                  static_cast<double>(std::max<int64_t>(0, max_individuals_ - p.experiment_individuals)) /
                      p.individuals_per_second);
    eta = buf;
  }
  char sel[32] = "-";
  if (p.best_select >= 0) std::snprintf(sel, sizeof sel, "%.4f", p.best_select);
  std::fprintf(stderr, "%sexp %d%s | %lld indiv | %.0f indiv/s | cache %.0f%% | best %.4f | select %s | ETA %s%s",
               tty_ ? "\r\033[K" : "", p.experiment + 1, p.warmup ? " (warmup)" : "",
               static_cast<long long>(p.individuals),
               p.individuals_per_second, hit, p.best_fitness, sel, eta.c_str(), tty_ ? "" : "\n");
  std::fflush(stderr);
  printed_ = true;
}

void ProgressLine::Done() {
  if (enabled_ && tty_ && printed_) std::fputc('\n', stderr);
}

}  // namespace ouro::cli
