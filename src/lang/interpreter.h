// lang/interpreter.h — the sandboxed register machine that runs programs.
//
// Compile() turns a Program into an Executable for one Shape: dead instructions removed (prune.h),
// register numbers resolved to offsets into one flat memory block, random instructions given
// their own stream slots. A Machine holds that memory (scalars, then vectors, then matrices, then
// scratch) and the random streams. Execution is straight-line: no loops, no branches, no I/O, no
// allocation, so its cost is known before it starts: Compile sums each component's OpCost (ops.h)
// once, and the evaluator enforces its instruction budget up front from those sums. Memory is
// bounded by the Shape. Execute<D> is instantiated for D = 2, 4, 8, 16, 32 (fully unrolled element
// loops) and D = 0 (any run-time dim).
// Determinism: a random instruction's stream is seeded from (evaluation seed, its position in the
// original program), so results do not depend on which other instructions were pruned.
// Thread-safety: Executables are immutable and shareable; a Machine belongs to one thread.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <numbers>
#include <vector>

#include "core/rng.h"
#include "lang/program.h"

namespace ouro::lang {

struct CompiledInstr {
  Op op;
  uint16_t rng_slot;  // for random ops
  uint32_t out;       // memory offsets
  uint32_t a;
  uint32_t b;
  double c1, c2;
};

struct Executable {
  Shape shape;
  std::array<std::vector<CompiledInstr>, kNumComponents> fn;
  std::vector<uint32_t> rng_streams;  // per slot: original position (stream id)
  size_t memory_doubles = 0;
  uint32_t vector_base = 0, matrix_base = 0, scratch = 0;
  // Per component: the sum of OpCost(op, shape.dim) over its (compiled, so live) instructions.
  std::array<int64_t, kNumComponents> cost{};

  size_t Count(Component c) const { return fn[static_cast<int>(c)].size(); }
  int64_t Cost(Component c) const { return cost[static_cast<int>(c)]; }
};

// REQUIRES: program.Validate(shape) passes (Compile checks it and throws ouro::Error otherwise).
Executable Compile(const Program& program, const Shape& shape, bool prune = true);
// The same, into *exe, reusing its buffers: the search compiles every child into an executable
// of the previous batch, so the steady state allocates nothing here.
void CompileInto(const Program& program, const Shape& shape, Executable* exe, bool prune = true);

// Identity of an executable: a hash of its instructions (op, offsets, constants, random slot)
// and random stream ids. Equal executables (of one Shape) compute the same function with the
// same random draws, so they get the same fingerprint and fitness.
uint64_t Hash(const Executable& exe);

class Machine {
 public:
  // Zeroes memory and seeds the random streams for one evaluation.
  void Reset(const Executable& exe, uint64_t seed);
  double* mem() { return mem_.data(); }
  uint64_t* rng() { return rng_.data(); }
  double& scalar(int i) { return mem_[i]; }
  double* vector(const Executable& exe, int i) { return mem_.data() + exe.vector_base + i * exe.shape.dim; }
  double* matrix(const Executable& exe, int i) {
    return mem_.data() + exe.matrix_base + i * exe.shape.dim * exe.shape.dim;
  }
  // Runs one component (dispatching on dim). The evaluator's inner loop calls Execute<D> directly.
  void Run(const Executable& exe, Component c);

