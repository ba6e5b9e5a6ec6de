#include "run/adoption_seam.h"

#include <algorithm>

#include "core/hash.h"
#include "lang/text.h"
#include "run/rsi_records.h"

namespace ouro::run {

using nlohmann::json;
using oversight::Decision;
using oversight::Num;

oversight::JudgeState JudgeStateOf(const std::vector<store::EventRow>& events) {
  oversight::JudgeState s;
  for (const auto& e : events) {
    if (e.type != "tripwire") continue;
    const json c = json::parse(e.content_json, nullptr, false);
    if (c.is_object() && c.contains("key") && c["key"].is_string())
      s.acknowledged.insert(c["key"].get<std::string>());
  }
  return s;
}

double BestPromotedFitness(const std::vector<store::EventRow>& events) {
  double best = -1;
  for (const auto& e : events) {
    if (e.type != "promoted" && e.type != "gate") continue;
    const json c = json::parse(e.content_json, nullptr, false);
    if (c.is_object() && c.contains("fitness") && c["fitness"].is_number())
      best = std::max(best, c["fitness"].get<double>());
  }
  return best;
}

AdoptionSeam::AdoptionSeam(const oversight::Policy& policy, const meta::RsiConfig& cfg,
                           AdoptionGate& gate, Say say, oversight::JudgeState state,
                           double best_so_far)
    : policy_(policy),
      cfg_(cfg),
      gate_(gate),
      say_(OrSilent(std::move(say))),
      state_(std::move(state)),
      best_so_far_(best_so_far) {}

bool AdoptionSeam::Adopt(const meta::Adoption& a) {
  meta::CandidateReport& c = *a.candidate;
  oversight::Evidence evidence{AdoptKey(c), c.metrics, !c.games.empty(), std::nullopt};
  oversight::Verdict v = oversight::Judge(policy_, evidence, state_);
  for (const auto& t : v.tripwires) CarryOut(t, c);
  if (v.decision == Decision::kMeasure) {
    // A stop while re-running leaves a truncated score: not a determinism failure.
    evidence.rerun_equal = a.rerun_first_game() == c.games[0].candidate_auc || gate_.stopping();
    v = oversight::Judge(policy_, evidence, state_);  // same state: the tripwire part is unchanged
  }
  for (const auto& t : v.tripwires) state_.acknowledged.insert(t.key);
  switch (v.decision) {
    case Decision::kAdopt:
      return true;
    case Decision::kAsk: {
      const Answer answer = gate_.Ask(AdoptQuestion(a, evidence.key, v.ask_reason));
      if (!answer.note.empty()) c.note = answer.note;
      return answer.approved;
    }
    default:
      return Reject(v, c, evidence.key);
  }
}

void AdoptionSeam::CarryOut(const oversight::TripwireCall& t, const meta::CandidateReport& c) {
  const oversight::Firing& f = t.firing;
  gate_.Record("tripwire", {{"key", t.key},
                            {"name", f.name},
                            {"metric", f.metric},
                            {"value", f.value},
                            {"threshold", f.threshold},
                            {"action", f.action},
                            {"generation", c.generation},
                            {"candidate", c.index},
                            {"improver", meta::SpecHash(c.spec)},
                            {"repeat", t.repeat}});
  say_("tripwire '" + f.name + "' fired: " + f.metric + " = " + Num(f.value) + " > " +
       Num(f.threshold) + " -> " + f.action +
       (t.repeat ? " (already acted on before a resume)" : ""));
  if (t.stop) gate_.Stop("tripwire " + f.name);
  if (t.pause) gate_.Pause();
}

bool AdoptionSeam::Reject(const oversight::Verdict& v, meta::CandidateReport& c,
                          const std::string& key) {
  if (v.decision == Decision::kVeto) {
    c.note = v.veto;
    return false;
  }
  std::string all;
  for (const auto& x : v.violations) all += (all.empty() ? "" : "; ") + x;
  gate_.Record("invariant", {{"key", key}, {"violations", v.violations}});
  say_("invariant violated: " + all);
  c.note = "invariant: " + all;
  return false;
}

Question AdoptionSeam::AdoptQuestion(const meta::Adoption& a, const std::string& key,
                                     const std::string& reason) const {
  const meta::CandidateReport& c = *a.candidate;
  Question q;
  q.kind = "adopt";
  q.key = key;
  q.reason = reason;
  q.summary = "adopt improver " + meta::SpecHash(c.spec) + " (generation " +
              std::to_string(c.generation) + ", candidate " + std::to_string(c.index) + ", " +
              c.meta_operator + "): " + reason;
  q.evidence = DecisionEvidence(c, cfg_);
  q.evidence["reason"] = reason;
  q.evidence["meta_utility"] = c.meta_utility;
  // The validation arena's capabilities (heldout_*: their names before the validation arena).
  const double cand = a.candidate_validation ? a.candidate_validation->capability : 0.0;
  const double inc = a.incumbent_validation ? a.incumbent_validation->capability : 0.0;
  q.evidence["validation_capability"] = cand;
  q.evidence["incumbent_validation_capability"] = inc;
  q.evidence["heldout_capability"] = cand;
  q.evidence["incumbent_heldout_capability"] = inc;
  q.evidence["diff"] = meta::DiffText(*a.incumbent, c.spec);
  return q;
}

void AdoptionSeam::Promote(const meta::CandidateReport& c) {
  const oversight::PromotionVerdict v =
      oversight::JudgePromotion(policy_, best_so_far_, c.best_fitness);
  if (!v.better) return;
  best_so_far_ = c.best_fitness;
  gate_.Promote(
      {&c, HexId(c.best_program.Hash()), lang::Print(c.best_program), v.gain, v.ask_reason});
}

}  // namespace ouro::run
