// cli/selfplay.h — the adapter the self-play commands share (`ouro selfplay`, `ouro resume` of a
// self-play run): run a session of the application layer (run/selfplay_session.h) and print its
// outcome, as text or one JSON line; progress goes to stderr unless quiet.
#pragma once

#include <cstdint>

#include "run/selfplay_session.h"
#include "store/store.h"

namespace ouro::cli {

struct SelfplayOutput {
  bool json = false, quiet = false;
};

// Runs (or continues) run_id to its end and prints the result; returns the exit code.
int ExecuteSelfplay(store::Store& db, int64_t run_id, const run::SelfplayPlan& plan,
                    const run::SelfplaySession::Continuation* resume, const SelfplayOutput& out);

// `ouro replay` of a self-play run (run::ReplaySelfplay), printed; 0 when reproduced, else 1.
int ReplaySelfplay(store::Store& db, int64_t run_id, const SelfplayOutput& out);

// The self-play part of `ouro show`: per generation (games, fitness, the gate's match and
// verdict), the versions, and the Elo ladder with intervals as a text curve.
void PrintSelfplayRun(store::Store& db, const store::RunInfo& run);

}  // namespace ouro::cli
