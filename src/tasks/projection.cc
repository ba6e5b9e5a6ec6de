// tasks/projection.cc — drawing and applying Gaussian random projections (see projection.h).

#include "tasks/projection.h"

#include <cmath>

#include "core/error.h"
#include "core/rng.h"

namespace ouro::tasks {

Projection::Projection(uint64_t seed, int in, int out) : in_(in), out_(out) {
  OURO_CHECK(in > 0 && out > 0);
  pt_.resize(static_cast<size_t>(in) * out);
  Rng rng(seed);
  const double scale = 1.0 / std::sqrt(static_cast<double>(in));
  for (int k = 0; k < out; ++k) {
    for (int j = 0; j < in; ++j) pt_[static_cast<size_t>(j) * out + k] = rng.Gaussian() * scale;
  }
}

void Projection::Apply(const double* src, double* dst) const {
  // Gather the nonzero inputs once: adding an exact 0 changes no sum (beyond the sign of a zero).
  std::vector<int> nz;
  nz.reserve(in_);
  for (int j = 0; j < in_; ++j) {
    if (src[j] != 0.0) nz.push_back(j);
  }
  // Blocks of 8 outputs accumulate in registers across all inputs; the fixed block width lets the
  // compiler vectorize over outputs. Each output is still summed over j in ascending order, so the
  // result is the same bit for bit however the loop is compiled.
  constexpr int kBlock = 8;
  int k0 = 0;
  for (; k0 + kBlock <= out_; k0 += kBlock) {
    double acc[kBlock] = {};
    for (int j : nz) {
      const double v = src[j];
      const double* p = pt_.data() + static_cast<size_t>(j) * out_ + k0;
      for (int k = 0; k < kBlock; ++k) acc[k] += p[k] * v;
    }
    for (int k = 0; k < kBlock; ++k) dst[k0 + k] = acc[k];
  }
  for (int k = k0; k < out_; ++k) {
    double acc = 0.0;
    for (int j : nz) acc += pt_[static_cast<size_t>(j) * out_ + k] * src[j];
    dst[k] = acc;
  }
}

}  // namespace ouro::tasks
