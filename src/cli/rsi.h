// cli/rsi.h — the adapters the rsi commands share (`ouro rsi`, `ouro resume`, `ouro replay`):
// run a session of the application layer (run/rsi_session.h, run/rsi_replay.h) and print its
// outcome, as text or one JSON line; progress goes to stderr unless quiet.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "meta/rsi.h"
#include "oversight/policy.h"
#include "run/rsi_recipe.h"
#include "store/store.h"

namespace ouro::cli {

struct RsiOutput {
  bool json = false, quiet = false;
};

// Runs (or, with `resume`, continues) run_id to its end and prints the result; returns the exit
// code. REQUIRES: the run exists and its config is written.
int ExecuteRsi(store::Store& db, int64_t run_id, const meta::RsiConfig& cfg, const oversight::Policy& policy,
               const meta::RsiState* resume, const RsiOutput& out);

// Re-executes a stored run and checks every adopted spec, candidate and curve point. Returns 0
// when everything is reproduced, 1 otherwise (the differences are printed).
int ReplayRsi(store::Store& db, int64_t run_id, const RsiOutput& out);

// A text plot of test capability per generation against the frozen initial improver.
std::string TextCurve(const std::vector<std::pair<int, double>>& points, double frozen);

// Who is acting, for the audit chain: --as, else $OURO_ACTOR, else $USER, else "unknown".
std::string Actor(const std::string& flag);

}  // namespace ouro::cli
