// cli/cmd_rsi.cc — `ouro rsi` (the self-improvement loop), `ouro improver export|show|compare`, and the rsi
// part of `ouro show`.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/error.h"
#include "meta/rsi.h"
#include "meta/rsi_config.h"
#include "cli/rsi.h"
#include "oversight/policy.h"
#include "run/rsi_session.h"
#include "store/store.h"
#include "web/server.h"

namespace ouro::cli {

// In cmd_dashboard.cc: serves the dashboard of db on a background thread and prints its address.
std::unique_ptr<web::Server> StartDashboard(const std::string& db, const std::string& bind, int port);

namespace {

struct RsiArgs {
  std::string config, db = kDefaultDb;
  int64_t seed = -1;
  int threads = -1;
  double max_seconds = -1;
  std::vector<std::string> ablate;
  std::string policy;
  bool json = false, quiet = false;
  bool dashboard = false;
  int port = 8765;
  bool null_control = false;
  bool with_null_control = false, no_controls = false;
  std::string llm_replay;
};

// The policy a run uses: --policy, else the config's [oversight] policy; a relative path in the
// config is relative to the config file's directory.
run::RsiRecipe MakeRecipe(const RsiArgs& a, const meta::RsiFileConfig& file, uint64_t seed) {
  return run::MakeRecipe({a.config, a.policy, seed, a.threads, a.max_seconds, a.ablate, a.null_control, a.llm_replay},
                         file);
}

// Creates a run of the recipe and says so (stderr, unless quiet).
int64_t CreateRun(store::Store& db, const RsiArgs& a, const run::RsiRecipe& recipe, const meta::RsiConfig& cfg,
                  const oversight::Policy& policy, const std::string& role) {
  const int64_t run_id = run::RsiSession::Create(db, recipe, cfg, policy, Actor(""));
  if (!a.quiet)
    std::fprintf(stderr, "run %lld (rsi%s, seed %llu, db %s, policy %s): %d generations x %d candidates; %zu train / %zu validation / %zu test families%s\n",
                 static_cast<long long>(run_id), cfg.null_control ? " null control" : "",
                 static_cast<unsigned long long>(cfg.seed), a.db.c_str(),
                 policy.name.c_str(), cfg.generations, cfg.candidates, cfg.train.families.size(),
                 cfg.validation.families.size(), cfg.test.families.size(), role.c_str());
  return run_id;
}

// Whether the command runs a null control after the loop: --with-null-control, or the config's
// [rsi] controls unless --no-controls; never when the run is itself a null control.
bool WantsNullControl(const RsiArgs& a, const meta::RsiFileConfig& file, const meta::RsiConfig& cfg) {
  if (cfg.null_control || a.no_controls) return false;
  return a.with_null_control || std::find(file.controls.begin(), file.controls.end(), "null") != file.controls.end();
}

// After a loop that reached its end: its null control, its own stored run with the same recipe
// (config, seed, flags, policy) but adoptions by a coin; then the comparison (text: after the loop's
// report, printed before; JSON: the one line of both).
void RunNullControl(store::Store& db, const RsiArgs& a, run::RsiRecipe recipe, const oversight::Policy& policy,
                   const RsiRunResult& loop) {
  recipe.null_control = true;
  const meta::RsiConfig cfg = run::BuildConfig(recipe);
  const int64_t run_id = CreateRun(db, a, recipe, cfg, policy, "; the null control of run " + std::to_string(loop.run_id));
  const run::RsiOutcome o = RunRsiSession(db, run_id, cfg, policy, nullptr, RsiOutput{a.json, a.quiet});
  const RsiRunResult null{run_id, &cfg, &o};
  if (a.json) {
    nlohmann::json line = RsiJson(*loop.cfg, *loop.outcome);
    line.update(NullControlJson(loop, &null));
    std::printf("%s\n", line.dump().c_str());
  } else if (o.before_first_checkpoint) {
    std::printf("null control: run %lld stopped before its first checkpoint: no comparison\n", static_cast<long long>(run_id));
  } else {
    PrintNullComparison(db, loop, null);
  }
}

int RunRsiCommand(const RsiArgs& a) {
  const meta::RsiFileConfig file = a.config.empty() ? meta::DefaultRsiConfig() : meta::LoadRsiConfig(a.config);
  const uint64_t seed = ResolveSeed(a.seed, file.seed_given ? std::optional<uint64_t>(file.rsi.seed) : std::nullopt);
  const run::RsiRecipe recipe = MakeRecipe(a, file, seed);
  const meta::RsiConfig cfg = run::BuildConfig(recipe);
  const oversight::Policy policy = run::BuildPolicy(recipe);
  const bool with_null = WantsNullControl(a, file, cfg);

  std::unique_ptr<store::Store> db = store::Store::Open(a.db);
  const int64_t run_id = CreateRun(*db, a, recipe, cfg, policy, with_null ? "; then its null control" : "");
  // The dashboard reads through its own connection on its own threads; it stops when the command ends.
  std::unique_ptr<web::Server> dashboard = a.dashboard ? StartDashboard(a.db, "127.0.0.1", a.port) : nullptr;
  const run::RsiOutcome o = RunRsiSession(*db, run_id, cfg, policy, nullptr, RsiOutput{a.json, a.quiet});
  const RsiRunResult loop{run_id, &cfg, &o};
  // A loop stopped before its end (people, a tripwire, a budget, a signal) starts no control.
  const bool control = with_null && !o.stopped && !StopFlag().load();
  if (!o.before_first_checkpoint && !(control && a.json)) {
    if (!a.json) {
      PrintRsiOutcome(*db, run_id, cfg, policy, o);
      if (with_null && !control) std::printf("null control not started: the loop stopped before its end\n");
    } else {
      nlohmann::json line = RsiJson(cfg, o);
      if (with_null) line.update(NullControlJson(loop, nullptr));
      std::printf("%s\n", line.dump().c_str());
    }
  }
  if (control) RunNullControl(*db, a, recipe, policy, loop);
  if (dashboard) dashboard->Stop();
  return 0;
}

// The improver row of a run at a generation (-1: the last adopted).
store::ImproverRow FindImprover(store::Store& db, const std::string& db_path, int64_t run_id, int generation) {
  auto run = db.GetRun(run_id);
  if (!run) throw Error("no run " + std::to_string(run_id) + " in " + db_path);
  const auto improvers = db.GetImprovers(run_id);
  if (improvers.empty()) throw Error("run " + std::to_string(run_id) + " has no improvers (it is a '" + run->kind + "' run)");
  if (generation < 0) return improvers.back();
  for (const auto& i : improvers)
    if (i.generation == generation) return i;
  std::string have;
  for (const auto& i : improvers) have += (have.empty() ? "" : ", ") + std::to_string(i.generation);
  throw Error("run " + std::to_string(run_id) + " adopted no improver at generation " + std::to_string(generation) +
              " (generations with an improver: " + have + ")");
}

int RunExport(const std::string& db_path, int64_t run_id, int generation, const std::string& out_path) {
  std::unique_ptr<store::Store> db = store::Store::OpenExisting(db_path);
  const store::ImproverRow row = FindImprover(*db, db_path, run_id, generation);
  const store::ImproverRow* pick = &row;
  const meta::ImproverSpec spec = meta::SpecFromJson(meta::Json::parse(pick->spec_json));
  std::ofstream f(out_path);
  if (!f) throw Error("cannot write '" + out_path + "'");
  f << meta::ToJson(spec).dump(2) << "\n";
  f.close();
  if (!f) throw Error("cannot write '" + out_path + "'");
  std::printf("wrote improver %s (run %lld, generation %d) to %s\n", pick->hash.c_str(), static_cast<long long>(run_id),
              pick->generation, out_path.c_str());
  return 0;
}

int RunImproverShow(const std::string& db_path, int64_t run_id, int generation) {
  std::unique_ptr<store::Store> db = store::Store::OpenExisting(db_path);
  const store::ImproverRow row = FindImprover(*db, db_path, run_id, generation);
  std::printf("%s\n", meta::ToJson(meta::SpecFromJson(meta::Json::parse(row.spec_json))).dump(2).c_str());
  return 0;
}

// `ouro improver compare`: the config's initial improver (the frozen baseline) and a spec on the
// config's test arena, the same runs for both, scored exactly as the rsi curve scores them.
int RunImproverCompare(const std::string& spec_path, const std::string& config, int64_t seed_arg, int threads,
                       bool json) {
  const meta::ImproverSpec spec = meta::LoadSpec(spec_path);
  RsiArgs a;
  a.config = config;
  a.threads = threads;
  const meta::RsiFileConfig file = config.empty() ? meta::DefaultRsiConfig() : meta::LoadRsiConfig(config);
  const uint64_t seed = ResolveSeed(seed_arg, file.seed_given ? std::optional<uint64_t>(file.rsi.seed) : std::optional<uint64_t>(1));
  a.policy = "off";
  const meta::RsiConfig cfg = run::BuildConfig(MakeRecipe(a, file, seed));
  const meta::HeldOutMeasure base = meta::MeasureTest(cfg.initial, cfg, nullptr);
  const meta::HeldOutMeasure cand = meta::MeasureTest(spec, cfg, nullptr, base.targets);
  const meta::Interval speedup = meta::TestSpeedup(base, cand, cfg.seed);
  const size_t ns = static_cast<size_t>(cfg.test_seeds);
  if (!json) {
    std::printf("test arena of %s, seed %llu; target per family: the initial improver's median best\n",
                config.empty() ? "the default rsi config" : config.c_str(), static_cast<unsigned long long>(cfg.seed));
    std::printf("%-44s %4s %8s %16s %16s %8s\n", "family", "run", "target", "initial evals", "spec evals", "ratio");
    for (size_t i = 0; i < base.evals_to_target.size(); ++i) {
      const double r = base.evals_to_target[i] / std::max(1.0, cand.evals_to_target[i]);
      std::printf("%-44s %4zu %8.4f %15.0f%s %15.0f%s %8.2f\n",
                  tasks::TaskSpecToString(cfg.test.families[i / ns]).c_str(), i % ns, base.targets[i / ns],
                  base.evals_to_target[i], base.reached[i] ? " " : "+", cand.evals_to_target[i], cand.reached[i] ? " " : "+", r);
    }
    std::printf("(+ = never reached: censored at %lld evaluations)\n", static_cast<long long>(cfg.test.budget));
    std::printf("capability (mean area under the best-fitness curve): initial %.4f, spec %.4f\n", base.capability, cand.capability);
    std::printf("speedup (median of paired ratios): %.2fx, 95%% interval [%.2f, %.2f]\n", speedup.estimate, speedup.low, speedup.high);
  } else {
    nlohmann::json j{{"initial", meta::ToJson(base)}, {"spec", meta::ToJson(cand)},
                     {"evals_to_target_initial", meta::Median(base.evals_to_target)},
                     {"evals_to_target_spec", meta::Median(cand.evals_to_target)},
                     {"speedup", speedup.estimate}, {"speedup_ci_low", speedup.low}, {"speedup_ci_high", speedup.high}};
    std::printf("%s\n", j.dump().c_str());
  }
  return 0;
}

}  // namespace

// The price of oversight and what it did: compute share, tripwires, vetoes, questions; and, when
// the store holds the same run (config, seed) with --policy off, the capability of both.
void PrintOversight(store::Store& db, const store::RunInfo& run) {
  const auto summary = nlohmann::json::parse(run.summary_json.empty() ? "{}" : run.summary_json, nullptr, false);
  const auto config = nlohmann::json::parse(run.config_json, nullptr, false);
  if (!config.is_object() || !config.contains("recipe")) return;
  const std::string policy = config.contains("policy") ? config["policy"].value("name", "?") : "?";
  std::map<std::string, int> fired;
  int promoted = 0;
  for (const auto& e : db.GetEvents(run.id)) {
    if (e.type == "promoted") ++promoted;
    if (e.type != "tripwire") continue;
    const auto c = nlohmann::json::parse(e.content_json, nullptr, false);
    if (c.is_object()) ++fired[c.value("name", "?")];
  }
  const auto items = db.GetItems(run.id, false);
  int approved = 0, rejected = 0, pending = 0;
  for (const auto& i : items) (i.status == "approved" ? approved : i.status == "rejected" ? rejected : pending)++;
  std::printf("oversight (policy %s):", policy.c_str());
  if (summary.is_object() && summary.contains("oversight_evaluations"))
    std::printf(" %.0f of %.0f evaluations (%.2f%%) spent on checks;", summary.value("oversight_evaluations", 0.0),
                summary.value("cumulative_evaluations", 0.0), 100 * summary.value("oversight_share", 0.0));
  std::printf(" %d vetoed; %zu questions to people (%d approved, %d rejected, %d pending); %d programs promoted\n",
              summary.is_object() ? summary.value("vetoed", 0) : 0, items.size(), approved, rejected, pending, promoted);
  for (const auto& [name, n] : fired) std::printf("  tripwire %s fired %d times\n", name.c_str(), n);
  // The same run without oversight, if the store has it.
  nlohmann::json recipe = config["recipe"];
  recipe.erase("policy_text");
  recipe.erase("policy_source");
  for (const auto& other : db.ListRuns()) {
    if (other.id == run.id || other.kind != "rsi" || other.status != "finished") continue;
    const auto oc = nlohmann::json::parse(other.config_json, nullptr, false);
    if (!oc.is_object() || !oc.contains("recipe")) continue;
    nlohmann::json orc = oc["recipe"];
    const bool off = orc.value("policy_source", "") == "off";
    orc.erase("policy_text");
    orc.erase("policy_source");
    if (orc != recipe || off == (policy == "off")) continue;
    const auto os = nlohmann::json::parse(other.summary_json.empty() ? "{}" : other.summary_json, nullptr, false);
    if (!summary.is_object() || !os.is_object()) continue;
    const bool this_on = policy != "off";
    const auto& on = this_on ? summary : os;
    const auto& offs = this_on ? os : summary;
    std::printf("  price of oversight (vs run %lld, same config and seed, policy %s): test capability %.4f with vs %.4f without; evaluations %.0f vs %.0f (%+.2f%%); cpu %.0f s vs %.0f s\n",
                static_cast<long long>(other.id), this_on ? "off" : "on", on.value("capability_final", 0.0),
                offs.value("capability_final", 0.0), on.value("cumulative_evaluations", 0.0),
                offs.value("cumulative_evaluations", 0.0),
                100 * (on.value("cumulative_evaluations", 0.0) / std::max(1.0, offs.value("cumulative_evaluations", 0.0)) - 1),
                on.value("cpu_seconds", 0.0), offs.value("cpu_seconds", 0.0));
    break;
  }
}

void PrintRsiRun(store::Store& db, const store::RunInfo& run) {
  const auto improvers = db.GetImprovers(run.id);
  const auto candidates = db.GetCandidates(run.id);
  const auto curve = db.GetCurve(run.id);
  std::printf("improver lineage (%zu adopted after the initial one):\n", improvers.empty() ? 0 : improvers.size() - 1);
  std::optional<meta::ImproverSpec> prev;
  for (const auto& i : improvers) {
    meta::ImproverSpec spec = meta::SpecFromJson(meta::Json::parse(i.spec_json));
    std::printf("  gen %d  %s", i.generation, i.hash.c_str());
    if (!i.evidence_json.empty()) {
      const auto ev = nlohmann::json::parse(i.evidence_json);
      std::printf("  [%s] LLR %.3f (bounds %.3f, %.3f)  W/L/D %lld/%lld/%lld  meta-utility %.4f vs %.4f",
                  ev.value("meta_operator", "").c_str(), ev.value("llr", 0.0), ev.value("lower", 0.0),
                  ev.value("upper", 0.0), static_cast<long long>(ev.value("wins", 0)),
                  static_cast<long long>(ev.value("losses", 0)), static_cast<long long>(ev.value("draws", 0)),
                  i.meta_utility, ev.value("incumbent_meta_utility", 0.0));
      if (ev.contains("metrics") && ev["metrics"].contains("null_coin")) std::printf("  (null control: by its coin)");
    }
    std::printf("\n");
    if (prev) {
      std::string diff = meta::DiffText(*prev, spec);
      size_t pos = 0;
      while ((pos = diff.find('\n', pos)) != std::string::npos && pos + 1 < diff.size()) diff.replace(pos, 1, "\n      "), pos += 7;
      std::printf("      %s", diff.c_str());
    }
    prev = std::move(spec);
  }
  int adopted = 0, rejected = 0, vetoed = 0, identical = 0, other = 0;
  for (const auto& c : candidates)
    (c.decision == "adopted"     ? adopted
     : c.decision == "rejected"  ? rejected
     : c.decision == "vetoed"    ? vetoed
     : c.decision == "identical" ? identical
                                 : other)++;
  std::printf("candidates: %zu (%d adopted, %d rejected, %d vetoed, %d inconclusive, %d identical)\n",
              candidates.size(), adopted, rejected, vetoed, other, identical);
  std::vector<std::pair<int, double>> points;
  double frozen = 0;
  for (const auto& p : curve) {
    const auto j = nlohmann::json::parse(p.point_json);
    points.emplace_back(p.generation, j["incumbent"]["capability"].get<double>());
    frozen = j["frozen"]["capability"].get<double>();
  }
  std::printf("%s", TextCurve(points, frozen).c_str());
  PrintOversight(db, run);
}

Action RegisterRsi(CLI::App& app) {
  auto a = std::make_shared<RsiArgs>();
  CLI::App* s = app.add_subcommand("rsi", "Run the self-improvement loop: the improver improves itself");
  s->add_option("--config", a->config, "RSI config file (TOML); default: the short RSI demo");
  s->add_option("--seed", a->seed, "Run seed (default: config's, else random)")->check(kNonNegative);
  s->add_option("--db", a->db, "Run store (SQLite file)")->capture_default_str();
  s->add_option("--threads", a->threads, "Worker threads (0 = all cores)")->check(CLI::Range(0, 256));
  s->add_option("--max-seconds", a->max_seconds, "No new generation after this many seconds; 0: no limit")->check(kNonNegative);
  s->add_option("--ablate", a->ablate, "Switch a learning channel off (credit, macros, filter); repeatable")
      ->check(CLI::IsMember({"credit", "macros", "filter"}));
  s->add_option("--llm-replay", a->llm_replay,
                "The config's [llm] model answers from this cassette (docs/llm.md), never a server; a resume does too")
      ->check(CLI::ExistingFile);
  s->add_option("--policy", a->policy, "Oversight policy: default, off, or a policy file (TOML); default: the config's [oversight] policy");
  auto* null_control = s->add_flag("--null-control", a->null_control,
              "Run the null control: the same loop and compute, but a coin of probability [rsi] null_adopt_rate "
              "(default 0.5), not the gate, adopts each played candidate");
  auto* with_null = s->add_flag("--with-null-control", a->with_null_control,
              "After the loop, run its null control (its own run, same config, seed and budget) and compare "
              "the two final improvers and the frozen one on the test arena (as [rsi] controls = [\"null\"])");
  s->add_flag("--no-controls", a->no_controls, "Run the loop only, without the config's [rsi] controls")->excludes(with_null);
  with_null->excludes(null_control);
  s->add_flag("--json", a->json, "Print one JSON object as the last line of stdout");
  s->add_flag("--quiet", a->quiet, "No progress display");
  auto* dash = s->add_flag("--dashboard", a->dashboard, "Serve the web dashboard beside the run (127.0.0.1; see `ouro dashboard`)");
  s->add_option("--port", a->port, "Dashboard port (0 picks a free one)")->check(CLI::Range(0, 65535))->needs(dash);
  return [a] { return RunRsiCommand(*a); };
}

Action RegisterImprover(CLI::App& app) {
  CLI::App* imp = app.add_subcommand("improver", "Improver specs of rsi runs");
  imp->require_subcommand(1);
  auto db = std::make_shared<std::string>(kDefaultDb);
  auto run = std::make_shared<int64_t>(0);
  auto gen = std::make_shared<int>(-1);
  auto out = std::make_shared<std::string>();
  auto action = std::make_shared<std::string>();
  CLI::App* ex = imp->add_subcommand("export", "Write an adopted improver spec (JSON) for `ouro search --improver`");
  ex->add_option("RUN", *run, "rsi run id")->required()->check(CLI::PositiveNumber);
  ex->add_option("--generation", *gen, "Generation of the improver (default: the last adopted)")->check(CLI::NonNegativeNumber);
  ex->add_option("--out", *out, "Output file")->required();
  ex->add_option("--db", *db, "Run store (SQLite file)")->capture_default_str();
  ex->callback([action] { *action = "export"; });
  CLI::App* sh = imp->add_subcommand("show", "Print an adopted improver spec (JSON) on stdout");
  sh->add_option("RUN", *run, "rsi run id")->required()->check(CLI::PositiveNumber);
  sh->add_option("--generation", *gen, "Generation of the improver (default: the last adopted)")->check(CLI::NonNegativeNumber);
  sh->add_option("--db", *db, "Run store (SQLite file)")->capture_default_str();
  sh->callback([action] { *action = "show"; });
  auto spec = std::make_shared<std::string>();
  auto config = std::make_shared<std::string>();
  auto seed = std::make_shared<int64_t>(-1);
  auto threads = std::make_shared<int>(-1);
  auto json = std::make_shared<bool>(false);
  CLI::App* cmp = imp->add_subcommand(
      "compare", "Measure a spec against the config's initial improver on the config's test arena (same runs, paired)");
  cmp->add_option("SPEC", *spec, "Improver spec (JSON), e.g. from `ouro improver export`")->required();
  cmp->add_option("--config", *config, "RSI config file (TOML) naming the arena and the initial improver; default: the RSI demo's");
  cmp->add_option("--seed", *seed, "Seed of the test runs (default: the config's, else 1)")->check(kNonNegative);
  cmp->add_option("--threads", *threads, "Worker threads (0 = all cores)")->check(CLI::Range(0, 256));
  cmp->add_flag("--json", *json, "Print one JSON object");
  cmp->callback([action] { *action = "compare"; });
  return [=] {
    if (*action == "compare") return RunImproverCompare(*spec, *config, *seed, *threads, *json);
    if (*action == "show") return RunImproverShow(*db, *run, *gen);
    if (*action == "export") return RunExport(*db, *run, *gen, *out);
    throw Error("improver: give a subcommand (export, show, compare)");
  };
}

}  // namespace ouro::cli
