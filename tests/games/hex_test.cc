// tests/games/hex_test.cc — Hex 5×5 facts: wins in both directions (and a chain along the wrong
// diagonal that is no chain), the bitmask flood fill against a plain search over the six
// neighbours, exactly one winner on every full board, the transposed observation, the notation and
// its errors, and small positions solved.
#include "games/hex.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "core/error.h"
#include "core/rng.h"
#include "games/game.h"
#include "games/small_solver.h"

namespace ouro::games {
namespace {

uint32_t Cells(std::initializer_list<const char*> names) {
  uint32_t out = 0;
  for (const char* n : names) out |= uint32_t{1} << Hex::ParseCell(n);
  return out;
}

// Reference: does `stones` join row 0 to row 4 (top_bottom) or column 0 to column 4? A search from
// cell to cell over the six neighbours written out, independent of the bitmask code.
bool PlainConnects(uint32_t stones, bool top_bottom) {
  std::vector<int> stack;
  std::vector<bool> seen(Hex::kCells, false);
  for (int i = 0; i < Hex::kSize; ++i) {
    const int cell = top_bottom ? i : i * Hex::kSize;
    if ((stones >> cell) & 1) stack.push_back(cell), seen[static_cast<size_t>(cell)] = true;
  }
  const int dr[6] = {0, 0, -1, 1, -1, 1}, dc[6] = {-1, 1, 0, 0, 1, -1};
  while (!stack.empty()) {
    const int cell = stack.back();
    stack.pop_back();
    const int r = cell / Hex::kSize, c = cell % Hex::kSize;
    if ((top_bottom ? r : c) == Hex::kSize - 1) return true;
    for (int k = 0; k < 6; ++k) {
      const int nr = r + dr[k], nc = c + dc[k], next = nr * Hex::kSize + nc;
      if (nr < 0 || nr >= Hex::kSize || nc < 0 || nc >= Hex::kSize) continue;
      if (((stones >> next) & 1) && !seen[static_cast<size_t>(next)]) {
        seen[static_cast<size_t>(next)] = true;
        stack.push_back(next);
      }
    }
  }
  return false;
}

int Winner(const std::string& moves) {
  const std::unique_ptr<State> s = HexGame().Parse(moves);
  EXPECT_TRUE(s->Terminal()) << moves;
  return s->Result(0) == 1 ? 0 : 1;
}

TEST(HexTest, TheFirstPlayerJoinsTopToBottomAndTheSecondLeftToRight) {
  EXPECT_EQ(Winner("c1a1c2a2c3a3c4a4c5"), 0);  // straight down column c
  EXPECT_EQ(Winner("a1a3b1b3c1c3d1d3e1e3"),
            1);                                // across row 3 (the first player's row 1 is nothing)
  EXPECT_EQ(Winner("e1a1d2a2c3b1b4b2a5"), 0);  // down the diagonal that is a chain: e1 d2 c3 b4 a5
  EXPECT_FALSE(HexGame().Parse("a1a3b1b3c1c3d1d3e1")->Terminal());
  // The other diagonal is not connected: a1 b2 c3 d4 e5 touch only at corners.
  EXPECT_FALSE(Hex::JoinsTopBottom(Cells({"a1", "b2", "c3", "d4", "e5"})));
  EXPECT_TRUE(Hex::JoinsTopBottom(Cells({"e1", "d2", "c3", "b4", "a5"})));
}

TEST(HexTest, FloodFillAgreesWithAPlainSearchAndTransposeSwapsTheGoals) {
  Rng rng(11);
  int joined = 0;
  for (int i = 0; i < 5000; ++i) {
    const uint32_t stones =
        static_cast<uint32_t>(rng.Next()) & Hex::kAll & static_cast<uint32_t>(rng.Next());
    const uint32_t dense = stones | (static_cast<uint32_t>(rng.Next()) & Hex::kAll);
    for (const uint32_t s : {stones, dense}) {
      EXPECT_EQ(Hex::JoinsTopBottom(s), PlainConnects(s, true)) << s;
      EXPECT_EQ(Hex::JoinsTopBottom(Hex::Transpose(s)), PlainConnects(s, false)) << s;
      EXPECT_EQ(Hex::Transpose(Hex::Transpose(s)), s);
      joined += Hex::JoinsTopBottom(s);
    }
  }
  EXPECT_GT(joined, 100);
  EXPECT_LT(joined, 9900);
}

TEST(HexTest, EveryFullBoardHasExactlyOneWinner) {
  Rng rng(4);
  int first = 0;
  for (int i = 0; i < 3000; ++i) {
    std::vector<int> order(Hex::kCells);
    for (int c = 0; c < Hex::kCells; ++c) order[static_cast<size_t>(c)] = c;
    for (int c = Hex::kCells - 1; c > 0; --c)
      std::swap(order[static_cast<size_t>(c)], order[rng.Below(static_cast<uint32_t>(c + 1))]);
    uint32_t mine = 0;  // 13 random cells for the first player, the other 12 for the second
    for (int k = 0; k < 13; ++k) mine |= uint32_t{1} << order[static_cast<size_t>(k)];
    const uint32_t theirs = Hex::kAll & ~mine;
    const bool top_bottom = Hex::JoinsTopBottom(mine),
               left_right = Hex::JoinsTopBottom(Hex::Transpose(theirs));
    EXPECT_NE(top_bottom, left_right) << mine;
    first += top_bottom;
  }
  EXPECT_GT(first, 0);
  EXPECT_LT(first, 3000);
}

uint32_t Plane(const std::vector<double>& obs, int plane) {
  uint32_t out = 0;
  for (int c = 0; c < Hex::kCells; ++c)
    if (obs[static_cast<size_t>(plane * Hex::kCells + c)] == 1.0) out |= uint32_t{1} << c;
  return out;
}

TEST(HexTest, ObservationIsTransposedForTheSecondPlayer) {
  std::vector<double> obs(50);
  HexGame().Parse("a2c1e4")->Observe(
      obs.data());                          // the second player to move: everything transposed
  EXPECT_EQ(Plane(obs, 0), Cells({"a3"}));  // its c1 (row 0, column 2) seen at row 2, column 0
  EXPECT_EQ(Plane(obs, 1), Cells({"b1", "d5"}));  // the opponent's a2 and e4
  HexGame().Parse("a2c1")->Observe(obs.data());   // the first player to move: as on the board
  EXPECT_EQ(Plane(obs, 0), Cells({"a2"}));
  EXPECT_EQ(Plane(obs, 1), Cells({"c1"}));
  // The side to move always joins top to bottom in its observation: the second player's row 3,
  // one stone short, is a column one stone short there, and the winning cell e3 is seen at c5.
  const std::unique_ptr<State> s = HexGame().Parse("a1a3b1b3c1c3d1d3e1");
  s->Observe(obs.data());
  EXPECT_FALSE(Hex::JoinsTopBottom(Plane(obs, 0)));
  EXPECT_TRUE(Hex::JoinsTopBottom(Plane(obs, 0) | Cells({"c5"})));
  s->Apply(Hex::ParseCell("e3"));
  EXPECT_TRUE(s->Terminal());
  EXPECT_EQ(s->Result(1), 1);
}

// The value for the side to move by plain minimax over the State interface (no memo, no pruning).
int Minimax(State& s) {
  int best = -1;
  const int me = s.ToMove();
  for (const int m : s.LegalMoves()) {
    s.Apply(m);
    best = std::max(best, s.Terminal() ? s.Result(me) : -Minimax(s));
    s.Undo();
  }
  return best;
}

TEST(HexTest, LatePositionsSolvedAsPlainMinimaxSolvesThem) {
  SmallSolver solver;
  Rng rng(9);
  int seen[3] = {0, 0, 0};
  for (int i = 0; i < 40; ++i) {
    std::unique_ptr<State> s = HexGame().Initial();
    while (s->MovesPlayed() < 17 && !s->Terminal()) {
      const std::vector<int> legal = s->LegalMoves();
      s->Apply(legal[rng.Below(static_cast<uint32_t>(legal.size()))]);
    }
    if (s->Terminal()) continue;
    const int value = solver.Value(*s);
    EXPECT_EQ(value, Minimax(*s)) << s->ToString();
    ++seen[value + 1];
    const std::vector<int> optimal = solver.OptimalMoves(*s);
    for (const int m : s->LegalMoves()) {
      s->Apply(m);
      const int v = s->Terminal() ? s->Result(1 - s->ToMove()) : -Minimax(*s);
      s->Undo();
      EXPECT_EQ(std::find(optimal.begin(), optimal.end(), m) != optimal.end(), v == value)
          << s->ToString() << " " << Hex::CellName(m);
    }
  }
  EXPECT_GT(seen[0], 0);  // losses and wins both occur; never a draw
  EXPECT_GT(seen[2], 0);
  EXPECT_EQ(seen[1], 0);
}

TEST(HexTest, NotationRoundTripsAndErrorsNameTheMove) {
  for (int cell = 0; cell < Hex::kCells; ++cell) {
    EXPECT_EQ(Hex::ParseCell(Hex::CellName(cell)), cell);
    EXPECT_EQ(HexGame().MoveName(cell), Hex::CellName(cell));
  }
  EXPECT_EQ(Hex::CellName(0), "a1");
  EXPECT_EQ(Hex::CellName(24), "e5");
  EXPECT_EQ(Hex::CellName(7), "c2");
  for (const char* bad : {"", "f1", "a0", "a6", "A1", "a", "a12"})
    EXPECT_EQ(Hex::ParseCell(bad), -1) << bad;
  const auto message = [](const std::string& text) {
    try {
      HexGame().Parse(text);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message("c3x9"), "hex5 position 'c3x9': move 2 is 'x9', not a cell a1-e5");
  EXPECT_EQ(message("c3b"), "hex5 position 'c3b': move 2 is 'b', not a cell a1-e5");
  EXPECT_EQ(message("c3c3"), "hex5 position 'c3c3': move 2: hex5: cell c3 is taken");
  EXPECT_EQ(message("c1a1c2a2c3a3c4a4c5b1"),
            "hex5 position 'c1a1c2a2c3a3c4a4c5b1': move 10: hex5: no move after "
            "the end of the game (c1a1c2a2c3a3c4a4c5)");
}

}  // namespace
}  // namespace ouro::games
