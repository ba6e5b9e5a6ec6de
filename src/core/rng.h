// core/rng.h — deterministic random numbers.
//
// Rng is a small, fast, seedable generator (xoshiro256** seeded through splitmix64). Every
// stochastic choice in Ouro draws from an Rng whose seed derives from the run seed, so the same
// seed and config give the same lineage. Not thread-safe: give each thread or stream its own Rng
// (DeriveSeed makes independent stream seeds from a parent seed and a stream id).
#pragma once

#include <array>
#include <cstdint>
#include <limits>

namespace ouro {

// splitmix64 step: a good 64-bit mixer, used for seeding and hashing seeds together.
inline uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Seed of an independent stream `stream` under `parent`.
inline uint64_t DeriveSeed(uint64_t parent, uint64_t stream) {
  return SplitMix64(SplitMix64(parent) ^ (stream * 0xd1b54a32d192ed03ULL + 0x2545f4914f6cdd1dULL));
}

// A fresh seed below 10^9 from the clock and the process id, for runs given none (the run prints
// and stores the seed it used, so it can be repeated).
uint64_t RandomSeed();

class Rng {
 public:
  using result_type = uint64_t;
  explicit Rng(uint64_t seed = 0) { Seed(seed); }
  void Seed(uint64_t seed);

  static constexpr uint64_t min() { return 0; }
  static constexpr uint64_t max() { return std::numeric_limits<uint64_t>::max(); }
  uint64_t operator()() { return Next(); }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  // Uniform integer in [0, n). REQUIRES: n > 0.
  uint32_t Below(uint32_t n) {
    return static_cast<uint32_t>((static_cast<unsigned __int128>(Next() >> 32) * n) >> 32);
  }
  // Uniform double in [0, 1).
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  // Standard normal (Box-Muller; no cached second value, so the stream stays simple to reason about).
  double Gaussian();
  double Gaussian(double mean, double stddev) { return mean + stddev * Gaussian(); }
  bool Bernoulli(double p) { return Uniform() < p; }

  // The whole generator state (for checkpoints): SetState(State()) continues the same stream.
  std::array<uint64_t, 4> State() const { return {s_[0], s_[1], s_[2], s_[3]}; }
  void SetState(const std::array<uint64_t, 4>& s) {
    for (int i = 0; i < 4; ++i) s_[i] = s[i];
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

}  // namespace ouro
