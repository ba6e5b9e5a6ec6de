#include "lang/ops.h"

namespace ouro::lang {
namespace {
constexpr RegType S = RegType::kScalar, V = RegType::kVector, M = RegType::kMatrix,
                  N = RegType::kNone;
}  // namespace

// Order must match enum Op (checked by a static test over the table).
const std::array<OpInfo, kNumOps> kOpInfo = {{
    {Op::kScalarAdd, "scalar_add", "+", Form::kInfix, S, S, S},
    {Op::kScalarSub, "scalar_sub", "-", Form::kInfix, S, S, S},
    {Op::kScalarMul, "scalar_mul", "*", Form::kInfix, S, S, S},
    {Op::kScalarDiv, "scalar_div", "/", Form::kInfix, S, S, S},
    {Op::kScalarMin, "scalar_min", "min", Form::kCall2, S, S, S},
    {Op::kScalarMax, "scalar_max", "max", Form::kCall2, S, S, S},
    {Op::kScalarAbs, "scalar_abs", "abs", Form::kCall1, S, S, N},
    {Op::kScalarRecip, "scalar_recip", "recip", Form::kCall1, S, S, N},
    {Op::kScalarSin, "scalar_sin", "sin", Form::kCall1, S, S, N},
    {Op::kScalarCos, "scalar_cos", "cos", Form::kCall1, S, S, N},
    {Op::kScalarTan, "scalar_tan", "tan", Form::kCall1, S, S, N},
    {Op::kScalarAsin, "scalar_asin", "asin", Form::kCall1, S, S, N},
    {Op::kScalarAcos, "scalar_acos", "acos", Form::kCall1, S, S, N},
    {Op::kScalarAtan, "scalar_atan", "atan", Form::kCall1, S, S, N},
    {Op::kScalarExp, "scalar_exp", "exp", Form::kCall1, S, S, N},
    {Op::kScalarLog, "scalar_log", "log", Form::kCall1, S, S, N},
    {Op::kScalarHeaviside, "scalar_heaviside", "heaviside", Form::kCall1, S, S, N},
    {Op::kScalarConst, "scalar_const", "", Form::kConst, S, N, N},
    {Op::kScalarUniform, "scalar_uniform", "uniform", Form::kRand2, S, N, N, true},
    {Op::kScalarGaussian, "scalar_gaussian", "gaussian", Form::kRand2, S, N, N, true},

    {Op::kVectorAdd, "vector_add", "+", Form::kInfix, V, V, V},
    {Op::kVectorSub, "vector_sub", "-", Form::kInfix, V, V, V},
    {Op::kVectorMul, "vector_mul", "*", Form::kInfix, V, V, V},
    {Op::kVectorDiv, "vector_div", "/", Form::kInfix, V, V, V},
    {Op::kVectorMin, "vector_min", "min", Form::kCall2, V, V, V},
    {Op::kVectorMax, "vector_max", "max", Form::kCall2, V, V, V},
    {Op::kVectorAbs, "vector_abs", "abs", Form::kCall1, V, V, N},
    {Op::kVectorRecip, "vector_recip", "recip", Form::kCall1, V, V, N},
    {Op::kVectorHeaviside, "vector_heaviside", "heaviside", Form::kCall1, V, V, N},
    {Op::kScalarVectorMul, "scalar_vector_mul", "*", Form::kInfix, V, S, V},
    {Op::kVectorBcast, "vector_bcast", "bcast", Form::kCall1, V, S, N},
    {Op::kVectorDot, "vector_dot", "dot", Form::kCall2, S, V, V},
    {Op::kVectorNorm, "vector_norm", "norm", Form::kCall1, S, V, N},
    {Op::kVectorMean, "vector_mean", "mean", Form::kCall1, S, V, N},
    {Op::kVectorStd, "vector_std", "std", Form::kCall1, S, V, N},
    {Op::kVectorConst, "vector_const", "", Form::kElemConst, V, N, N, false, true},
    {Op::kVectorUniform, "vector_uniform", "uniform", Form::kRand2, V, N, N, true},
    {Op::kVectorGaussian, "vector_gaussian", "gaussian", Form::kRand2, V, N, N, true},

    {Op::kMatrixAdd, "matrix_add", "+", Form::kInfix, M, M, M},
    {Op::kMatrixSub, "matrix_sub", "-", Form::kInfix, M, M, M},
    {Op::kMatrixMul, "matrix_mul", "*", Form::kInfix, M, M, M},
    {Op::kMatrixDiv, "matrix_div", "/", Form::kInfix, M, M, M},
    {Op::kMatrixMin, "matrix_min", "min", Form::kCall2, M, M, M},
    {Op::kMatrixMax, "matrix_max", "max", Form::kCall2, M, M, M},
    {Op::kMatrixAbs, "matrix_abs", "abs", Form::kCall1, M, M, N},
    {Op::kMatrixRecip, "matrix_recip", "recip", Form::kCall1, M, M, N},
    {Op::kMatrixHeaviside, "matrix_heaviside", "heaviside", Form::kCall1, M, M, N},
    {Op::kScalarMatrixMul, "scalar_matrix_mul", "*", Form::kInfix, M, S, M},
    {Op::kOuter, "outer", "outer", Form::kCall2, M, V, V},
    {Op::kMatVec, "matvec", "@", Form::kInfix, V, M, V},
    {Op::kMatMul, "matmul", "@", Form::kInfix, M, M, M},
    {Op::kTranspose, "transpose", "transpose", Form::kCall1, M, M, N},
    {Op::kMatrixNorm, "matrix_norm", "norm", Form::kCall1, S, M, N},
    {Op::kMatrixRowNorm, "matrix_row_norm", "norm_rows", Form::kCall1, V, M, N},
    {Op::kMatrixColNorm, "matrix_col_norm", "norm_cols", Form::kCall1, V, M, N},
    {Op::kMatrixMean, "matrix_mean", "mean", Form::kCall1, S, M, N},
    {Op::kMatrixRowMean, "matrix_row_mean", "mean_rows", Form::kCall1, V, M, N},
    {Op::kMatrixStd, "matrix_std", "std", Form::kCall1, S, M, N},
    {Op::kMatrixRowStd, "matrix_row_std", "std_rows", Form::kCall1, V, M, N},
    {Op::kMatrixBcastRows, "matrix_bcast_rows", "bcast_rows", Form::kCall1, M, V, N},
    {Op::kMatrixBcastCols, "matrix_bcast_cols", "bcast_cols", Form::kCall1, M, V, N},
    {Op::kMatrixConst, "matrix_const", "", Form::kElemConst, M, N, N, false, true},
    {Op::kMatrixUniform, "matrix_uniform", "uniform", Form::kRand2, M, N, N, true},
    {Op::kMatrixGaussian, "matrix_gaussian", "gaussian", Form::kRand2, M, N, N, true},
}};

std::optional<Op> OpFromId(std::string_view id) {
  for (const auto& info : kOpInfo)
    if (info.id == id) return info.op;
  return std::nullopt;
}

}  // namespace ouro::lang
