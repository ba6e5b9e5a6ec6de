// Tests of the training curriculum: the games of a generation play the current rung only, the
// loop moves on when the incumbent's games reach the training target (and not otherwise), the
// rung is checkpointed, and a config without a curriculum plays family k mod F as before.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "core/error.h"
#include "meta/rsi.h"
#include "meta/rsi_config.h"
#include "rsi_test_util.h"

namespace ouro::meta {
namespace {

RsiConfig Curriculum(double target) {
  RsiConfig c = test::Tiny(1);
  c.train.families = {tasks::ParseTaskSpec("linear:dim=1,tasks=1,train=10,valid=10"),
                      tasks::ParseTaskSpec("linear:dim=2,tasks=2,train=10,valid=10"),
                      tasks::ParseTaskSpec("nonlinear:dim=2,tasks=2,train=10,valid=10,hidden=2")};
  c.curriculum = true;
  c.train.target = target;
  c.generations = 3;
  return c;
}

// The rung of each checkpoint, and the families the games of each generation played (read from
// the log: one line per advance).
struct Record {
  std::vector<int> rungs;
  int advances = 0;
  RsiResult result;
};

Record RunAndRecord(const RsiConfig& c) {
  Record r;
  RsiHooks h;
  h.on_checkpoint = [&r](const RsiState& s) { r.rungs.push_back(s.rung); };
  h.on_log = [&r](const std::string& line) { r.advances += line.rfind("curriculum:", 0) == 0; };
  r.result = RunRsi(c, h);
  return r;
}

TEST(RsiCurriculum, AnEasyTargetAdvancesEveryGenerationUpToTheLastRung) {
  const Record r = RunAndRecord(Curriculum(1e-6));  // any run reaches it
  EXPECT_EQ(r.rungs, (std::vector<int>{0, 1, 2, 2}));  // generation 0, then after generations 1-3
  EXPECT_EQ(r.advances, 2);
}

TEST(RsiCurriculum, AnUnreachableTargetStaysOnTheFirstRung) {
  const Record r = RunAndRecord(Curriculum(1.0));
  EXPECT_EQ(r.rungs, (std::vector<int>{0, 0, 0, 0}));
  EXPECT_EQ(r.advances, 0);
}

// Games follow the rung: with every rung the same family, the curriculum plays exactly the games
// of a config without one, but not with different rungs.
TEST(RsiCurriculum, GamesPlayTheCurrentRung) {
  RsiConfig same = Curriculum(1e-6), flat = test::Tiny(1);
  same.train.families = {flat.train.families[0], flat.train.families[0]};
  flat.generations = same.generations;
  const RsiResult a = RunRsi(same), b = RunRsi(flat);
  EXPECT_EQ(a.improver_hashes, b.improver_hashes);
  EXPECT_EQ(a.cumulative_evaluations, b.cumulative_evaluations);
  const RsiResult c = RunRsi(Curriculum(1e-6));
  EXPECT_NE(c.cumulative_evaluations, a.cumulative_evaluations);
}

TEST(RsiCurriculum, ConfigKeyAndCheckpoint) {
  const std::string text =
      "[rsi.train]\nfamilies = [\"linear:dim=1\", \"linear:dim=2\"]\ncurriculum = true\n"
      "[rsi.validation]\nfamilies = [\"linear:dim=3\"]\n[rsi.test]\nfamilies = [\"linear:dim=5\"]\n";
  const RsiConfig c = ParseRsiConfig(text, "t.toml").rsi;
  EXPECT_TRUE(c.curriculum);
  EXPECT_EQ(ToJson(c)["train"]["curriculum"], true);
  EXPECT_FALSE(ToJson(test::Tiny(1))["train"].contains("curriculum"));
  EXPECT_THROW(ParseRsiConfig("[rsi.train]\ncurriculum = 1\n", "t.toml"), Error);
  RsiState s;
  s.incumbent = test::Tiny(1).initial;
  s.result.curve.push_back({});
  s.rung = 2;
  EXPECT_EQ(StateFromJson(ToJson(s)).rung, 2);
  s.rung = 0;
  EXPECT_FALSE(ToJson(s).contains("rung"));
}

}  // namespace
}  // namespace ouro::meta
