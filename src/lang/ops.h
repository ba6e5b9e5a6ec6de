// lang/ops.h — the instruction set: every operation, its register types and its text form.
//
// Ouro programs are straight-line code over three register files: scalars (s0, s1, ...), vectors
// (v0, ...) and matrices (m0, ...), all of one run-time feature size `dim`. Each Op has a fixed
// output type, up to two register inputs and up to two constants (value; lo/hi; mean/stddev) or
// element indices. kOpInfo is the single table that the interpreter, the text form, the mutator
// and the docs all read: adding an op means one row here and one case in the interpreter.
// It also holds each op's cost order (OpCost), the unit of the evaluator's instruction budget.
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

// Work of one execution of an op at feature size dim, in scalar-operation equivalents: the order
// of its element loops in Execute<D> (lang/interpreter.h). Constant factors (two passes for a
// std, a scratch copy for an aliased matmul) are not counted.
enum class CostOrder : uint8_t {
  kOne,   // scalar ops, and setting one element of a vector or matrix
  kDim,   // one pass over a vector (element-wise, dot, norm, mean, std, bcast, random fill)
  kDim2,  // one pass over a matrix, outer, matvec, transpose
  kDim3,  // matmul
};

struct OpInfo {
  Op op;
  std::string_view id;    // stable identifier used in configs and docs, e.g. "scalar_add"
  std::string_view name;  // text-form function name or infix symbol
  Form form;
  RegType out, in1, in2;
  CostOrder cost;
  bool random = false;    // draws from the evaluation's random stream
  bool partial = false;   // writes one element only (its output register is also read)
};

extern const std::array<OpInfo, kNumOps> kOpInfo;

inline const OpInfo& Info(Op op) { return kOpInfo[static_cast<int>(op)]; }
std::optional<Op> OpFromId(std::string_view id);
// The cost of one execution of op at feature size dim (1 <= dim <= kMaxDim of program.h): 1, dim, dim² or dim³
// by Info(op).cost. The one definition of the rule; the evaluator's budget sums it per component.
int64_t OpCost(Op op, int dim);

}  // namespace ouro::lang
