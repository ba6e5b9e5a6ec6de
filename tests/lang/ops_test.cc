// Tests of the op table's cost column: OpCost per cost class, and the cost column of the op table
// in docs/language.md against kOpInfo.
#include "lang/ops.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "lang/program.h"  // kMaxDim

namespace ouro::lang {
namespace {

// The classes written out here independently of kOpInfo, from the loops of Execute<D>. Every
// op not listed costs 1.
const std::set<std::string_view> kDimOps = {
    "vector_add", "vector_sub", "vector_mul", "vector_div", "vector_min", "vector_max",
    "vector_abs", "vector_recip", "vector_heaviside", "scalar_vector_mul", "vector_bcast",
    "vector_dot", "vector_norm", "vector_mean", "vector_std", "vector_uniform", "vector_gaussian"};
const std::set<std::string_view> kDim2Ops = {
    "matrix_add", "matrix_sub", "matrix_mul", "matrix_div", "matrix_min", "matrix_max",
    "matrix_abs", "matrix_recip", "matrix_heaviside", "scalar_matrix_mul", "outer", "matvec",
    "transpose", "matrix_norm", "matrix_row_norm", "matrix_col_norm", "matrix_mean",
    "matrix_row_mean", "matrix_std", "matrix_row_std", "matrix_bcast_rows", "matrix_bcast_cols",
    "matrix_uniform", "matrix_gaussian"};
const std::set<std::string_view> kDim3Ops = {"matmul"};

TEST(OpCost, EachClassScalesWithDim) {
  for (const int64_t d : {1, 4, 32}) {
    for (const OpInfo& info : kOpInfo) {
      const int64_t want = kDim3Ops.count(info.id)   ? d * d * d
                           : kDim2Ops.count(info.id) ? d * d
                           : kDimOps.count(info.id)  ? d
                                                     : 1;
      EXPECT_EQ(OpCost(info.op, static_cast<int>(d)), want) << info.id << " at dim " << d;
    }
  }
  // A few by name, so the classes above cannot both be wrong in the same way.
  EXPECT_EQ(OpCost(Op::kScalarAdd, 32), 1);
  EXPECT_EQ(OpCost(Op::kScalarGaussian, 32), 1);
  EXPECT_EQ(OpCost(Op::kVectorConst, 32), 1);  // writes one element
  EXPECT_EQ(OpCost(Op::kMatrixConst, 32), 1);
  EXPECT_EQ(OpCost(Op::kVectorDot, 4), 4);
  EXPECT_EQ(OpCost(Op::kMatVec, 4), 16);
  EXPECT_EQ(OpCost(Op::kMatMul, 4), 64);
  EXPECT_EQ(OpCost(Op::kMatMul, 32), 32768);
  EXPECT_EQ(OpCost(Op::kMatMul, kMaxDim), int64_t{kMaxDim} * kMaxDim * kMaxDim);
  EXPECT_EQ(OpCost(Op::kMatMul, 1), 1);
}

std::string CostText(CostOrder c) {
  switch (c) {
    case CostOrder::kOne: return "1";
    case CostOrder::kDim: return "dim";
    case CostOrder::kDim2: return "dim²";
    case CostOrder::kDim3: return "dim³";
  }
  return "?";
}

// The cells of a markdown table row, trimmed (the leading and trailing '|' give no cell).
std::vector<std::string> Cells(const std::string& row) {
  std::vector<std::string> cells;
  std::stringstream ss(row.substr(1));
  for (std::string cell; std::getline(ss, cell, '|');) {
    const size_t b = cell.find_first_not_of(' '), e = cell.find_last_not_of(' ');
    cells.push_back(b == std::string::npos ? "" : cell.substr(b, e - b + 1));
  }
  return cells;
}

TEST(OpCost, DocsListEveryOpAtItsCost) {
  const std::string path = std::string(OURO_SOURCE_DIR) + "/docs/language.md";
  std::ifstream in(path);
  ASSERT_TRUE(in) << path;
  const std::string header = "| id | text form | out ← in | cost | semantics |";
  std::string line;
  while (std::getline(in, line) && line != header) {}
  ASSERT_EQ(line, header) << "no operations table with a cost column in " << path;
  std::getline(in, line);  // |---|...
  std::map<std::string, std::string> doc;  // id -> cost cell
  while (std::getline(in, line) && line.starts_with("| `")) {
    const std::vector<std::string> cells = Cells(line);
    ASSERT_GE(cells.size(), 5u) << line;
    const std::string id = cells[0].substr(1, cells[0].size() - 2);  // strip the backquotes
    EXPECT_TRUE(doc.emplace(id, cells[3]).second) << "listed twice: " << id;
  }
  for (const OpInfo& info : kOpInfo) {
    const auto it = doc.find(std::string(info.id));
    if (it == doc.end()) {
      ADD_FAILURE() << info.id << " is missing from " << path;
      continue;
    }
    EXPECT_EQ(it->second, CostText(info.cost)) << info.id << " in " << path;
  }
  EXPECT_EQ(doc.size(), kOpInfo.size()) << path << " lists an op that kOpInfo does not have";
}

}  // namespace
}  // namespace ouro::lang
