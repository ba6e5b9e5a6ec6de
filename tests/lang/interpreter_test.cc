#include "lang/interpreter.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "lang/text.h"
#include "test_util.h"

namespace ouro::lang {
namespace {

struct Fixture {
  Executable exe;
  Machine m;
  Fixture(const std::string& text, Shape s) : exe(Compile(Parse(text), s, /*prune=*/false)) {
    m.Reset(exe, 1);
  }
  void Setup() { m.Run(exe, Component::kSetup); }
};

TEST(Interpreter, ScalarOps) {
  Fixture f(
      "def setup():\n  s2 = 3\n  s3 = -2\n  s4 = s2 + s3\n  s5 = s2 - s3\n  s6 = s2 * s3\n"
      "  s7 = s2 / s3\n  s8 = min(s2, s3)\n  s9 = max(s2, s3)\n  s10 = abs(s3)\n  s11 = recip(s2)\n"
      "  s12 = exp(s3)\n  s13 = log(s2)\n  s14 = heaviside(s3)\n  s15 = heaviside(s2)\n"
      "  s16 = atan(s2)\n  s17 = sin(s2)\n",
      Shape{18, 1, 0, 4});
  f.Setup();
  EXPECT_EQ(f.m.scalar(4), 1);
  EXPECT_EQ(f.m.scalar(5), 5);
  EXPECT_EQ(f.m.scalar(6), -6);
  EXPECT_EQ(f.m.scalar(7), -1.5);
  EXPECT_EQ(f.m.scalar(8), -2);
  EXPECT_EQ(f.m.scalar(9), 3);
  EXPECT_EQ(f.m.scalar(10), 2);
  EXPECT_DOUBLE_EQ(f.m.scalar(11), 1.0 / 3);
  EXPECT_DOUBLE_EQ(f.m.scalar(12), std::exp(-2.0));
  EXPECT_DOUBLE_EQ(f.m.scalar(13), std::log(3.0));
  EXPECT_EQ(f.m.scalar(14), 0);
  EXPECT_EQ(f.m.scalar(15), 1);
  EXPECT_DOUBLE_EQ(f.m.scalar(16), std::atan(3.0));
  EXPECT_DOUBLE_EQ(f.m.scalar(17), std::sin(3.0));
}

TEST(Interpreter, VectorAndMatrixOps) {
  for (int dim : {3, 4}) {  // dim 3 runs the generic kernel, dim 4 the unrolled one
    Fixture f(
        "def setup():\n  v1[0] = 1\n  v1[1] = 2\n  v1[2] = 3\n  v2 = bcast(s2)\n  s2 = 2\n"
        "  v2 = bcast(s2)\n  s3 = dot(v1, v2)\n  v3 = s2 * v1\n  m0 = outer(v1, v2)\n"
        "  v4 = m0 @ v1\n  m1 = transpose(m0)\n  s4 = norm(v1)\n  s5 = mean(v2)\n"
        "  s6 = std(v2)\n  v5 = norm_rows(m0)\n  m2 = m0 @ m1\n  v1 = m0 @ v1\n",
        Shape{8, 6, 3, dim});
    f.Setup();
    const double* v1 = f.m.vector(f.exe, 1);
    const double* v3 = f.m.vector(f.exe, 3);
    const double* v4 = f.m.vector(f.exe, 4);
    const double* m0 = f.m.matrix(f.exe, 0);
    const double* m1 = f.m.matrix(f.exe, 1);
    const double* m2 = f.m.matrix(f.exe, 2);
    EXPECT_EQ(f.m.scalar(3), 2.0 * (1 + 2 + 3)) << dim;
    EXPECT_EQ(v3[2], 6);
    EXPECT_EQ(m0[1 * dim + 0], 4);  // (v1 ⊗ v2)[1][0] = 2 * 2
    EXPECT_EQ(m1[0 * dim + 1], 4);
    EXPECT_EQ(v4[0], 2 * (1 + 2 + 3));  // row 0 of m0 is 1*2 everywhere
    EXPECT_DOUBLE_EQ(f.m.scalar(4), std::sqrt(14.0));
    EXPECT_EQ(f.m.scalar(5), 2);
    EXPECT_EQ(f.m.scalar(6), 0);
    EXPECT_DOUBLE_EQ(f.m.vector(f.exe, 5)[0], 2 * std::sqrt(dim));
    double expect = 0;
    for (int k = 0; k < dim; ++k) expect += m0[0 * dim + k] * m1[k * dim + 1];
    EXPECT_DOUBLE_EQ(m2[0 * dim + 1], expect);
    // v1 = m0 @ v1 reads v1 while writing it: must use the old v1 for every row.
    EXPECT_EQ(v1[0], 12);
    EXPECT_EQ(v1[2], 36);
  }
}

TEST(Interpreter, ElementIndicesWrapAtAnyDim) {
  Fixture f("def setup():\n  v1[5] = 7\n  m0[4, 9] = 8\n", Shape{2, 2, 1, 4});
  f.Setup();
  EXPECT_EQ(f.m.vector(f.exe, 1)[1], 7);
  EXPECT_EQ(f.m.matrix(f.exe, 0)[0 * 4 + 1], 8);
}

TEST(Interpreter, UnrolledAndGenericKernelsAgree) {
  Rng r(5);
  for (int dim : {2, 4, 8, 16, 32}) {
    Shape s{6, 5, 3, dim};
    for (int rep = 0; rep < 30; ++rep) {
      const Program p = testing::RandomProgram(r, s, 15);
      const Executable exe = Compile(p, s, false);
      Machine a, b;
      a.Reset(exe, 9);
      b.Reset(exe, 9);
      for (int c = 0; c < kNumComponents; ++c) {
        const auto& fn = exe.fn[c];
        DispatchDim(dim, [&]<int D>() {
          Execute<D>(fn.data(), fn.data() + fn.size(), a.mem(), a.rng(), dim, exe.scratch);
        });
        Execute<0>(fn.data(), fn.data() + fn.size(), b.mem(), b.rng(), dim, exe.scratch);
      }
      for (size_t i = 0; i < exe.memory_doubles - static_cast<size_t>(dim * dim); ++i) {
        const double x = a.mem()[i], y = b.mem()[i];
        if (std::isnan(x)) ASSERT_TRUE(std::isnan(y));
        else ASSERT_EQ(x, y) << "dim " << dim << " slot " << i;
      }
    }
  }
}

TEST(Interpreter, RandomOpsAreSeededPerEvaluation) {
  const Program p = Parse("def setup():\n  v1 = gaussian(0, 1)\n  s2 = uniform(-1, 1)\n");
  const Executable exe = Compile(p, Shape{4, 3, 1, 8}, false);
  Machine a, b;
  a.Reset(exe, 100);
  b.Reset(exe, 100);
  a.Run(exe, Component::kSetup);
  b.Run(exe, Component::kSetup);
  for (int i = 0; i < 8; ++i) EXPECT_EQ(a.vector(exe, 1)[i], b.vector(exe, 1)[i]);
  EXPECT_GE(a.scalar(2), -1);
  EXPECT_LT(a.scalar(2), 1);
  b.Reset(exe, 101);
  b.Run(exe, Component::kSetup);
  EXPECT_NE(a.vector(exe, 1)[0], b.vector(exe, 1)[0]);
}

TEST(Interpreter, CompileRejectsProgramsThatDoNotFitTheShape) {
  EXPECT_THROW(Compile(Parse("def predict():\n  s1 = dot(v0, v7)\n"), Shape{4, 3, 1, 4}), Error);
  EXPECT_THROW(Compile(Program{}, Shape{4, 3, 1, 0}), Error);
  EXPECT_THROW(Compile(Program{}, Shape{1, 3, 1, 4}), Error);
}

}  // namespace
}  // namespace ouro::lang

