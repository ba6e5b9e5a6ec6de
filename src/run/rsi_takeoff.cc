#include "run/rsi_takeoff.h"

#include <algorithm>
#include <string>

#include "core/error.h"

namespace ouro::run {
namespace {

// The run's cumulative meta evaluations so far, or -1 when nothing stored says.
double TotalEvaluations(const store::RunInfo& run) {
  for (const auto& [text, key] : {std::pair{&run.summary_json, "cumulative_evaluations"},
                                  std::pair{&run.progress_json, "evaluations"}}) {
    if (text->empty()) continue;
    const auto j = nlohmann::json::parse(*text, nullptr, false);
    if (j.is_object() && j.contains(key) && j[key].is_number()) return j[key].get<double>();
  }
  return -1;
}

}  // namespace

meta::TakeoffInput LoadTakeoffInput(store::Store& db, int64_t run_id) {
  const auto run = db.GetRun(run_id);
  if (!run) throw Error("no run " + std::to_string(run_id) + " in " + db.path());
  if (run->kind != "rsi")
    throw Error("run " + std::to_string(run_id) + " is a " + run->kind + " run: only rsi runs have adoptions to read as a takeoff");
  std::vector<meta::TakeoffPoint> curve;
  for (const auto& p : db.GetCurve(run_id)) {
    const auto j = nlohmann::json::parse(p.point_json, nullptr, false);
    const bool ok = j.is_object() && j.contains("incumbent") && j["incumbent"].is_object();
    curve.push_back({p.generation, static_cast<double>(p.cumulative_evaluations),
                     ok ? j["incumbent"].value("capability", 0.0) : 0.0});
  }
  return meta::TakeoffInputFromCurve(curve, TotalEvaluations(*run));
}

RunTakeoff LoadTakeoff(store::Store& db, int64_t run_id) {
  RunTakeoff t;
  t.run_id = run_id;
  t.input = LoadTakeoffInput(db, run_id);
  t.estimate = meta::EstimateTakeoff(t.input);
  return t;
}

nlohmann::json TakeoffJson(const RunTakeoff& t) {
  nlohmann::json j = {{"run_id", t.run_id}};
  j.update(meta::ToJson(t.estimate, t.input));
  return j;
}

}  // namespace ouro::run
