// cli/rsi.h — the adapters the rsi commands share (`ouro rsi`, `ouro resume`, `ouro replay`):
// run a session of the application layer (run/rsi_session.h, run/rsi_replay.h) and print its
// outcome, as text or one JSON line; progress goes to stderr unless quiet. A run and its null
// control (`[rsi] controls = ["null"]`) are compared on the same test arena.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "meta/rsi.h"
#include "oversight/policy.h"
#include "run/rsi_recipe.h"
#include "run/rsi_session.h"
#include "store/store.h"

namespace ouro::cli {

struct RsiOutput {
  bool json = false, quiet = false;
};

// Runs (or, with `resume`, continues) run_id to its end and prints the result; returns the exit
// code. REQUIRES: the run exists and its config is written.
int ExecuteRsi(store::Store& db, int64_t run_id, const meta::RsiConfig& cfg, const oversight::Policy& policy,
               const meta::RsiState* resume, const RsiOutput& out);

// The parts of ExecuteRsi: run (or continue) run_id through its session, printing only progress;
// its JSON line (the stored summary and null_control); its text report on stdout.
run::RsiOutcome RunRsiSession(store::Store& db, int64_t run_id, const meta::RsiConfig& cfg,
                              const oversight::Policy& policy, const meta::RsiState* resume, const RsiOutput& out);
nlohmann::json RsiJson(const meta::RsiConfig& cfg, const run::RsiOutcome& o);
void PrintRsiOutcome(const store::Store& db, int64_t run_id, const meta::RsiConfig& cfg,
                     const oversight::Policy& policy, const run::RsiOutcome& o);

// A run that ended with a result: its id, config and outcome.
struct RsiRunResult {
  int64_t run_id = 0;
  const meta::RsiConfig* cfg = nullptr;
  const run::RsiOutcome* outcome = nullptr;
};
// The final improver of `loop` against the final improver of its null control `null` (same
// config: the same frozen measure and test runs): the paired speedup final vs null (TestSpeedup
// with the null's final measure in the frozen's place). REQUIRES: both have a result.
meta::Interval SpeedupVsNull(const RsiRunResult& loop, const RsiRunResult& null);
// The keys `ouro rsi --json` adds for the null control: null_control_run (the null run's summary,
// with its status; null when it never started) and speedup_vs_null (+ _ci_low, _ci_high; null
// unless both runs finished).
nlohmann::json NullControlJson(const RsiRunResult& loop, const RsiRunResult* null);
// The side-by-side text: frozen, the loop's final and the null control's final improver on the
// same test arena (capability, evaluations-to-target, speedups).
void PrintNullComparison(const store::Store& db, const RsiRunResult& loop, const RsiRunResult& null);

// Re-executes a stored run and checks every adopted spec, candidate and curve point. Returns 0
// when everything is reproduced, 1 otherwise (the differences are printed).
int ReplayRsi(store::Store& db, int64_t run_id, const RsiOutput& out, const std::string& llm_replay = "");

// A text plot of test capability per generation against the frozen initial improver.
std::string TextCurve(const std::vector<std::pair<int, double>>& points, double frozen);

// Who is acting, for the audit chain: --as, else $OURO_ACTOR, else $USER, else "unknown".
std::string Actor(const std::string& flag);

}  // namespace ouro::cli
