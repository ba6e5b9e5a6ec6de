#include "cli/supervisor.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/error.h"
#include "core/hash.h"
#include "lang/text.h"

namespace ouro::cli {

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

std::string SpecText(const meta::ImproverSpec& s) { return meta::ToJson(s).dump(); }

std::string Num(double v) {
  std::ostringstream o;
  o << v;
  return o.str();
}

json CurvePointJson(const meta::CurvePoint& p, const meta::HeldOutMeasure& frozen) {
  return {{"improver", p.improver_hash}, {"incumbent", meta::ToJson(p.incumbent)}, {"frozen", meta::ToJson(frozen)}};
}

json CandidateEvidence(const meta::CandidateReport& r, const meta::RsiConfig& cfg) {
  json games = json::array();
  for (const auto& g : r.games) games.push_back({g.incumbent_auc, g.candidate_auc});
  const meta::SprtBounds b = meta::SprtLimits(cfg.sprt.alpha, cfg.sprt.beta);
  return {{"incumbent_meta_utility", r.incumbent_meta_utility},
          {"games", games},
          {"lower", b.lower},
          {"upper", b.upper},
          {"elo0", cfg.sprt.elo0},
          {"elo1", cfg.sprt.elo1},
          {"metrics", r.metrics},
          {"note", r.note}};
}

std::string AdoptKey(const meta::CandidateReport& r) {
  return "adopt:g" + std::to_string(r.generation) + "c" + std::to_string(r.index) + ":" + meta::SpecHash(r.spec);
}

// The decisions at the adoption seam, live (through the store, waiting for people) or in replay
// (read-only: people's decisions come from the stored items).
class Supervisor {
 public:
  Supervisor(store::Store& db, int64_t run_id, const oversight::Policy& policy, bool live,
             std::function<void(const std::string&)> say)
      : db_(db), run_(run_id), policy_(policy), live_(live), say_(std::move(say)) {
    // Tripwires that already paused or stopped this run (before a resume) do not do it again.
    for (const auto& e : db_.GetEvents(run_)) {
      if (e.type != "tripwire") continue;
      const json c = json::parse(e.content_json, nullptr, false);
      if (c.is_object() && c.contains("key") && c["key"].is_string()) acknowledged_.insert(c["key"].get<std::string>());
    }
    for (const auto& e : live_ ? db_.GetEvents(run_) : std::vector<store::EventRow>{}) {
      if (e.type != "promoted" && e.type != "gate") continue;
      const json c = json::parse(e.content_json, nullptr, false);
      if (c.is_object() && c.contains("fitness") && c["fitness"].is_number())
        best_so_far_ = std::max(best_so_far_, c["fitness"].get<double>());
    }
  }
  ~Supervisor() { Finish(); }

  // Claims the run and starts the control poller (live only).
  void Start() {
    if (!live_) return;
    db_.ClaimRun(run_);
    poller_ = std::thread([this] { Poll(); });
  }
  void Finish() {
    done_ = true;
    if (poller_.joinable()) poller_.join();
    if (live_ && !released_) {
      released_ = true;
      try {
        db_.ReleaseRun(run_);
      } catch (const Error&) {
      }
    }
  }

  const std::atomic<bool>* stop() const { return &stop_; }
  std::string stop_reason() {
    std::lock_guard<std::mutex> l(mu_);
    return stop_reason_;
  }
  void SetProgress(json p) {
    std::lock_guard<std::mutex> l(mu_);
    progress_ = std::move(p);
  }

  void PausePoint() {
    if (!paused_ || stop_) return;
    db_.SetRunStatus(run_, "paused");
    Event("paused", {{"by", "control"}});
    say_("paused: waiting for `ouro resume " + std::to_string(run_) + "`");
    while (paused_ && !stop_) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (!stop_) {
      db_.SetRunStatus(run_, "running");
      Event("unpaused", json::object());
      say_("resumed");
    }
  }

