#include "run/rsi_replay.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "core/error.h"
#include "oversight/judge.h"
#include "run/adoption_seam.h"
#include "run/rsi_records.h"

namespace ouro::run {

using nlohmann::json;
using oversight::Num;

namespace {

// What the replay produced, in the order the loop reported it.
struct Replayed {
  std::vector<store::ImproverRow> improvers;
  std::vector<store::CandidateRow> candidates;
  std::vector<std::pair<int, std::string>> curve;  // generation, point JSON
};

bool Same(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

std::string Count(const char* what, size_t stored, size_t replayed) {
  return std::string(what) + ": stored " + std::to_string(stored) + ", replayed " +
         std::to_string(replayed);
}

// The stored run's config for a replay: its recipe, its initial spec as stored, the generations it
// completed, no time limits.
meta::RsiConfig ReplayConfig(store::Store& db, const store::RunInfo& run,
                             const oversight::Policy& policy, const std::string& llm_replay) {
  const RsiRecipe recipe = RecipeFromRun(run);
  const json stored_cfg = json::parse(run.config_json);
  const json* initial = stored_cfg.contains("initial_spec") ? &stored_cfg["initial_spec"] : nullptr;
  meta::RsiConfig cfg = BuildConfig(recipe, initial);
  AttachModel(cfg, recipe, ModelMode::kReplay, llm_replay);
  const json summary =
      json::parse(run.summary_json.empty() ? "{}" : run.summary_json, nullptr, false);
  int generations = 0;
  if (summary.is_object() && summary.contains("generations"))
    generations = summary["generations"].get<int>();
  else if (auto ck = db.GetCheckpoint(run.id))
    generations = ck->first;
  cfg.generations = generations;
  cfg.max_seconds = 0;
  cfg.run_budget = {policy.run.evaluations, 0, 0};
  cfg.generation_budget = {policy.generation.evaluations, 0, 0};
  return cfg;
}

meta::RsiHooks ReplayHooks(Replayed& got, AdoptionSeam& seam, const meta::RsiConfig& cfg,
                           const Say& say) {
  meta::RsiHooks hooks;
  hooks.adopt = [&seam](const meta::Adoption& a) { return seam.Adopt(a); };
  hooks.on_log = say;
  hooks.on_improver = [&got](int gen, const meta::ImproverSpec& spec, const meta::ImproverSpec*,
                             const meta::CandidateReport* ev) {
    store::ImproverRow row;
    row.generation = gen;
    row.hash = meta::SpecHash(spec);
    row.spec_json = SpecText(spec);
    row.meta_utility = ev ? ev->meta_utility : 0;
    got.improvers.push_back(row);
  };
  hooks.on_candidate = [&got, &seam, &cfg](const meta::CandidateReport& r) {
    got.candidates.push_back(CandidateRowOf(r, cfg));
    seam.Promote(r);
  };
  hooks.on_curve = [&got](const meta::CurvePoint& p, const meta::HeldOutMeasure& frozen) {
    got.curve.emplace_back(p.generation, CurvePointJson(p, frozen).dump());
  };
  return hooks;
}

void CompareImprovers(const std::vector<store::ImproverRow>& stored,
                      const std::vector<store::ImproverRow>& got, std::vector<std::string>& diffs) {
  if (got.size() != stored.size()) diffs.push_back(Count("improvers", stored.size(), got.size()));
  for (size_t i = 0; i < std::min(got.size(), stored.size()); ++i) {
    const auto &s = stored[i], &g = got[i];
    if (s.generation != g.generation || s.hash != g.hash || s.spec_json != g.spec_json ||
        !Same(s.meta_utility, g.meta_utility))
      diffs.push_back("improver of generation " + std::to_string(s.generation) + ": stored " +
                      s.hash + ", replayed " + g.hash + " (generation " +
                      std::to_string(g.generation) + ")");
  }
}

void CompareCandidates(const std::vector<store::CandidateRow>& stored,
                       const std::vector<store::CandidateRow>& got,
                       std::vector<std::string>& diffs) {
  if (got.size() != stored.size()) diffs.push_back(Count("candidates", stored.size(), got.size()));
  for (size_t i = 0; i < std::min(got.size(), stored.size()); ++i) {
    const auto &s = stored[i], &g = got[i];
    if (s.generation != g.generation || s.idx != g.idx || s.hash != g.hash ||
        s.decision != g.decision || !Same(s.llr, g.llr) || s.wins != g.wins ||
        s.losses != g.losses || s.draws != g.draws || !Same(s.meta_utility, g.meta_utility))
      diffs.push_back("candidate " + std::to_string(s.generation) + "." + std::to_string(s.idx) +
                      ": stored " + s.hash + " " + s.decision + " " + Num(s.meta_utility) +
                      ", replayed " + g.hash + " " + g.decision + " " + Num(g.meta_utility));
  }
}

void CompareCurve(const std::vector<store::CurveRow>& stored,
                  const std::vector<std::pair<int, std::string>>& got,
                  std::vector<std::string>& diffs) {
  if (got.size() != stored.size())
    diffs.push_back(Count("curve points", stored.size(), got.size()));
  for (size_t i = 0; i < std::min(got.size(), stored.size()); ++i) {
    const json s = json::parse(stored[i].point_json);
    json g = json::parse(got[i].second);
    // Points stored before the validation arena have no "validation" measure: their held-out
    // (now test) measure was what oversight read, and it is compared.
    if (!s.contains("validation")) g.erase("validation");
    if (stored[i].generation != got[i].first || s != g)
      diffs.push_back("curve point of generation " + std::to_string(stored[i].generation) +
                      " differs");
  }
}

// The promoted programs (or those put to a person), in order, as the audit chain recorded them.
size_t ComparePromotions(const std::vector<store::EventRow>& events,
                         const std::vector<std::string>& got, std::vector<std::string>& diffs) {
  std::vector<std::string> stored;
  for (const auto& p : oversight::Promotions(events)) stored.push_back(p.program);
  if (stored != got)
    diffs.push_back("promoted programs: stored " + std::to_string(stored.size()) + ", replayed " +
                    std::to_string(got.size()) + " (or in another order)");
  return stored.size();
}

}  // namespace

ReplayReport ReplayRsi(store::Store& db, int64_t run_id, const SessionIo& io, const std::string& llm_replay) {
  const auto run = db.GetRun(run_id);
  if (!run) throw Error("no run " + std::to_string(run_id) + " in " + db.path());
  const oversight::Policy policy = BuildPolicy(RecipeFromRun(*run));
  meta::RsiConfig cfg = ReplayConfig(db, *run, policy, llm_replay);
  const auto improvers = db.GetImprovers(run_id);
  const auto candidates = db.GetCandidates(run_id);
  const auto curve = db.GetCurve(run_id);
  if (improvers.empty() || curve.empty())
    throw Error("run " + std::to_string(run_id) + " has no stored lineage to replay");
  const Say say = OrSilent(io.say);
  ReplayGate gate(db, run_id);
  AdoptionSeam seam(policy, cfg, gate, say, JudgeStateOf(db.GetEvents(run_id)), -1);
  Replayed got;
  const meta::RsiResult r = meta::RunRsi(cfg, ReplayHooks(got, seam, cfg, say));
  ReplayReport report;
  report.generations = r.generations;
  report.improvers = improvers.size();
  report.candidates = candidates.size();
  report.curve_points = curve.size();
  report.differences = gate.problems();
  CompareImprovers(improvers, got.improvers, report.differences);
  CompareCandidates(candidates, got.candidates, report.differences);
  CompareCurve(curve, got.curve, report.differences);
  report.promoted_programs =
      ComparePromotions(db.GetEvents(run_id), gate.promotions(), report.differences);
  return report;
}

}  // namespace ouro::run
