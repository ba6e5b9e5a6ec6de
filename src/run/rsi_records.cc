#include "run/rsi_records.h"

#include "core/hash.h"
#include "run/rsi_recipe.h"

namespace ouro::run {

using nlohmann::json;

json CandidateEvidence(const meta::CandidateReport& r, const meta::RsiConfig& cfg) {
  json games = json::array();
  for (const auto& g : r.games) games.push_back({g.incumbent_auc, g.candidate_auc});
  // The candidate's own gate (α spending gives candidates different alphas); a closed gate's upper
  // bound is infinite and written as null.
  const meta::SprtBounds b = meta::GateBounds(r.alpha, cfg.sprt.beta);
  json e = {{"incumbent_meta_utility", r.incumbent_meta_utility},
          {"games", games},
          {"gate", meta::SprtTestName(cfg.gate)},
          {"alpha", r.alpha},
          {"p_accept_equal", r.false_accept},
          {"lower", b.lower},
          {"upper", b.upper},
          {"elo0", cfg.sprt.elo0},
          {"elo1", cfg.sprt.elo1},
          {"metrics", r.metrics},
          {"note", r.note}};
  if (const auto& c = r.confirmation)  // the gate above was its screen; this one was charged
    e["confirmation"] = {{"decision", c->decision},      {"wins", c->wins},
                         {"losses", c->losses},          {"draws", c->draws},
                         {"llr", c->llr},                {"alpha", c->alpha},
                         {"p_accept_equal", c->false_accept}, {"max_games", cfg.confirm_games},
                         {"elo0", cfg.confirm.elo0},     {"elo1", cfg.confirm.elo1}};
  return e;
}

json DecisionEvidence(const meta::CandidateReport& r, const meta::RsiConfig& cfg) {
  json e = CandidateEvidence(r, cfg);
  e["meta_operator"] = r.meta_operator;
  e["llr"] = r.llr;
  e["wins"] = r.wins;
  e["losses"] = r.losses;
  e["draws"] = r.draws;
  return e;
}

json CurvePointJson(const meta::CurvePoint& p, const meta::HeldOutMeasure& frozen) {
  return {{"improver", p.improver_hash},
          {"incumbent", meta::ToJson(p.incumbent)},
          {"frozen", meta::ToJson(frozen)},
          {"validation", meta::ToJson(p.validation)}};
}

std::string AdoptKey(const meta::CandidateReport& r) {
  return "adopt:g" + std::to_string(r.generation) + "c" + std::to_string(r.index) + ":" +
         meta::SpecHash(r.spec);
}

std::string PromoteKey(const meta::CandidateReport& r, const std::string& program_hash) {
  return "promote:g" + std::to_string(r.generation) + "c" + std::to_string(r.index) + ":" +
         program_hash;
}

store::ImproverRow ImproverRowOf(int generation, const meta::ImproverSpec& spec,
                                 const std::string& parent_hash,
                                 const meta::CandidateReport* evidence,
                                 const meta::RsiConfig& cfg) {
  store::ImproverRow row;
  row.generation = generation;
  row.hash = meta::SpecHash(spec);
  row.parent_hash = parent_hash;
  row.spec_json = SpecText(spec);
  row.meta_utility = evidence ? evidence->meta_utility : 0;
  if (evidence) row.evidence_json = DecisionEvidence(*evidence, cfg).dump();
  return row;
}

store::CandidateRow CandidateRowOf(const meta::CandidateReport& r, const meta::RsiConfig& cfg) {
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
  row.evidence_json = CandidateEvidence(r, cfg).dump();
  return row;
}

store::CurveRow CurveRowOf(const meta::CurvePoint& p, const meta::HeldOutMeasure& frozen) {
  store::CurveRow row;
  row.generation = p.generation;
  row.cumulative_evaluations = static_cast<int64_t>(p.cumulative_evaluations);
  row.seconds = p.seconds;
  row.point_json = CurvePointJson(p, frozen).dump();
  return row;
}

json ImproverEvent(const store::ImproverRow& row) {
  return {{"generation", row.generation},
          {"hash", row.hash},
          {"parent", row.parent_hash},
          {"spec", row.spec_json},
          {"evidence", row.evidence_json.empty() ? json(nullptr) : json::parse(row.evidence_json)}};
}

json CandidateEvent(const store::CandidateRow& row) {
  return {{"generation", row.generation},
          {"candidate", row.idx},
          {"hash", row.hash},
          {"meta_operator", row.meta_operator},
          {"decision", row.decision},
          {"llr", row.llr},
          {"wins", row.wins},
          {"losses", row.losses},
          {"draws", row.draws},
          {"meta_utility", row.meta_utility},
          {"evidence", json::parse(row.evidence_json)}};
}

json CheckpointProgress(const meta::RsiState& s, const meta::RsiConfig::Budget& run_budget) {
  const auto& r = s.result;
  return {{"generation", s.generation},
          {"adopted", r.adopted},
          {"evaluations", r.cumulative_evaluations},
          {"oversight_evaluations", r.oversight_evaluations},
          {"seconds", r.seconds},
          {"cpu_seconds", r.cpu_seconds},
          {"capability", r.curve.back().incumbent.capability},
          {"budget",
           {{"evaluations", run_budget.evaluations},
            {"cpu_seconds", run_budget.cpu_seconds},
            {"wall_seconds", run_budget.wall_seconds}}}};
}

namespace {

json BoundedJson(const meta::Bounded& b) { return {{"value", b.value}, {"bound", meta::BoundName(b.bound)}}; }

// The pre-registered targets: per target the KM medians and speedups (meta::TargetSpeedup), the
// primary one's wall-time speedup at top level (null without pre-registered targets), and the
// capability at the fixed budgets.
void AddTargets(const meta::RsiResult& r, json& j) {
  const std::optional<meta::TargetSpeedup> p = r.primary();
  const bool wall = p && p->wall_speedup.bound != meta::Bound::kUnknown;
  j["wall_speedup"] = wall ? json(p->wall_speedup.value) : json(nullptr);
  j["wall_speedup_bound"] = wall ? json(meta::BoundName(p->wall_speedup.bound)) : json(nullptr);
  j["wall_speedup_ci_low"] = wall ? json(p->wall_speedup_ci.low) : json(nullptr);
  j["wall_speedup_ci_high"] = wall ? json(p->wall_speedup_ci.high) : json(nullptr);
  if (!p) return;
  json targets = json::array();
  for (const meta::TargetSpeedup& t : r.target_speedups)
    targets.push_back({{"target", t.target},
                       {"runs", t.runs},
                       {"frozen_reached", t.frozen_reached},
                       {"final_reached", t.final_reached},
                       {"frozen_evals_median", BoundedJson(t.frozen_evals)},
                       {"final_evals_median", BoundedJson(t.final_evals)},
                       {"speedup", BoundedJson(t.speedup)},
                       {"speedup_ci", {t.speedup_ci.low, t.speedup_ci.high}},
                       {"frozen_seconds_median", BoundedJson(t.frozen_seconds)},
                       {"final_seconds_median", BoundedJson(t.final_seconds)},
                       {"wall_speedup", BoundedJson(t.wall_speedup)},
                       {"wall_speedup_ci", {t.wall_speedup_ci.low, t.wall_speedup_ci.high}}});
  j["targets"] = targets;
  j["capability_at"] = {{"budgets", r.frozen.budgets},
                        {"frozen", r.frozen.capability_at},
                        {"final", r.curve.back().incumbent.capability_at}};
}

}  // namespace

json RsiSummary(int64_t run_id, const meta::RsiConfig& cfg, const meta::RsiResult& r) {
  json j = {
      {"run_id", run_id},
      {"seed", cfg.seed},
      {"generations", r.generations},
      {"adopted", r.adopted},
      {"rejected", r.rejected},
      {"inconclusive", r.inconclusive},
      {"vetoed", r.vetoed},
      {"identical", r.identical},
      {"expected_false_adoptions", r.expected_false_adoptions},
      {"evals_to_target_frozen", r.evals_to_target_frozen},
      {"evals_to_target_final", r.evals_to_target_final},
      {"speedup", r.speedup.estimate},
      {"speedup_ci_low", r.speedup.low},
      {"speedup_ci_high", r.speedup.high},
      {"returns_r", r.returns ? json(r.returns->estimate) : json(nullptr)},
      {"returns_ci_low", r.returns ? json(r.returns->low) : json(nullptr)},
      {"returns_ci_high", r.returns ? json(r.returns->high) : json(nullptr)},
      {"returns_verdict", r.returns_verdict},
      {"takeoff_verdict", r.takeoff_verdict},
      {"capability_frozen", r.frozen.capability},
      {"capability_final", r.curve.back().incumbent.capability},
      {"validation_capability_frozen", r.frozen_validation.capability},
      {"validation_capability_final", r.curve.back().validation.capability},
      {"cumulative_evaluations", r.cumulative_evaluations},
      {"oversight_evaluations", r.oversight_evaluations},
      {"oversight_share",
       r.cumulative_evaluations > 0 ? r.oversight_evaluations / r.cumulative_evaluations : 0.0},
      {"final_improver", r.final_improver},
      {"stop_reason", r.stop_reason},
      {"seconds", r.seconds},
      {"cpu_seconds", r.cpu_seconds},
      {"test_evaluations", r.test_evaluations},
      {"test_seconds", r.test_seconds},
  };
  if (cfg.null_control)
    j["null_control"] = true;  // absent otherwise: other summaries are unchanged
  AddTargets(r, j);
  return j;
}

}  // namespace ouro::run
