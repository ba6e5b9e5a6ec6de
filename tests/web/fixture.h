// fixture.h — a synthetic rsi run in a fresh store, written through the Store API: improvers (a
// chain with one branch), candidates, curve points with per-run areas, audit events and a
// pending approval item; the test process claims the run, so the run counts as live.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "meta/spec.h"
#include "search/run_config.h"
#include "store/store.h"

namespace web_test {

namespace fs = std::filesystem;
using nlohmann::json;

inline std::string TempDir(const std::string& name) {
  const fs::path d = fs::temp_directory_path() / ("ouro_web_test_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(d);
  fs::create_directories(d);
  return d.string();
}

struct SyntheticRun {
  int64_t run = 0;
  std::vector<std::string> hashes;  // improver hashes by generation index
};

// generations adoptions (improver per generation), `candidates` per generation.
inline SyntheticRun MakeRsiRun(ouro::store::Store& db, int generations, int candidates) {
  using namespace ouro;
  SyntheticRun s;
  s.run = db.CreateRun("rsi", 7, json{{"policy", {{"name", "manual"}}}}.dump());
  db.AppendEvent(s.run, "config", "test", json{{"seed", 7}}.dump());
  meta::ImproverSpec spec = meta::PlainSpec(search::DefaultRunConfig().evolution);
  std::string parent;
  store::Transaction t(db);
  for (int g = 0; g <= generations; ++g) {
    if (g > 0) spec.population = 1000 + g;  // each adoption changes the spec a little
    const std::string hash = meta::SpecHash(spec);
    store::ImproverRow row{g, hash, parent, meta::ToJson(spec).dump(), 0.3 + 0.001 * g,
                           g == 0 ? "" : json{{"meta_operator", "perturb_ops"}, {"llr", 3.0}}.dump()};
    db.AddImprover(s.run, row);
    s.hashes.push_back(hash);
    parent = hash;
    if (g > 0)
      for (int c = 0; c < candidates; ++c) {
        store::CandidateRow cr;
        cr.generation = g;
        cr.idx = c;
        cr.hash = c == candidates - 1 ? hash : "c" + std::to_string(g) + "_" + std::to_string(c);
        cr.meta_operator = "perturb_ops";
        cr.decision = c == candidates - 1 ? "adopted" : (c % 2 ? "rejected" : "inconclusive");
        cr.llr = c - 1.0;
        cr.wins = 2, cr.losses = 1, cr.draws = 0;
        cr.meta_utility = 0.3 + 0.0005 * g + 0.001 * c;
        cr.evidence_json = json{{"incumbent_meta_utility", 0.3 + 0.0005 * g}}.dump();
        db.AddCandidate(s.run, cr);
      }
    const double cap = 0.25 + 0.002 * g;
    json inc = {{"capability", cap}, {"auc", {cap - 0.01, cap, cap + 0.01}}, {"targets", {0.5}},
                {"evals_to_target", {100, 200, 300}}, {"reached", {true, true, false}}};
    json fro = {{"capability", 0.25}, {"auc", {0.24, 0.25, 0.26}}, {"targets", {0.5}},
                {"evals_to_target", {100, 200, 300}}, {"reached", {true, true, false}}};
    db.AddCurvePoint(s.run, store::CurveRow{g, 1000LL * g, 1.0 * g, json{{"improver", hash}, {"incumbent", inc}, {"frozen", fro}}.dump()});
  }
  t.Commit();
  db.AppendEvent(s.run, "tripwire", "ouro", json{{"name", "jump"}}.dump());
  db.AddItem(s.run, "adopt_improver", "k1", "adopt candidate 9 of generation 9",
             json{{"llr", 3.1}, {"lower", -2.9}, {"upper", 2.9}, {"wins", 4}, {"losses", 0}, {"draws", 0},
                  {"diff", "/population: 1000 -> 1009\n"}}.dump());
  db.AppendEvent(s.run, "gate", "ouro", json{{"item", 1}}.dump());
  db.AddItem(s.run, "adopt_improver", "k2", "another question", "");
  db.SetRunStatus(s.run, "waiting");
  db.ClaimRun(s.run);
  db.SetProgress(s.run, json{{"generation", generations}, {"evaluations", 500.0}, {"seconds", 3.0}, {"cpu_seconds", 3.0},
                             {"budget", {{"evaluations", 1000.0}, {"cpu_seconds", 0.0}, {"wall_seconds", 0.0}}}}.dump());
  return s;
}

}  // namespace web_test
