// cli/cmd_search.cc — `ouro search`: the flags and files as a run::SearchPlan, the run by
// run::SearchSession (which stores it), and the progress line and result printed.
#include <cstdio>
#include <memory>
#include <utility>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/error.h"
#include "run/search_plan.h"
#include "run/search_session.h"
#include "store/store.h"

namespace ouro::cli {
namespace {

struct SearchArgs {
  std::string config, task, data, label, improver, llm_replay, db = kDefaultDb;
  int64_t seed = -1, max_evals = -1;
  double max_seconds = -1;
  int threads = -1;
  bool json = false, quiet = false, no_standardize = false;
};

// The search the flags ask for (run::PlanSearch resolves it).
run::SearchPlan Plan(const SearchArgs& a) {
  run::SearchRequest r;
  r.config = a.config;
  r.task = a.task;
  r.data = a.data;
  r.label = a.label;
  r.standardize = !a.no_standardize;
  r.improver = a.improver;
  r.llm_replay = a.llm_replay;
  if (a.seed >= 0) r.seed = static_cast<uint64_t>(a.seed);
  r.max_evals = a.max_evals;
  r.max_seconds = a.max_seconds;
  r.threads = a.threads;
  r.stop = &StopFlag();
  return run::PlanSearch(r);
}

int RunSearch(const SearchArgs& a) {
  run::SearchPlan plan = Plan(a);  // bad flags and files fail before the store is touched
  // Open the store before the work, so a bad database fails fast and loses nothing.
  std::unique_ptr<store::Store> db = store::Store::Open(a.db);
  run::SearchSession session(*db, std::move(plan));
  const search::RunConfig& cfg = session.plan().config;
  const tasks::Partition& partition = session.plan().partition;
  if (!a.quiet)
    std::fprintf(stderr, "run %lld (seed %llu, db %s): %zu search / %zu select / %zu held-out tasks%s\n",
                 static_cast<long long>(session.run_id()), static_cast<unsigned long long>(*cfg.seed), a.db.c_str(),
                 partition.search.size(), partition.select.size(), partition.held_out.size(),
                 partition.warmup.empty() ? ""
                     : (", after " + std::to_string(cfg.evolution.warmup_individuals) + " individuals on " +
                        std::to_string(partition.warmup.size()) + " warmup tasks").c_str());

  ProgressLine line(!a.quiet, cfg.budget, cfg.evolution.max_individuals);
  const run::SearchOutcome out = session.Run([&](const search::Progress& p) { line.Update(p); });
  line.Done();
  if (a.json) {
    std::printf("%s\n", out.summary.dump().c_str());
    return 0;
  }
  const search::EvolutionResult& r = out.result;
  std::printf("run %lld: %s after %lld individuals (%lld evaluated, cache %.0f%%) in %.1f s\n",
              static_cast<long long>(session.run_id()), r.solved ? "solved" : r.stop_reason.c_str(),
              static_cast<long long>(r.progress.individuals), static_cast<long long>(r.progress.evaluations),
              100 * out.cache_hit_rate, r.progress.seconds);
  std::printf("fitness: search %.6f, select %.6f, held-out %.6f\n", r.fitness_search, r.fitness_select,
              r.fitness_final);
  if (cfg.evolution.model)
    std::printf("model: %lld requests, %lld programs (%lld fitter than their parents), %lld rejected%s%s\n",
                static_cast<long long>(r.proposer.requests), static_cast<long long>(r.proposer.programs),
                static_cast<long long>(r.proposer.improved), static_cast<long long>(r.proposer.rejections),
                r.proposer.reasons.empty() ? "" : "; first reason: ",
                r.proposer.reasons.empty() ? "" : r.proposer.reasons[0].c_str());
  std::printf("best program, dead instructions removed (the full text is stored with the run):\n%s",
              out.program_live.c_str());
  return 0;
}

}  // namespace

Action RegisterSearch(CLI::App& app) {
  auto a = std::make_shared<SearchArgs>();
  CLI::App* s = app.add_subcommand("search", "Evolve a program (the object-level search)");
  s->add_option("--config", a->config, "Run config file (TOML); default: the AutoML-Zero demo workload");
  s->add_option("--task", a->task, "Task family spec, e.g. linear:dim=4 or fmnist:dim=16 (replaces the config's tasks)");
  CLI::Option* data = s->add_option("--data", a->data, "Your own data: a CSV file with a header, label in the first column");
  s->add_option("--label", a->label, "With --data: the label column, by name or 0-based index (default: the first)")->needs(data);
  s->add_flag("--no-standardize", a->no_standardize, "With --data: keep the features as they are (default: standardized with the train rows' mean and standard deviation)")->needs(data);
  s->add_option("--improver", a->improver, "Improver spec (JSON, e.g. from `ouro improver export`): its strategy replaces the config's");
  s->add_option("--llm-replay", a->llm_replay,
                "A cassette of the config's [llm] model: its answers replay the recorded run, without a server");
  s->add_option("--seed", a->seed, "Run seed (default: config's, else random)")->check(kNonNegative);
  s->add_option("--db", a->db, "Run store (SQLite file)")->capture_default_str();
  s->add_option("--max-evals", a->max_evals, "Stop after this many full evaluations (cache misses); 0: no limit")->check(kNonNegative);
  s->add_option("--max-seconds", a->max_seconds, "Stop after this many seconds; 0: no limit")->check(kNonNegative);
  s->add_option("--threads", a->threads, "Worker threads (0 = all cores)")->check(CLI::Range(0, 256));
  s->add_flag("--json", a->json, "Print one JSON object as the last line of stdout");
  s->add_flag("--quiet", a->quiet, "No progress display");
  return [a] { return RunSearch(*a); };
}

}  // namespace ouro::cli
