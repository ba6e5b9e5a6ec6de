// run/rsi_replay.h — re-executes a stored rsi run without writing anything and compares what it
// gets with what was stored: every adopted improver, candidate, curve point and promoted program,
// in order. People's decisions come from the stored approval items (run/adoption_gate.h
// ReplayGate); time plays no part (the replay runs the generations the run completed).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "run/rsi_session.h"
#include "store/store.h"

namespace ouro::run {

struct ReplayReport {
  int generations = 0;  // replayed
  // What was compared: the stored counts.
  size_t improvers = 0, candidates = 0, curve_points = 0, promoted_programs = 0;
  std::vector<std::string> differences;  // one line each; empty: everything reproduced
  bool reproduced() const { return differences.empty(); }
};

// Error for an unknown run, a run that is not rsi, or one with no stored lineage. A run that used a
// language model replays its answers from a cassette (run/rsi_model.h ModelMode::kReplay):
// `llm_replay` when given, else the one it replayed, else the one it recorded.
ReplayReport ReplayRsi(store::Store& db, int64_t run_id, const SessionIo& io, const std::string& llm_replay = "");

}  // namespace ouro::run
