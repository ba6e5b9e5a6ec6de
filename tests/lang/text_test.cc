#include "lang/text.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "test_util.h"

namespace ouro::lang {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST(OpTable, OrderMatchesEnumAndIdsAreUnique) {
  for (int i = 0; i < kNumOps; ++i) {
    EXPECT_EQ(static_cast<int>(kOpInfo[i].op), i) << kOpInfo[i].id;
    EXPECT_EQ(OpFromId(kOpInfo[i].id), kOpInfo[i].op);
    for (int j = 0; j < i; ++j) EXPECT_NE(kOpInfo[i].id, kOpInfo[j].id);
  }
  EXPECT_FALSE(OpFromId("no_such_op").has_value());
}

// Conformance: every op prints and parses back to the identical instruction.
TEST(Text, EveryOpRoundTrips) {
  Rng r(3);
  Shape s{8, 6, 4, 5};
  for (int k = 0; k < kNumOps; ++k) {
    for (int rep = 0; rep < 20; ++rep) {
      Program p;
      p[Component::kLearn].push_back(testing::RandomInstruction(r, s, static_cast<Op>(k)));
      const std::string text = Print(p);
      const Program back = Parse(text);
      ASSERT_EQ(back, p) << text;
      ASSERT_EQ(Print(back), text);
    }
  }
}

TEST(Text, RandomProgramsRoundTrip) {
  Rng r(11);
  Shape s{10, 10, 10, 4};
  for (int i = 0; i < 200; ++i) {
    const Program p = testing::RandomProgram(r, s, 1 + static_cast<int>(r.Below(12)));
    const std::string text = Print(p);
    EXPECT_EQ(Parse(text), p);
    EXPECT_EQ(Print(Parse(text)), text);
  }
}

TEST(Text, ConstantsRoundTripBitExactly) {
  for (double v : {0.1, -0.0, 1e-300, 123456789.123456789, -3.5e17, 5e-324}) {
    Program p;
    p[Component::kSetup].push_back(Instruction{Op::kScalarConst, 2, 0, 0, 0, 0, v, 0});
    const Program back = Parse(Print(p));
    EXPECT_EQ(std::signbit(back[Component::kSetup][0].c1), std::signbit(v));
    EXPECT_EQ(back[Component::kSetup][0].c1, v);
  }
}

TEST(Text, ParsesTheDesignExampleWithCommentsAndBlankLines) {
  const Program p = Parse(
      "# linear regression\n"
      "def setup():\n"
      "  s3 = 0.01   # learning rate\n"
      "\n"
      "def predict():\n"
      "    s1 = dot(v0, v1)\n"
      "def learn():\n"
      "  s4 = s0 - s1\n"
      "  s4 = s3 * s4\n"
      "  v2 = s4 * v0\n"
      "  v1 = v1 + v2\n");
  ASSERT_EQ(p[Component::kSetup].size(), 1u);
  ASSERT_EQ(p[Component::kPredict].size(), 1u);
  ASSERT_EQ(p[Component::kLearn].size(), 4u);
  EXPECT_EQ(p[Component::kPredict][0].op, Op::kVectorDot);
  EXPECT_EQ(p[Component::kLearn][2].op, Op::kScalarVectorMul);
  EXPECT_EQ(p[Component::kLearn][3].op, Op::kVectorAdd);
  EXPECT_EQ(p[Component::kSetup][0].c1, 0.01);
}

TEST(Text, OverloadsResolveByRegisterType) {
  const Program p = Parse(
      "def predict():\n"
      "  s2 = norm(v1)\n  s2 = norm(m0)\n  v1 = m0 @ v2\n  m1 = m0 @ m1\n  m0 = s2 * m0\n"
      "  v1 = uniform(-1, 1)\n  m0[1, 2] = -3\n  v2[3] = 4.5\n  s3 = gaussian(0, 1)\n"
      "  s2 = -0.5\n  pass  # nothing\n");
  const auto& f = p[Component::kPredict];
  ASSERT_EQ(f.size(), 10u);
  EXPECT_EQ(f[0].op, Op::kVectorNorm);
  EXPECT_EQ(f[1].op, Op::kMatrixNorm);
  EXPECT_EQ(f[2].op, Op::kMatVec);
  EXPECT_EQ(f[3].op, Op::kMatMul);
  EXPECT_EQ(f[4].op, Op::kScalarMatrixMul);
  EXPECT_EQ(f[5].op, Op::kVectorUniform);
  EXPECT_EQ(f[5].c1, -1.0);
  EXPECT_EQ(f[6].op, Op::kMatrixConst);
  EXPECT_EQ(f[6].row, 1);
  EXPECT_EQ(f[6].col, 2);
  EXPECT_EQ(f[7].op, Op::kVectorConst);
  EXPECT_EQ(f[8].op, Op::kScalarGaussian);
  EXPECT_EQ(f[9].c1, -0.5);
}

void ExpectParseError(const std::string& text, const std::string& where, const std::string& what) {
  try {
    Parse(text);
    FAIL() << "no error for: " << text;
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind(where, 0), 0u) << msg;
    EXPECT_NE(msg.find(what), std::string::npos) << msg;
  }
}

TEST(Text, ErrorsGiveLineAndColumn) {
  ExpectParseError("def setup():\n  s1 = foo(s2)\n", "2:8:", "unknown operation 'foo'");
  ExpectParseError("def setup():\n  s1 = dot(s2, s3)\n", "2:8:", "no operation matches");
  ExpectParseError("def setup():\n  s1 = s2 +\n", "2:12:", "expected a register");
  ExpectParseError("  s1 = s2 + s3\n", "1:3:", "outside a component");
  ExpectParseError("def train():\n", "1:1:", "expected 'def setup()");
  ExpectParseError("def setup():\ndef setup():\n", "2:1:", "defined twice");
  ExpectParseError("def learn():\n  v1 = 0.5\n", "2:8:", "only be assigned to a scalar");
  ExpectParseError("def learn():\n  s1 = 1e999\n", "2:8:", "out of range");
  ExpectParseError("def learn():\n  s1 = s2 $ s3\n", "2:11:", "unexpected character");
  ExpectParseError("def learn():\n  s99 = s2 + s3\n", "2:3:", "exceeds the limit");
  ExpectParseError("def learn():\n  v1[1.5] = 2\n", "2:6:", "element index");
  ExpectParseError("def learn():\n  s1 = s2 + s3 s4\n", "2:16:", "unexpected 's4'");
}

TEST(Text, ValidateAgainstShape) {
  Shape s{4, 3, 1, 4};
  EXPECT_NO_THROW(Parse("def predict():\n  s1 = dot(v0, v2)\n", s));
  try {
    Parse("def predict():\n  s1 = dot(v0, v3)\n", s);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("register v3 does not exist"), std::string::npos) << e.what();
  }
}

TEST(Text, ReferenceProgramsParseAndRoundTrip) {
  for (const char* name : {"linear_regression", "logistic_regression", "neural_net"}) {
    const std::string text = ReadFile(std::string(OURO_SOURCE_DIR) + "/programs/" + name + ".ouro");
    ASSERT_FALSE(text.empty()) << name;
    const Program p = Parse(text);
    EXPECT_GT(p.Size(), 3u);
    EXPECT_EQ(Parse(Print(p)), p);
  }
}

}  // namespace
}  // namespace ouro::lang
