#include "lang/prune.h"

#include <gtest/gtest.h>

#include "lang/interpreter.h"
#include "lang/text.h"
#include "test_util.h"

namespace ouro::lang {
namespace {

std::vector<bool> Flat(const std::array<std::vector<bool>, kNumComponents>& live) {
  std::vector<bool> out;
  for (const auto& v : live) out.insert(out.end(), v.begin(), v.end());
  return out;
}

TEST(Prune, KeepsTheLearningLoopAndDropsDeadCode) {
  const Program p = Parse(
      "def setup():\n"
      "  s2 = 0.1\n"        // live: learning rate
      "  s3 = 5\n"          // dead: overwritten in learn before any read
      "def predict():\n"
      "  s1 = dot(v0, v1)\n"
      "  v2 = s2 * v0\n"    // dead: v2 is overwritten in learn before it is read
      "def learn():\n"
      "  s3 = s0 - s1\n"
      "  s3 = s2 * s3\n"
      "  v2 = s3 * v0\n"
      "  v1 = v1 + v2\n"
      "  m0 = outer(v1, v1)\n");  // dead: never read
  const auto live = LiveInstructions(p);
  EXPECT_EQ(Flat(live), (std::vector<bool>{true, false, true, false, true, true, true, true, false}));
}

TEST(Prune, LiveProgramKeepsOnlyLiveInstructionsInOrder) {
  const Program p = Parse(
      "def setup():\n  s2 = 0.1\n  s3 = 5\n"
      "def predict():\n  s1 = dot(v0, v1)\n"
      "def learn():\n  s3 = s0 - s1\n  m0 = outer(v1, v1)\n  s3 = s2 * s3\n  v2 = s3 * v0\n  v1 = v1 + v2\n");
  EXPECT_EQ(Print(LiveProgram(p)),
            "def setup():\n  s2 = 0.1\ndef predict():\n  s1 = dot(v0, v1)\n"
            "def learn():\n  s3 = s0 - s1\n  s3 = s2 * s3\n  v2 = s3 * v0\n  v1 = v1 + v2\n");
}

TEST(Prune, PartialWritesKeepTheirRegisterLive) {
  const Program p = Parse(
      "def setup():\n  v1 = bcast(s2)\n  v1[0] = 3\n"
      "def predict():\n  s1 = mean(v1)\n");
  EXPECT_EQ(Flat(LiveInstructions(p)), (std::vector<bool>{true, true, true}));
}

TEST(Prune, FeaturesAndLabelWrittenByTheProgramStillReachLearn) {
  // predict writes v0, learn reads it: live. setup's write of s0 is clobbered before predict: dead.
  const Program p = Parse(
      "def setup():\n  s0 = 4\n"
      "def predict():\n  v0 = s2 * v0\n  s1 = mean(v1)\n"
      "def learn():\n  v1 = v1 + v0\n");
  EXPECT_EQ(Flat(LiveInstructions(p)), (std::vector<bool>{false, true, true, true}));
}

// Pruning must never change what a program computes: run random programs through a small training
// loop with and without pruning and compare every prediction bit for bit.
TEST(Prune, PrunedProgramsPredictIdentically) {
  Rng r(21);
  Shape s{5, 4, 2, 4};
  int removed = 0;
  for (int rep = 0; rep < 300; ++rep) {
    const Program p = testing::RandomProgram(r, s, 8);
    const Executable full = Compile(p, s, false), pruned = Compile(p, s, true);
    removed += static_cast<int>(p.Size()) - static_cast<int>(pruned.fn[0].size() + pruned.fn[1].size() + pruned.fn[2].size());
    Machine a, b;
    a.Reset(full, 3);
    b.Reset(pruned, 3);
    a.Run(full, Component::kSetup);
    b.Run(pruned, Component::kSetup);
    Rng data(rep);
    for (int ex = 0; ex < 6; ++ex) {
      double x[4];
      for (double& v : x) v = data.Gaussian();
      const double y = data.Gaussian();
      for (Machine* m : {&a, &b}) {
        const Executable& e = m == &a ? full : pruned;
        std::copy(x, x + 4, m->vector(e, 0));
        m->scalar(0) = 0;
        m->Run(e, Component::kPredict);
      }
      const double pa = a.scalar(1), pb = b.scalar(1);
      if (std::isnan(pa)) ASSERT_TRUE(std::isnan(pb)); else ASSERT_EQ(pa, pb) << Print(p);
      if (ex < 4) {
        a.scalar(0) = y;
        b.scalar(0) = y;
        a.Run(full, Component::kLearn);
        b.Run(pruned, Component::kLearn);
      }
    }
  }
  EXPECT_GT(removed, 300);  // random programs are mostly dead code
}

}  // namespace
}  // namespace ouro::lang
