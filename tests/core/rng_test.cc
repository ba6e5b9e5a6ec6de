#include "core/rng.h"

#include <gtest/gtest.h>

#include <cmath>

namespace ouro {

TEST(Rng, SameSeedSameStream) {
  Rng a(42), b(42), c(43);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const uint64_t x = a.Next();
    EXPECT_EQ(x, b.Next());
    differs |= x != c.Next();
  }
  EXPECT_TRUE(differs);
}

TEST(Rng, UniformAndGaussianMoments) {
  Rng r(7);
  double su = 0, sg = 0, sg2 = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double u = r.Uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    su += u;
    const double g = r.Gaussian();
    sg += g;
    sg2 += g * g;
  }
  EXPECT_NEAR(su / n, 0.5, 0.01);
  EXPECT_NEAR(sg / n, 0.0, 0.01);
  EXPECT_NEAR(sg2 / n, 1.0, 0.02);
}

TEST(Rng, BelowCoversRangeOnly) {
  Rng r(1);
  int counts[7] = {};
  for (int i = 0; i < 7000; ++i) {
    const uint32_t k = r.Below(7);
    ASSERT_LT(k, 7u);
    ++counts[k];
  }
  for (int c : counts) EXPECT_GT(c, 800);
}

TEST(Rng, DeriveSeedSeparatesStreams) {
  EXPECT_NE(DeriveSeed(1, 0), DeriveSeed(1, 1));
  EXPECT_NE(DeriveSeed(1, 0), DeriveSeed(2, 0));
  EXPECT_EQ(DeriveSeed(5, 9), DeriveSeed(5, 9));
}

}  // namespace ouro
