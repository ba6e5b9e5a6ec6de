// Tests of the fingerprint's pieces that the search relies on for speed: the bit-level
// quantisation (the same integers as frexp + llround) and the executable-to-fingerprint memo.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <vector>

#include "core/rng.h"
#include "eval/evaluator.h"
#include "eval/fec_cache.h"

namespace ouro::eval {
namespace {

Quantized Library(double p) {
  Quantized q;
  const double mant = std::frexp(p, &q.exponent);
  q.mantissa = std::llround(mant * 1048576.0);
  return q;
}

void ExpectSame(double p) {
  const Quantized a = Quantize(p), b = Library(p);
  EXPECT_EQ(a.mantissa, b.mantissa) << p;
  EXPECT_EQ(a.exponent, b.exponent) << p;
}

TEST(Quantize, MatchesFrexpAndLlroundOnEdgesAndAtRandom) {
  const double edges[] = {0.0, -0.0, 1.0, -1.0, 0.5, 0.75, 1e12, -1e12, 3.0e-300,
                          std::numeric_limits<double>::min(), std::numeric_limits<double>::denorm_min(),
                          -std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::max(),
                          std::nextafter(1.0, 2.0), std::nextafter(1.0, 0.0)};
  for (double p : edges) ExpectSame(p);
  // Exactly halfway between two 20-bit mantissas, and one ulp either side: llround rounds half
  // away from zero.
  for (double sign : {1.0, -1.0})
    for (uint64_t k : {uint64_t{0}, uint64_t{12345}, (uint64_t{1} << 19) - 1}) {
      const uint64_t sig = (uint64_t{1} << 52) | (k << 33) | (uint64_t{1} << 32);
      const double half = sign * std::ldexp(static_cast<double>(sig), -52);
      ExpectSame(half);
      ExpectSame(std::nextafter(half, 0.0));
      ExpectSame(std::nextafter(half, 10.0 * half));
    }
  Rng rng(7);
  for (int i = 0; i < 200000; ++i) {
    const uint64_t bits = rng.Next();
    const double p = std::bit_cast<double>(bits);
    if (std::isfinite(p)) ExpectSame(p);
    ExpectSame(rng.Gaussian() * std::pow(10.0, static_cast<double>(rng.Below(24)) - 12));
  }
}

TEST(FingerprintMemo, RemembersUntilReplacedInItsSlotOrCleared) {
  FingerprintMemo memo(4);  // 16 slots
  EXPECT_FALSE(memo.Lookup(5).has_value());
  memo.Insert(5, 50);
  memo.Insert(6, 60);
  EXPECT_EQ(memo.Lookup(5), 50u);
  EXPECT_EQ(memo.Lookup(6), 60u);
  EXPECT_FALSE(memo.Lookup(5 + 16).has_value());  // same slot, other key: not a hit
  memo.Insert(5 + 16, 70);                         // replaces 5 in its slot
  EXPECT_FALSE(memo.Lookup(5).has_value());
  EXPECT_EQ(memo.Lookup(5 + 16), 70u);
  memo.Insert(0, 0);  // key 0 with fingerprint 0 is a real entry, not an empty slot
  EXPECT_EQ(memo.Lookup(0), 0u);
  memo.Clear();
  EXPECT_FALSE(memo.Lookup(6).has_value());
  EXPECT_FALSE(memo.Lookup(0).has_value());
}

}  // namespace
}  // namespace ouro::eval