  // The adoption seam: tripwires, invariants, gate. Returns whether to adopt.
  bool Adopt(const meta::Adoption& a) {
    meta::CandidateReport& c = *a.candidate;
    const std::string key = AdoptKey(c);
    std::string veto, approval_reason;
    for (const auto& f : oversight::CheckTripwires(policy_, c.metrics)) {
      const std::string fkey = key + ":" + f.name;
      const bool again = acknowledged_.count(fkey) > 0;
      Event("tripwire", {{"key", fkey}, {"name", f.name}, {"metric", f.metric}, {"value", f.value},
                         {"threshold", f.threshold}, {"action", f.action}, {"generation", c.generation},
                         {"candidate", c.index}, {"improver", meta::SpecHash(c.spec)}, {"repeat", again}});
      say_("tripwire '" + f.name + "' fired: " + f.metric + " = " + Num(f.value) + " > " + Num(f.threshold) + " -> " +
           f.action + (again ? " (already acted on before a resume)" : ""));
      acknowledged_.insert(fkey);
      if (f.action == "approve") approval_reason += (approval_reason.empty() ? "" : "; ") + ("tripwire " + f.name);
      if (f.action == "reject" || f.action == "stop") veto = "tripwire " + f.name + ": " + f.metric + " = " + Num(f.value);
      if (f.action == "stop" && !again && live_) RequestStop("tripwire " + f.name);
      if (f.action == "pause" && !again && live_) {
        db_.SetControl(run_, "pause");
        paused_ = true;
        PausePoint();
      }
    }
    if (!veto.empty()) {
      c.note = veto;
      return false;
    }
    bool rerun_equal = true;
    if (policy_.invariants.deterministic && !c.games.empty()) {
      const double again = a.rerun_first_game();
      rerun_equal = again == c.games[0].candidate_auc || stop_;
    }
    const auto violations = oversight::InvariantViolations(policy_.invariants, c.metrics, rerun_equal);
    if (!violations.empty()) {
      std::string all;
      for (const auto& v : violations) all += (all.empty() ? "" : "; ") + v;
      Event("invariant", {{"key", key}, {"violations", violations}});
      say_("invariant violated: " + all);
      c.note = "invariant: " + all;
      return false;
    }
    std::string reason = oversight::GateReason(policy_.adopt, c.metrics);
    if (!approval_reason.empty()) reason += (reason.empty() ? "" : "; ") + approval_reason;
    if (reason.empty()) return true;
    return AskPeople("adopt", key, c, a, reason);
  }

  // The promotion gate: a candidate whose games found a program better than any so far promotes it
  // (auto), or asks a person (manual / rule). It never makes the loop wait: the lineage does not
  // depend on it.
  void Promote(const meta::CandidateReport& c) {
    if (c.best_fitness <= best_so_far_ + 1e-12) return;
    const double gain = c.best_fitness - std::max(best_so_far_, 0.0);
    best_so_far_ = c.best_fitness;
    const std::string text = lang::Print(c.best_program);
    const std::string hash = HexId(c.best_program.Hash());
    if (!live_) {
      promotions.push_back(hash);
      return;
    }
    db_.PutProgram(hash, text);
    const std::map<std::string, double> metrics = {{"gain", gain}, {"fitness", c.best_fitness}};
    const std::string reason = oversight::GateReason(policy_.promote, metrics);
    const json content = {{"program", hash}, {"fitness", c.best_fitness}, {"gain", gain},
                          {"generation", c.generation}, {"candidate", c.index}, {"text", text}};
    if (reason.empty()) {
      Event("promoted", content);
      return;
    }
    const std::string key = "promote:g" + std::to_string(c.generation) + "c" + std::to_string(c.index) + ":" + hash;
    const bool existed = db_.FindItem(run_, key).has_value();
    json evidence = content;
    evidence["reason"] = reason;
    const int64_t item = db_.AddItem(run_, "promote", key,
                                     "promote program " + hash + " (search fitness " + Num(c.best_fitness) + "): " + reason,
                                     evidence.dump());
    if (!existed) Event("gate", {{"item", item}, {"key", key}, {"gate", "promote"}, {"reason", reason}, {"fitness", c.best_fitness}});
  }

