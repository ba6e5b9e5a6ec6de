// meta/rsi.h — the self-application loop: the improver improves itself, and the curve.
//
// Generation t: the incumbent improver I_t proposes `candidates` changed specs with its own
// meta-operators (ProposeCandidate, drawn by I_t's meta weights, fed by what I_t has learned:
// credit, programs to mine macros from, a filter discovered by the level-0 search run with I_t's
// own strategy). A candidate whose strategy plays exactly like I_t's is recognised before any game
// and not played ("identical"). Each other candidate plays paired games against I_t on the
// training arena (same family and seed for both; a game is won by the higher area under the
// best-fitness curve) until a sequential probability ratio test (Elo bounds; the exact likelihood
// of wins against losses, stats.h) accepts or rejects it, or max_games is reached. Each gate's
// probability of accepting a candidate equal to I_t is computed exactly, and the run spends a
// budget of expected false adoptions (alpha_run) over its candidates (SpendAlpha). With a
// confirmation stage (confirm_games > 0) that gate is a free screen, and only a confirmation on
// the validation arena, with seeds of its own, spends the budget and can adopt. An accepted
// candidate goes to the single adoption seam, Hooks::adopt (oversight gates it); adopted, it
// becomes I_{t+1}. The credit every game produced is added to the incumbent's learned knowledge,
// so later proposals draw on more experience; and each candidate's games adjust the weight of the
// meta-operator that proposed it (credit one level up).
// Three arenas, with disjoint families (tasks::FamiliesOverlap): *train* (the games above),
// *validation* and *test*. A candidate the gate accepts runs on the validation arena before the
// seam; what oversight reads (the tripwire metrics heldout_jump_sd and heldout_drop, the seam's
// evidence) compares it with the incumbent's last validation measure. The frozen initial improver
// is measured on both validation and test at generation 0.
// The curve: after generation 0 and after every adoption, the incumbent runs on the test arena
// over fixed seeds; a frozen copy of the initial improver ran once on the same seeds. The result
// compares evaluations-to-target (median ratio with a bootstrap interval) and fits the returns
// (slope of log capability against log cumulative compute). Test is sealed: its results are
// written (curve, summary) and read by no decision, and its compute and time are counted apart
// (RsiResult::test_evaluations, test_seconds) from every budget, max_seconds and the run's
// seconds, so the lineage does not depend on the test arena (a test proves it).
// Ablations switch learning channels off (credit, macros, filter).
// The null control (null_control) runs all of this but adopts by a coin instead of the gate
// (NullDecision in rsi_null.cc): the same proposals and games, adoptions blind to meta-utility.
#pragma once

#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "meta/archive.h"
#include "meta/meta_utility.h"
#include "meta/spec.h"
#include "meta/stats.h"
#include "meta/survival.h"

