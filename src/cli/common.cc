#include "cli/common.h"

#include <unistd.h>

#include <cstdio>

#include "core/error.h"
#include "core/rng.h"
#include "lang/text.h"
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

lang::Program ReadProgram(const std::string& path) {
  const std::string text = ReadTextFile(path, "program file");
  try {
    return lang::Parse(text);
  } catch (const Error& e) {
    throw Error(path + ":" + e.what());
  }
}

uint64_t ResolveSeed(int64_t flag, const std::optional<uint64_t>& from_config) {
  if (flag >= 0) return static_cast<uint64_t>(flag);
  if (from_config) return *from_config;
  return RandomSeed();
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