  void Event(const std::string& type, const json& content) {
    if (live_) db_.AppendEvent(run_, type, "ouro", content.dump());
  }

  void RequestStop(const std::string& why) {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (stop_reason_.empty()) stop_reason_ = why;
    }
    stop_ = true;
  }

  std::vector<std::string> replay_problems;
  std::vector<std::string> promotions;  // replay: the programs it would promote or ask about

 private:
  bool AskPeople(const std::string& kind, const std::string& key, meta::CandidateReport& c, const meta::Adoption& a,
                 const std::string& reason) {
    if (!live_) {
      const auto item = db_.FindItem(run_, key);
      if (!item || item->status == "pending") {
        replay_problems.push_back("the run asked people about " + key + " and no decision is stored");
        c.note = "undecided in the store";
        return false;
      }
      if (item->status == "rejected") c.note = "rejected by " + item->decided_by + ": " + item->note;
      return item->status == "approved";
    }
    json evidence = CandidateEvidence(c, Cfg());
    evidence["reason"] = reason;
    evidence["meta_operator"] = c.meta_operator;
    evidence["llr"] = c.llr;
    evidence["wins"] = c.wins;
    evidence["losses"] = c.losses;
    evidence["draws"] = c.draws;
    evidence["meta_utility"] = c.meta_utility;
    evidence["heldout_capability"] = a.candidate_held_out ? a.candidate_held_out->capability : 0.0;
    evidence["incumbent_heldout_capability"] = a.incumbent_held_out ? a.incumbent_held_out->capability : 0.0;
    evidence["diff"] = meta::DiffText(*a.incumbent, c.spec);
    const bool existed = db_.FindItem(run_, key).has_value();
    const std::string summary = "adopt improver " + meta::SpecHash(c.spec) + " (generation " +
                                std::to_string(c.generation) + ", candidate " + std::to_string(c.index) + ", " +
                                c.meta_operator + "): " + reason;
    const int64_t item = db_.AddItem(run_, kind, key, summary, evidence.dump());
    if (!existed) Event("gate", {{"item", item}, {"key", key}, {"gate", kind}, {"reason", reason}});
    auto row = db_.GetItem(run_, item);
    if (row && row->status == "pending") {
      db_.SetRunStatus(run_, "waiting");
      SetWaiting(item);
      say_("waiting for a decision on item " + std::to_string(item) + ": " + summary + "\n  ouro approve " +
           std::to_string(run_) + " " + std::to_string(item) + "   or   ouro reject " + std::to_string(run_) + " " +
           std::to_string(item) + " --reason ...");
      while (!stop_) {
        row = db_.GetItem(run_, item);
        if (row && row->status != "pending") break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      SetWaiting(0);
      if (stop_) return false;
      db_.SetRunStatus(run_, "running");
    }
    say_("item " + std::to_string(item) + " " + row->status + " by " + row->decided_by +
         (row->note.empty() ? "" : ": " + row->note));
    if (row->status == "rejected") c.note = "rejected by " + row->decided_by + ": " + row->note;
    return row->status == "approved";
  }

 public:
  const meta::RsiConfig* cfg = nullptr;

 private:
  const meta::RsiConfig& Cfg() const { return *cfg; }
  void SetWaiting(int64_t item) {
    std::lock_guard<std::mutex> l(mu_);
    progress_["waiting_for_item"] = item ? json(item) : json(nullptr);
  }

  // The control poller: its own connection; 20 ms between reads of the control word.
  void Poll() {
    std::unique_ptr<store::Store> db;
    try {
      db = store::Store::Open(db_.path());
    } catch (const Error& e) {
      RequestStop(std::string("cannot poll the store: ") + e.what());
      return;
    }
    auto last_beat = Clock::now() - std::chrono::seconds(10);
    while (!done_) {
      try {
        const std::string c = db->GetControl(run_);
        if (c == "stop") RequestStop("stop requested");
        paused_ = c == "pause";
        if (StopFlag().load()) RequestStop("interrupted by a signal");
        if (Clock::now() - last_beat >= std::chrono::seconds(1)) {
          last_beat = Clock::now();
          db->Heartbeat(run_);
          json p;
          {
            std::lock_guard<std::mutex> l(mu_);
            p = progress_;
          }
          if (!p.is_null()) db->SetProgress(run_, p.dump());
        }
      } catch (const Error& e) {
        // Lost ownership, or the store became unusable: stop rather than run unsupervised.
        RequestStop(std::string("supervision failed: ") + e.what());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  store::Store& db_;
  int64_t run_;
  oversight::Policy policy_;
  bool live_;
  std::function<void(const std::string&)> say_;
  std::set<std::string> acknowledged_;
  double best_so_far_ = -1;
  std::atomic<bool> stop_{false}, paused_{false}, done_{false};
  bool released_ = false;
  std::mutex mu_;
  std::string stop_reason_;
  json progress_;
  std::thread poller_;
};

}  // namespace

std::string Actor(const std::string& flag) {
  if (!flag.empty()) return flag;
  for (const char* v : {"OURO_ACTOR", "USER", "LOGNAME"})
    if (const char* s = std::getenv(v); s && *s) return s;
  return "unknown";
}

json RecipeJson(const RsiRecipe& r) {
  return {{"config_text", r.config_text}, {"config_source", r.config_source}, {"policy_text", r.policy_text},
          {"policy_source", r.policy_source}, {"seed", r.seed}, {"threads", r.threads},
          {"max_seconds", r.max_seconds}, {"ablate", r.ablate}};
}

RsiRecipe RecipeFromRun(const store::RunInfo& run) {
  if (run.kind != "rsi") throw Error("run " + std::to_string(run.id) + " is a '" + run.kind + "' run, not an rsi run");
  const json c = json::parse(run.config_json, nullptr, false);
  if (!c.is_object() || !c.contains("recipe"))
    throw Error("run " + std::to_string(run.id) + " has no stored recipe (made by an older ouro): it cannot be resumed or replayed");
  try {
    const json& j = c.at("recipe");
    RsiRecipe r;
    r.config_text = j.at("config_text").get<std::string>();
    r.config_source = j.at("config_source").get<std::string>();
    r.policy_text = j.at("policy_text").get<std::string>();
    r.policy_source = j.at("policy_source").get<std::string>();
    r.seed = j.at("seed").get<uint64_t>();
    r.threads = j.at("threads").get<int>();
    r.max_seconds = j.at("max_seconds").get<double>();
    r.ablate = j.at("ablate").get<std::vector<std::string>>();
    return r;
  } catch (const json::exception& e) {
    throw Error("run " + std::to_string(run.id) + ": malformed stored recipe: " + e.what());
  }
}

meta::RsiConfig BuildConfig(const RsiRecipe& r, const json* stored_initial) {
  meta::RsiFileConfig file =
      r.config_text.empty() ? meta::DefaultRsiConfig() : meta::ParseRsiConfig(r.config_text, r.config_source);
  meta::RsiConfig cfg = file.rsi;
  cfg.seed = r.seed;
  if (r.threads >= 0) cfg.threads = r.threads;
  if (r.max_seconds >= 0) cfg.max_seconds = r.max_seconds;
  for (const auto& x : r.ablate)
    if (std::find(cfg.ablate.begin(), cfg.ablate.end(), x) == cfg.ablate.end()) cfg.ablate.push_back(x);
  if (stored_initial) cfg.initial = meta::SpecFromJson(meta::Json::parse(stored_initial->get<std::string>()));
  cfg.Validate();
  return cfg;
}

oversight::Policy BuildPolicy(const RsiRecipe& r) {
  if (r.policy_source == "off") return oversight::OffPolicy();
  if (r.policy_source == "default") return oversight::DefaultPolicy();
  oversight::Policy p = oversight::ParsePolicy(r.policy_text, r.policy_source);
  return p;
}

json RsiSummary(int64_t run_id, const meta::RsiConfig& cfg, const meta::RsiResult& r) {
  return {
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
      {"returns_r", r.returns ? json(r.returns->estimate) : json(nullptr)},
      {"returns_ci_low", r.returns ? json(r.returns->low) : json(nullptr)},
      {"returns_ci_high", r.returns ? json(r.returns->high) : json(nullptr)},
      {"returns_verdict", r.returns_verdict},
      {"capability_frozen", r.frozen.capability},
      {"capability_final", r.curve.back().incumbent.capability},
      {"cumulative_evaluations", r.cumulative_evaluations},
      {"oversight_evaluations", r.oversight_evaluations},
      {"oversight_share", r.cumulative_evaluations > 0 ? r.oversight_evaluations / r.cumulative_evaluations : 0.0},
      {"final_improver", r.final_improver},
      {"stop_reason", r.stop_reason},
      {"seconds", r.seconds},
      {"cpu_seconds", r.cpu_seconds},
  };
}

int ExecuteRsi(store::Store& db, int64_t run_id, const meta::RsiConfig& cfg_in, const oversight::Policy& policy,
               const meta::RsiState* resume, const RsiOutput& out) {
  meta::RsiConfig cfg = cfg_in;
  cfg.run_budget = {policy.run.evaluations, policy.run.cpu_seconds, policy.run.wall_seconds};
  cfg.generation_budget = {policy.generation.evaluations, policy.generation.cpu_seconds, policy.generation.wall_seconds};
  auto say = [&](const std::string& s) {
    if (!out.quiet) std::fprintf(stderr, "%s\n", s.c_str());
  };
  Supervisor sup(db, run_id, policy, true, say);
  sup.cfg = &cfg;
  sup.Start();

  meta::RsiHooks hooks;
  hooks.stop = sup.stop();
  hooks.on_log = say;
  hooks.pause_point = [&] { sup.PausePoint(); };
  hooks.adopt = [&](const meta::Adoption& a) { return sup.Adopt(a); };
  std::string last_hash;
  std::vector<std::pair<int, double>> shown;
  if (resume) {
    for (const auto& i : db.GetImprovers(run_id)) last_hash = i.hash;
    for (const auto& p : resume->result.curve) shown.emplace_back(p.generation, p.incumbent.capability);
  }
  hooks.on_improver = [&](int gen, const meta::ImproverSpec& spec, const meta::ImproverSpec* parent,
                          const meta::CandidateReport* ev) {
    store::ImproverRow row;
    row.generation = gen;
    row.hash = meta::SpecHash(spec);
    row.parent_hash = last_hash;  // the parent as it was stored (its credit has grown since)
    row.spec_json = SpecText(spec);
    row.meta_utility = ev ? ev->meta_utility : 0;
    if (ev) {
      json e = CandidateEvidence(*ev, cfg);
      e["meta_operator"] = ev->meta_operator;
      e["llr"] = ev->llr;
      e["wins"] = ev->wins;
      e["losses"] = ev->losses;
      e["draws"] = ev->draws;
      row.evidence_json = e.dump();
    }
    db.AddImprover(run_id, row);
    sup.Event("improver", {{"generation", gen}, {"hash", row.hash}, {"parent", row.parent_hash}, {"spec", row.spec_json},
                           {"evidence", row.evidence_json.empty() ? json(nullptr) : json::parse(row.evidence_json)}});
    last_hash = row.hash;
    if (parent && !out.quiet)
      std::fprintf(stderr, "adopted improver %s; changes:\n%s", row.hash.c_str(), meta::DiffText(*parent, spec).c_str());
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
    const json ev = CandidateEvidence(r, cfg);
    row.evidence_json = ev.dump();
    db.AddCandidate(run_id, row);
    sup.Promote(r);
    sup.Event("candidate", {{"generation", r.generation}, {"candidate", r.index}, {"hash", row.hash},
                            {"meta_operator", r.meta_operator}, {"decision", r.decision}, {"llr", r.llr},
                            {"wins", r.wins}, {"losses", r.losses}, {"draws", r.draws},
                            {"meta_utility", r.meta_utility}, {"evidence", ev}});
  };
  hooks.on_curve = [&](const meta::CurvePoint& p, const meta::HeldOutMeasure& frozen) {
    store::CurveRow row;
    row.generation = p.generation;
    row.cumulative_evaluations = static_cast<int64_t>(p.cumulative_evaluations);
    row.seconds = p.seconds;
    row.point_json = CurvePointJson(p, frozen).dump();
    db.AddCurvePoint(run_id, row);
    shown.emplace_back(p.generation, p.incumbent.capability);
    char buf[220];
    std::snprintf(buf, sizeof buf,
                  "held-out at gen %d: capability %.4f (frozen %.4f), median evals-to-target %.0f (frozen %.0f), %.0f meta evals, %.0f s",
                  p.generation, p.incumbent.capability, frozen.capability, meta::Median(p.incumbent.evals_to_target),
                  meta::Median(frozen.evals_to_target), p.cumulative_evaluations, p.seconds);
    say(buf);
  };
  hooks.on_checkpoint = [&](const meta::RsiState& s) {
    db.PutCheckpoint(run_id, s.generation, meta::ToJson(s).dump());
    const auto& r = s.result;
    sup.SetProgress({{"generation", s.generation},
                     {"adopted", r.adopted},
                     {"evaluations", r.cumulative_evaluations},
                     {"oversight_evaluations", r.oversight_evaluations},
                     {"seconds", r.seconds},
                     {"cpu_seconds", r.cpu_seconds},
                     {"capability", r.curve.back().incumbent.capability},
                     {"budget", {{"evaluations", policy.run.evaluations}, {"cpu_seconds", policy.run.cpu_seconds},
                                 {"wall_seconds", policy.run.wall_seconds}}}});
  };

  meta::RsiResult r;
  try {
    r = meta::RunRsi(cfg, hooks, resume);
  } catch (const Error& e) {
    sup.Finish();
    const std::string why = sup.stop_reason();
    if (!why.empty()) {
      // Stopped before the first checkpoint: nothing to keep; a resume starts from the beginning.
      db.TruncateRsiRows(run_id, -1);
      db.SetRunStatus(run_id, "stopped");
      sup.Event("stopped", {{"reason", why}, {"generation", -1}});
      say("run " + std::to_string(run_id) + " stopped before its first checkpoint (" + why + ")");
      return 0;
    }
    db.FinishRun(run_id, "failed", json{{"error", e.what()}}.dump());
    sup.Event("failed", {{"error", e.what()}});
    throw;
  } catch (...) {
    sup.Finish();
    db.FinishRun(run_id, "failed", "");
    throw;
  }
  sup.Finish();
  if (r.stop_reason == "stopped" && !sup.stop_reason().empty()) r.stop_reason = sup.stop_reason();
  const bool stopped = r.stop_reason != "generations" && r.stop_reason != "max_seconds";
  // The stored rows end where the result does (an unfinished generation left rows behind).
  db.TruncateRsiRows(run_id, r.generations);
  const json summary = RsiSummary(run_id, cfg, r);
  db.FinishRun(run_id, stopped ? "stopped" : "finished", summary.dump());
  db.SetProgress(run_id, "");
  sup.Event(stopped ? "stopped" : "finished", {{"reason", r.stop_reason}, {"summary", summary}});
  if (out.json) {
    std::printf("%s\n", summary.dump().c_str());
  } else {
    std::printf("run %lld: %d generations, %d adopted, %d rejected, %d inconclusive, %d vetoed, %.0f s (%s)\n",
                static_cast<long long>(run_id), r.generations, r.adopted, r.rejected, r.inconclusive, r.vetoed,
                r.seconds, r.stop_reason.c_str());
    std::printf("%s", TextCurve(shown, r.frozen.capability).c_str());
    std::string targets;
    for (double t : r.frozen.targets) targets += (targets.empty() ? "" : ", ") + std::to_string(t).substr(0, 6);
    std::printf("evaluations to reach the target (%s per family) on held-out families (median of %zu runs): frozen %.0f, final %.0f -> speedup %.2fx (95%% [%.2f, %.2f])\n",
                targets.c_str(), r.frozen.evals_to_target.size(), r.evals_to_target_frozen, r.evals_to_target_final,
                r.speedup.estimate, r.speedup.low, r.speedup.high);
    std::printf("returns: %s\n", r.returns_verdict.c_str());
    std::printf("oversight: %.1f%% of %.0f evaluations spent on checks (policy '%s')\n",
                r.cumulative_evaluations > 0 ? 100 * r.oversight_evaluations / r.cumulative_evaluations : 0.0,
                r.cumulative_evaluations, policy.name.c_str());
    if (stopped)
      std::printf("resume it: ouro resume %lld --db %s\n", static_cast<long long>(run_id), db.path().c_str());
    else
      std::printf("export the final improver: ouro improver export %lld --db %s --out improver.json\n",
                  static_cast<long long>(run_id), db.path().c_str());
  }
  return 0;
}

int ReplayRsi(store::Store& db, int64_t run_id, const RsiOutput& out) {
  const auto run = db.GetRun(run_id);
  if (!run) throw Error("no run " + std::to_string(run_id) + " in " + db.path());
  const RsiRecipe recipe = RecipeFromRun(*run);
  const json stored_cfg = json::parse(run->config_json);
  const json* initial = stored_cfg.contains("initial_spec") ? &stored_cfg["initial_spec"] : nullptr;
  meta::RsiConfig cfg = BuildConfig(recipe, initial);
  const oversight::Policy policy = BuildPolicy(recipe);
  const auto improvers = db.GetImprovers(run_id);
  const auto candidates = db.GetCandidates(run_id);
  const auto curve = db.GetCurve(run_id);
  if (improvers.empty() || curve.empty()) throw Error("run " + std::to_string(run_id) + " has no stored lineage to replay");
  // As many generations as the run completed; time plays no part in a replay.
  const json summary = json::parse(run->summary_json.empty() ? "{}" : run->summary_json, nullptr, false);
  int generations = 0;
  if (summary.is_object() && summary.contains("generations")) generations = summary["generations"].get<int>();
  else if (auto ck = db.GetCheckpoint(run_id)) generations = ck->first;
  cfg.generations = generations;
  cfg.max_seconds = 0;
  cfg.run_budget = {policy.run.evaluations, 0, 0};
  cfg.generation_budget = {policy.generation.evaluations, 0, 0};
  auto say = [&](const std::string& s) {
    if (!out.quiet) std::fprintf(stderr, "%s\n", s.c_str());
  };
  Supervisor sup(db, run_id, policy, false, say);
  sup.cfg = &cfg;
  std::vector<store::ImproverRow> got_improvers;
  std::vector<store::CandidateRow> got_candidates;
  std::vector<std::pair<int, std::string>> got_curve;
  meta::RsiHooks hooks;
  hooks.adopt = [&](const meta::Adoption& a) { return sup.Adopt(a); };
  hooks.on_log = say;
  hooks.on_improver = [&](int gen, const meta::ImproverSpec& spec, const meta::ImproverSpec*, const meta::CandidateReport* ev) {
    store::ImproverRow row;
    row.generation = gen;
    row.hash = meta::SpecHash(spec);
    row.spec_json = SpecText(spec);
    row.meta_utility = ev ? ev->meta_utility : 0;
    got_improvers.push_back(row);
  };
  hooks.on_candidate = [&](const meta::CandidateReport& r) {
    store::CandidateRow row;
    row.generation = r.generation;
    row.idx = r.index;
    row.hash = meta::SpecHash(r.spec);
    row.decision = r.decision;
    row.llr = r.llr;
    row.wins = r.wins;
    row.losses = r.losses;
    row.draws = r.draws;
    row.meta_utility = r.meta_utility;
    got_candidates.push_back(row);
    sup.Promote(r);
  };
  hooks.on_curve = [&](const meta::CurvePoint& p, const meta::HeldOutMeasure& frozen) {
    got_curve.emplace_back(p.generation, CurvePointJson(p, frozen).dump());
  };
  const meta::RsiResult r = meta::RunRsi(cfg, hooks);
  std::vector<std::string> diffs = sup.replay_problems;
  auto same = [](double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); };
  if (got_improvers.size() != improvers.size())
    diffs.push_back("improvers: stored " + std::to_string(improvers.size()) + ", replayed " + std::to_string(got_improvers.size()));
  for (size_t i = 0; i < std::min(got_improvers.size(), improvers.size()); ++i) {
    const auto &s = improvers[i], &g = got_improvers[i];
    if (s.generation != g.generation || s.hash != g.hash || s.spec_json != g.spec_json || !same(s.meta_utility, g.meta_utility))
      diffs.push_back("improver of generation " + std::to_string(s.generation) + ": stored " + s.hash + ", replayed " +
                      g.hash + " (generation " + std::to_string(g.generation) + ")");
  }
  if (got_candidates.size() != candidates.size())
    diffs.push_back("candidates: stored " + std::to_string(candidates.size()) + ", replayed " + std::to_string(got_candidates.size()));
  for (size_t i = 0; i < std::min(got_candidates.size(), candidates.size()); ++i) {
    const auto &s = candidates[i], &g = got_candidates[i];
    if (s.generation != g.generation || s.idx != g.idx || s.hash != g.hash || s.decision != g.decision ||
        !same(s.llr, g.llr) || s.wins != g.wins || s.losses != g.losses || s.draws != g.draws ||
        !same(s.meta_utility, g.meta_utility))
      diffs.push_back("candidate " + std::to_string(s.generation) + "." + std::to_string(s.idx) + ": stored " + s.hash + " " +
                      s.decision + " " + Num(s.meta_utility) + ", replayed " + g.hash + " " + g.decision + " " +
                      Num(g.meta_utility));
  }
  if (got_curve.size() != curve.size())
    diffs.push_back("curve points: stored " + std::to_string(curve.size()) + ", replayed " + std::to_string(got_curve.size()));
  for (size_t i = 0; i < std::min(got_curve.size(), curve.size()); ++i)
    if (curve[i].generation != got_curve[i].first || json::parse(curve[i].point_json) != json::parse(got_curve[i].second))
      diffs.push_back("curve point of generation " + std::to_string(curve[i].generation) + " differs");
  // The promoted programs (or those put to a person), in order, as the audit chain recorded them.
  std::vector<std::string> stored_promotions;
  for (const auto& p : oversight::Promotions(db.GetEvents(run_id))) stored_promotions.push_back(p.program);
  if (stored_promotions != sup.promotions)
    diffs.push_back("promoted programs: stored " + std::to_string(stored_promotions.size()) + ", replayed " +
                    std::to_string(sup.promotions.size()) + " (or in another order)");
  const json report = {{"run_id", run_id},
                       {"reproduced", diffs.empty()},
                       {"generations", r.generations},
                       {"improvers", improvers.size()},
                       {"candidates", candidates.size()},
                       {"curve_points", curve.size()},
                       {"promoted_programs", stored_promotions.size()},
                       {"differences", diffs}};
  if (out.json) {
    std::printf("%s\n", report.dump().c_str());
  } else {
    std::printf("replay of run %lld (%d generations): %s\n", static_cast<long long>(run_id), r.generations,
                diffs.empty() ? "every adopted improver, candidate and curve point reproduced" : "DIFFERENT");
    std::printf("  %zu improvers, %zu candidates, %zu curve points, %zu promoted programs compared\n", improvers.size(),
                candidates.size(), curve.size(), stored_promotions.size());
    for (const auto& d : diffs) std::printf("  %s\n", d.c_str());
  }
  return diffs.empty() ? 0 : 1;
}

}  // namespace ouro::cli
