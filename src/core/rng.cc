#include "core/rng.h"

#include <unistd.h>

#include <chrono>
#include <cmath>
#include <numbers>

namespace ouro {

uint64_t RandomSeed() {
  const auto now = std::chrono::system_clock::now().time_since_epoch().count();
  return SplitMix64(static_cast<uint64_t>(now) ^ static_cast<uint64_t>(getpid())) % 1000000000ULL;
}

void Rng::Seed(uint64_t seed) {
  uint64_t x = seed;
  for (auto& s : s_) {
    x += 0x9e3779b97f4a7c15ULL;
    s = SplitMix64(x);
  }
}

double Rng::Gaussian() {
  double u1 = Uniform();
  while (u1 <= 0.0) u1 = Uniform();
  const double u2 = Uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

}  // namespace ouro
