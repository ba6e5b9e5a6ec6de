// cli/supervisor.h — runs an rsi loop under a policy, through the store.
//
// The supervisor owns everything between the loop (meta::RunRsi) and the people watching it: it
// claims the run (one writing process per run, with a heartbeat), polls the run's control word
// from its own connection every 20 ms (pause / stop from `ouro pause|stop` in another terminal,
// Ctrl-C), writes the lineage, candidates, curve and a checkpoint after every generation, appends
// every decision to the audit chain, and decides at the adoption seam: tripwires, invariants and
// the gate, which may wait for `ouro approve|reject`. ExecuteRsi runs a new or resumed run;
// ReplayRsi re-executes a stored run without writing, taking the people's decisions from the
// store, and compares what it gets with what was stored.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "meta/rsi.h"
#include "meta/rsi_config.h"
#include "oversight/policy.h"
#include "store/store.h"

namespace ouro::cli {

struct RsiOutput {
  bool json = false, quiet = false;
};

// What a run is made of, as stored in its config_json: enough to resume or replay it.
struct RsiRecipe {
  std::string config_text, config_source;  // the TOML (empty text: the embedded default)
  std::string policy_text, policy_source;  // the policy TOML ("default" / "off" built in)
  uint64_t seed = 1;
  int threads = -1;
  double max_seconds = -1;
  std::vector<std::string> ablate;
};
nlohmann::json RecipeJson(const RsiRecipe& r);
// Rebuilds config and policy from a stored run (its initial improver from the stored spec, not a
// file that may have changed since).
RsiRecipe RecipeFromRun(const store::RunInfo& run);
meta::RsiConfig BuildConfig(const RsiRecipe& r, const nlohmann::json* stored_initial = nullptr);
oversight::Policy BuildPolicy(const RsiRecipe& r);

// Runs (or, with `resume`, continues) run_id to its end and prints the result; returns the exit
// code. The run must exist; the caller has written its config.
int ExecuteRsi(store::Store& db, int64_t run_id, const meta::RsiConfig& cfg, const oversight::Policy& policy,
               const meta::RsiState* resume, const RsiOutput& out);

// Re-executes a stored run and checks every adopted spec, candidate and curve point. Returns 0
// when everything is reproduced, 1 otherwise (the differences are printed).
int ReplayRsi(store::Store& db, int64_t run_id, const RsiOutput& out);

// The summary object of an rsi result (the --json line).
nlohmann::json RsiSummary(int64_t run_id, const meta::RsiConfig& cfg, const meta::RsiResult& r);

// A text plot of held-out capability per generation against the frozen initial improver.
std::string TextCurve(const std::vector<std::pair<int, double>>& points, double frozen);

// Who is acting, for the audit chain: --as, else $OURO_ACTOR, else $USER, else "unknown".
std::string Actor(const std::string& flag);

}  // namespace ouro::cli
