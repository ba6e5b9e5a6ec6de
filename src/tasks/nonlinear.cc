// tasks/nonlinear.cc — the "nonlinear" family: regression on a random two-layer ReLU teacher,
// y = u·relu(W x), W (hidden×dim) ~ N(0, 1/dim), u (hidden) ~ N(0, 1/hidden), x ~ N(0, I).

#include <algorithm>
#include <cmath>
#include <string>

#include "core/rng.h"
#include "tasks/families.h"

namespace ouro::tasks::internal {
namespace {

struct Teacher {
  int dim, hidden;
  std::vector<double> w;  // hidden×dim, row-major
  std::vector<double> u;  // hidden

  double operator()(const double* x) const {
    double y = 0.0;
    const double* row = w.data();
    for (int h = 0; h < hidden; ++h, row += dim) {
      double a = 0.0;
      for (int j = 0; j < dim; ++j) a += row[j] * x[j];
      y += u[h] * std::max(a, 0.0);
    }
    return y;
  }
};

}  // namespace

// Instance i: Rng(DeriveSeed(seed, i)) draws W row by row, then u, then the train, valid and test
// examples in that order.
std::vector<Dataset> GenerateNonlinear(const TaskSpec& spec) {
  std::vector<Dataset> out(spec.num_tasks);
  Teacher t{spec.dim, spec.hidden, std::vector<double>(static_cast<size_t>(spec.hidden) * spec.dim),
            std::vector<double>(spec.hidden)};
  const double w_scale = 1.0 / std::sqrt(static_cast<double>(spec.dim));
  const double u_scale = 1.0 / std::sqrt(static_cast<double>(spec.hidden));
  for (int i = 0; i < spec.num_tasks; ++i) {
    Rng rng(DeriveSeed(spec.seed, i));
    for (double& v : t.w) v = rng.Gaussian() * w_scale;
    for (double& v : t.u) v = rng.Gaussian() * u_scale;
    Dataset& d = out[i];
    d.name = "nonlinear[d=" + std::to_string(spec.dim) + ",h=" + std::to_string(spec.hidden) +
             ",seed=" + std::to_string(spec.seed) + ",i=" + std::to_string(i) + "]";
    FillRegression(d, spec, t, rng);
  }
  return out;
}

}  // namespace ouro::tasks::internal