namespace ouro::lang {
namespace {

bool SameExecutable(const Executable& a, const Executable& b) {
  if (a.memory_doubles != b.memory_doubles || a.scratch != b.scratch || a.rng_streams != b.rng_streams ||
      a.cost != b.cost)
    return false;
  for (int c = 0; c < kNumComponents; ++c) {
    if (a.fn[c].size() != b.fn[c].size()) return false;
    for (size_t i = 0; i < a.fn[c].size(); ++i) {
      const CompiledInstr &x = a.fn[c][i], &y = b.fn[c][i];
      if (x.op != y.op || x.rng_slot != y.rng_slot || x.out != y.out || x.a != y.a || x.b != y.b || x.c1 != y.c1 ||
          x.c2 != y.c2)
        return false;
    }
  }
  return true;
}

TEST(Compile, IntoAUsedExecutableEqualsAFreshCompile) {
  const Program big = Parse("def setup():\n  v1 = gaussian(0, 1)\n  s2 = uniform(-1, 1)\n"
                            "def predict():\n  s1 = dot(v0, v1)\n  s1 = s1 + s2\n");
  const Program small = Parse("def predict():\n  s1 = norm(v0)\n");
  Executable reused;
  CompileInto(big, Shape{4, 3, 1, 8}, &reused);
  CompileInto(small, Shape{4, 3, 1, 4}, &reused);
  EXPECT_TRUE(SameExecutable(reused, Compile(small, Shape{4, 3, 1, 4})));
  CompileInto(big, Shape{4, 3, 1, 8}, &reused);
  EXPECT_TRUE(SameExecutable(reused, Compile(big, Shape{4, 3, 1, 8})));
}

// Hash is the executable's identity: equal for programs that compile alike (dead code differs),
// different when an instruction, a constant, an operand or a random stream id differs.
TEST(Compile, HashIdentifiesTheExecutable) {
  const Shape s{4, 3, 1, 4};
  auto h = [&](const std::string& text) { return Hash(Compile(Parse(text), s)); };
  const std::string base = "def setup():\n  s2 = 0.5\ndef predict():\n  s1 = dot(v0, v1)\n  s1 = s1 * s2\n";
  EXPECT_EQ(h(base), h(base));
  EXPECT_EQ(h(base), h(base + "def learn():\n  s3 = s0 + s0\n"));  // dead: pruned
  EXPECT_NE(h(base), h("def setup():\n  s2 = 0.25\ndef predict():\n  s1 = dot(v0, v1)\n  s1 = s1 * s2\n"));
  EXPECT_NE(h(base), h("def setup():\n  s2 = 0.5\ndef predict():\n  s1 = dot(v0, v2)\n  s1 = s1 * s2\n"));
  EXPECT_NE(h(base), h("def setup():\n  s2 = 0.5\ndef predict():\n  s1 = dot(v0, v1)\n  s1 = s1 + s2\n"));
  // The same instruction list, moved to another component, is another program.
  EXPECT_NE(h("def setup():\n  s1 = 2\n"), h("def predict():\n  s1 = 2\n"));
  // A random op's stream is its original position: an extra (pruned) instruction before it moves it.
  const std::string r = "def setup():\n  s2 = uniform(0, 1)\ndef predict():\n  s1 = s2 * s2\n";
  const std::string moved = "def setup():\n  s3 = 1\n  s2 = uniform(0, 1)\ndef predict():\n  s1 = s2 * s2\n";
  EXPECT_NE(h(r), h(moved));
  Executable reused;
  CompileInto(Parse(moved), s, &reused);
  CompileInto(Parse(r), s, &reused);
  EXPECT_EQ(Hash(reused), h(r));
}

// Costs by the rule of OpCost at dim 8: 1, 8, 64 or 512 per instruction.
const char* const kCostProgram =
    "def setup():\n  s2 = 0.25\n  m1 = uniform(-1, 1)\n  m2 = m1 @ m1\n"  // 1 + 64 + 512
    "def predict():\n  v2 = m2 @ v0\n  s1 = dot(v2, v1)\n"                 // 64 + 8
    "  s3 = s2 + s2\n"                             // 1, dead: learn overwrites s3 before reading it
    "def learn():\n  s3 = s0 - s1\n  s3 = s2 * s3\n  v3 = s3 * v2\n  v1 = v1 + v3\n"  // 1 + 1 + 8 + 8
    "  m0 = transpose(m1)\n";                      // 64, dead: m0 is never read
constexpr Shape kCostShape{4, 4, 3, 8};

TEST(Compile, SumsEachComponentsCostAndPrunedInstructionsCostNothing) {
  const Executable all = Compile(Parse(kCostProgram), kCostShape, /*prune=*/false);
  EXPECT_EQ(all.Cost(Component::kSetup), 577);
  EXPECT_EQ(all.Cost(Component::kPredict), 73);
  EXPECT_EQ(all.Cost(Component::kLearn), 82);
  const Executable live = Compile(Parse(kCostProgram), kCostShape);
  EXPECT_EQ(live.Count(Component::kPredict), 2u);
  EXPECT_EQ(live.Count(Component::kLearn), 4u);
  EXPECT_EQ(live.Cost(Component::kSetup), 577);
  EXPECT_EQ(live.Cost(Component::kPredict), 72);
  EXPECT_EQ(live.Cost(Component::kLearn), 18);
  // The same program at dim 4 costs by dim 4 (1 + 16 + 64, 16 + 4, 1 + 1 + 4 + 4).
  const Executable small = Compile(Parse(kCostProgram), Shape{4, 4, 3, 4});
  EXPECT_EQ(small.Cost(Component::kSetup), 81);
  EXPECT_EQ(small.Cost(Component::kPredict), 20);
  EXPECT_EQ(small.Cost(Component::kLearn), 10);
  EXPECT_EQ(Compile(Program{}, kCostShape).cost, (std::array<int64_t, kNumComponents>{0, 0, 0}));
}

TEST(Compile, CostIsTheSumOfOpCostOverTheCompiledInstructions) {
  Rng r(21);
  for (int dim : {1, 3, 8}) {
    const Shape s{6, 5, 3, dim};
    for (int rep = 0; rep < 20; ++rep) {
      const Executable exe = Compile(testing::RandomProgram(r, s, 12), s, /*prune=*/rep % 2 == 0);
      for (int c = 0; c < kNumComponents; ++c) {
        int64_t sum = 0;
        for (const CompiledInstr& ci : exe.fn[c]) sum += OpCost(ci.op, dim);
        EXPECT_EQ(exe.cost[c], sum) << "dim " << dim << " component " << c;
      }
    }
  }
}

TEST(Compile, IntoAUsedExecutableGivesTheSameCosts) {
  const Executable fresh = Compile(Parse(kCostProgram), kCostShape);
  Executable reused = Compile(Parse(kCostProgram), Shape{4, 4, 3, 16}, /*prune=*/false);
  CompileInto(Parse(kCostProgram), kCostShape, &reused);
  EXPECT_EQ(reused.cost, fresh.cost);
  CompileInto(Program{}, kCostShape, &reused);  // an empty program resets every component to 0
  EXPECT_EQ(reused.cost, (std::array<int64_t, kNumComponents>{0, 0, 0}));
}

}  // namespace
}  // namespace ouro::lang