 private:
  std::vector<double> mem_;
  std::vector<uint64_t> rng_;
};

// ---- execution kernel (header so the evaluator's loops inline it) ---------------------------

namespace detail {

inline double NextUniform(uint64_t& state) {
  state += 0x9e3779b97f4a7c15ULL;
  uint64_t z = state;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53;
}
inline double NextGaussian(uint64_t& state) {
  double u1 = NextUniform(state);
  if (u1 <= 0.0) u1 = 0x1.0p-53;
  const double u2 = NextUniform(state);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}
inline double Heaviside(double x) { return x > 0.0 ? 1.0 : 0.0; }

}  // namespace detail

// Executes [begin, end) on memory m. D is the compile-time dim (0: use dim).
template <int D>
inline void Execute(const CompiledInstr* begin, const CompiledInstr* end, double* m, uint64_t* rng,
                    int dim, uint32_t scratch) {
  const int n = D > 0 ? D : dim;
  const int nn = n * n;
  for (const CompiledInstr* p = begin; p != end; ++p) {
    double* o = m + p->out;
    const double* a = m + p->a;
    const double* b = m + p->b;
    switch (p->op) {
      case Op::kScalarAdd: *o = *a + *b; break;
      case Op::kScalarSub: *o = *a - *b; break;
      case Op::kScalarMul: *o = *a * *b; break;
      case Op::kScalarDiv: *o = *a / *b; break;
      case Op::kScalarMin: *o = std::fmin(*a, *b); break;
      case Op::kScalarMax: *o = std::fmax(*a, *b); break;
      case Op::kScalarAbs: *o = std::fabs(*a); break;
      case Op::kScalarRecip: *o = 1.0 / *a; break;
      case Op::kScalarSin: *o = std::sin(*a); break;
      case Op::kScalarCos: *o = std::cos(*a); break;
      case Op::kScalarTan: *o = std::tan(*a); break;
      case Op::kScalarAsin: *o = std::asin(*a); break;
      case Op::kScalarAcos: *o = std::acos(*a); break;
      case Op::kScalarAtan: *o = std::atan(*a); break;
      case Op::kScalarExp: *o = std::exp(*a); break;
      case Op::kScalarLog: *o = std::log(*a); break;
      case Op::kScalarHeaviside: *o = detail::Heaviside(*a); break;
      case Op::kScalarConst: *o = p->c1; break;
      case Op::kScalarUniform: *o = p->c1 + (p->c2 - p->c1) * detail::NextUniform(rng[p->rng_slot]); break;
      case Op::kScalarGaussian: *o = p->c1 + p->c2 * detail::NextGaussian(rng[p->rng_slot]); break;

      case Op::kVectorAdd: for (int i = 0; i < n; ++i) o[i] = a[i] + b[i]; break;
      case Op::kVectorSub: for (int i = 0; i < n; ++i) o[i] = a[i] - b[i]; break;
      case Op::kVectorMul: for (int i = 0; i < n; ++i) o[i] = a[i] * b[i]; break;
      case Op::kVectorDiv: for (int i = 0; i < n; ++i) o[i] = a[i] / b[i]; break;
      case Op::kVectorMin: for (int i = 0; i < n; ++i) o[i] = std::fmin(a[i], b[i]); break;
      case Op::kVectorMax: for (int i = 0; i < n; ++i) o[i] = std::fmax(a[i], b[i]); break;
      case Op::kVectorAbs: for (int i = 0; i < n; ++i) o[i] = std::fabs(a[i]); break;
      case Op::kVectorRecip: for (int i = 0; i < n; ++i) o[i] = 1.0 / a[i]; break;
      case Op::kVectorHeaviside: for (int i = 0; i < n; ++i) o[i] = detail::Heaviside(a[i]); break;
      case Op::kScalarVectorMul: { const double s = *a; for (int i = 0; i < n; ++i) o[i] = s * b[i]; break; }
      case Op::kVectorBcast: { const double s = *a; for (int i = 0; i < n; ++i) o[i] = s; break; }
      case Op::kVectorDot: { double s = 0; for (int i = 0; i < n; ++i) s += a[i] * b[i]; *o = s; break; }
      case Op::kVectorNorm: { double s = 0; for (int i = 0; i < n; ++i) s += a[i] * a[i]; *o = std::sqrt(s); break; }
      case Op::kVectorMean: { double s = 0; for (int i = 0; i < n; ++i) s += a[i]; *o = s / n; break; }
      case Op::kVectorStd: {
        double s = 0; for (int i = 0; i < n; ++i) s += a[i];
        const double mean = s / n;
        double v = 0; for (int i = 0; i < n; ++i) v += (a[i] - mean) * (a[i] - mean);
        *o = std::sqrt(v / n);
        break;
      }
      case Op::kVectorConst: o[0] = p->c1; break;  // out offset already points at the element
      case Op::kVectorUniform:
        for (int i = 0; i < n; ++i) o[i] = p->c1 + (p->c2 - p->c1) * detail::NextUniform(rng[p->rng_slot]);
        break;
      case Op::kVectorGaussian:
        for (int i = 0; i < n; ++i) o[i] = p->c1 + p->c2 * detail::NextGaussian(rng[p->rng_slot]);
        break;

      case Op::kMatrixAdd: for (int i = 0; i < nn; ++i) o[i] = a[i] + b[i]; break;
      case Op::kMatrixSub: for (int i = 0; i < nn; ++i) o[i] = a[i] - b[i]; break;
      case Op::kMatrixMul: for (int i = 0; i < nn; ++i) o[i] = a[i] * b[i]; break;
      case Op::kMatrixDiv: for (int i = 0; i < nn; ++i) o[i] = a[i] / b[i]; break;
      case Op::kMatrixMin: for (int i = 0; i < nn; ++i) o[i] = std::fmin(a[i], b[i]); break;
      case Op::kMatrixMax: for (int i = 0; i < nn; ++i) o[i] = std::fmax(a[i], b[i]); break;
      case Op::kMatrixAbs: for (int i = 0; i < nn; ++i) o[i] = std::fabs(a[i]); break;
      case Op::kMatrixRecip: for (int i = 0; i < nn; ++i) o[i] = 1.0 / a[i]; break;
      case Op::kMatrixHeaviside: for (int i = 0; i < nn; ++i) o[i] = detail::Heaviside(a[i]); break;
      case Op::kScalarMatrixMul: { const double s = *a; for (int i = 0; i < nn; ++i) o[i] = s * b[i]; break; }
      case Op::kOuter:
        for (int i = 0; i < n; ++i)
          for (int j = 0; j < n; ++j) o[i * n + j] = a[i] * b[j];
        break;
      // matvec, matmul and transpose read inputs after writing outputs: they go through scratch
      // only when the output aliases an input.
      case Op::kMatVec: {
        double* t = o == b ? m + scratch : o;
        for (int i = 0; i < n; ++i) {
          double s = 0;
          for (int j = 0; j < n; ++j) s += a[i * n + j] * b[j];
          t[i] = s;
        }
        if (t != o) for (int i = 0; i < n; ++i) o[i] = t[i];
        break;
      }
      case Op::kMatMul: {
        double* t = o == a || o == b ? m + scratch : o;
        for (int i = 0; i < n; ++i)
          for (int j = 0; j < n; ++j) {
            double s = 0;
            for (int k = 0; k < n; ++k) s += a[i * n + k] * b[k * n + j];
            t[i * n + j] = s;
          }
        if (t != o) for (int i = 0; i < nn; ++i) o[i] = t[i];
        break;
      }
      case Op::kTranspose: {
        double* t = o == a ? m + scratch : o;
        for (int i = 0; i < n; ++i)
          for (int j = 0; j < n; ++j) t[j * n + i] = a[i * n + j];
        if (t != o) for (int i = 0; i < nn; ++i) o[i] = t[i];
        break;
      }
      case Op::kMatrixNorm: { double s = 0; for (int i = 0; i < nn; ++i) s += a[i] * a[i]; *o = std::sqrt(s); break; }
      case Op::kMatrixRowNorm:
        for (int i = 0; i < n; ++i) {
          double s = 0;
          for (int j = 0; j < n; ++j) s += a[i * n + j] * a[i * n + j];
          o[i] = std::sqrt(s);
        }
        break;
      case Op::kMatrixColNorm:
        for (int j = 0; j < n; ++j) {
          double s = 0;
          for (int i = 0; i < n; ++i) s += a[i * n + j] * a[i * n + j];
          o[j] = std::sqrt(s);
        }
        break;
      case Op::kMatrixMean: { double s = 0; for (int i = 0; i < nn; ++i) s += a[i]; *o = s / nn; break; }
      case Op::kMatrixRowMean:
        for (int i = 0; i < n; ++i) {
          double s = 0;
          for (int j = 0; j < n; ++j) s += a[i * n + j];
          o[i] = s / n;
        }
        break;
      case Op::kMatrixStd: {
        double s = 0; for (int i = 0; i < nn; ++i) s += a[i];
        const double mean = s / nn;
        double v = 0; for (int i = 0; i < nn; ++i) v += (a[i] - mean) * (a[i] - mean);
        *o = std::sqrt(v / nn);
        break;
      }
      case Op::kMatrixRowStd:
        for (int i = 0; i < n; ++i) {
          double s = 0;
          for (int j = 0; j < n; ++j) s += a[i * n + j];
          const double mean = s / n;
          double v = 0;
          for (int j = 0; j < n; ++j) v += (a[i * n + j] - mean) * (a[i * n + j] - mean);
          o[i] = std::sqrt(v / n);
        }
        break;
      case Op::kMatrixBcastRows:
        for (int i = 0; i < n; ++i)
          for (int j = 0; j < n; ++j) o[i * n + j] = a[j];
        break;
      case Op::kMatrixBcastCols:
        for (int i = 0; i < n; ++i)
          for (int j = 0; j < n; ++j) o[i * n + j] = a[i];
        break;
      case Op::kMatrixConst: o[0] = p->c1; break;
      case Op::kMatrixUniform:
        for (int i = 0; i < nn; ++i) o[i] = p->c1 + (p->c2 - p->c1) * detail::NextUniform(rng[p->rng_slot]);
        break;
      case Op::kMatrixGaussian:
        for (int i = 0; i < nn; ++i) o[i] = p->c1 + p->c2 * detail::NextGaussian(rng[p->rng_slot]);
        break;
      case Op::kCount: break;
    }
  }
}

// Calls f.template operator()<D>() with the best compile-time D for dim.
template <typename F>
inline decltype(auto) DispatchDim(int dim, F&& f) {
  switch (dim) {
    case 2: return f.template operator()<2>();
    case 4: return f.template operator()<4>();
    case 8: return f.template operator()<8>();
    case 16: return f.template operator()<16>();
    case 32: return f.template operator()<32>();
    default: return f.template operator()<0>();
  }
}

}  // namespace ouro::lang
