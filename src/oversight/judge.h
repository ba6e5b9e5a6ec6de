// oversight/judge.h — the one place a policy's rules are decided: which tripwires fire and what
// they do, which invariants a candidate violates, and whether adopting an improver or promoting a
// program needs a person. Pure functions of their arguments (no store, no clock, no threads):
// callable from any thread, and the same inputs always give the same verdict. Whoever runs a loop
// (run/rsi_session) carries the verdict out: appends the audit events, pauses, stops, vetoes or
// asks people; it never re-decides.
//
// The deterministic-rerun invariant needs a measurement the judge cannot make. A first Judge call
// without `rerun_equal` returns Decision::kMeasure when the rerun matters; the caller measures and
// calls again with the same state and evidence plus `rerun_equal`. Both calls give the same
// tripwire part, so it is carried out once.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "oversight/policy.h"

namespace ouro::oversight {

// What the judge looks at for one candidate at the adoption seam.
struct Evidence {
  std::string key;                        // the question's key, e.g. "adopt:g3c1:<spec hash>"
  std::map<std::string, double> metrics;  // names as in kMetrics
  bool has_games = false;                 // the candidate played games (a rerun is possible)
  std::optional<bool> rerun_equal;        // the deterministic rerun, once measured
};

// What the run has already acted on: tripwire keys ("<evidence key>:<tripwire name>") that fired
// before (e.g. before a resume). A repeated tripwire is recorded again but neither pauses nor
// stops the run a second time.
struct JudgeState {
  std::set<std::string> acknowledged;
};

// One tripwire that fired, and what the run must do about it.
struct TripwireCall {
  Firing firing;
  std::string key;      // evidence key + ":" + tripwire name
  bool repeat = false;  // acknowledged before: no pause or stop this time
  bool pause = false;   // the run pauses here (action pause, not a repeat)
  bool stop = false;    // the run stops (action stop, not a repeat)
};

enum class Decision {
  kAdopt,      // adopt without asking
  kVeto,       // a tripwire with action reject or stop vetoes it (veto says why)
  kMeasure,    // the deterministic rerun is needed before deciding: call again with rerun_equal
  kInvariant,  // an invariant is violated (violations say which)
  kAsk,        // a person must decide (ask_reason says why)
};

struct Verdict {
  std::vector<TripwireCall> tripwires;  // in policy order
  Decision decision = Decision::kAdopt;
  std::string veto;                     // kVeto: "tripwire NAME: METRIC = VALUE" (the last one)
  std::vector<std::string> violations;  // kInvariant
  std::string ask_reason;               // kAsk: the gate's reason, then "tripwire NAME" approvals
};

// The adoption seam: tripwires (in policy order), then a veto by any of them, then invariants,
// then the adopt gate and the approvals tripwires demand.
Verdict Judge(const Policy& policy, const Evidence& evidence, const JudgeState& state);

// The promotion gate: a program better (by more than 1e-12) than the best so far is promoted,
// automatically or after a person's decision. best_so_far < 0: nothing promoted yet.
struct PromotionVerdict {
  bool better = false;     // promote (or ask about) it at all
  double gain = 0;         // fitness - max(best_so_far, 0)
  std::string ask_reason;  // "" = promote without asking
};
PromotionVerdict JudgePromotion(const Policy& policy, double best_so_far, double fitness);

// v as an ostream prints it by default (6 significant digits: "0.312346", "1e+20"): how the
// judge's reasons and the run's messages show a metric.
std::string Num(double v);

}  // namespace ouro::oversight
