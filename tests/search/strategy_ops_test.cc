// Tests of the strategy's proposal operators beyond one-instruction mutations: macros (inserted
// whole and contiguously), crossover (head of the parent, tail of the mate), and the Edit record
// every mutation kind fills. Shared helpers are in strategy_test_util.h.
// Small programs, fixed seeds: deterministic and fast.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/error.h"
#include "lang/text.h"
#include "search/evolution.h"
#include "search/mutator.h"
#include "search/run_config.h"
#include "strategy_test_util.h"

namespace ouro::search {
namespace {

using test::Allowed;
using test::ChangedComponents;
using test::Macros;
using test::RandomSizes;
using test::Space;

using lang::Component;
using lang::Instruction;
using lang::Op;
using lang::Program;

// ---- macros ----------------------------------------------------------------------------------

TEST(Macro, InsertsOneMacroContiguouslyInItsComponent) {
  const SearchSpace space = Space();  // max_size {6, 5, 9}
  ProposalPolicy policy;
  policy.macros = Macros();
  const Mutator mutator(space, {Mutation::kMacro}, policy);
  Rng rng(9);
  int applied = 0, refused_other = 0, refused_full = 0, used_long = 0, short_only = 0;
  for (int rep = 0; rep < 3000; ++rep) {
    const Program before = mutator.RandomProgram(rng, RandomSizes(rng, space));
    Program after = before;
    Edit edit;
    const bool ok = mutator.Apply(Mutation::kMacro, rng, after, nullptr, &edit);
    ASSERT_GE(edit.component, 0);
    ASSERT_LT(edit.component, 3);
    const int c = edit.component;
    const size_t n = before.fn[c].size();
    // Which macros of this component fit under max_size.
    std::vector<const Macro*> fits;
    for (const Macro& m : policy.macros)
      if (static_cast<int>(m.component) == c && static_cast<int>(n + m.code.size()) <= space.max_size[c]) fits.push_back(&m);
    if (!ok) {
      EXPECT_EQ(after, before);
      EXPECT_TRUE(fits.empty()) << "refused although a macro fits, component " << c << " size " << n;
      (c == 1 ? refused_other : refused_full)++;
      continue;
    }
    ++applied;
    ASSERT_FALSE(fits.empty());
    ASSERT_EQ(ChangedComponents(before, after), std::vector<int>{c});
    ASSERT_LE(static_cast<int>(after.fn[c].size()), space.max_size[c]);
    // after = before with one fitting macro inserted contiguously at some position i.
    const auto& a = after.fn[c];
    bool found = false;
    for (const Macro* m : fits) {
      if (a.size() != n + m->code.size()) continue;
      for (size_t i = 0; i <= n && !found; ++i) {
        if (!std::equal(m->code.begin(), m->code.end(), a.begin() + static_cast<long>(i))) continue;
        std::vector<Instruction> rest(a.begin(), a.begin() + static_cast<long>(i));
        rest.insert(rest.end(), a.begin() + static_cast<long>(i + m->code.size()), a.end());
        if (rest != before.fn[c]) continue;
        found = true;
        used_long += m->code.size() == 5;
        short_only += fits.size() == 1 && c == 2;
        EXPECT_EQ(edit.op, m->code.front().op);
        EXPECT_NEAR(edit.position, a.size() > 1 ? double(i) / double(a.size() - 1) : 0.0, 1e-12);
      }
    }
    EXPECT_TRUE(found) << lang::Print(before) << "--\n" << lang::Print(after);
    EXPECT_EQ(edit.kind, Mutation::kMacro);
    EXPECT_GE(edit.position, 0.0);
    EXPECT_LE(edit.position, 1.0);
  }
  EXPECT_GT(applied, 800);
  EXPECT_GT(refused_other, 500) << "no macro for predict";
  EXPECT_GT(refused_full, 50) << "at max size";
  EXPECT_GT(used_long, 50);
  EXPECT_GT(short_only, 20) << "only the short learn macro fits";
}

TEST(Macro, InsertAtStartPutsTheMacroFirst) {
  const SearchSpace space = Space();
  ProposalPolicy policy;
  policy.macros = {Macros()[0]};
  policy.insert_at = {1, 0, 0};
  const Mutator mutator(space, {Mutation::kMacro}, policy);
  Rng rng(10);
  int applied = 0;
  for (int rep = 0; rep < 300; ++rep) {
    const Program before = mutator.RandomProgram(rng, {2, 2, 3});
    Program after = before;
    if (!mutator.Apply(Mutation::kMacro, rng, after)) continue;
    ++applied;
    const auto& a = after[Component::kLearn];
    ASSERT_EQ(a.size(), 5u);
    EXPECT_TRUE(std::equal(policy.macros[0].code.begin(), policy.macros[0].code.end(), a.begin()));
    EXPECT_TRUE(std::equal(a.begin() + 2, a.end(), before[Component::kLearn].begin()));
  }
  EXPECT_GT(applied, 50);
}

TEST(Macro, RefusesWithoutALibrary) {
  const SearchSpace space = Space();
  const Mutator mutator(space, {Mutation::kMacro});
  Rng rng(11);
  for (int rep = 0; rep < 100; ++rep) {
    Program p = mutator.RandomProgram(rng, {1, 1, 1});
    const Program before = p;
    EXPECT_FALSE(mutator.Apply(Mutation::kMacro, rng, p));
    EXPECT_EQ(p, before);
    EXPECT_EQ(mutator.Mutate(rng, p), Mutation::kNone);
  }
}

// ---- crossover -------------------------------------------------------------------------------

TEST(Crossover, NeedsAMate) {
  const SearchSpace space = Space();
  const Mutator mutator(space, {Mutation::kCrossover});
  Rng rng(12);
  for (int rep = 0; rep < 100; ++rep) {
    Program p = mutator.RandomProgram(rng, RandomSizes(rng, space));
    const Program before = p;
    EXPECT_FALSE(mutator.Apply(Mutation::kCrossover, rng, p));
    EXPECT_EQ(mutator.Mutate(rng, p), Mutation::kNone);
    EXPECT_EQ(p, before);
  }
}

TEST(Crossover, HeadOfParentThenTailOfMate) {
  const SearchSpace space = Space();
  const Mutator mutator(space, {Mutation::kCrossover});
  Rng rng(13);
  int applied = 0, refused = 0;
  for (int rep = 0; rep < 3000; ++rep) {
    const Program before = mutator.RandomProgram(rng, RandomSizes(rng, space));
    const Program mate = mutator.RandomProgram(rng, RandomSizes(rng, space));
    Program after = before;
    Edit edit;
    if (!mutator.Apply(Mutation::kCrossover, rng, after, &mate, &edit)) {
      ++refused;
      EXPECT_EQ(after, before);
      continue;
    }
    ++applied;
    const int c = edit.component;
    ASSERT_GE(c, 0);
    ASSERT_LT(c, 3);
    ASSERT_EQ(ChangedComponents(before, after), std::vector<int>{c});
    const auto& a = after.fn[c];
    const auto& b = before.fn[c];
    const auto& m = mate.fn[c];
    EXPECT_GE(static_cast<int>(a.size()), space.min_size[c]);
    EXPECT_LE(static_cast<int>(a.size()), space.max_size[c]);
    bool found = false;
    for (size_t i = 0; i <= std::min(b.size(), a.size()) && !found; ++i) {
      if (!std::equal(b.begin(), b.begin() + static_cast<long>(i), a.begin())) continue;
      const size_t tail = a.size() - i;
      if (tail > m.size()) continue;
      if (std::equal(a.begin() + static_cast<long>(i), a.end(), m.end() - static_cast<long>(tail))) found = true;
    }
    EXPECT_TRUE(found) << lang::Print(before) << "-- mate\n" << lang::Print(mate) << "--\n" << lang::Print(after);
    EXPECT_EQ(edit.kind, Mutation::kCrossover);
    EXPECT_GE(edit.position, 0.0);
    EXPECT_TRUE(edit.op == Op::kCount || Allowed(space, c, edit.op));
  }
  EXPECT_GT(applied, 1500);
  EXPECT_GT(refused, 50);
  // A program crossed with itself at the same cut is unchanged: that is refused, not applied.
  Program p = mutator.RandomProgram(rng, {0, 1, 0});  // setup and learn empty, predict size 1
  int self_applied = 0;
  for (int rep = 0; rep < 200; ++rep) {
    Program q = p;
    if (mutator.Apply(Mutation::kCrossover, rng, q, &p)) {
      ++self_applied;
      EXPECT_NE(q, p);
    }
  }
  EXPECT_GT(self_applied, 0);  // predict: head of 1 + tail of 1 = size 2
}

// Edit.position is documented as relative, in [0, 1]. BUG (src/search/mutator.cc, kCrossover:
// `at(i, fn.size())` after fn = head(i) + tail): when the mate's tail is empty, the new size is i
// and the position is i / (i - 1) > 1 (e.g. parent size 5 cut at 3, mate cut at its end: 1.5).
// Enable when fixed.
TEST(Crossover, EditPositionIsRelative) {
  const SearchSpace space = Space();
  const Mutator mutator(space, {Mutation::kCrossover});
  Rng rng(14);
  for (int rep = 0; rep < 3000; ++rep) {
    const Program mate = mutator.RandomProgram(rng, RandomSizes(rng, space));
    Program p = mutator.RandomProgram(rng, RandomSizes(rng, space));
    Edit edit;
    if (!mutator.Apply(Mutation::kCrossover, rng, p, &mate, &edit)) continue;
    ASSERT_GE(edit.position, 0.0);
    ASSERT_LE(edit.position, 1.0) << "component " << edit.component << " size " << p.fn[edit.component].size();
  }
}

// ---- the Edit record of every kind -----------------------------------------------------------

TEST(StrategyEdit, MutateFillsTheEditOfEveryKind) {
  const SearchSpace space = Space();
  ProposalPolicy policy;
  policy.macros = Macros();
  for (Mutation kind : {Mutation::kAlter, Mutation::kRandomize, Mutation::kInsert, Mutation::kRemove, Mutation::kSwap,
                        Mutation::kComponent, Mutation::kMacro, Mutation::kCrossover}) {
    SCOPED_TRACE(std::string(MutationName(kind)));
    const Mutator mutator(space, {kind}, policy);
    Rng rng(200 + static_cast<int>(kind));
    int applied = 0;
    for (int rep = 0; rep < 1000; ++rep) {
      const Program mate = mutator.RandomProgram(rng, RandomSizes(rng, space));
      const Program before = mutator.RandomProgram(rng, RandomSizes(rng, space));
      Program after = before;
      Edit edit{Mutation::kSwap, 2, 0.75, Op::kScalarAdd};  // garbage that must be overwritten
      const Mutation m = mutator.Mutate(rng, after, &mate, &edit);
      ASSERT_EQ(edit.kind, m);
      if (m == Mutation::kNone) {
        EXPECT_EQ(edit.component, -1);
        EXPECT_EQ(edit.op, Op::kCount);
        EXPECT_EQ(after, before);
        continue;
      }
      ++applied;
      ASSERT_EQ(m, kind);
      ASSERT_GE(edit.component, 0);
      ASSERT_LT(edit.component, 3);
      const int c = edit.component;
      for (int changed : ChangedComponents(before, after)) EXPECT_EQ(changed, c);
      EXPECT_GE(edit.position, 0.0);
      if (kind != Mutation::kCrossover) {
        EXPECT_LE(edit.position, 1.0);  // crossover: see EditPositionIsRelative
      }
      const auto& a = after.fn[c];
      // Index the position refers to (in the program after the edit for writes).
      auto index = [&](size_t size) { return static_cast<size_t>(std::lround(edit.position * double(size - 1))); };
      switch (kind) {
        case Mutation::kSwap:
          EXPECT_EQ(edit.op, Op::kCount);
          break;
        case Mutation::kRemove:
          // Which operation a removal reports is checked in RemoveReportsNoOperation.
          break;
        case Mutation::kMacro:
          EXPECT_TRUE(edit.op == Macros()[0].code[0].op || edit.op == Macros()[1].code[0].op ||
                      edit.op == Macros()[2].code[0].op);
          EXPECT_EQ(a[index(a.size())].op, edit.op);
          break;
        case Mutation::kCrossover:
          EXPECT_TRUE(edit.op == Op::kCount || Allowed(space, c, edit.op));
          break;
        case Mutation::kComponent:
          EXPECT_EQ(edit.position, 0.0);
          EXPECT_EQ(edit.op, a.front().op);
          break;
        default:  // alter, randomize, insert: the instruction written or altered
          ASSERT_TRUE(Allowed(space, c, edit.op)) << static_cast<int>(edit.op);
          EXPECT_EQ(a[index(a.size())].op, edit.op);
          break;
      }
    }
    EXPECT_GT(applied, 300);
  }
}

// The header (search/mutator.h, Edit::op) says "kCount: none (remove, swap)". BUG
// (src/search/mutator.cc, kRemove: `at(i, n)` runs before the erase, so `e.op = fn[i].op`): a
// removal reports the operation of the removed instruction. Either the code or the comment is
// wrong; enable when they agree.
TEST(StrategyEdit, RemoveReportsNoOperation) {
  const SearchSpace space = Space();
  const Mutator mutator(space, {Mutation::kRemove});
  Rng rng(15);
  for (int rep = 0; rep < 200; ++rep) {
    Program p = mutator.RandomProgram(rng, {3, 3, 3});
    Edit edit;
    ASSERT_TRUE(mutator.Apply(Mutation::kRemove, rng, p, nullptr, &edit));
    ASSERT_EQ(edit.op, Op::kCount);
  }
}

}  // namespace
}  // namespace ouro::search
