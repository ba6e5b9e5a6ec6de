// Tests of the loop's gate (rsi.h): α spending over a run's candidates, the identical-candidate
// rule (a candidate that would play exactly like the incumbent is not played), and the normal
// gate kept for runs recorded before the exact one. The test itself and its error rates are in
// sprt_test.cc; the tiny arena is in rsi_test_util.h.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "meta/jobs.h"
#include "meta/rsi.h"
#include "meta/stats.h"
#include "rsi_test_util.h"

namespace ouro::meta {
namespace {

using test::Tiny;

std::vector<CandidateReport> Candidates(const RsiConfig& c, RsiResult* result = nullptr) {
  std::vector<CandidateReport> out;
  RsiHooks h;
  h.on_candidate = [&out](const CandidateReport& r) { out.push_back(r); };
  const RsiResult r = RunRsi(c, h);
  if (result) *result = r;
  return out;
}

// With a budget that binds, each candidate gets the largest alpha of the ladder its exact rate
// still fits into, and the run's sum stays within the budget.
TEST(RsiGate, ARunSpendsItsFalseAdoptionBudgetAlongTheLadder) {
  RsiConfig c = Tiny(1);
  c.alpha_run = 0.4;
  c.generations = 4;
  RsiResult r;
  const std::vector<CandidateReport> cands = Candidates(c, &r);
  const std::vector<GateRung> ladder = AlphaLadder(SprtTest::kExact, c.sprt, c.max_games);
  ASSERT_GT(ladder.front().false_accept, c.alpha_run) << "the budget should bind from the first candidate";
  double spent = 0;
  for (const CandidateReport& cand : cands) {
    const GateRung g = SpendAlpha(ladder, spent, c.alpha_run);
    EXPECT_EQ(cand.alpha, g.alpha) << cand.generation << "." << cand.index;
    EXPECT_EQ(cand.false_accept, g.false_accept);
    EXPECT_LT(cand.alpha, c.sprt.alpha);
    spent += cand.false_accept;
  }
  EXPECT_EQ(r.expected_false_adoptions, spent);
  EXPECT_LE(r.expected_false_adoptions, c.alpha_run);
  EXPECT_GT(r.expected_false_adoptions, 0.0);
}

// An improver whose one enabled operator is listed first: perturb_kinds (its only meta-operator)
// scales that weight, which changes the spec but not what it does (a single enabled operator runs
// at weight 1 whatever its weight: search::EffectiveStrategy).
RsiConfig OnlyIdenticalProposals() {
  RsiConfig c = Tiny(2);
  c.initial.mutations = {{search::Mutation::kRandomize, 1.0}};
  c.initial.meta_weights = {0, 1, 0, 0, 0, 0, 0};
  c.ablate = {"filter"};  // discover_filter would apply otherwise
  return c;
}

TEST(RsiGate, ACandidateThatPlaysLikeTheIncumbentIsNotPlayed) {
  RsiConfig c = OnlyIdenticalProposals();
  RsiResult r;
  const std::vector<CandidateReport> cands = Candidates(c, &r);
  ASSERT_EQ(static_cast<int>(cands.size()), c.generations * c.candidates);
  for (const CandidateReport& cand : cands) {
    EXPECT_EQ(cand.decision, "identical");
    EXPECT_NE(SpecHash(cand.spec), SpecHash(c.initial));  // a different spec, the same play
    EXPECT_TRUE(cand.games.empty());
    EXPECT_EQ(cand.wins + cand.losses + cand.draws, 0);
    EXPECT_EQ(cand.alpha, 0.0);
    EXPECT_EQ(cand.false_accept, 0.0);
  }
  EXPECT_EQ(r.identical, c.generations * c.candidates);
  EXPECT_EQ(r.adopted + r.rejected + r.inconclusive + r.vetoed, 0);
  EXPECT_EQ(r.expected_false_adoptions, 0.0);
  // The rule is sound: such a candidate's game is the incumbent's, to the bit.
  const RunOutcome a = Execute(GameJob(c.initial, c.train, c.seed, 1, 0, 1));
  const RunOutcome b = Execute(GameJob(cands.front().spec, c.train, c.seed, 1, 0, 1));
  EXPECT_EQ(a.auc, b.auc);
  EXPECT_EQ(a.cost, b.cost);
}

// The normal gate is the gate before the exact one, as it was: the normal approximation at alpha
// for every candidate (no spending), identical candidates played (every game a draw).
TEST(RsiGate, TheNormalGateIsTheOldGate) {
  RsiConfig c = OnlyIdenticalProposals();
  c.gate = SprtTest::kNormal;
  c.alpha_run = 1e-6;  // not used by the normal gate
  RsiResult r;
  const std::vector<CandidateReport> cands = Candidates(c, &r);
  ASSERT_FALSE(cands.empty());
  const double rate = FalseAcceptRate(SprtTest::kNormal, c.sprt, c.max_games);
  double sum = 0;
  for (const CandidateReport& cand : cands) {
    EXPECT_NE(cand.decision, "identical");
    EXPECT_EQ(cand.wins + cand.losses, 0);
    EXPECT_EQ(cand.draws, static_cast<int64_t>(cand.games.size()));
    EXPECT_EQ(cand.llr, SprtLlr(cand.wins, cand.losses, cand.draws, c.sprt.elo0, c.sprt.elo1));
    EXPECT_EQ(cand.alpha, c.sprt.alpha);
    EXPECT_EQ(cand.false_accept, rate);
    sum += cand.false_accept;
  }
  EXPECT_EQ(r.identical, 0);
  EXPECT_EQ(r.expected_false_adoptions, sum);
}

}  // namespace
}  // namespace ouro::meta
