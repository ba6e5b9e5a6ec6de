// dashboard_store — writes a synthetic store for the dashboard's first-paint benchmark
// (docs/benchmarks.md, "Dashboard"), through the Store API: run 1 is an rsi run of 1,000
// generations (1,001 improvers with real specs, 3 candidates per generation, a held-out curve
// point per generation with 3 runs' areas, an audit event per candidate, one pending approval);
// run 2 is a search run whose lineage has 100,000 programs (each stored as text).
// Usage: dashboard_store OUT.db [generations] [programs]
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "meta/spec.h"
#include "search/run_config.h"
#include "store/store.h"

using nlohmann::json;

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: dashboard_store OUT.db [generations=1000] [programs=100000]\n");
    return 2;
  }
  const std::string path = argv[1];
  const int generations = argc > 2 ? std::atoi(argv[2]) : 1000;
  const int programs = argc > 3 ? std::atoi(argv[3]) : 100000;
  std::filesystem::remove(path);
  auto db = ouro::store::Store::Open(path);
  const int64_t run = db->CreateRun("rsi", 1, json{{"policy", {{"name", "default"}}}}.dump());
  ouro::meta::ImproverSpec spec = ouro::meta::PlainSpec(ouro::search::DefaultRunConfig().evolution);
  std::string parent;
  {
    ouro::store::Transaction t(*db);
    for (int g = 0; g <= generations; ++g) {
      spec.population = 1000 + g;
      const std::string hash = ouro::meta::SpecHash(spec);
      db->AddImprover(run, {g, hash, parent, ouro::meta::ToJson(spec).dump(), 0.3 + 1e-4 * g,
                            g ? json{{"meta_operator", "perturb_ops"}, {"llr", 3.0}}.dump() : ""});
      for (int c = 0; g > 0 && c < 3; ++c) {
        ouro::store::CandidateRow cr;
        cr.generation = g, cr.idx = c, cr.meta_operator = "perturb_ops";
        cr.hash = c == 2 ? hash : "c" + std::to_string(g) + "x" + std::to_string(c);
        cr.decision = c == 2 ? "adopted" : c ? "rejected" : "inconclusive";
        cr.llr = c - 1.0, cr.wins = 3, cr.losses = 1, cr.meta_utility = 0.3 + 1e-4 * g + 1e-3 * c;
        cr.spec_json = ouro::meta::ToJson(spec).dump();
        cr.evidence_json = json{{"incumbent_meta_utility", 0.3 + 1e-4 * g}, {"games", json::array({{0.3, 0.31}, {0.29, 0.3}})}}.dump();
        db->AddCandidate(run, cr);
        db->AppendEvent(run, "candidate", "ouro", json{{"generation", g}, {"idx", c}, {"decision", cr.decision}}.dump());
      }
      const double cap = 0.25 + 0.2 * g / std::max(1, generations);
      json inc = {{"capability", cap}, {"auc", {cap - 0.01, cap, cap + 0.01}}, {"targets", {0.5, 0.5}},
                  {"evals_to_target", {100, 200, 300}}, {"reached", {true, true, false}}};
      json fro = {{"capability", 0.25}, {"auc", {0.24, 0.25, 0.26}}, {"targets", {0.5, 0.5}},
                  {"evals_to_target", {100, 200, 300}}, {"reached", {true, true, false}}};
      db->AddCurvePoint(run, {g, 5000LL * g, 2.0 * g, json{{"improver", hash}, {"incumbent", inc}, {"frozen", fro}}.dump()});
      parent = hash;
    }
    t.Commit();
  }
  db->AddItem(run, "adopt_improver", "k", "adopt a candidate of generation 1000", json{{"llr", 3.0}, {"diff", "/population: 1 -> 2\n"}}.dump());
  db->FinishRun(run, "finished", json{{"generations", generations}}.dump());

  const int64_t search = db->CreateRun("search", 2, "{}");
  {
    ouro::store::Transaction t(*db);
    std::string prev;
    for (int i = 0; i < programs; ++i) {
      const std::string text = "def setup():\n  s2 = " + std::to_string(0.001 * i) +
                               "\ndef predict():\n  s1 = dot(v0, v1)\ndef learn():\n  s3 = s0 - s1\n  v1 = v1 + v0\n";
      char hash[32];
      std::snprintf(hash, sizeof hash, "%016x", i + 1);
      db->PutProgram(hash, text);
      db->AddLineage(search, {hash, prev, i, i ? "alter" : "", 0.5 + 0.4 * i / programs});
      prev = hash;
    }
    t.Commit();
  }
  db->FinishRun(search, "finished", json{{"fitness_final", 0.9}}.dump());
  std::printf("wrote %s: run %lld (rsi, %d generations), run %lld (search, %d programs)\n", path.c_str(),
              static_cast<long long>(run), generations, static_cast<long long>(search), programs);
  return 0;
}
