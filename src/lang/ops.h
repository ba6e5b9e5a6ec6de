// lang/ops.h — the instruction set: every operation, its register types and its text form.
//
// Ouro programs are straight-line code over three register files: scalars (s0, s1, ...), vectors
// (v0, ...) and matrices (m0, ...), all of one run-time feature size `dim`. Each Op has a fixed
// output type, up to two register inputs and up to two constants (value; lo/hi; mean/stddev) or
// element indices. kOpInfo is the single table that the interpreter, the text form, the mutator
// and the docs all read: adding an op means one row here and one case in the interpreter.
// Thread-safe: read-only data.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace ouro::lang {

enum class RegType : uint8_t { kNone, kScalar, kVector, kMatrix };

// Text-form shapes, see PrintInstruction.
enum class Form : uint8_t {
  kInfix,     // out = a OP b            (symbol)
  kCall1,     // out = f(a)
  kCall2,     // out = f(a, b)
  kConst,     // out = c                 (scalar constant)
  kElemConst, // vA[i] = c  /  mA[i, j] = c
  kRand2,     // out = uniform(lo, hi) / gaussian(mean, stddev)
};

enum class Op : uint8_t {
  // scalar arithmetic
  kScalarAdd, kScalarSub, kScalarMul, kScalarDiv, kScalarMin, kScalarMax,
  kScalarAbs, kScalarRecip, kScalarSin, kScalarCos, kScalarTan, kScalarAsin, kScalarAcos,
  kScalarAtan, kScalarExp, kScalarLog, kScalarHeaviside,
  kScalarConst, kScalarUniform, kScalarGaussian,
  // vector element-wise and mixed
  kVectorAdd, kVectorSub, kVectorMul, kVectorDiv, kVectorMin, kVectorMax,
  kVectorAbs, kVectorRecip, kVectorHeaviside, kScalarVectorMul, kVectorBcast,
  kVectorDot, kVectorNorm, kVectorMean, kVectorStd,
  kVectorConst, kVectorUniform, kVectorGaussian,
  // matrix
  kMatrixAdd, kMatrixSub, kMatrixMul, kMatrixDiv, kMatrixMin, kMatrixMax,
  kMatrixAbs, kMatrixRecip, kMatrixHeaviside, kScalarMatrixMul,
  kOuter, kMatVec, kMatMul, kTranspose,
  kMatrixNorm, kMatrixRowNorm, kMatrixColNorm, kMatrixMean, kMatrixRowMean, kMatrixStd,
  kMatrixRowStd, kMatrixBcastRows, kMatrixBcastCols,
  kMatrixConst, kMatrixUniform, kMatrixGaussian,
  kCount
};
inline constexpr int kNumOps = static_cast<int>(Op::kCount);

struct OpInfo {
  Op op;
  std::string_view id;    // stable identifier used in configs and docs, e.g. "scalar_add"
  std::string_view name;  // text-form function name or infix symbol
  Form form;
  RegType out, in1, in2;
  bool random = false;    // draws from the evaluation's random stream
  bool partial = false;   // writes one element only (its output register is also read)
};

extern const std::array<OpInfo, kNumOps> kOpInfo;

inline const OpInfo& Info(Op op) { return kOpInfo[static_cast<int>(op)]; }
std::optional<Op> OpFromId(std::string_view id);

}  // namespace ouro::lang
