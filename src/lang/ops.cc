#include "lang/ops.h"

namespace ouro::lang {
namespace {
constexpr RegType S = RegType::kScalar, V = RegType::kVector, M = RegType::kMatrix,
                  N = RegType::kNone;
constexpr CostOrder One = CostOrder::kOne, Dim = CostOrder::kDim, Dim2 = CostOrder::kDim2,
                    Dim3 = CostOrder::kDim3;
}  // namespace

// Order must match enum Op (checked by a static test over the table).
const std::array<OpInfo, kNumOps> kOpInfo = {{
    {Op::kScalarAdd, "scalar_add", "+", Form::kInfix, S, S, S, One},
    {Op::kScalarSub, "scalar_sub", "-", Form::kInfix, S, S, S, One},
    {Op::kScalarMul, "scalar_mul", "*", Form::kInfix, S, S, S, One},
    {Op::kScalarDiv, "scalar_div", "/", Form::kInfix, S, S, S, One},
    {Op::kScalarMin, "scalar_min", "min", Form::kCall2, S, S, S, One},
    {Op::kScalarMax, "scalar_max", "max", Form::kCall2, S, S, S, One},
    {Op::kScalarAbs, "scalar_abs", "abs", Form::kCall1, S, S, N, One},
    {Op::kScalarRecip, "scalar_recip", "recip", Form::kCall1, S, S, N, One},
    {Op::kScalarSin, "scalar_sin", "sin", Form::kCall1, S, S, N, One},
    {Op::kScalarCos, "scalar_cos", "cos", Form::kCall1, S, S, N, One},
    {Op::kScalarTan, "scalar_tan", "tan", Form::kCall1, S, S, N, One},
    {Op::kScalarAsin, "scalar_asin", "asin", Form::kCall1, S, S, N, One},
    {Op::kScalarAcos, "scalar_acos", "acos", Form::kCall1, S, S, N, One},
    {Op::kScalarAtan, "scalar_atan", "atan", Form::kCall1, S, S, N, One},
    {Op::kScalarExp, "scalar_exp", "exp", Form::kCall1, S, S, N, One},
    {Op::kScalarLog, "scalar_log", "log", Form::kCall1, S, S, N, One},
    {Op::kScalarHeaviside, "scalar_heaviside", "heaviside", Form::kCall1, S, S, N, One},
    {Op::kScalarConst, "scalar_const", "", Form::kConst, S, N, N, One},
    {Op::kScalarUniform, "scalar_uniform", "uniform", Form::kRand2, S, N, N, One, true},
    {Op::kScalarGaussian, "scalar_gaussian", "gaussian", Form::kRand2, S, N, N, One, true},

    {Op::kVectorAdd, "vector_add", "+", Form::kInfix, V, V, V, Dim},
    {Op::kVectorSub, "vector_sub", "-", Form::kInfix, V, V, V, Dim},
    {Op::kVectorMul, "vector_mul", "*", Form::kInfix, V, V, V, Dim},
    {Op::kVectorDiv, "vector_div", "/", Form::kInfix, V, V, V, Dim},
    {Op::kVectorMin, "vector_min", "min", Form::kCall2, V, V, V, Dim},
    {Op::kVectorMax, "vector_max", "max", Form::kCall2, V, V, V, Dim},
    {Op::kVectorAbs, "vector_abs", "abs", Form::kCall1, V, V, N, Dim},
    {Op::kVectorRecip, "vector_recip", "recip", Form::kCall1, V, V, N, Dim},
    {Op::kVectorHeaviside, "vector_heaviside", "heaviside", Form::kCall1, V, V, N, Dim},
    {Op::kScalarVectorMul, "scalar_vector_mul", "*", Form::kInfix, V, S, V, Dim},
    {Op::kVectorBcast, "vector_bcast", "bcast", Form::kCall1, V, S, N, Dim},
    {Op::kVectorDot, "vector_dot", "dot", Form::kCall2, S, V, V, Dim},
    {Op::kVectorNorm, "vector_norm", "norm", Form::kCall1, S, V, N, Dim},
    {Op::kVectorMean, "vector_mean", "mean", Form::kCall1, S, V, N, Dim},
    {Op::kVectorStd, "vector_std", "std", Form::kCall1, S, V, N, Dim},
    {Op::kVectorConst, "vector_const", "", Form::kElemConst, V, N, N, One, false, true},
    {Op::kVectorUniform, "vector_uniform", "uniform", Form::kRand2, V, N, N, Dim, true},
    {Op::kVectorGaussian, "vector_gaussian", "gaussian", Form::kRand2, V, N, N, Dim, true},

    {Op::kMatrixAdd, "matrix_add", "+", Form::kInfix, M, M, M, Dim2},
    {Op::kMatrixSub, "matrix_sub", "-", Form::kInfix, M, M, M, Dim2},
    {Op::kMatrixMul, "matrix_mul", "*", Form::kInfix, M, M, M, Dim2},
    {Op::kMatrixDiv, "matrix_div", "/", Form::kInfix, M, M, M, Dim2},
    {Op::kMatrixMin, "matrix_min", "min", Form::kCall2, M, M, M, Dim2},
    {Op::kMatrixMax, "matrix_max", "max", Form::kCall2, M, M, M, Dim2},
    {Op::kMatrixAbs, "matrix_abs", "abs", Form::kCall1, M, M, N, Dim2},
    {Op::kMatrixRecip, "matrix_recip", "recip", Form::kCall1, M, M, N, Dim2},
    {Op::kMatrixHeaviside, "matrix_heaviside", "heaviside", Form::kCall1, M, M, N, Dim2},
    {Op::kScalarMatrixMul, "scalar_matrix_mul", "*", Form::kInfix, M, S, M, Dim2},
    {Op::kOuter, "outer", "outer", Form::kCall2, M, V, V, Dim2},
    {Op::kMatVec, "matvec", "@", Form::kInfix, V, M, V, Dim2},
    {Op::kMatMul, "matmul", "@", Form::kInfix, M, M, M, Dim3},
    {Op::kTranspose, "transpose", "transpose", Form::kCall1, M, M, N, Dim2},
    {Op::kMatrixNorm, "matrix_norm", "norm", Form::kCall1, S, M, N, Dim2},
    {Op::kMatrixRowNorm, "matrix_row_norm", "norm_rows", Form::kCall1, V, M, N, Dim2},
    {Op::kMatrixColNorm, "matrix_col_norm", "norm_cols", Form::kCall1, V, M, N, Dim2},
    {Op::kMatrixMean, "matrix_mean", "mean", Form::kCall1, S, M, N, Dim2},
    {Op::kMatrixRowMean, "matrix_row_mean", "mean_rows", Form::kCall1, V, M, N, Dim2},
    {Op::kMatrixStd, "matrix_std", "std", Form::kCall1, S, M, N, Dim2},
    {Op::kMatrixRowStd, "matrix_row_std", "std_rows", Form::kCall1, V, M, N, Dim2},
    {Op::kMatrixBcastRows, "matrix_bcast_rows", "bcast_rows", Form::kCall1, M, V, N, Dim2},
    {Op::kMatrixBcastCols, "matrix_bcast_cols", "bcast_cols", Form::kCall1, M, V, N, Dim2},
    {Op::kMatrixConst, "matrix_const", "", Form::kElemConst, M, N, N, One, false, true},
    {Op::kMatrixUniform, "matrix_uniform", "uniform", Form::kRand2, M, N, N, Dim2, true},
    {Op::kMatrixGaussian, "matrix_gaussian", "gaussian", Form::kRand2, M, N, N, Dim2, true},
}};

int64_t OpCost(Op op, int dim) {
  const int64_t d = dim;
  switch (Info(op).cost) {
    case CostOrder::kOne: return 1;
    case CostOrder::kDim: return d;
    case CostOrder::kDim2: return d * d;
    case CostOrder::kDim3: return d * d * d;
  }
  return 1;
}

std::optional<Op> OpFromId(std::string_view id) {
  for (const auto& info : kOpInfo)
    if (info.id == id) return info.op;
  return std::nullopt;
}

}  // namespace ouro::lang