namespace ouro::lang {
namespace {

// The ops that write their output while still reading inputs (matvec, matmul, transpose) must
// give the same values whether the output is distinct from, or the same register as, an input;
// at an unrolled dim (4) and the generic kernel (5).
TEST(Interpreter, AliasedOutputsMatchDistinctOutputs) {
  const std::string init =
      "def setup():\n  m0 = gaussian(0, 1)\n  m1 = gaussian(0, 1)\n  v1 = gaussian(0, 1)\n  v2 = gaussian(0, 1)\n";
  struct Case {
    std::string aliased, distinct;
    bool matrix;
    int reg;  // register the aliased form writes
  };
  const Case cases[] = {
      {"  m0 = m0 @ m1\n", "  m3 = m0 @ m1\n", true, 0},   // out == in1
      {"  m1 = m0 @ m1\n", "  m3 = m0 @ m1\n", true, 1},   // out == in2
      {"  m0 = transpose(m0)\n", "  m3 = transpose(m0)\n", true, 0},
      {"  v2 = m0 @ v2\n", "  v3 = m0 @ v2\n", false, 2},  // out == in2 (matvec's in1 is a matrix)
  };
  for (int dim : {4, 5})
    for (const Case& c : cases) {
      const Shape shape{4, 4, 4, dim};
      Fixture a(init + c.aliased, shape), b(init + c.distinct, shape);
      a.Setup();
      b.Setup();
      const int size = c.matrix ? dim * dim : dim;
      const double* got = c.matrix ? a.m.matrix(a.exe, c.reg) : a.m.vector(a.exe, c.reg);
      const double* want = c.matrix ? b.m.matrix(b.exe, 3) : b.m.vector(b.exe, 3);
      for (int i = 0; i < size; ++i) ASSERT_EQ(got[i], want[i]) << c.aliased << " dim " << dim << " i " << i;
    }
}

}  // namespace
}  // namespace ouro::lang
