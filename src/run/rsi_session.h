// run/rsi_session.h — one rsi run from open to close, through the store: creates it (config,
// recipe and policy stored, with their audit events), claims it and polls its control word
// (run/run_control.h), runs meta::RunRsi with the hooks that write the lineage, candidates, curve
// and a checkpoint after every generation and append the matching audit events, decides adoptions
// and promotions through oversight::Judge (run/adoption_seam.h with a LiveGate, which may wait for
// people), and closes the run as finished, stopped (resumable from its last checkpoint) or failed.
// Printing is the caller's: the session reports progress lines through SessionIo::say and returns
// an RsiOutcome.
//
// A session is used from one thread (the one that owns `db`); its RunControl polls on its own.
// Same config, seed and people's decisions: the same lineage, audit chain and figures.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "meta/rsi.h"
#include "oversight/policy.h"
#include "run/adoption_gate.h"
#include "run/adoption_seam.h"
#include "run/rsi_model.h"
#include "run/rsi_recipe.h"
#include "run/run_control.h"
#include "store/store.h"

namespace ouro::run {

struct SessionIo {
  Say say;                                       // progress lines for people; empty: none
  const std::atomic<bool>* interrupt = nullptr;  // the process's signal flag: stop cleanly
};

struct RsiOutcome {
  meta::RsiResult result;
  nlohmann::json summary;  // as stored with the run
  // Test capability per generation, including the generations before a resume.
  std::vector<std::pair<int, double>> capability;
  bool stopped = false;                  // by people, a tripwire, a signal or a budget: resumable
  bool before_first_checkpoint = false;  // stopped with nothing kept: result and summary are empty
};

// What a stopped or killed run continues from (Reopen).
struct Continuation {
  meta::RsiConfig cfg;
  oversight::Policy policy;
  std::optional<meta::RsiState> state;  // its last checkpoint; none: from the beginning
};

class RsiSession {
 public:
  // Takes over a stopped or killed rsi run to continue it in this process: claims it (Error when
  // another live process owns it, before anything is changed), rebuilds its config and policy
  // from what is stored with it, reopens it, drops rows of generations after its checkpoint and
  // appends a "resumed" event by `actor`. REQUIRES: the run is not finished.
  static Continuation Reopen(store::Store& db, const store::RunInfo& run, const std::string& actor);

  // Creates an rsi run holding the recipe, the resolved config, the initial spec's text and the
  // policy, and appends its "config" and "policy" events by `actor`. Returns its id.
  static int64_t Create(store::Store& db, const RsiRecipe& recipe, const meta::RsiConfig& cfg,
                        const oversight::Policy& policy, const std::string& actor);

  // REQUIRES: run_id is an rsi run of db whose config is written (Create, or a resume that
  // reopened it). The policy's budgets replace the config's. The recipe's model, if its config has
  // an [llm] section, is attached (AttachModel: live, continuing the cassette when the run has
  // exchanges already, or replaying the recipe's llm_replay); its exchanges are stored and audited
  // and its budget checked between games (ModelRunner). Error for a model that cannot be attached.
  RsiSession(store::Store& db, int64_t run_id, const meta::RsiConfig& cfg,
             const oversight::Policy& policy, SessionIo io);

  // Runs the run to its end, from the start or from the checkpoint `resume`. Error (after marking
  // the run failed) when the loop fails; Error from Start when another live process owns the run.
  RsiOutcome Run(const meta::RsiState* resume = nullptr);

 private:
  meta::RsiHooks Hooks();
  void OnImprover(int generation, const meta::ImproverSpec& spec, const meta::ImproverSpec* parent,
                  const meta::CandidateReport* evidence);
  void OnCandidate(const meta::CandidateReport& r);
  void OnCurve(const meta::CurvePoint& p, const meta::HeldOutMeasure& frozen);
  void OnCheckpoint(const meta::RsiState& s);
  RsiOutcome StoppedBeforeCheckpoint(const std::string& why);
  RsiOutcome Close(meta::RsiResult r);
  void Record(const std::string& type, const nlohmann::json& content);

  // cfg with the policy's budgets and the run's model (run/rsi_model.h), which it sets.
  meta::RsiConfig Configure(const meta::RsiConfig& cfg, const oversight::Policy& policy);

  store::Store& db_;
  const int64_t run_;
  std::optional<RsiModel> model_;  // the config's [llm] section, attached to cfg_'s arenas
  const meta::RsiConfig cfg_;
  const oversight::Policy policy_;
  Say say_;
  RunControl control_;
  LiveGate gate_;
  AdoptionSeam seam_;
  std::string last_hash_;  // the last stored improver: the next one's parent
  std::vector<std::pair<int, double>> capability_;
};

}  // namespace ouro::run
