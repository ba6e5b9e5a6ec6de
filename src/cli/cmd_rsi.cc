// cli/cmd_rsi.cc — `ouro rsi` (the self-improvement loop), `ouro improver export`, and the rsi
// part of `ouro show`.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/error.h"
#include "meta/rsi.h"
#include "meta/rsi_config.h"
#include "store/store.h"

namespace ouro::cli {
namespace {

struct RsiArgs {
  std::string config, db = kDefaultDb;
  int64_t seed = -1;
  int threads = -1;
  double max_seconds = -1;
  std::vector<std::string> ablate;
  bool json = false, quiet = false;
};

nlohmann::json MeasureJson(const meta::HeldOutMeasure& m) {
  return {{"capability", m.capability}, {"targets", m.targets}, {"auc", m.auc}, {"evals_to_target", m.evals_to_target},
          {"reached", std::vector<bool>(m.reached.begin(), m.reached.end())}};
}

std::string SpecText(const meta::ImproverSpec& s) { return meta::ToJson(s).dump(); }

// A text plot of capability per generation: incumbent (#) against the frozen initial improver (|).
std::string TextCurve(const std::vector<std::pair<int, double>>& points, double frozen) {
  if (points.empty()) return "";
  double lo = frozen, hi = frozen;
  for (const auto& [g, c] : points) lo = std::min(lo, c), hi = std::max(hi, c);
  if (hi - lo < 1e-9) hi = lo + 1e-9;
  constexpr int kWidth = 50;
  auto col = [&](double v) { return static_cast<int>(std::lround((v - lo) / (hi - lo) * kWidth)); };
  std::string out = "held-out capability (mean area under the best-fitness curve); | = frozen initial improver\n";
  char buf[64];
  for (const auto& [g, c] : points) {
    std::string bar(kWidth + 1, ' ');
    for (int i = 0; i <= col(c); ++i) bar[i] = '#';
    bar[col(frozen)] = '|';
    std::snprintf(buf, sizeof buf, "  gen %3d  %.4f  ", g, c);
    out += buf + bar + "\n";
  }
  return out;
}

int RunRsiCommand(const RsiArgs& a) {
  meta::RsiFileConfig file = a.config.empty() ? meta::DefaultRsiConfig() : meta::LoadRsiConfig(a.config);
  meta::RsiConfig& cfg = file.rsi;
  cfg.seed = ResolveSeed(a.seed, file.seed_given ? std::optional<uint64_t>(cfg.seed) : std::nullopt);
  if (a.threads >= 0) cfg.threads = a.threads;
  if (a.max_seconds >= 0) cfg.max_seconds = a.max_seconds;
  for (const auto& x : a.ablate)
    if (std::find(cfg.ablate.begin(), cfg.ablate.end(), x) == cfg.ablate.end()) cfg.ablate.push_back(x);
  cfg.Validate();

  std::unique_ptr<store::Store> db = store::Store::Open(a.db);
  const int64_t run_id = db->CreateRun("rsi", cfg.seed, meta::ToJson(cfg).dump());
  auto say = [&](const std::string& s) {
    if (!a.quiet) std::fprintf(stderr, "%s\n", s.c_str());
  };
  say("run " + std::to_string(run_id) + " (rsi, seed " + std::to_string(cfg.seed) + ", db " + a.db + "): " +
      std::to_string(cfg.generations) + " generations x " + std::to_string(cfg.candidates) + " candidates; " +
      std::to_string(cfg.train.families.size()) + " training / " + std::to_string(cfg.held_out.families.size()) +
      " held-out families");

  meta::RsiHooks hooks;
  hooks.stop = &StopFlag();
  std::string last_hash;
  hooks.on_log = say;
  hooks.on_improver = [&](int gen, const meta::ImproverSpec& spec, const meta::ImproverSpec* parent,
                          const meta::CandidateReport* ev) {
    store::ImproverRow row;
    row.generation = gen;
    row.hash = meta::SpecHash(spec);
    row.parent_hash = last_hash;  // the parent as it was stored (its credit has grown since)
    row.spec_json = SpecText(spec);
    row.meta_utility = ev ? ev->meta_utility : 0;
    if (ev)
      row.evidence_json = nlohmann::json{{"meta_operator", ev->meta_operator}, {"llr", ev->llr}, {"wins", ev->wins},
                                         {"losses", ev->losses}, {"draws", ev->draws},
                                         {"lower", std::log(cfg.sprt.beta / (1 - cfg.sprt.alpha))},
                                         {"upper", std::log((1 - cfg.sprt.beta) / cfg.sprt.alpha)},
                                         {"elo0", cfg.sprt.elo0}, {"elo1", cfg.sprt.elo1},
                                         {"incumbent_meta_utility", ev->incumbent_meta_utility}}.dump();
    db->AddImprover(run_id, row);
    last_hash = row.hash;
    if (parent && !a.quiet) std::fprintf(stderr, "adopted improver %s; changes:\n%s", row.hash.c_str(),
                                         meta::DiffText(*parent, spec).c_str());
  };
  hooks.on_candidate = [&](const meta::CandidateReport& r) {
    store::CandidateRow row;
    row.generation = r.generation;
    row.idx = r.index;
    row.hash = meta::SpecHash(r.spec);
    row.meta_operator = r.meta_operator;
    row.decision = r.decision;
    row.llr = r.llr;
    row.wins = r.wins;
    row.losses = r.losses;
    row.draws = r.draws;
    row.meta_utility = r.meta_utility;
    row.spec_json = SpecText(r.spec);
    nlohmann::json games = nlohmann::json::array();
    for (const auto& g : r.games) games.push_back({g.incumbent_auc, g.candidate_auc});
    row.evidence_json = nlohmann::json{{"incumbent_meta_utility", r.incumbent_meta_utility}, {"games", games}}.dump();
    db->AddCandidate(run_id, row);
  };
  std::vector<std::pair<int, double>> shown;
  hooks.on_curve = [&](const meta::CurvePoint& p, const meta::HeldOutMeasure& frozen) {
    store::CurveRow row;
    row.generation = p.generation;
    row.cumulative_evaluations = static_cast<int64_t>(p.cumulative_evaluations);
    row.seconds = p.seconds;
    row.point_json = nlohmann::json{{"improver", p.improver_hash}, {"incumbent", MeasureJson(p.incumbent)},
                                    {"frozen", MeasureJson(frozen)}}.dump();
    db->AddCurvePoint(run_id, row);
    shown.emplace_back(p.generation, p.incumbent.capability);
    char buf[200];
    std::snprintf(buf, sizeof buf, "held-out at gen %d: capability %.4f (frozen %.4f), median evals-to-target %.0f (frozen %.0f), %.0f meta evals, %.0f s",
                  p.generation, p.incumbent.capability, frozen.capability,
                  meta::Median(p.incumbent.evals_to_target), meta::Median(frozen.evals_to_target),
                  p.cumulative_evaluations, p.seconds);
    say(buf);
  };
  meta::RsiResult r;
  try {
    r = meta::RunRsi(cfg, hooks);
  } catch (...) {
    db->FinishRun(run_id, "failed", "");
    throw;
  }
  nlohmann::json out = {
      {"run_id", run_id},
      {"seed", cfg.seed},
      {"generations", r.generations},
      {"adopted", r.adopted},
      {"rejected", r.rejected},
      {"inconclusive", r.inconclusive},
      {"vetoed", r.vetoed},
      {"evals_to_target_frozen", r.evals_to_target_frozen},
      {"evals_to_target_final", r.evals_to_target_final},
      {"speedup", r.speedup.estimate},
      {"speedup_ci_low", r.speedup.low},
      {"speedup_ci_high", r.speedup.high},
      {"returns_r", r.returns ? nlohmann::json(r.returns->estimate) : nlohmann::json(nullptr)},
      {"returns_ci_low", r.returns ? nlohmann::json(r.returns->low) : nlohmann::json(nullptr)},
      {"returns_ci_high", r.returns ? nlohmann::json(r.returns->high) : nlohmann::json(nullptr)},
      {"returns_verdict", r.returns_verdict},
      {"capability_frozen", r.frozen.capability},
      {"capability_final", r.curve.back().incumbent.capability},
      {"cumulative_evaluations", r.cumulative_evaluations},
      {"final_improver", r.final_improver},
      {"stop_reason", r.stop_reason},
      {"seconds", r.seconds},
  };
  db->FinishRun(run_id, r.stop_reason == "stopped" ? "stopped" : "finished", out.dump());
  if (a.json) {
    std::printf("%s\n", out.dump().c_str());
  } else {
    std::printf("run %lld: %d generations, %d adopted, %d rejected, %d inconclusive, %.0f s (%s)\n",
                static_cast<long long>(run_id), r.generations, r.adopted, r.rejected, r.inconclusive, r.seconds,
                r.stop_reason.c_str());
    std::printf("%s", TextCurve(shown, r.frozen.capability).c_str());
    std::string targets;
    for (double t : r.frozen.targets) targets += (targets.empty() ? "" : ", ") + std::to_string(t).substr(0, 6);
    std::printf("evaluations to reach the target (%s per family) on held-out families (median of %zu runs): frozen %.0f, final %.0f -> speedup %.2fx (95%% [%.2f, %.2f])\n",
                targets.c_str(), r.frozen.evals_to_target.size(), r.evals_to_target_frozen, r.evals_to_target_final,
                r.speedup.estimate, r.speedup.low, r.speedup.high);
    std::printf("returns: %s\n", r.returns_verdict.c_str());
    std::printf("export the final improver: ouro improver export %lld --db %s --out improver.json\n",
                static_cast<long long>(run_id), a.db.c_str());
  }
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

}  // namespace

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
  int adopted = 0, rejected = 0, vetoed = 0, other = 0;
  for (const auto& c : candidates)
    (c.decision == "adopted" ? adopted : c.decision == "rejected" ? rejected : c.decision == "vetoed" ? vetoed : other)++;
  std::printf("candidates: %zu (%d adopted, %d rejected, %d vetoed, %d inconclusive)\n", candidates.size(), adopted,
              rejected, vetoed, other);
  std::vector<std::pair<int, double>> points;
  double frozen = 0;
  for (const auto& p : curve) {
    const auto j = nlohmann::json::parse(p.point_json);
    points.emplace_back(p.generation, j["incumbent"]["capability"].get<double>());
    frozen = j["frozen"]["capability"].get<double>();
  }
  std::printf("%s", TextCurve(points, frozen).c_str());
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
  s->add_flag("--json", a->json, "Print one JSON object as the last line of stdout");
  s->add_flag("--quiet", a->quiet, "No progress display");
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
  return [=] {
    if (*action == "show") return RunImproverShow(*db, *run, *gen);
    if (*action == "export") return RunExport(*db, *run, *gen, *out);
    throw Error("improver: give a subcommand (export, show)");
  };
}

}  // namespace ouro::cli
