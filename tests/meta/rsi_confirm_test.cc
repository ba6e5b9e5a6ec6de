// Tests of the confirmation stage (RsiConfig::confirm_games) and of spreading the false-adoption
// budget (RsiConfig::alpha_share, SpendAlpha's share): what is charged, where confirmation games
// play, the config keys. The tiny arena is in rsi_test_util.h.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "meta/jobs.h"
#include "meta/rsi.h"
#include "meta/rsi_config.h"
#include "meta/stats.h"
#include "rsi_test_util.h"

namespace ouro::meta {
namespace {

using test::ExpectParseError;
using test::Tiny;

// ---- spreading the budget --------------------------------------------------------------------

std::vector<GateRung> Ladder() { return AlphaLadder(SprtTest::kExact, {0, 100, 0.05, 0.05}, 128); }

TEST(AlphaShare, AGateTakesTheLargestRungWithinItsShareOfWhatIsLeft) {
  const std::vector<GateRung> ladder = Ladder();
  for (const auto& [spent, share] : std::vector<std::pair<double, double>>{{0, 0.05}, {0.3, 0.05}, {0.49, 0.2}}) {
    const GateRung g = SpendAlpha(ladder, spent, 0.5, share);
    const double room = share * (0.5 - spent);
    EXPECT_LE(g.false_accept, room);
    size_t i = 0;
    while (ladder[i].alpha != g.alpha) ++i;  // the rung it took
    ASSERT_GT(i, 0u) << "the budget binds here";
    EXPECT_GT(ladder[i - 1].false_accept, room) << "a larger rung would have fitted";
  }
  // Share 1 is the greedy rule.
  for (double spent : {0.0, 0.2, 0.45, 0.499})
    EXPECT_EQ(SpendAlpha(ladder, spent, 0.5, 1).alpha, SpendAlpha(ladder, spent, 0.5).alpha);
  EXPECT_THROW(SpendAlpha(ladder, 0, 0.5, 0), Error);
  EXPECT_THROW(SpendAlpha(ladder, 0, 0.5, 1.5), Error);
}

// Charging every gate its rung: the sum never passes the budget, and with a share the gates stay
// open far longer than under the greedy rule, which closes them once the first ones took it all.
TEST(AlphaShare, ChargesStayWithinTheBudgetAndGatesStayOpenLonger) {
  const std::vector<GateRung> ladder = Ladder();
  auto open_gates = [&ladder](double share) {
    double spent = 0;
    int open = 0;
    for (int k = 0; k < 1000; ++k) {
      const GateRung g = SpendAlpha(ladder, spent, 0.5, share);
      spent += g.false_accept;
      EXPECT_LE(spent, 0.5);
      if (g.false_accept > 1e-4) ++open;  // a gate that can still accept now and then
    }
    return open;
  };
  const int greedy = open_gates(1), shared = open_gates(0.05);
  EXPECT_LT(greedy, 30);
  EXPECT_GT(shared, 2 * greedy);
}

// ---- the stage in a run ----------------------------------------------------------------------

RsiConfig Confirmed(uint64_t seed) {
  RsiConfig c = Tiny(seed);
  c.generations = 3;
  c.confirm_games = 6;
  c.confirm = {-400, -200, 0.3, 0.3};  // permissive, like Tiny's screen: confirmations do happen
  c.alpha_run = 2;
  c.alpha_share = 0.5;
  return c;
}

std::vector<CandidateReport> Play(const RsiConfig& c, RsiResult& r) {
  std::vector<CandidateReport> out;
  RsiHooks h;
  h.on_candidate = [&out](const CandidateReport& rep) { out.push_back(rep); };
  r = RunRsi(c, h);
  return out;
}

bool ScreenAccepted(const RsiConfig& c, const CandidateReport& rep) {
  return SprtDecide(rep.llr, GateBounds(rep.alpha, c.sprt.beta)) == SprtDecision::kAccept;
}

// Only candidates the screen accepts are confirmed; the decision is the confirmation's; only
// confirmations are charged, each the gate SpendAlpha gave it; the screen's alpha is fixed.
TEST(RsiConfirm, OnlyTheConfirmationDecidesAndIsCharged) {
  for (uint64_t seed : {1, 2}) {
    const RsiConfig c = Confirmed(seed);
    RsiResult r;
    const std::vector<CandidateReport> cands = Play(c, r);
    const std::vector<GateRung> ladder = AlphaLadder(SprtTest::kExact, c.confirm, c.confirm_games);
    const double screen_rate = FalseAcceptRate(SprtTest::kExact, c.sprt, c.max_games);
    double spent = 0;
    int confirmed = 0;
    for (const CandidateReport& rep : cands) {
      if (rep.decision == "identical") continue;
      EXPECT_EQ(rep.alpha, c.sprt.alpha);
      EXPECT_EQ(rep.false_accept, screen_rate);
      ASSERT_EQ(rep.confirmation.has_value(), ScreenAccepted(c, rep)) << rep.generation << "." << rep.index;
      if (!rep.confirmation) {
        EXPECT_NE(rep.decision, "adopted");
        continue;
      }
      ++confirmed;
      const GateRung g = SpendAlpha(ladder, spent, c.alpha_run, c.alpha_share);
      EXPECT_EQ(rep.confirmation->alpha, g.alpha);
      EXPECT_EQ(rep.confirmation->false_accept, g.false_accept);
      EXPECT_EQ(rep.decision, rep.confirmation->decision);
      const int64_t played = rep.confirmation->wins + rep.confirmation->losses + rep.confirmation->draws;
      EXPECT_GE(played, 1);
      EXPECT_LE(played, c.confirm_games);
      EXPECT_EQ(rep.confirmation->llr, ExactSprtLlr(rep.confirmation->wins, rep.confirmation->losses,
                                                    rep.confirmation->draws, c.confirm.elo0, c.confirm.elo1));
      spent += g.false_accept;
    }
    EXPECT_GT(confirmed, 0) << "seed " << seed << ": no candidate reached confirmation";
    EXPECT_EQ(r.expected_false_adoptions, spent);
    EXPECT_LE(r.expected_false_adoptions, c.alpha_run);
  }
}

// With a budget too small for any rung, a confirmation's gate is closed: not played, charged
// nothing, and the candidate is not adopted, whatever its screen said.
TEST(RsiConfirm, AClosedConfirmationIsNotPlayedNorCharged) {
  RsiConfig c = Confirmed(1);
  c.alpha_run = 1e-9;
  RsiResult r;
  int closed = 0;
  for (const CandidateReport& rep : Play(c, r)) {
    if (!rep.confirmation) continue;
    ++closed;
    EXPECT_EQ(rep.confirmation->false_accept, 0.0);
    EXPECT_EQ(rep.confirmation->wins + rep.confirmation->losses + rep.confirmation->draws, 0);
    EXPECT_EQ(rep.decision, "inconclusive");
  }
  EXPECT_GT(closed, 0) << "no candidate passed the screen";
  EXPECT_EQ(r.adopted, 0);
  EXPECT_EQ(r.expected_false_adoptions, 0.0);
}

// The stage is part of the lineage: the same seed gives the same run; a different confirmation
// config may change it (the positive control that the stage is read at all).
TEST(RsiConfirm, TheSameSeedGivesTheSameRun) {
  RsiResult a, b, off;
  Play(Confirmed(3), a);
  Play(Confirmed(3), b);
  EXPECT_EQ(a.improver_hashes, b.improver_hashes);
  EXPECT_EQ(a.expected_false_adoptions, b.expected_false_adoptions);
  EXPECT_EQ(a.cumulative_evaluations, b.cumulative_evaluations);
  RsiConfig c = Confirmed(3);
  c.confirm_games = 0;
  Play(c, off);
  EXPECT_NE(a.cumulative_evaluations, off.cumulative_evaluations) << "confirmation games cost evaluations";
}

TEST(RsiConfirm, ConfirmationGamesPlayOnValidationWithSeedsOfTheirOwn) {
  const RsiConfig c = Tiny(5);
  std::set<uint64_t> seeds;
  for (int g = 1; g <= 3; ++g)
    for (int i = 0; i < 3; ++i)
      for (int k = 0; k < 5; ++k) {
        const RunJob j = ConfirmJob(c.initial, c.validation, c.seed, g, i, k, 1);
        EXPECT_EQ(j.arena_kind, ArenaKind::kValidation);
        EXPECT_EQ(j.family, k % static_cast<int>(c.validation.families.size()));
        EXPECT_EQ(j.arena.families[0].dim, c.validation.families[0].dim);
        seeds.insert(j.seed);
        EXPECT_NE(j.seed, GameJob(c.initial, c.train, c.seed, g, k, 1).seed);
        EXPECT_NE(j.seed, HeldOutJob(c.initial, c.validation, c.seed, j.family, k, 1, ArenaKind::kValidation).seed);
      }
  EXPECT_EQ(seeds.size(), 45u) << "every (generation, candidate, game) has a seed of its own";
}

TEST(RsiConfirm, TheConfigTables) {
  const RsiConfig c = ParseRsiConfig(
                          "[rsi.sprt]\nalpha = 0.2\nalpha_share = 0.05\n"
                          "[rsi.confirm]\nmax_games = 128\nelo0 = 10\nelo1 = 90\nalpha = 0.04\nbeta = 0.1\n",
                          "t.toml")
                          .rsi;
  EXPECT_EQ(c.alpha_share, 0.05);
  EXPECT_EQ(c.confirm_games, 128);
  EXPECT_EQ(c.confirm.elo0, 10);
  EXPECT_EQ(c.confirm.elo1, 90);
  EXPECT_EQ(c.confirm.alpha, 0.04);
  EXPECT_EQ(c.confirm.beta, 0.1);
  const nlohmann::json j = ToJson(c);
  EXPECT_EQ(j["confirm"]["max_games"], 128);
  EXPECT_EQ(j["sprt"]["alpha_share"], 0.05);
  // Without them, the stored config is as before the stage.
  const nlohmann::json plain = ToJson(ParseRsiConfig("", "t.toml").rsi);
  EXPECT_FALSE(plain.contains("confirm"));
  EXPECT_FALSE(plain["sprt"].contains("alpha_share"));
  ExpectParseError("[rsi.confirm]\ngames = 3\n", {"t.toml:2", "unknown key 'games'"});
  ExpectParseError("[rsi.confirm]\nmax_games = -1\n", {"t.toml:2", "max_games", "out of range"});
  ExpectParseError("[rsi.confirm]\nalpha = 0.9\n", {"t.toml:2", "[rsi.confirm].alpha"});
  ExpectParseError("[rsi.sprt]\nalpha_share = 2\n", {"t.toml:2", "alpha_share", "out of range"});
  ExpectParseError("[rsi]\ngate = \"normal\"\n[rsi.confirm]\nmax_games = 8\n", {"t.toml", "exact gate"});
}

}  // namespace
}  // namespace ouro::meta
