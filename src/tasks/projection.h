// tasks/projection.h — seeded Gaussian random projections of feature vectors.
//
// A projection maps `in` features to `out` by a matrix P (out×in) with N(0, 1/in) entries. Drawing
// order is fixed (row k of P, then column j), so a seed names one matrix forever. The matrix is
// stored transposed (in×out) so that Apply can skip zero inputs (most Fashion-MNIST pixels) and
// run its inner loop over the outputs, which vectorizes without reordering any sum.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ouro::tasks {

class Projection {
 public:
  Projection(uint64_t seed, int in, int out);

  int in() const { return in_; }
  int out() const { return out_; }
  // P[k][j].
  double at(int k, int j) const { return pt_[static_cast<size_t>(j) * out_ + k]; }
  // dst[k] = sum_j P[k][j] * src[j], j ascending. dst has out() doubles, src in().
  void Apply(const double* src, double* dst) const;

 private:
  int in_, out_;
  std::vector<double> pt_;  // in×out, pt_[j * out + k] = P[k][j]
};

}  // namespace ouro::tasks
