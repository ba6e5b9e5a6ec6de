// run/adoption_seam.h — the rsi loop's adoption seam (meta::RsiHooks::adopt) and promotion gate
// under a policy: asks oversight::Judge for the verdict and carries it out through an
// AdoptionGate (live or replay): records the tripwires that fired (pausing or stopping the run
// when the verdict says so), runs the deterministic re-run when the judge needs it, records
// invariant violations, and asks people. Used from the loop's thread only.
#pragma once

#include <vector>

#include "meta/rsi.h"
#include "oversight/judge.h"
#include "oversight/policy.h"
#include "run/adoption_gate.h"
#include "run/run_control.h"
#include "store/store.h"

namespace ouro::run {

// The tripwires a stored run has already acted on (from its "tripwire" events): a resumed run
// records them again but does not pause or stop a second time.
oversight::JudgeState JudgeStateOf(const std::vector<store::EventRow>& events);
// The best fitness among the stored run's promotions ("promoted" and "gate" events); -1 if none.
double BestPromotedFitness(const std::vector<store::EventRow>& events);

class AdoptionSeam {
 public:
  // best_so_far: the fitness a program must beat to be promoted (-1: any). say may be empty.
  AdoptionSeam(const oversight::Policy& policy, const meta::RsiConfig& cfg, AdoptionGate& gate,
               Say say, oversight::JudgeState state, double best_so_far);

  // Whether to adopt the candidate; when not, its note says why.
  bool Adopt(const meta::Adoption& a);
  // The promotion gate: never makes the loop wait, so the lineage does not depend on it.
  void Promote(const meta::CandidateReport& c);

 private:
  void CarryOut(const oversight::TripwireCall& t, const meta::CandidateReport& c);
  bool Reject(const oversight::Verdict& v, meta::CandidateReport& c, const std::string& key);
  Question AdoptQuestion(const meta::Adoption& a, const std::string& key,
                         const std::string& reason) const;

  const oversight::Policy& policy_;
  const meta::RsiConfig& cfg_;
  AdoptionGate& gate_;
  Say say_;
  oversight::JudgeState state_;
  double best_so_far_;
};

}  // namespace ouro::run
