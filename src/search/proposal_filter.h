// search/proposal_filter.h — the learned proposal filter of the search (see evolution.h):
// a program over kFilterShape that rates proposals and learns online from their outcomes.
// Internal to the search; one instance per run, used from the run's calling thread only.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>

#include "core/rng.h"
#include "lang/interpreter.h"
#include "search/evolution.h"

namespace ouro::search {

// The learned proposal filter: one machine whose memory persists across the run (that memory is
// what it has learned). Predict and learn follow the evaluator's classification convention.
class Filter {
 public:
  Filter(const FilterConfig& cfg, uint64_t seed)
      : cfg_(cfg), exe_(lang::Compile(cfg.program, kFilterShape)), seed_(seed), rng_(DeriveSeed(seed, 1)) {
    Reset();
  }
  double Predict(const std::array<float, kFilterFeatures>& f) {
    Load(f);
    m_.scalar(0) = 0;
    m_.Run(exe_, lang::Component::kPredict);
    const double s1 = m_.scalar(1);
    if (!std::isfinite(s1)) {
      Reset();
      return 1.0;
    }
    return 1.0 / (1.0 + std::exp(-s1));
  }
  // True if the proposal should be dropped.
  bool Drop(double p) {
    const double base_rate = lessons_ > 0 ? static_cast<double>(gains_) / static_cast<double>(lessons_) : 0.0;
    if (lessons_ < cfg_.warmup || p >= cfg_.threshold * base_rate) return false;
    return !(rng_.Uniform() < cfg_.explore);
  }
  void Learn(const std::array<float, kFilterFeatures>& f, bool gained) {
    const double p = Predict(f);
    Load(f);
    m_.scalar(1) = p;
    m_.scalar(0) = gained ? 1.0 : 0.0;
    m_.Run(exe_, lang::Component::kLearn);
    ++lessons_;
    gains_ += gained;
    for (size_t i = 0; i < exe_.memory_doubles; ++i)
      if (!std::isfinite(m_.mem()[i]) || std::abs(m_.mem()[i]) > 1e12) {
        Reset();
        break;
      }
  }

 private:
  void Reset() {
    m_.Reset(exe_, seed_);
    m_.Run(exe_, lang::Component::kSetup);
  }
  void Load(const std::array<float, kFilterFeatures>& f) {
    double* v0 = m_.vector(exe_, 0);
    for (int i = 0; i < kFilterFeatures; ++i) v0[i] = f[i];
  }
  const FilterConfig& cfg_;
  lang::Executable exe_;
  lang::Machine m_;
  uint64_t seed_;
  Rng rng_;
  int64_t lessons_ = 0;
  int64_t gains_ = 0;
};

}  // namespace ouro::search
