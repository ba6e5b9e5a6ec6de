// Tests of the self-application loop's checkpoints: the state round-trips through JSON, malformed
// state is an error, resuming from every checkpoint (after a stop mid-generation too, on one or two
// job threads) reaches the uninterrupted result, an evaluation budget stops at a checkpoint, and
// the adoption seam sees metrics, the validation measure and a deterministic rerun. The tiny arena
// is in rsi_test_util.h.
#include "meta/rsi.h"

#include <gtest/gtest.h>

#include <atomic>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "meta/job_runner.h"
#include "meta/rsi_config.h"
#include "rsi_test_util.h"
#include "search/run_config.h"

namespace ouro::meta {
namespace {

using test::Tiny;

// ---- checkpoints, resume, budgets, the adoption seam's evidence -------------------------------

namespace ckpt {

// A compact fingerprint of a result: everything a resumed run must reproduce (not the time).
std::string Fingerprint(const RsiResult& r) {
  std::ostringstream o;
  o.precision(17);
  o << r.generations << " " << r.adopted << "/" << r.rejected << "/" << r.inconclusive << "/" << r.vetoed << "/"
    << r.identical << " " << r.expected_false_adoptions << " " << r.cumulative_evaluations << " " << r.oversight_evaluations << " " << SpecHash(r.final_spec) << " "
    << ToJson(r.final_spec).dump() << "\n";
  for (const auto& h : r.improver_hashes) o << h << " ";
  for (const auto& p : r.curve) {
    o << "\n" << p.generation << " " << p.improver_hash << " " << p.cumulative_evaluations << " " << p.incumbent.capability;
    for (double a : p.incumbent.auc) o << " " << a;
  }
  o << "\nspeedup " << r.speedup.estimate << " " << r.speedup.low << " " << r.speedup.high;
  return o.str();
}

// A budget of expected false adoptions that binds after two candidates (each of the permissive
// gate's first rung costs 0.9375), so a resume must carry what the run has spent. Seed 1: a lineage
// with adoptions (seed 3 had none once the compound meta-operators changed the draws).
RsiConfig Three() {
  RsiConfig c = Tiny(1);
  c.generations = 3;
  c.alpha_run = 2;
  return c;
}

}  // namespace ckpt

TEST(RsiCheckpoint, StateRoundTripsExactlyThroughJson) {
  std::vector<RsiState> states;
  RsiHooks h;
  h.on_checkpoint = [&](const RsiState& s) { states.push_back(s); };
  RunRsi(ckpt::Three(), h);
  ASSERT_EQ(states.size(), 4u);  // generation 0 and each of 3 generations
  for (size_t i = 0; i < states.size(); ++i) {
    EXPECT_EQ(states[i].generation, static_cast<int>(i));
    const nlohmann::json j = ToJson(states[i]);
    const RsiState back = StateFromJson(nlohmann::json::parse(j.dump()));
    EXPECT_EQ(ToJson(back).dump(), j.dump());
  }
}

TEST(RsiCheckpoint, MalformedStateIsAnError) {
  std::vector<RsiState> states;
  RsiHooks h;
  h.on_checkpoint = [&](const RsiState& s) { states.push_back(s); };
  RsiConfig c = Tiny(1);
  c.generations = 0;
  RunRsi(c, h);
  ASSERT_FALSE(states.empty());
  nlohmann::json j = ToJson(states.back());
  j.erase("rng");
  EXPECT_THROW(StateFromJson(j), Error);
  j = ToJson(states.back());
  j["curve"] = nlohmann::json::array();
  EXPECT_THROW(StateFromJson(j), Error);
  EXPECT_THROW(StateFromJson(nlohmann::json::parse("[1,2]")), Error);
}

TEST(RsiCheckpoint, ResumingFromEveryCheckpointReachesTheUninterruptedResult) {
  std::vector<RsiState> states;
  std::vector<std::string> decisions;
  RsiHooks h;
  h.on_checkpoint = [&](const RsiState& s) { states.push_back(s); };
  h.on_candidate = [&](const CandidateReport& r) {
    decisions.push_back(std::to_string(r.generation) + "." + std::to_string(r.index) + " " + r.decision + " " + SpecHash(r.spec));
  };
  const RsiResult full = RunRsi(ckpt::Three(), h);
  const std::string want = ckpt::Fingerprint(full);
  ASSERT_GE(full.adopted, 1) << "the test needs a lineage with an adoption";
  for (const RsiState& s : states) {
    std::vector<std::string> later;
    RsiHooks h2;
    h2.on_candidate = [&](const CandidateReport& r) {
      later.push_back(std::to_string(r.generation) + "." + std::to_string(r.index) + " " + r.decision + " " + SpecHash(r.spec));
    };
    const RsiState copy = StateFromJson(nlohmann::json::parse(ToJson(s).dump()));
    const RsiResult r = RunRsi(ckpt::Three(), h2, &copy);
    EXPECT_EQ(ckpt::Fingerprint(r), want) << "resumed after generation " << s.generation;
    // The resumed run proposes exactly the candidates the uninterrupted one did after that point.
    std::vector<std::string> tail;
    for (const auto& d : decisions)
      if (std::stoi(d) > s.generation) tail.push_back(d);
    EXPECT_EQ(later, tail) << "resumed after generation " << s.generation;
  }
}

TEST(RsiCheckpoint, AStopMidGenerationReturnsTheLastCheckpointAndResumesToTheSameEnd) {
  const RsiResult full = RunRsi(ckpt::Three());
  // Stop at the k-th safe point (between games), for several k.
  for (int k : {3, 9, 17, 30}) {
    std::atomic<bool> stop{false};
    int points = 0;
    std::optional<RsiState> last;
    RsiHooks h;
    h.stop = &stop;
    h.pause_point = [&] {
      if (++points == k) stop = true;
    };
    h.on_checkpoint = [&](const RsiState& s) { last = s; };
    const RsiResult part = RunRsi(ckpt::Three(), h);
    ASSERT_TRUE(last.has_value());
    if (part.stop_reason != "stopped") continue;  // k beyond the run's safe points
    EXPECT_EQ(part.generations, last->generation) << k;
    EXPECT_EQ(ToJson(part.final_spec).dump(), ToJson(last->incumbent).dump()) << k;
    EXPECT_EQ(part.cumulative_evaluations, last->result.cumulative_evaluations) << k;
    const RsiResult rest = RunRsi(ckpt::Three(), {}, &*last);
    EXPECT_EQ(ckpt::Fingerprint(rest), ckpt::Fingerprint(full)) << "stopped at safe point " << k;
  }
}

// The same with the jobs on two threads: a stop between two games of a batch still discards the
// unfinished generation, and the resumed run (on one thread) ends where the uninterrupted one did.
TEST(RsiCheckpoint, AStopWithTwoJobThreadsResumesToTheSameEnd) {
  const RsiResult full = RunRsi(ckpt::Three());
  std::atomic<bool> stop{false};
  int points = 0;
  std::optional<RsiState> last;
  RsiHooks h;
  h.stop = &stop;
  h.pause_point = [&] {
    if (++points == 9) stop = true;
  };
  h.on_checkpoint = [&](const RsiState& s) { last = s; };
  ThreadRunner runner(2);
  const RsiResult part = RunRsi(ckpt::Three(), h, nullptr, runner);
  ASSERT_TRUE(last.has_value());
  ASSERT_EQ(part.stop_reason, "stopped");
  EXPECT_EQ(part.generations, last->generation);
  EXPECT_EQ(part.cumulative_evaluations, last->result.cumulative_evaluations);
  const RsiResult rest = RunRsi(ckpt::Three(), {}, &*last);
  EXPECT_EQ(ckpt::Fingerprint(rest), ckpt::Fingerprint(full));
}

TEST(RsiCheckpoint, AnEvaluationBudgetStopsAtACheckpointWithItsReason) {
  RsiConfig c = ckpt::Three();
  std::vector<RsiState> states;
  RsiHooks h;
  h.on_checkpoint = [&](const RsiState& s) { states.push_back(s); };
  const RsiResult full = RunRsi(c, h);
  ASSERT_GE(states.size(), 3u);
  // A budget that runs out during generation 2.
  c.run_budget.evaluations = (states[1].result.cumulative_evaluations + states[2].result.cumulative_evaluations) / 2;
  const RsiResult r = RunRsi(c);
  EXPECT_EQ(r.stop_reason, "budget: run evaluations");
  EXPECT_EQ(r.generations, 1);
  EXPECT_EQ(r.cumulative_evaluations, states[1].result.cumulative_evaluations);
  // Per generation: less than any generation needs stops in generation 1.
  RsiConfig g = ckpt::Three();
  g.generation_budget.evaluations = 1;
  const RsiResult rg = RunRsi(g);
  EXPECT_EQ(rg.stop_reason, "budget: generation evaluations");
  EXPECT_EQ(rg.generations, 0);
  EXPECT_GT(full.generations, 0);
}

TEST(RsiSeam, TheAdoptionSeamSeesMetricsValidationAndADeterministicRerun) {
  RsiHooks h;
  int seen = 0;
  h.adopt = [&](const Adoption& a) {
    ++seen;
    const auto& m = a.candidate->metrics;
    for (const char* k : {"gain", "search_heldout_gap", "gap_increase", "heldout_gain", "size_ratio", "cost_ratio",
                          "nonfinite", "heldout_jump_sd", "heldout_drop"})
      EXPECT_TRUE(m.count(k)) << k;
    EXPECT_DOUBLE_EQ(m.at("gain"), a.candidate->meta_utility - a.candidate->incumbent_meta_utility);
    EXPECT_EQ(m.at("nonfinite"), 0);
    EXPECT_NE(a.incumbent_validation, nullptr);
    EXPECT_NE(a.candidate_validation, nullptr);
    EXPECT_DOUBLE_EQ(m.at("heldout_drop"), a.incumbent_validation->capability - a.candidate_validation->capability);
    EXPECT_EQ(a.candidate_validation->auc.size(), 2u);  // validation: 1 family x 2 seeds
    EXPECT_EQ(a.rerun_first_game(), a.candidate->games.at(0).candidate_auc);
    a.candidate->note = "vetoed by the test";
    return false;
  };
  std::vector<CandidateReport> reps;
  h.on_candidate = [&](const CandidateReport& r) { reps.push_back(r); };
  const RsiResult r = RunRsi(ckpt::Three(), h);
  ASSERT_GT(seen, 0);
  EXPECT_EQ(r.vetoed, seen);
  EXPECT_EQ(r.adopted, 0);
  EXPECT_EQ(r.curve.size(), 1u);  // nothing adopted: no new curve point
  for (const auto& c : reps) {
    if (c.decision == "vetoed") {
      EXPECT_EQ(c.note, "vetoed by the test");
    }
  }
  EXPECT_GT(r.oversight_evaluations, 0);
}

}  // namespace
}  // namespace ouro::meta
