// cli/cmd_runs.cc — `ouro runs` (list runs) and `ouro show RUN` (one run's summary and program).
#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/common.h"
#include "cli/selfplay.h"
#include "core/error.h"
#include "run/rsi_recipe.h"
#include "run/rsi_takeoff.h"
#include "run/selfplay_session.h"
#include "store/store.h"

namespace ouro::cli {
namespace {

nlohmann::json ParseSummary(const std::string& s) {
  if (s.empty()) return nlohmann::json::object();
  auto j = nlohmann::json::parse(s, nullptr, false);
  return j.is_discarded() ? nlohmann::json::object() : j;
}

std::string Num(const nlohmann::json& j, const char* key, const char* fmt) {
  if (!j.contains(key) || !j[key].is_number()) return "-";
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, j[key].get<double>());
  return buf;
}

// The kind as people read it: a null control of the rsi loop is "rsi-null".
std::string KindLabel(const store::RunInfo& r) { return run::IsNullControl(r) ? r.kind + "-null" : r.kind; }

// A few lines: the verdict, f, the multiplier and r (`ouro takeoff` has the rest).
void PrintTakeoffPanel(store::Store& db, int64_t run) {
  const run::RunTakeoff t = run::LoadTakeoff(db, run);
  std::printf("takeoff (`ouro takeoff %lld` for the costs and the method): %s\n  %s", static_cast<long long>(run),
              t.estimate.verdict.c_str(), meta::TakeoffText(t.estimate, t.input, false).c_str());
}

int RunRuns(const std::string& db_path, bool json) {
  auto db = store::Store::OpenExisting(db_path);
  const auto runs = db->ListRuns();
  if (json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& r : runs) {
      arr.push_back({{"run_id", r.id}, {"kind", r.kind}, {"status", r.status}, {"created_at", r.created_at},
                     {"seed", r.seed}, {"summary", ParseSummary(r.summary_json)}});
      if (r.kind == "rsi") arr.back()["null_control"] = run::IsNullControl(r);
    }
    std::printf("%s\n", arr.dump().c_str());
    return 0;
  }
  std::printf("%5s  %-8s %-9s %-20s %12s %9s %9s %8s %7s\n", "run", "kind", "status", "created (UTC)", "seed",
              "select", "held-out", "seconds", "solved");
  for (const auto& r : runs) {
    const auto s = ParseSummary(r.summary_json);
    std::string solved = s.contains("solved") ? (s["solved"].get<bool>() ? "yes" : "no") : "-";
    std::printf("%5lld  %-8s %-9s %-20s %12llu %9s %9s %8s %7s\n", static_cast<long long>(r.id), KindLabel(r).c_str(),
                r.status.c_str(), r.created_at.c_str(), static_cast<unsigned long long>(r.seed),
                Num(s, "fitness_select", "%.4f").c_str(), Num(s, "fitness_final", "%.4f").c_str(),
                Num(s, "seconds", "%.1f").c_str(), solved.c_str());
  }
  if (runs.empty()) std::printf("(no runs in %s)\n", db_path.c_str());
  return 0;
}

