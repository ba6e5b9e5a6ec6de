#include "oversight/judge.h"

#include <algorithm>
#include <sstream>

namespace ouro::oversight {

namespace {

std::string Join(const std::string& a, const std::string& b) {
  return a.empty() ? b : a + "; " + b;
}

// The tripwire part of a verdict; `approvals` collects "tripwire NAME" for action approve.
void JudgeTripwires(const Policy& policy, const Evidence& e, const JudgeState& state, Verdict& v,
                    std::string& approvals) {
  for (const Firing& f : CheckTripwires(policy, e.metrics)) {
    TripwireCall call;
    call.firing = f;
    call.key = e.key + ":" + f.name;
    call.repeat = state.acknowledged.count(call.key) > 0;
    call.pause = f.action == "pause" && !call.repeat;
    call.stop = f.action == "stop" && !call.repeat;
    if (f.action == "approve") approvals = Join(approvals, "tripwire " + f.name);
    if (f.action == "reject" || f.action == "stop")
      v.veto = "tripwire " + f.name + ": " + f.metric + " = " + Num(f.value);
    v.tripwires.push_back(std::move(call));
  }
}

}  // namespace

std::string Num(double v) {
  std::ostringstream o;
  o << v;
  return o.str();
}

Verdict Judge(const Policy& policy, const Evidence& evidence, const JudgeState& state) {
  Verdict v;
  std::string approvals;
  JudgeTripwires(policy, evidence, state, v, approvals);
  if (!v.veto.empty()) {
    v.decision = Decision::kVeto;
    return v;
  }
  const bool rerun_matters = policy.invariants.deterministic && evidence.has_games;
  if (rerun_matters && !evidence.rerun_equal.has_value()) {
    v.decision = Decision::kMeasure;
    return v;
  }
  v.violations = InvariantViolations(policy.invariants, evidence.metrics,
                                     rerun_matters ? *evidence.rerun_equal : true);
  if (!v.violations.empty()) {
    v.decision = Decision::kInvariant;
    return v;
  }
  v.ask_reason = GateReason(policy.adopt, evidence.metrics);
  if (!approvals.empty()) v.ask_reason = Join(v.ask_reason, approvals);
  v.decision = v.ask_reason.empty() ? Decision::kAdopt : Decision::kAsk;
  return v;
}

PromotionVerdict JudgePromotion(const Policy& policy, double best_so_far, double fitness) {
  PromotionVerdict v;
  if (fitness <= best_so_far + 1e-12) return v;  // a NaN fitness passes, as it always has
  v.better = true;
  v.gain = fitness - std::max(best_so_far, 0.0);
  v.ask_reason = GateReason(policy.promote, {{"gain", v.gain}, {"fitness", fitness}});
  return v;
}

}  // namespace ouro::oversight
