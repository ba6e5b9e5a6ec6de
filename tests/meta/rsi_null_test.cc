// Tests of the null control of the self-application loop (RsiConfig::null_control, NullCoin): its
// adoptions follow a coin that no game outcome moves, the coin's rate is honoured at 0 and 1, the
// proposals and games are those of the real loop, and a null run is deterministic across threads
// and checkpoints like any other. Its config keys are tested at the end. The tiny arena is in
// rsi_test_util.h.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "meta/job_runner.h"
#include "meta/rsi.h"
#include "meta/rsi_config.h"
#include "rsi_test_util.h"

namespace ouro::meta {
namespace {

using test::Tiny;

RsiConfig Null(uint64_t seed, double rate = 0.5) {
  RsiConfig c = Tiny(seed);
  c.generations = 4;
  c.candidates = 3;
  c.null_control = true;
  c.null_adopt_rate = rate;
  return c;
}

// Every candidate a run reported, by (generation, index).
using Position = std::pair<int, int>;
struct Reports {
  std::map<Position, CandidateReport> by_position;
  RsiResult result;
};

Reports Play(const RsiConfig& c, JobRunner* runner = nullptr, const RsiState* resume = nullptr) {
  Reports r;
  RsiHooks h;
  h.on_candidate = [&r](const CandidateReport& rep) {
    r.by_position[{rep.generation, rep.index}] = rep;
  };
  InlineRunner inline_runner;
  r.result = RunRsi(c, h, resume, runner ? *runner : inline_runner);
  return r;
}

bool Played(const CandidateReport& r) { return r.decision != "identical"; }

// Over the positions both runs played: how many there are, at how many the game outcomes differ,
// and at how many the adoption decisions differ.
struct Comparison {
  int common = 0, outcomes_differ = 0, adoptions_differ = 0;
};
Comparison Compare(const Reports& a, const Reports& b) {
  Comparison c;
  for (const auto& [pos, ra] : a.by_position) {
    const auto it = b.by_position.find(pos);
    if (it == b.by_position.end() || !Played(ra) || !Played(it->second)) continue;
    const CandidateReport& rb = it->second;
    ++c.common;
    c.outcomes_differ += ra.wins != rb.wins || ra.losses != rb.losses || ra.draws != rb.draws;
    c.adoptions_differ += (ra.decision == "adopted") != (rb.decision == "adopted");
  }
  return c;
}

// Two runs whose games go differently (another training budget: other wins and losses) adopt at
// the same positions wherever both played, because only the coin decides. The same pair of runs
// with the real gate adopts at different positions: the comparison can tell selection from a coin.
TEST(RsiNull, AdoptionsIgnoreTheOutcomesOfTheGames) {
  for (uint64_t seed : {1, 2}) {
    RsiConfig other = Null(seed);
    other.train.budget = 120;
    const Reports a = Play(Null(seed)), b = Play(other);
    const Comparison null = Compare(a, b);
    EXPECT_GE(null.common, 4) << seed;
    EXPECT_GT(null.outcomes_differ, 0)
        << "seed " << seed << ": the two arenas must give other outcomes";
    EXPECT_EQ(null.adoptions_differ, 0) << seed;
    EXPECT_GT(a.result.adopted, 0) << seed;
    for (const Reports* r : {&a, &b})
      for (const auto& [pos, rep] : r->by_position) {
        if (!Played(rep)) continue;
        const bool heads = NullCoin(seed, pos.first, pos.second, 0.5);
        EXPECT_EQ(rep.decision, heads ? "adopted" : "rejected") << pos.first << "." << pos.second;
        EXPECT_EQ(rep.metrics.at("null_coin"), heads ? 1 : 0);
        EXPECT_EQ(
            rep.note.rfind(heads ? "null control: coin heads" : "null control: coin tails", 0), 0u)
            << rep.note;
      }
  }
  // The control: under the real gate the same change of outcomes moves the adoptions (on some
  // seed: a seed whose gate adopts nothing in either arena shows no difference).
  int real_differ = 0;
  for (uint64_t seed : {1, 2, 3, 4}) {
    RsiConfig real_a = Null(seed), real_b = Null(seed);
    real_b.train.budget = 120;
    real_a.null_control = real_b.null_control = false;
    real_differ += Compare(Play(real_a), Play(real_b)).adoptions_differ;
  }
  EXPECT_GT(real_differ, 0) << "the real gate should follow the outcomes";
}

TEST(RsiNull, RateZeroAdoptsNothingAndRateOneTheFirstPlayedCandidate) {
  const Reports none = Play(Null(3, 0.0));
  EXPECT_EQ(none.result.adopted, 0);
  EXPECT_EQ(none.result.curve.size(), 1u);                      // only generation 0's point
  EXPECT_EQ(static_cast<int>(none.by_position.size()), 4 * 3);  // nothing ends a generation early
  int played = 0;
  for (const auto& [pos, rep] : none.by_position) {
    if (!Played(rep)) continue;
    EXPECT_EQ(rep.decision, "rejected");
    ++played;
  }
  EXPECT_GT(played, 0);

  const Reports all = Play(Null(3, 1.0));
  EXPECT_EQ(all.result.adopted, 4);
  for (int g = 1; g <= 4; ++g) {
    std::optional<int> adopted;
    for (const auto& [pos, rep] : all.by_position) {
      if (pos.first != g) continue;
      EXPECT_FALSE(adopted) << "candidate " << g << "." << pos.second << " after the adoption";
      if (Played(rep)) {
        EXPECT_EQ(rep.decision, "adopted");
        adopted = pos.second;
      }
    }
    EXPECT_TRUE(adopted) << "generation " << g;
  }
}

// The coin draws nothing from the loop's Rng and changes no game: in generation 1 (same incumbent)
// the null run proposes the real run's candidates and plays exactly their games, up to the real
// run's first adoption; the gate's own verdict is kept in the note.
TEST(RsiNull, ProposalsAndGamesAreThoseOfTheRealLoop) {
  RsiConfig real_cfg = Null(1, 0.0);
  real_cfg.null_control = false;
  const Reports real = Play(real_cfg), null = Play(Null(1, 0.0));
  int compared = 0;
  for (const auto& [pos, r] : real.by_position) {
    if (pos.first != 1) break;
    const CandidateReport& n = null.by_position.at(pos);
    EXPECT_EQ(SpecHash(n.spec), SpecHash(r.spec));
    EXPECT_EQ(n.wins, r.wins);
    EXPECT_EQ(n.losses, r.losses);
    EXPECT_EQ(n.draws, r.draws);
    EXPECT_EQ(n.llr, r.llr);
    EXPECT_EQ(n.alpha, r.alpha);
    if (Played(r)) {
      EXPECT_NE(n.note.find("the gate said " + r.decision), std::string::npos) << n.note;
    }
    ++compared;
  }
  EXPECT_GE(compared, 1);
}

std::string Fingerprint(const Reports& r) {
  std::string s =
      SpecHash(r.result.final_spec) + " " + std::to_string(r.result.cumulative_evaluations) + "\n";
  for (const auto& [pos, rep] : r.by_position)
    s += std::to_string(pos.first) + "." + std::to_string(pos.second) + " " + rep.decision + " " +
         SpecHash(rep.spec) + " " + std::to_string(rep.wins) + "/" + std::to_string(rep.losses) +
         "\n";
  return s;
}

TEST(RsiNull, SameLineageOnTwoThreadsAndAfterAResume) {
  const RsiConfig c = Null(2);
  std::vector<RsiState> states;
  Reports full;
  {
    RsiHooks h;
    h.on_candidate = [&full](const CandidateReport& rep) {
      full.by_position[{rep.generation, rep.index}] = rep;
    };
    h.on_checkpoint = [&states](const RsiState& s) { states.push_back(s); };
    full.result = RunRsi(c, h);
  }
  ASSERT_GE(full.result.adopted, 1) << "the test needs a lineage with an adoption";
  ThreadRunner two(2);
  EXPECT_EQ(Fingerprint(Play(c, &two)), Fingerprint(full));
  ASSERT_EQ(states.size(), 5u);
  for (const RsiState& s : {states[1], states[3]}) {
    const RsiState copy = StateFromJson(nlohmann::json::parse(ToJson(s).dump()));
    Reports resumed = Play(c, nullptr, &copy);
    // The resumed run reports the generations after the checkpoint; the rest is the full run's.
    for (const auto& [pos, rep] : full.by_position)
      if (pos.first <= s.generation) resumed.by_position.emplace(pos, rep);
    EXPECT_EQ(Fingerprint(resumed), Fingerprint(full))
        << "resumed after generation " << s.generation;
  }
}

// ---- config ------------------------------------------------------------------------------------

TEST(RsiNull, ConfigKeysAndBadRates) {
  RsiConfig c = Tiny(1);
  EXPECT_FALSE(c.null_control);
  EXPECT_EQ(c.null_adopt_rate, 0.5);
  for (double bad : {-0.1, 1.5, std::nan("")}) {
    c.null_adopt_rate = bad;
    EXPECT_THROW(c.Validate(), Error) << bad;
  }
  const RsiFileConfig f =
      ParseRsiConfig("[rsi]\nnull_control = true\nnull_adopt_rate = 0.25\n", "n.toml");
  EXPECT_TRUE(f.rsi.null_control);
  EXPECT_EQ(f.rsi.null_adopt_rate, 0.25);
  EXPECT_EQ(ToJson(f.rsi).at("null_control"), true);
  EXPECT_EQ(ToJson(f.rsi).at("null_adopt_rate"), 0.25);
  EXPECT_FALSE(ToJson(Tiny(1)).contains("null_control"));  // other runs' stored config is unchanged
  for (const auto& [text, fragment] : std::vector<std::pair<std::string, std::string>>{
           {"[rsi]\nnull_adopt_rate = 1.5\n", "null_adopt_rate: value out of range [0, 1]"},
           {"[rsi]\nnull_adopt_rate = -1\n", "null_adopt_rate: value out of range [0, 1]"},
           {"[rsi]\nnull_adopt_rate = \"half\"\n", "null_adopt_rate: expected a number"},
           {"[rsi]\nnull_control = 1\n", "null_control: expected true or false"}}) {
    try {
      ParseRsiConfig(text, "n.toml");
      ADD_FAILURE() << "accepted " << text;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("n.toml:"), std::string::npos) << e.what();
    }
  }
}

// The coin is a pure function of (seed, generation, index) with the rate as its probability.
TEST(RsiNull, TheCoinIsAFixedStreamWithTheGivenRate) {
  int heads = 0;
  for (int g = 1; g <= 50; ++g)
    for (int i = 0; i < 40; ++i) {
      const bool h = NullCoin(7, g, i, 0.3);
      EXPECT_EQ(h, NullCoin(7, g, i, 0.3));
      EXPECT_FALSE(NullCoin(7, g, i, 0.0));
      EXPECT_TRUE(NullCoin(7, g, i, 1.0));
      heads += h;
    }
  EXPECT_NEAR(heads / 2000.0, 0.3, 0.04);  // 4 standard deviations
  int differ = 0;
  for (int i = 0; i < 64; ++i) differ += NullCoin(7, 1, i, 0.5) != NullCoin(8, 1, i, 0.5);
  EXPECT_GT(differ, 10);  // another seed, another coin sequence
}

}  // namespace
}  // namespace ouro::meta
