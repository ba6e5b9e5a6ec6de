// Tests of the mutation operators and random programs: every operator keeps programs valid and
// within the size bounds, does what its name says, refuses when it cannot apply, and is a pure
// function of the Rng state.
#include "search/mutator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/error.h"
#include "lang/text.h"
#include "search/run_config.h"
#include "search_test_util.h"

namespace ouro::search {
namespace {

using test::Allowed;

using lang::Component;
using lang::Instruction;
using lang::Op;
using lang::Program;

constexpr Mutation kAllKinds[] = {Mutation::kAlter, Mutation::kRandomize, Mutation::kInsert,
                                  Mutation::kRemove, Mutation::kSwap, Mutation::kComponent};

// A space with a different op set per component (so "allowed ops per component" is observable),
// covering every instruction form: infix, calls, constants, element constants, random draws.
SearchSpace MixedSpace() {
  SearchSpace s;
  s.shape = lang::Shape{5, 4, 2, 4};
  s.ops[0] = {Op::kScalarConst, Op::kVectorConst, Op::kMatrixConst, Op::kScalarUniform,
              Op::kVectorGaussian, Op::kMatrixUniform};
  s.ops[1] = {Op::kVectorDot, Op::kScalarAdd, Op::kMatVec, Op::kVectorNorm, Op::kScalarSin};
  s.ops[2] = {Op::kScalarSub, Op::kScalarMul, Op::kScalarVectorMul, Op::kVectorAdd, Op::kOuter,
              Op::kMatrixAdd, Op::kScalarGaussian, Op::kTranspose};
  s.min_size = {0, 1, 2};
  s.max_size = {6, 5, 9};
  return s;
}

// Sizes drawn to hit the bounds often: min, min+1, max-1, max or anything in between.
std::array<int, 3> RandomSizes(Rng& rng, const SearchSpace& s) {
  std::array<int, 3> out{};
  for (int c = 0; c < 3; ++c) {
    const int lo = s.min_size[c], hi = s.max_size[c];
    switch (rng.Below(5)) {
      case 0: out[c] = lo; break;
      case 1: out[c] = std::min(lo + 1, hi); break;
      case 2: out[c] = std::max(hi - 1, lo); break;
      case 3: out[c] = hi; break;
      default: out[c] = lo + static_cast<int>(rng.Below(static_cast<uint32_t>(hi - lo + 1))); break;
    }
  }
  return out;
}

// True when `big` is `small` with exactly one instruction inserted.
bool OneInserted(const std::vector<Instruction>& small, const std::vector<Instruction>& big,
                 Instruction* inserted) {
  if (big.size() != small.size() + 1) return false;
  for (size_t k = 0; k < big.size(); ++k) {
    std::vector<Instruction> without = big;
    without.erase(without.begin() + static_cast<long>(k));
    if (without == small) {
      if (inserted) *inserted = big[k];
      return true;
    }
  }
  return false;
}

// Components whose instructions differ.
std::vector<int> ChangedComponents(const Program& a, const Program& b) {
  std::vector<int> out;
  for (int c = 0; c < 3; ++c)
    if (a.fn[c] != b.fn[c]) out.push_back(c);
  return out;
}

int DifferingPositions(const std::vector<Instruction>& a, const std::vector<Instruction>& b) {
  int n = 0;
  for (size_t i = 0; i < a.size(); ++i) n += !(a[i] == b[i]);
  return n;
}

bool HasDuplicate(const std::vector<Instruction>& fn) {
  for (size_t i = 0; i < fn.size(); ++i)
    for (size_t j = i + 1; j < fn.size(); ++j)
      if (fn[i] == fn[j]) return true;
  return false;
}

// Number of parameters that differ between two instructions: the registers out, in1, in2, the
// element index (row and col together) and the constants c1, c2.
int DifferingParams(const Instruction& a, const Instruction& b) {
  return (a.out != b.out) + (a.in1 != b.in1) + (a.in2 != b.in2) +
         (a.row != b.row || a.col != b.col) + (a.c1 != b.c1) + (a.c2 != b.c2);
}

// ---- conformance of every operator -----------------------------------------------------------

// The program `after` is valid, within the size bounds, and uses only the allowed ops.
void ExpectValidInSpace(const SearchSpace& space, const Program& after) {
  ASSERT_NO_THROW(after.Validate(space.shape)) << lang::Print(after);
  for (int c = 0; c < 3; ++c) {
    ASSERT_GE(static_cast<int>(after.fn[c].size()), space.min_size[c]);
    ASSERT_LE(static_cast<int>(after.fn[c].size()), space.max_size[c]);
    for (const Instruction& in : after.fn[c]) ASSERT_TRUE(Allowed(space, c, in.op)) << c;
  }
}

// Component c changed from b to a by one applied mutation of `kind`: it did what its name says.
void ExpectDoesWhatItSays(Mutation kind, const SearchSpace& space, int c,
                          const std::vector<Instruction>& b, const std::vector<Instruction>& a) {
  switch (kind) {
    case Mutation::kInsert: {
      Instruction inserted;
      ASSERT_TRUE(OneInserted(b, a, &inserted));
      EXPECT_TRUE(Allowed(space, c, inserted.op));
      break;
    }
    case Mutation::kRemove:
      ASSERT_TRUE(OneInserted(a, b, nullptr));
      break;
    case Mutation::kSwap: {
      ASSERT_EQ(a.size(), b.size());
      ASSERT_EQ(DifferingPositions(a, b), 2);
      std::vector<size_t> pos;
      for (size_t i = 0; i < a.size(); ++i)
        if (!(a[i] == b[i])) pos.push_back(i);
      EXPECT_EQ(a[pos[0]], b[pos[1]]);
      EXPECT_EQ(a[pos[1]], b[pos[0]]);
      break;
    }
    case Mutation::kRandomize:
      ASSERT_EQ(a.size(), b.size());
      ASSERT_EQ(DifferingPositions(a, b), 1);
      break;
    case Mutation::kComponent:
      ASSERT_EQ(a.size(), b.size());
      break;
    case Mutation::kAlter: {
      ASSERT_EQ(a.size(), b.size());
      ASSERT_EQ(DifferingPositions(a, b), 1);
      for (size_t i = 0; i < a.size(); ++i) {
        if (a[i] == b[i]) continue;
        EXPECT_EQ(a[i].op, b[i].op) << "alter keeps the operation";
        EXPECT_EQ(DifferingParams(a[i], b[i]), 1)
            << "alter changes one parameter: " << lang::PrintInstruction(b[i]) << " -> "
            << lang::PrintInstruction(a[i]);
      }
      break;
    }
    case Mutation::kNone:
    case Mutation::kMacro:  // not in kAllKinds: tested on their own below
    case Mutation::kCrossover:
      break;
  }
}

// The tallies of 3000 mutations of `kind`: the sample exercised both outcomes where both are
// possible, and applied mutations change the program (an unchanged result needs an identical
// redraw or two equal instructions).
void ExpectTallies(Mutation kind, int applied, int unchanged, int refused) {
  EXPECT_GT(applied, 1000);
  switch (kind) {
    case Mutation::kInsert:
    case Mutation::kRemove:
      EXPECT_EQ(unchanged, 0);
      EXPECT_GT(refused, 100);  // components at their max / min size
      break;
    case Mutation::kSwap:
      EXPECT_LT(unchanged, applied / 50);
      EXPECT_GT(refused, 100);  // components with fewer than 2 instructions
      break;
    case Mutation::kRandomize:
    case Mutation::kComponent:
      EXPECT_LT(unchanged, applied / 50);
      EXPECT_GT(refused, 100);  // empty components
      break;
    case Mutation::kAlter:
      // Redrawing a register can pick the one already there (as in AutoML-Zero), so some
      // alterations are no-ops; most must still change the program.
      EXPECT_LT(unchanged, applied / 2);
      EXPECT_GT(refused, 100);
      break;
    case Mutation::kNone:
    case Mutation::kMacro:
    case Mutation::kCrossover:
      break;
  }
}

TEST(Mutator, EveryKindKeepsProgramsValidAndDoesWhatItSays) {
  const SearchSpace space = MixedSpace();
  for (Mutation kind : kAllKinds) {
    SCOPED_TRACE(std::string(MutationName(kind)));
    const Mutator mutator(space, {kind});
    Rng rng(100 + static_cast<int>(kind));
    int applied = 0, unchanged = 0, refused = 0;
    for (int rep = 0; rep < 3000; ++rep) {
      const Program before = mutator.RandomProgram(rng, RandomSizes(rng, space));
      Program after = before;
      const bool ok = mutator.Apply(kind, rng, after);

      ASSERT_NO_FATAL_FAILURE(ExpectValidInSpace(space, after));
      if (!ok) {
        ++refused;
        ASSERT_EQ(after, before) << "a refused mutation must leave the program alone";
        continue;
      }
      ++applied;
      if (after == before) ++unchanged;
      const std::vector<int> changed = ChangedComponents(before, after);
      ASSERT_LE(changed.size(), 1u) << "one mutation touches one component";
      if (changed.empty()) {
        // Only possible for kinds that can redraw the same thing.
        ASSERT_NE(kind, Mutation::kInsert);
        ASSERT_NE(kind, Mutation::kRemove);
        continue;
      }
      const int c = changed[0];
      ASSERT_NO_FATAL_FAILURE(ExpectDoesWhatItSays(kind, space, c, before.fn[c], after.fn[c]));
    }
    ExpectTallies(kind, applied, unchanged, refused);
  }
}

TEST(Mutator, SwapLeavesTheProgramUnchangedOnlyForEqualInstructions) {
  const SearchSpace space = DefaultRunConfig().evolution.compiled.space;  // few ops: duplicates happen
  const Mutator mutator(space, {Mutation::kSwap});
  Rng rng(8);
  int unchanged = 0;
  for (int rep = 0; rep < 5000; ++rep) {
    const Program before = mutator.RandomProgram(rng, {3, 2, 3});
    Program after = before;
    ASSERT_TRUE(mutator.Apply(Mutation::kSwap, rng, after));  // every component has >= 2
    if (after == before) {
      ++unchanged;
      EXPECT_TRUE(HasDuplicate(before[Component::kSetup]) || HasDuplicate(before[Component::kPredict]) ||
                  HasDuplicate(before[Component::kLearn]))
          << lang::Print(before);
    }
  }
  EXPECT_GT(unchanged, 0);  // the sample did contain duplicates
}

TEST(Mutator, AlterChangesEveryKindOfParameter) {
  // One instruction of each form; alter must eventually change each of its parameters (registers,
  // constants, element indices) and never anything else.
  SearchSpace space;
  space.shape = lang::Shape{6, 5, 3, 4};
  space.ops[0] = {Op::kScalarConst};
  space.ops[1] = {Op::kScalarAdd};
  space.ops[2] = {Op::kScalarUniform};
  const Mutator mutator(space, {Mutation::kAlter});
  const Program p = lang::Parse(
      "def setup():\n  s2 = 0.5\n  v1[2] = 0.25\n  m1[1, 3] = -0.75\n"
      "def predict():\n  s1 = s2 + s3\n"
      "def learn():\n  s4 = uniform(-0.5, 0.25)\n",
      space.shape);
  // changed[component][instruction] = bit set of the parameters seen changing.
  enum { kOut = 1, kIn1 = 2, kIn2 = 4, kRow = 8, kCol = 16, kC1 = 32, kC2 = 64 };
  std::array<std::vector<int>, 3> changed;
  for (int c = 0; c < 3; ++c) changed[c].assign(p.fn[c].size(), 0);
  Rng rng(4);
  for (int rep = 0; rep < 3000; ++rep) {
    Program q = p;
    ASSERT_TRUE(mutator.Apply(Mutation::kAlter, rng, q));
    int total = 0;
    for (int c = 0; c < 3; ++c)
      for (size_t i = 0; i < p.fn[c].size(); ++i) {
        const Instruction& a = q.fn[c][i];
        const Instruction& b = p.fn[c][i];
        ASSERT_EQ(a.op, b.op);
        total += DifferingParams(a, b);
        changed[c][i] |= (a.out != b.out) * kOut | (a.in1 != b.in1) * kIn1 | (a.in2 != b.in2) * kIn2 |
                         (a.row != b.row) * kRow | (a.col != b.col) * kCol | (a.c1 != b.c1) * kC1 |
                         (a.c2 != b.c2) * kC2;
        ASSERT_LT(a.row, space.shape.dim);
        ASSERT_LT(a.col, space.shape.dim);
      }
    ASSERT_LE(total, 1) << lang::Print(q);
  }
  EXPECT_EQ(changed[0][0], kOut | kC1);                // s2 = 0.5
  EXPECT_EQ(changed[0][1], kOut | kRow | kC1);         // v1[2] = 0.25 (no column)
  EXPECT_EQ(changed[0][2], kOut | kRow | kCol | kC1);  // m1[1, 3] = -0.75
  EXPECT_EQ(changed[1][0], kOut | kIn1 | kIn2);        // s1 = s2 + s3 (no constants)
  EXPECT_EQ(changed[2][0], kOut | kC1 | kC2);          // s4 = uniform(lo, hi)
}

TEST(Mutator, AlterCannotChangeARegisterThatHasNoAlternative) {
  // With one register of a type (m0 when matrices = 1) an altered register stays the same: the
  // result must still be valid and equal to the input. (Today Apply reports success here; it
  // redraws registers uniformly, the current one included, as AutoML-Zero does.)
  SearchSpace space;
  space.shape = lang::Shape{2, 1, 1, 4};
  space.ops[0] = space.ops[1] = space.ops[2] = {Op::kMatrixAdd};
  const Mutator mutator(space, {Mutation::kAlter});
  Rng rng(5);
  for (int rep = 0; rep < 100; ++rep) {
    const Program p = mutator.RandomProgram(rng, {1, 1, 1});
    Program q = p;
    mutator.Apply(Mutation::kAlter, rng, q);
    EXPECT_EQ(q, p);
  }
}

TEST(Mutator, RefusesWhenNotApplicable) {
  SearchSpace space = MixedSpace();
  space.min_size = {0, 0, 0};
  space.max_size = {3, 3, 3};
  auto mutator = [&](Mutation k) { return Mutator(space, {k}); };
  Rng rng(9);
  const Program empty;
  const Program full = Mutator(space, {Mutation::kInsert}).RandomProgram(rng, {3, 3, 3});
  const Program single = Mutator(space, {Mutation::kInsert}).RandomProgram(rng, {1, 1, 1});
  for (int rep = 0; rep < 200; ++rep) {
    for (Mutation k : {Mutation::kAlter, Mutation::kRandomize, Mutation::kRemove, Mutation::kSwap,
                       Mutation::kComponent}) {
      Program p = empty;
      EXPECT_FALSE(mutator(k).Apply(k, rng, p)) << MutationName(k);
      EXPECT_EQ(p, empty);
    }
    Program p = full;
    EXPECT_FALSE(mutator(Mutation::kInsert).Apply(Mutation::kInsert, rng, p)) << "at max size";
    EXPECT_EQ(p, full);
    p = single;
    EXPECT_FALSE(mutator(Mutation::kSwap).Apply(Mutation::kSwap, rng, p)) << "fewer than 2";
    EXPECT_EQ(p, single);
    EXPECT_FALSE(mutator(Mutation::kNone).Apply(Mutation::kNone, rng, p));
    // Applicable everywhere: must apply.
    p = single;
    EXPECT_TRUE(mutator(Mutation::kInsert).Apply(Mutation::kInsert, rng, p));
    p = single;
    EXPECT_TRUE(mutator(Mutation::kRemove).Apply(Mutation::kRemove, rng, p));
    p = full;
    EXPECT_TRUE(mutator(Mutation::kSwap).Apply(Mutation::kSwap, rng, p));
  }
  // Remove stops at the minimum size.
  space.min_size = {1, 1, 1};
  {
    Program p = single;
    for (int rep = 0; rep < 100; ++rep) {
      EXPECT_FALSE(Mutator(space, {Mutation::kRemove}).Apply(Mutation::kRemove, rng, p));
      EXPECT_EQ(p, single);
    }
  }
  // A component that allows no operations (max size 0) never receives one.
  space = MixedSpace();
  space.ops[0].clear();
  space.min_size[0] = space.max_size[0] = 0;
  const Mutator no_setup(space, {Mutation::kInsert, Mutation::kRandomize, Mutation::kComponent});
  Program p = no_setup.RandomProgram(rng, {0, 2, 3});
  for (int rep = 0; rep < 500; ++rep) {
    no_setup.Mutate(rng, p);
    ASSERT_TRUE(p[Component::kSetup].empty());
  }
}

TEST(Mutator, MutateDrawsOnlyAllowedKindsAndReportsFailure) {
  const SearchSpace space = MixedSpace();
  const Mutator mutator(space, {Mutation::kInsert, Mutation::kSwap});
  Rng rng(12);
  int counts[7] = {};
  for (int rep = 0; rep < 2000; ++rep) {
    Program p = mutator.RandomProgram(rng, RandomSizes(rng, space));
    const Program before = p;
    const Mutation m = mutator.Mutate(rng, p);
    ++counts[static_cast<int>(m)];
    ASSERT_TRUE(m == Mutation::kInsert || m == Mutation::kSwap || m == Mutation::kNone);
    if (m == Mutation::kInsert) {
      ASSERT_EQ(p.Size(), before.Size() + 1);
    }
    if (m == Mutation::kSwap) {
      ASSERT_EQ(p.Size(), before.Size());
    }
    if (m == Mutation::kNone) {
      ASSERT_EQ(p, before);
    }
  }
  EXPECT_GT(counts[static_cast<int>(Mutation::kInsert)], 500);
  EXPECT_GT(counts[static_cast<int>(Mutation::kSwap)], 500);

  // Nothing can apply to an empty program with only remove allowed: kNone, program unchanged.
  SearchSpace s0 = space;
  s0.min_size = {0, 0, 0};
  const Mutator remover(s0, {Mutation::kRemove});
  Program empty;
  EXPECT_EQ(remover.Mutate(rng, empty), Mutation::kNone);
  EXPECT_EQ(empty, Program{});
}

// ---- names -----------------------------------------------------------------------------------

TEST(MutationNames, RoundTripAndAliases) {
  for (Mutation k : kAllKinds) EXPECT_EQ(MutationFromName(MutationName(k)), k) << MutationName(k);
  EXPECT_EQ(MutationName(Mutation::kAlter), "alter");
  EXPECT_EQ(MutationName(Mutation::kRandomize), "randomize");
  EXPECT_EQ(MutationName(Mutation::kInsert), "insert");
  EXPECT_EQ(MutationName(Mutation::kRemove), "remove");
  EXPECT_EQ(MutationName(Mutation::kSwap), "swap");
  EXPECT_EQ(MutationName(Mutation::kComponent), "component");
  EXPECT_EQ(MutationName(Mutation::kNone), "none");
  // AutoML-Zero's names.
  EXPECT_EQ(MutationFromName("alter_param"), Mutation::kAlter);
  EXPECT_EQ(MutationFromName("randomize_instruction"), Mutation::kRandomize);
  EXPECT_EQ(MutationFromName("randomize_component"), Mutation::kComponent);
  EXPECT_EQ(MutationFromName("insert_instruction"), Mutation::kInsert);
  EXPECT_EQ(MutationFromName("remove_instruction"), Mutation::kRemove);
  // Unknown names, and "none", which is not a mutation one can ask for.
  for (const char* bad : {"none", "flip", "", "Alter", "alter "}) {
    try {
      MutationFromName(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("unknown mutation '" + std::string(bad) + "'"),
                std::string::npos)
          << e.what();
    }
  }
}

// ---- random programs -------------------------------------------------------------------------

TEST(Mutator, RandomProgramUsesOnlyAllowedOpsAndRequestedSizes) {
  const SearchSpace space = MixedSpace();
  const Mutator mutator(space, {Mutation::kAlter});
  Rng rng(31);
  std::array<std::vector<bool>, 3> seen;
  for (auto& v : seen) v.assign(lang::kNumOps, false);
  for (int rep = 0; rep < 500; ++rep) {
    const std::array<int, 3> sizes = RandomSizes(rng, space);
    const Program p = mutator.RandomProgram(rng, sizes);
    ASSERT_NO_THROW(p.Validate(space.shape));
    for (int c = 0; c < 3; ++c) {
      ASSERT_EQ(static_cast<int>(p.fn[c].size()), sizes[c]);
      for (const Instruction& in : p.fn[c]) {
        ASSERT_TRUE(Allowed(space, c, in.op)) << c << " " << lang::PrintInstruction(in);
        seen[c][static_cast<int>(in.op)] = true;
        // Element indices are drawn within the dim, constants are finite.
        ASSERT_LT(in.row, space.shape.dim);
        ASSERT_LT(in.col, space.shape.dim);
        ASSERT_TRUE(std::isfinite(in.c1) && std::isfinite(in.c2));
      }
    }
    // The text form reads back to the same program.
    ASSERT_EQ(lang::Parse(lang::Print(p)), p);
  }
  for (int c = 0; c < 3; ++c)
    for (Op op : space.ops[c]) EXPECT_TRUE(seen[c][static_cast<int>(op)]) << c << " " << lang::Info(op).id;

  // Registers cover the whole shape.
  bool high_scalar = false, high_vector = false, high_matrix = false;
  for (int rep = 0; rep < 300; ++rep) {
    const Program p = mutator.RandomProgram(rng, {6, 5, 9});
    for (const auto& fn : p.fn)
      for (const Instruction& in : fn) {
        const lang::OpInfo& info = lang::Info(in.op);
        high_scalar |= info.out == lang::RegType::kScalar && in.out == 4;
        high_vector |= info.out == lang::RegType::kVector && in.out == 3;
        high_matrix |= info.out == lang::RegType::kMatrix && in.out == 1;
      }
  }
  EXPECT_TRUE(high_scalar && high_vector && high_matrix);
}

TEST(Mutator, DeterministicForASeed) {
  const SearchSpace space = MixedSpace();
  const Mutator mutator(space, {Mutation::kAlter, Mutation::kRandomize, Mutation::kInsert,
                                Mutation::kRemove, Mutation::kSwap, Mutation::kComponent});
  auto run = [&](uint64_t seed) {
    Rng rng(seed);
    Program p = mutator.RandomProgram(rng, {3, 2, 4});
    std::string trace = lang::Print(p);
    for (int i = 0; i < 300; ++i) {
      trace += MutationName(mutator.Mutate(rng, p));
      trace += lang::Print(p);
    }
    return trace;
  };
  EXPECT_EQ(run(77), run(77));
  EXPECT_NE(run(77), run(78));
  Rng a(5), b(5);
  for (int i = 0; i < 100; ++i)
    ASSERT_EQ(mutator.RandomInstruction(a, Component::kLearn), mutator.RandomInstruction(b, Component::kLearn));
}

// ---- search space validation -----------------------------------------------------------------

TEST(SearchSpace, ValidateRejectsInconsistentSpaces) {
  auto expect_error = [](SearchSpace s, const std::string& needle) {
    try {
      s.Validate();
      ADD_FAILURE() << "accepted; expected an error containing '" << needle << "'";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  EXPECT_NO_THROW(MixedSpace().Validate());
  SearchSpace s = MixedSpace();
  s.min_size[2] = 10;  // > max 9
  expect_error(s, "learn size bounds");
  s = MixedSpace();
  s.min_size[0] = -1;
  expect_error(s, "setup size bounds");
  s = MixedSpace();
  s.ops[1].clear();
  expect_error(s, "predict may hold instructions but allows no operations");
  s = MixedSpace();
  s.shape.matrices = 0;
  expect_error(s, "needs a matrix register");
  s = MixedSpace();
  s.shape.dim = 0;
  EXPECT_THROW(s.Validate(), Error);
  EXPECT_THROW(Mutator(MixedSpace(), {}), Error);  // no kinds
  s = MixedSpace();
  s.shape.matrices = 0;
  EXPECT_THROW(Mutator(s, {Mutation::kAlter}), Error);
}

}  // namespace
}  // namespace ouro::search
