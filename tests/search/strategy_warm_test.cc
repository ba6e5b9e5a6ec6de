// Tests of the warm start (Strategy::warm_start): its effective form (programs that do not fit the
// shape or the sizes dropped, none left or a share that rounds to no member: no warm start, and
// then exactly the form without one), its JSON and TOML forms (absent when unset, so older specs
// read and hash as before), and the initial population it seeds (first round(share x population)
// members, cycled; the rest per `initial`).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <sstream>

#include "core/error.h"
#include "lang/reference.h"
#include "lang/text.h"
#include "search/strategy_toml.h"
#include "strategy_test_util.h"

namespace ouro::search {
namespace {

using test::Config;
using test::Evolve;

lang::Program Learner() { return lang::Parse(*lang::ReferenceProgram("linear_regression")); }
lang::Program Weak() { return lang::Parse("def predict():\n  s1 = 0.5\n"); }

WarmStart Warm(std::vector<lang::Program> programs, double share) { return WarmStart{std::move(programs), share}; }

std::string JsonOf(const Strategy& s) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  StrategyToJson(s, j);
  return j.dump();
}

TEST(WarmStart, AbsentMeansTodaysFormEverywhere) {
  const EvolutionConfig c = Config();
  const Strategy plain = c;
  EXPECT_FALSE(EffectiveStrategy(plain, c.shape).warm_start);
  EXPECT_EQ(JsonOf(plain).find("warm_start"), std::string::npos);
  EXPECT_EQ(CompileStrategy(plain, c.shape).warm_count, 0);
  EXPECT_TRUE(CompileStrategy(plain, c.shape).warm_programs.empty());
  // A JSON form without the key reads as no warm start.
  Strategy back;
  back.warm_start = Warm({Learner()}, 0.5);
  StrategyFromJson(nlohmann::ordered_json::parse(JsonOf(plain)), back, {});
  EXPECT_FALSE(back.warm_start);
  EXPECT_EQ(JsonOf(back), JsonOf(plain));
}

TEST(WarmStart, EffectiveFormDropsProgramsThatDoNotFit) {
  EvolutionConfig c = Config();  // shape of the demo: 4 scalars
  const lang::Program foreign = lang::Parse("def learn():\n  s9 = s0 + s1\n");  // no s9 here
  lang::Program big = Learner();
  for (int i = 0; i < 50; ++i) big.fn[2].push_back(big.fn[2][0]);  // longer than max_size.learn
  c.warm_start = Warm({foreign, Learner(), big, Weak()}, 0.25);
  const Strategy e = EffectiveStrategy(c, c.shape);
  ASSERT_TRUE(e.warm_start);
  EXPECT_EQ(e.warm_start->programs, (std::vector<lang::Program>{Learner(), Weak()}));
  EXPECT_EQ(e.warm_start->share, 0.25);
  const CompiledStrategy compiled = CompileStrategy(c, c.shape);
  EXPECT_EQ(compiled.warm_programs, e.warm_start->programs);
  EXPECT_EQ(compiled.warm_count, 12);  // round(0.25 x 48)
  // None left: exactly the effective form of the strategy without a warm start.
  c.warm_start = Warm({foreign, big}, 0.25);
  Strategy none = c;
  none.warm_start.reset();
  EXPECT_EQ(JsonOf(EffectiveStrategy(c, c.shape)), JsonOf(EffectiveStrategy(none, c.shape)));
  // A share that rounds to no member: likewise.
  c.warm_start = Warm({Learner()}, 0.01);  // 0.48 of 48 members
  EXPECT_EQ(JsonOf(EffectiveStrategy(c, c.shape)), JsonOf(EffectiveStrategy(none, c.shape)));
  EXPECT_EQ(WarmCount(c), 0);
}

TEST(WarmStart, ValidateRefusesEmptyOrOutOfRange) {
  Strategy s;
  s.warm_start = Warm({}, 0.5);
  EXPECT_THROW(s.Validate(), Error);
  s.warm_start = Warm({Learner()}, 0);
  EXPECT_THROW(s.Validate(), Error);
  s.warm_start = Warm({Learner()}, 1.5);
  EXPECT_THROW(s.Validate(), Error);
  s.warm_start = Warm({Learner()}, 1);
  EXPECT_NO_THROW(s.Validate());
}

TEST(WarmStart, JsonAndTomlRoundTrip) {
  Strategy s;
  s.warm_start = Warm({Learner(), Weak()}, 0.3);
  Strategy back;
  StrategyFromJson(nlohmann::ordered_json::parse(JsonOf(s)), back, {});
  ASSERT_TRUE(back.warm_start);
  EXPECT_EQ(*back.warm_start, *s.warm_start);
  EXPECT_EQ(JsonOf(back), JsonOf(s));
  // TOML: [search.warm_start] with the programs as text.
  toml::table t = StrategyToToml(s);
  std::ostringstream text;
  text << t;
  const toml::table parsed = toml::parse(text.str());
  Strategy from_toml;
  StrategyFromToml(TomlReader("test"), parsed, from_toml);
  ASSERT_TRUE(from_toml.warm_start);
  EXPECT_EQ(*from_toml.warm_start, *s.warm_start);
  // A bad program is an error naming the field.
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(JsonOf(s));
  j["warm_start"]["programs"][0] = "def learn():\n  nonsense\n";
  try {
    StrategyFromJson(j, back, {});
    FAIL() << "accepted a malformed program";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("warm_start.programs[0]"), std::string::npos) << e.what();
  }
}

// Population 48, no breeding beyond the seeding (max_individuals = population): the best member is
// the learner, and its id says where it was seeded.
TEST(WarmStart, SeedsTheFirstMembersCycled) {
  EvolutionConfig c = Config();
  c.initial = "empty";
  c.max_individuals = 96;
  c.mutate_prob = 0;  // children are exact copies: the seeded programs are all there is
  const EvolutionResult cold = Evolve(c, 3, 1);
  c.warm_start = Warm({Weak(), Learner()}, 4.0 / 48);  // 4 members: weak, learner, weak, learner
  const EvolutionResult warm = Evolve(c, 3, 1);
  EXPECT_GT(warm.fitness_search, cold.fitness_search + 0.1);
  ASSERT_FALSE(warm.lineage.empty());
  const auto& root = warm.lineage.front();
  EXPECT_EQ(root->program, Learner());
  EXPECT_TRUE(root->id == 1 || root->id == 3) << root->id;
  // Share honoured: with one member seeded it is the weak program only, and the run is cold.
  c.warm_start = Warm({Weak(), Learner()}, 1.0 / 48);
  EXPECT_LT(Evolve(c, 3, 1).fitness_search, warm.fitness_search - 0.1);
}

}  // namespace
}  // namespace ouro::search