namespace ouro::meta {

struct RsiConfig {
  uint64_t seed = 1;
  int threads = 0;
  ImproverSpec initial;
  Arena train;                 // meta-utility
  Arena validation;            // what tripwires, gates and people read; never trained on
  int validation_seeds = 3;    // runs per validation family
  Arena test;                  // the curve; read by no decision (sealed)
  int test_seeds = 5;          // runs per test family
  int generations = 10;
  int candidates = 4;          // proposals per generation
  int max_games = 24;          // per candidate
  SprtParams sprt{0, 100, 0.05, 0.05};
  // The gate: kExact (ExactSprtLlr, α spending over the run, identical candidates not played) or
  // kNormal, the gate of runs recorded before it (the normal approximation at alpha for every
  // candidate, identical candidates played), kept so that they replay.
  SprtTest gate = SprtTest::kExact;
  // The run's budget of expected false adoptions (exact gate): the sum over its candidates of
  // P(accept | equal to the incumbent) stays at or below it (SpendAlpha).
  double alpha_run = 0.5;
  // The share of what is left of alpha_run that one gate may take (SpendAlpha); 1: the greedy rule
  // of runs recorded before it (the first gates take the budget, later ones get a closed gate).
  double alpha_share = 1;
  // A confirmation stage (exact gate, confirm_games > 0). The gate above becomes a screen: fixed at
  // sprt.alpha, charged nothing. A candidate it accepts plays up to confirm_games paired games on
  // the validation arena's families (game k: family k mod F), with seeds of its own for both
  // sides (ConfirmJob), through an exact SPRT on `confirm`'s Elo bounds whose alpha is spent from
  // alpha_run (AlphaLadder at confirm_games, SpendAlpha with alpha_share); it is adopted only if
  // that test accepts. Only the confirmation's P(accept | equal) is charged, once per confirmation
  // played: false adoptions happen only there, on games that share nothing with the screen, so
  // their expected number is at most the expected charge, which never exceeds alpha_run.
  int confirm_games = 0;
  SprtParams confirm{0, 100, 0.05, 0.05};
  // The null control (docs/improver.md): every candidate proposes and plays as above, but the
  // adoption ignores meta-utility: a played candidate is adopted with probability null_adopt_rate,
  // by a coin of its own (NullCoin), whatever the gate decided.
  bool null_control = false;
  double null_adopt_rate = 0.5;
  // A curriculum: the training families are rungs, smallest first. A generation's games all play
  // the current rung; the loop moves to the next when the incumbent's games this generation reach
  // train.target in median best fitness (rsi_loop::AdvanceCurriculum). Off: game k plays family
  // k mod F.
  bool curriculum = false;
  double max_seconds = 0;      // 0 = no limit
  int filter_budget = 2000;    // evaluations of the level-0 search that discovers a filter
  // The meta level of runs recorded before the compound operators: the first
  // kNumLegacyMetaOperators meta-operators only, macros mined from the generation's incumbent games,
  // no program archive, no learner credit; kept so that those runs replay.
  bool legacy_meta = false;
  std::vector<std::string> ablate;  // "credit", "macros", "filter"
  // Budgets (0 = none), checked between games; reaching one stops the run at its last
  // checkpoint (stop_reason "budget: ..."). Evaluations count all meta compute.
  struct Budget {
    double evaluations = 0, cpu_seconds = 0, wall_seconds = 0;
  };
  Budget run_budget, generation_budget;
  void Validate() const;
};

struct Game {
  double incumbent_auc = 0, candidate_auc = 0;
  int outcome = 0;  // +1 candidate won, -1 lost, 0 draw
};

struct CandidateReport {
  int generation = 0;
  int index = 0;
  std::string meta_operator;
  ImproverSpec spec;
  std::string decision;  // "adopted", "rejected", "inconclusive", "vetoed", "identical" (not played)
                         // (a null control: "adopted" or "rejected" by its coin; metric null_coin)
  // Its gate: the alpha in force (0: closed, or not played) and the gate's exact P(accept) for a
  // candidate equal to the incumbent (FalseAcceptRate; 0 when not played).
  double alpha = 0;
  double false_accept = 0;
  double llr = 0;
  int64_t wins = 0, losses = 0, draws = 0;
  double meta_utility = 0;            // candidate's mean AUC over its games
  double incumbent_meta_utility = 0;  // incumbent's mean AUC over the same games
  std::vector<Game> games;
  // The confirmation stage's test (RsiConfig::confirm_games), when the candidate reached it.
  struct Confirmation {
    double alpha = 0, false_accept = 0, llr = 0;  // the spent gate, as above
    int64_t wins = 0, losses = 0, draws = 0;
    std::string decision;  // "adopted", "rejected", "inconclusive"
  };
  std::optional<Confirmation> confirmation;
  // Rules over these decide tripwires, gates and invariants (oversight/policy.h lists them):
  // gain, search_heldout_gap, gap_increase, heldout_gain, size_ratio, cost_ratio, nonfinite;
  // for a candidate that passed the test also heldout_jump_sd, heldout_drop (from its validation
  // measure against the incumbent's). Never a test-arena number (the test arena is sealed).
  std::map<std::string, double> metrics;
  std::string note;  // why it was vetoed, when it was
  // The best program its games found (by search fitness): what a promotion gate looks at.
  lang::Program best_program;
  double best_fitness = -1;
};

// A measure of one improver on an arena it never trains on (validation or test).
// One pre-registered target over a measurement's runs.
struct TargetReach {
  std::string target;                // as in the config, e.g. "reference:0.99"
  std::vector<double> fitness;       // per family: the level it stands for
  std::vector<double> evaluations;   // per run (family-major): first reach, censored at the budget
  std::vector<double> seconds;       // per run: wall seconds to it, censored at the run's seconds
  std::vector<bool> reached;
};

struct HeldOutMeasure {
  std::vector<double> targets;          // per family
  std::vector<double> auc;              // per (family, seed), family-major
  std::vector<double> evals_to_target;  // censored at the budget
  std::vector<bool> reached;
  double capability = 0;                // mean auc
  // With pre-registered targets (Arena::targets; empty otherwise): per family the reference
  // program's fitness on the runs' instances (mean over seeds; 0 without a reference), each
  // target's reach, and the mean best fitness after each of Arena::budgets evaluations.
  std::vector<double> reference;
  std::vector<TargetReach> reach;
  std::vector<int64_t> budgets;
  std::vector<double> capability_at;
};

// What the curve's last point says about a pre-registered target against the frozen improver:
// Kaplan-Meier medians (meta/survival.h; a censored median is a bound) of evaluations and of wall
// seconds to the target, their ratios frozen / final, and 95% percentile-bootstrap intervals of
// those ratios over the runs, resampled in pairs (2000 resamples).
struct TargetSpeedup {
  std::string target;
  Bounded frozen_evals, final_evals, speedup;
  Bounded frozen_seconds, final_seconds, wall_speedup;
  Interval speedup_ci{0, 0, 0}, wall_speedup_ci{0, 0, 0};
  int frozen_reached = 0, final_reached = 0, runs = 0;
};
TargetSpeedup CompareReach(const TargetReach& frozen, const TargetReach& final_reach, uint64_t seed);

struct CurvePoint {
  int generation = 0;
  double cumulative_evaluations = 0;  // meta compute so far (all games and discovery runs)
  double seconds = 0;
  std::string improver_hash;
  HeldOutMeasure incumbent;   // on the test arena (the curve)
  HeldOutMeasure validation;  // the same improver on the validation arena (what oversight reads)
};

struct Adoption {  // what the seam sees
  int generation = 0;
  const ImproverSpec* incumbent = nullptr;
  CandidateReport* candidate = nullptr;  // the seam may set candidate->note (why it vetoed)
  SprtBounds bounds{};
  const HeldOutMeasure* incumbent_validation = nullptr;  // the incumbent's last validation measure
  const HeldOutMeasure* candidate_validation = nullptr;  // the candidate on the same validation runs
  // Re-runs the candidate's first game with the same seed and returns its score (an invariant
  // check; its cost counts as oversight compute).
  std::function<double()> rerun_first_game;
};

struct RsiResult;

// Everything the loop needs to continue after generation `generation` (a checkpoint).
struct RsiState;

struct RsiHooks {
  // The adoption seam: return false to veto. Default: adopt.
  std::function<bool(const Adoption&)> adopt;
  std::function<void(const CandidateReport&)> on_candidate;
  std::function<void(int generation, const ImproverSpec& spec, const ImproverSpec* parent,
                     const CandidateReport* evidence)> on_improver;  // generation 0 and each adoption
  std::function<void(const CurvePoint&, const HeldOutMeasure& frozen)> on_curve;
  std::function<void(const std::string& line)> on_log;
  // Called between games and before each generation; may block (a paused run waits here).
  std::function<void()> pause_point;
  // Called after every completed generation (and after generation 0's measurement).
  std::function<void(const RsiState&)> on_checkpoint;
  // A budget the run layer keeps (a language model's): the name of the one spent ("budget: ..."),
  // or "". Checked with the config's budgets, between games.
  std::function<std::string()> over_budget;
  const std::atomic<bool>* stop = nullptr;
};

struct RsiResult {
  int generations = 0;
  int adopted = 0, rejected = 0, inconclusive = 0, vetoed = 0, identical = 0;
  // The sum of the played candidates' false_accept (with a confirmation stage: of the
  // confirmations' false_accept): a bound on the run's expected number of adoptions of candidates
  // no better than their incumbent (at the gate's worst draw rate).
  double expected_false_adoptions = 0;
  ImproverSpec final_spec;
  HeldOutMeasure frozen;             // the frozen initial improver on the test arena
  HeldOutMeasure frozen_validation;  // and on the validation arena
  std::vector<CurvePoint> curve;
  std::vector<std::string> improver_hashes;  // by adoption (the spec as adopted)
  std::string final_improver;                // hash of the last measured improver (curve.back())
  Interval speedup{0, 0, 0};        // evaluations-to-target frozen / final, median over test runs
  double evals_to_target_frozen = 0, evals_to_target_final = 0;  // medians
  // Per pre-registered target (the first is primary: wall_speedup is its); empty without them.
  std::vector<TargetSpeedup> target_speedups;
  std::optional<TargetSpeedup> primary() const {
    return target_speedups.empty() ? std::nullopt : std::optional<TargetSpeedup>(target_speedups[0]);
  }
  std::optional<Interval> returns;  // slope of log capability vs log cumulative compute
  // The takeoff reading of the run (takeoff.h: "accelerating", "steady", "diminishing",
  // "insufficient") and its reason, one plain sentence, as `ouro takeoff` gives them.
  std::string takeoff_verdict;
  std::string returns_verdict;
  double cumulative_evaluations = 0;
  double oversight_evaluations = 0;  // of those, spent on checks (validation of vetoed candidates,
                                     // re-runs, held-out fitness of best programs)
  double seconds = 0;                // the loop's wall time, test measurements excluded
  double cpu_seconds = 0;            // likewise
  // The test arena's measurements (frozen and curve points), counted apart: in no budget, not in
  // cumulative_evaluations, seconds or cpu_seconds.
  double test_evaluations = 0;
  double test_seconds = 0;
  std::string stop_reason;  // "generations", "max_seconds", "stopped", "budget: ..."
};

struct RsiState {
  int generation = 0;  // last completed generation
  ImproverSpec incumbent;
  std::array<uint64_t, 4> rng{};
  int rung = 0;      // the curriculum's current training family
  RsiResult result;  // so far
  ProgramArchive archive;  // the best programs of the run's games (meta/archive.h)
};
nlohmann::json ToJson(const HeldOutMeasure& m);
HeldOutMeasure MeasureFromJson(const nlohmann::json& j);
nlohmann::json ToJson(const RsiState& s);
RsiState StateFromJson(const nlohmann::json& j);  // throws ouro::Error on a malformed state

// Runs spec on every test family and seed. Targets per family: config.test.target, or (when that
// is <= 0) `targets`, or when those are empty too, the median best of these very runs (how the
// frozen improver's own level becomes the target).
HeldOutMeasure MeasureTest(const ImproverSpec& spec, const RsiConfig& config, const std::atomic<bool>* stop,
                           const std::vector<double>& targets = {});
// The same on the validation arena (config.validation, validation_seeds; the same rule for
// targets).
HeldOutMeasure MeasureValidation(const ImproverSpec& spec, const RsiConfig& config, const std::atomic<bool>* stop,
                                 const std::vector<double>& targets = {});
// Evaluations of one measurement on the test / validation arena.
double TestCost(const RsiConfig& config);
double ValidationCost(const RsiConfig& config);

// The null control's coin for candidate `index` of `generation`: true (adopt) with probability
// `rate`. A stream of its own derived from (seed, generation, index): it depends on no outcome,
// draws nothing from the loop's proposal Rng, and needs no checkpointed state.
bool NullCoin(uint64_t seed, int generation, int index, double rate);

// The speedup of a test measurement over the frozen one: the median of the paired ratios
// frozen / m of evaluations-to-target, with its 95% bootstrap interval (2000 resamples, `seed`).
Interval TestSpeedup(const HeldOutMeasure& frozen, const HeldOutMeasure& m, uint64_t seed);

// Runs the loop from the start, or from a checkpoint `resume` (same config): a resumed run
// reaches the same lineage and result as an uninterrupted one. A stop (hooks.stop, a budget)
// discards the unfinished generation: the result is that of the last checkpoint.
RsiResult RunRsi(const RsiConfig& config, const RsiHooks& hooks = {}, const RsiState* resume = nullptr);

// The same, with the loop's jobs (games and validation and test runs, meta/jobs.h) handed to
// `runner`; the ones above run them on the calling thread (InlineRunner). The result does not
// depend on the runner or its number of slots.
class JobRunner;
HeldOutMeasure MeasureTest(const ImproverSpec& spec, const RsiConfig& config, const std::atomic<bool>* stop,
                           const std::vector<double>& targets, JobRunner& runner);
HeldOutMeasure MeasureValidation(const ImproverSpec& spec, const RsiConfig& config, const std::atomic<bool>* stop,
                                 const std::vector<double>& targets, JobRunner& runner);
RsiResult RunRsi(const RsiConfig& config, const RsiHooks& hooks, const RsiState* resume, JobRunner& runner);

}  // namespace ouro::meta
