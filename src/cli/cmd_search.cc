// cli/cmd_search.cc — `ouro search`: the flags and files as a run::SearchPlan, the run by
// run::SearchSession (which stores it), and the progress line and result printed.
#include <cstdio>
#include <memory>
#include <optional>
#include <utility>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/error.h"
#include "meta/spec.h"
#include "run/search_session.h"
#include "store/store.h"
#include "tasks/partition.h"

namespace ouro::cli {
namespace {

struct SearchArgs {
  std::string config, task, data, label, improver, db = kDefaultDb;
  int64_t seed = -1, max_evals = -1;
  double max_seconds = -1;
  int threads = -1;
  bool json = false, quiet = false;
};

// The search the flags ask for: the config file (or the demo), the task or user data, the
// improver's strategy, seed and budget overrides.
run::SearchPlan Plan(const SearchArgs& a) {
  run::SearchPlan plan;
  search::RunConfig& cfg = plan.config;
  cfg = a.config.empty() ? search::DefaultRunConfig() : search::LoadRunConfig(a.config);
  if (!a.task.empty() && !a.data.empty()) throw Error("give --task or --data, not both");
  // User data (--data, or a csv/idx task spec) is partitioned by rows; families by instances.
  std::optional<tasks::TaskSpec> user_data;
  if (!a.data.empty()) user_data = CsvSpec(a.data, a.label);
  if (!a.task.empty()) {
    tasks::TaskSpec spec = tasks::ParseTaskSpec(a.task);
    if (spec.family == "csv" || spec.family == "idx") user_data = spec;
    else search::ApplyTaskFlag(cfg, spec);
  }
  if (user_data) {  // the config's warmup tasks were chosen for its own task sets
    cfg.warmup_tasks.reset();
    cfg.evolution.warmup_individuals = 0;
  }
  const uint64_t seed = ResolveSeed(a.seed, cfg.seed);
  cfg.seed = seed;
  if (a.max_evals >= 0) cfg.budget.max_evaluations = a.max_evals;
  if (a.max_seconds >= 0) cfg.budget.max_seconds = a.max_seconds;
  if (a.threads >= 0) cfg.threads = a.threads;
  cfg.budget.stop = &StopFlag();

  if (user_data) {
    plan.partition = PartitionUserData(*user_data, seed);
    cfg.evolution.shape.dim = plan.partition.search[0].dim;
    cfg.evolution.Compile();
  } else {
    plan.partition = tasks::MakePartition(cfg.search_tasks, cfg.select_tasks, cfg.held_out_tasks,
                                          cfg.warmup_tasks ? &*cfg.warmup_tasks : nullptr);
  }
  std::optional<meta::ImproverSpec> improver;
  if (!a.improver.empty()) {
    // The improver's strategy replaces the config's; shape, tasks and mechanics stay.
    const meta::ImproverSpec& spec = improver.emplace(meta::LoadSpec(a.improver));
    try {
      cfg.evolution = meta::ApplySpec(spec, cfg.evolution);
    } catch (const Error& e) {
      throw Error(a.improver + ": " + e.what());
    }
  }
  plan.config_json = search::ToJson(cfg);
  if (!a.improver.empty())
    plan.config_json["improver"] = {{"path", a.improver}, {"hash", meta::SpecHash(*improver)},
                                    {"spec", nlohmann::json::parse(meta::ToJson(*improver).dump())}};
  if (user_data) plan.config_json["tasks"] = {{"data", tasks::TaskSpecToString(*user_data)}};
  return plan;
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
  s->add_option("--improver", a->improver, "Improver spec (JSON, e.g. from `ouro improver export`): its strategy replaces the config's");
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
