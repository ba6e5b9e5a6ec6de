// meta/rsi_loop.h — internal to RunRsi (rsi.cc, rsi_stages.cc): what one run of the loop shares
// between its stages, and the stages themselves.
//
// RunRsi is a sequence of named stages over plain-data jobs (jobs.h) handed to a JobRunner:
//   StartRun                 generation 0: the initial improver, measured on validation and test
//   per generation (RunGeneration):
//     PlayIncumbent          the incumbent's games, played once and shared by all candidates
//     DiscoverFilter         a proposal filter learned by the level-0 search from their history
//     Propose                a candidate from the incumbent's meta-operators (the loop's Rng)
//     PlaysLikeIncumbent     an identical candidate (same effective strategy) is not played
//     PlayCandidate          its paired games through the SPRT gate the run can still afford
//     Confirm                (confirm_games > 0) the gate above was a screen: paired games on the
//                            validation arena through the gate the run can still afford
//     NullDecision           (null control only) a coin replaces the gate's decision
//     MeasureAndAdopt        validation measurement and the adoption seam (hooks.adopt)
//     RecordCandidate        counts, log, hooks.on_candidate, meta-level credit
//     EndGeneration          the new incumbent's test measurement (sealed: MeasureSealedTest),
//                            learned credit, the new incumbent, its curve point, the checkpoint
// A stage that meets a stop, a budget or max_seconds returns a Status other than kOk; RunRsi then
// restores the last checkpoint. Single-threaded: only the runner's jobs run elsewhere.
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/rng.h"
#include "meta/job_runner.h"
#include "meta/rsi.h"

namespace ouro::meta::rsi_loop {

enum class Status { kOk, kStopped, kOverBudget };

class Loop {
 public:
  Loop(const RsiConfig& config, const RsiHooks& hooks, JobRunner& runner, const RsiState* resume);

  const RsiConfig& cfg;
  const RsiHooks& hooks;
  JobRunner& runner;
  RsiState st;  // the checkpointed state: st.result is the run's result so far
  Rng rng;
  // The gates a candidate may get (exact gate: AlphaLadder; normal gate, or the screen before a
  // confirmation stage: its one alpha), and a confirmation may get (empty without that stage).
  const std::vector<GateRung> ladder, confirm_ladder;
  ProposalContext ctx;  // what the incumbent's meta-operators may draw on
  std::string budget_hit;  // the budget that stopped the run, when one did
  // The best programs of this generation's games that are learners (IsLearner), in play order.
  std::vector<lang::Program> gen_learners;

  RsiResult& res() { return st.result; }
  // The training family of this generation's games: the curriculum's rung, or -1 (game k plays
  // family k mod F).
  int GameFamily() const;
  // The loop's wall and cpu seconds: what max_seconds and the budgets read. Test measurements are
  // not in them (MeasureSealedTest).
  double Elapsed() const;
  double Cpu() const;
  void Log(const std::string& line) const;
  bool Stopped() const;
  bool Ablated(const char* channel) const;
  // Starts a generation's budgets (evaluations, cpu and wall time from now).
  void StartGenerationBudget();
  // Safe point: hooks.pause_point, then the stop flag and the budgets.
  [[nodiscard]] Status Check();
  void Checkpoint(int generation);
  void AddCurvePoint(int generation, const HeldOutMeasure& test, const HeldOutMeasure& validation);
  // Measures `spec` on the sealed test arena (targets: the frozen improver's test targets, or its
  // own when `frozen`). Its evaluations go to test_evaluations and its wall time to test_seconds;
  // neither reaches cumulative_evaluations, a budget or Elapsed()/Cpu(), and no Check runs here:
  // nothing the loop decides may depend on the test arena. kStopped when the stop flag was set.
  [[nodiscard]] Status MeasureSealedTest(const ImproverSpec& spec, bool frozen, HeldOutMeasure& out);
  // The next candidate's gate: SpendAlpha over what the run has spent (the normal gate and the
  // screen before a confirmation stage: always their one alpha).
  GateRung NextGate() const;
  // The next confirmation's gate: SpendAlpha over what the run has spent. REQUIRES confirm_games > 0.
  GateRung NextConfirmGate() const;
  // What a candidate adds to expected_false_adoptions: its gate's false_accept, or with a
  // confirmation stage its confirmation's (0 when it played none).
  double Charge(const CandidateReport& rep) const;
  // Runs jobs in batches of the runner's slots; each outcome, in job order, is appended to `out`,
  // counted (its cost plus one evaluation of its best program on held-out data, oversight compute)
  // and followed by Check. Training-arena outcomes are also Observed.
  [[nodiscard]] Status PlayRuns(const std::vector<RunJob>& jobs, std::vector<RunOutcome>& out);
  // What a training game teaches the compound meta level (not under legacy_meta): its best program
  // offered to the archive, and remembered in gen_learners when it is a learner.
  void Observe(const RunJob& job, const RunOutcome& outcome);