int RunShow(const std::string& db_path, const std::string& run_arg, bool json) {
  auto db = store::Store::OpenExisting(db_path);
  const store::RunInfo run = ResolveRun(*db, run_arg.empty() ? "latest" : run_arg);
  const auto summary = ParseSummary(run.summary_json);
  const auto lineage = db->GetLineage(run.id);
  const auto metrics = db->GetMetrics(run.id);
  if (json) {
    nlohmann::json out = {{"run_id", run.id}, {"kind", run.kind}, {"status", run.status},
                          {"created_at", run.created_at}, {"finished_at", run.finished_at},
                          {"seed", run.seed}, {"config", ParseSummary(run.config_json)},
                          {"summary", summary}, {"lineage_length", lineage.size()},
                          {"metrics", metrics.size()}};
    if (run.kind == "rsi") out["takeoff"] = run::TakeoffJson(run::LoadTakeoff(*db, run.id));
    if (run.kind == "selfplay") out["selfplay"] = run::SelfplayRunJson(*db, run.id);
    std::printf("%s\n", out.dump().c_str());
    return 0;
  }
  std::printf("run %lld  (%s, %s)\n", static_cast<long long>(run.id), KindLabel(run).c_str(), run.status.c_str());
  std::printf("  created  %s   finished %s\n", run.created_at.c_str(),
              run.finished_at.empty() ? "-" : run.finished_at.c_str());
  std::printf("  seed     %llu\n", static_cast<unsigned long long>(run.seed));
  const auto cfg = ParseSummary(run.config_json);
  if (cfg.contains("tasks")) std::printf("  tasks    %s\n", cfg["tasks"].dump().c_str());
  for (const char* key : {"individuals", "evaluations", "experiments", "seconds", "individuals_per_second",
                          "cache_hit_rate", "fitness_search", "fitness_select", "fitness_final",
                          "fitness_valid", "fitness_test", "solved", "stop_reason"}) {
    if (summary.contains(key)) std::printf("  %-22s %s\n", key, summary[key].dump().c_str());
  }
  if (!metrics.empty()) {
    std::printf("  progress (%zu points):\n", metrics.size());
    const size_t step = std::max<size_t>(1, metrics.size() / 10);
    for (size_t i = 0; i < metrics.size(); i += step) {
      const auto& m = metrics[i];
      std::printf("    %8.1fs  exp %-3d %10lld indiv  best %.6f  cache %.0f%%\n", m.seconds, m.experiment + 1,
                  static_cast<long long>(m.individuals), m.best_fitness, 100 * m.cache_hit_rate);
    }
  }
  if (!lineage.empty()) {
    std::printf("  lineage of the best program: %zu generations from an initial program; last steps:\n", lineage.size() - 1);
    for (size_t i = lineage.size() > 8 ? lineage.size() - 8 : 0; i < lineage.size(); ++i)
      std::printf("    #%-10lld %-10s fitness %.6f  %s\n", static_cast<long long>(lineage[i].individual),
                  lineage[i].mutation.c_str(), lineage[i].fitness, lineage[i].child_hash.c_str());
  }
  if (summary.contains("program") && summary["program"].is_string()) {
    std::printf("program:\n%s", summary["program"].get<std::string>().c_str());
  }
  if (run.kind == "rsi") {
    if (run::IsNullControl(run))
      std::printf("  null control: adoptions by a coin of probability %g, not by the gate (meta-utility unused)\n",
                  cfg.value("null_adopt_rate", 0.5));
    for (const char* key : {"generations", "adopted", "rejected", "inconclusive", "identical",
                            "expected_false_adoptions", "evals_to_target_frozen",
                            "evals_to_target_final", "speedup", "speedup_ci_low", "speedup_ci_high", "returns_r",
                            "returns_verdict", "capability_frozen", "capability_final"})
      if (summary.contains(key)) std::printf("  %-22s %s\n", key, summary[key].dump().c_str());
    PrintRsiRun(*db, run);
    PrintTakeoffPanel(*db, run.id);
  }
  if (run.kind == "selfplay") {
    for (const char* key : {"game", "generations", "adopted", "elo_vs_first", "elo_ci_low", "elo_ci_high",
                            "expected_false_adoptions", "seconds"})
      if (summary.contains(key)) std::printf("  %-22s %s\n", key, summary[key].dump().c_str());
    PrintSelfplayRun(*db, run);
  }
  return 0;
}

}  // namespace

Action RegisterRuns(CLI::App& app) {
  auto db = std::make_shared<std::string>(kDefaultDb);
  auto json = std::make_shared<bool>(false);
  CLI::App* s = app.add_subcommand("runs", "List the runs in a run store");
  s->add_option("--db", *db, "Run store (SQLite file)")->capture_default_str();
  s->add_flag("--json", *json, "Print a JSON array");
  return [db, json] { return RunRuns(*db, *json); };
}

Action RegisterShow(CLI::App& app) {
  auto db = std::make_shared<std::string>(kDefaultDb);
  auto run = std::make_shared<std::string>("latest");
  auto json = std::make_shared<bool>(false);
  CLI::App* s = app.add_subcommand("show", "Show a run's summary, progress and best program");
  s->add_option("run", *run, "Run id or 'latest'")->capture_default_str();
  s->add_option("--db", *db, "Run store (SQLite file)")->capture_default_str();
  s->add_flag("--json", *json, "Print one JSON object");
  return [db, run, json] { return RunShow(*db, *run, *json); };
}

}  // namespace ouro::cli