 private:
  std::chrono::steady_clock::time_point start_;
  double cpu_start_, wall_before_, cpu_before_;
  double test_wall_ = 0, test_cpu_ = 0;  // spent in MeasureSealedTest by this process
  double gen_start_evals_ = 0, gen_start_wall_ = 0, gen_start_cpu_ = 0;
  std::string OverBudget() const;
};

// One generation's work in progress (discarded when a stage is interrupted).
struct Generation {
  int number = 0;
  std::vector<RunOutcome> incumbent_games;  // game k of the incumbent, played on demand
  search::CreditStats credit;               // of the candidates' games, in play order
  int64_t candidate_runs = 0;
  std::set<std::string> tried;              // hashes of the candidates proposed so far
  std::optional<CandidateReport> accepted;
  std::optional<HeldOutMeasure> accepted_validation;
};

[[nodiscard]] Status StartRun(Loop& loop);
[[nodiscard]] Status RunGeneration(Loop& loop, int generation);

[[nodiscard]] Status PlayIncumbent(Loop& loop, Generation& gen, int games);
[[nodiscard]] Status DiscoverFilter(Loop& loop, Generation& gen);
CandidateReport Propose(Loop& loop, Generation& gen, int index);
// True when `spec` would play every game exactly as the incumbent does: its strategy, as applied
// on every training family's shape, has the same effective form (search::EffectiveStrategy), so
// the same seed gives the same run. Always false under the normal gate (it predates the rule).
bool PlaysLikeIncumbent(const Loop& loop, const ImproverSpec& spec);
[[nodiscard]] Status PlayCandidate(Loop& loop, Generation& gen, CandidateReport& rep);
// The confirmation stage (rsi_confirm.cc): a candidate the screen accepted is adopted only if its
// confirmation accepts; sets rep.confirmation and rep.decision. Nothing to do otherwise.
[[nodiscard]] Status Confirm(Loop& loop, const Generation& gen, CandidateReport& rep);
// The null control: the gate's decision gives way to the candidate's coin (NullCoin): "adopted" on
// heads, "rejected" on tails; metric null_coin (1 or 0) and the note keep the coin and what the
// gate said. REQUIRES: rep was played (PlayCandidate).
void NullDecision(const Loop& loop, CandidateReport& rep);
[[nodiscard]] Status MeasureAndAdopt(Loop& loop, Generation& gen, CandidateReport& rep,
                                     std::optional<HeldOutMeasure>& validation);
void RecordCandidate(Loop& loop, Generation& gen, CandidateReport& rep, std::optional<HeldOutMeasure>& validation);
// Advances the curriculum (RsiConfig::curriculum) when the incumbent mastered its rung.
void AdvanceCurriculum(Loop& loop, const Generation& gen);
[[nodiscard]] Status EndGeneration(Loop& loop, Generation& gen);

// Throws ouro::Error when `spec` cannot be applied to the training arena's base on some family
// (ApplySpec): such a candidate is redrawn (ProposalContext::check).
void CheckAppliesToTrain(const RsiConfig& cfg, const ImproverSpec& spec);

// The speedup, medians and returns of a finished run, from its curve.
void Summarise(const RsiConfig& config, RsiResult& result);

// The meta-operator an ablated channel switches off (-1: not a channel).
int ChannelOp(const std::string& channel);
double Mean(const std::vector<double>& v);
// Credit at the meta level: the weight of the meta-operator behind `rep` scales by how its games
// went. REQUIRES: rep.meta_operator is a meta-operator's name.
void CreditMetaOperator(ImproverSpec& incumbent, const CandidateReport& rep);

}  // namespace ouro::meta::rsi_loop
