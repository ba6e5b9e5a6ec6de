// tests/games/connect4_positions_test.cc — the Connect Four solver on deep positions whose values
// come from an independent public source: tests/games/data/connect4_positions.csv holds the lines
// of 8 to 14 moves of Pascal Pons' test set Test_L1_R1 ("position score" lines, score > 0: the side
// to move wins, < 0: it loses), as stored in the public repository fireblade2534/Connect-4-MinMax,
// file Test_L1_R1 (commit bb2185c28250209d63f8146f8bbd110909de5579); the value column is the
// score's sign. The solver's value must equal the file's for every position (and with its table
// off for a subset), and every optimal move it returns must keep the value (checked by solving the
// child position).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "games/connect4.h"
#include "games/connect4_solver.h"
#include "tasks/csv.h"

namespace ouro::games {
namespace {

struct Known {
  std::string moves;
  int value;
};

std::vector<Known> LoadFixture() {
  const tasks::CsvText t =
      tasks::LoadCsvText(std::string(OURO_SOURCE_DIR) + "/tests/games/data/connect4_positions.csv",
                         {"position", "value"});
  std::vector<Known> out;
  for (const std::vector<std::string>& row : t.rows) out.push_back({row[0], std::stoi(row[1])});
  return out;
}

Connect4 Board(const std::string& moves) {
  Connect4 b;
  for (const char c : moves) b.Play(c - '1');
  return b;
}

TEST(Connect4Positions, TheFixtureIsDeepAndDecided) {
  const std::vector<Known> known = LoadFixture();
  ASSERT_GE(known.size(), 40u);
  int wins = 0, losses = 0;
  for (const Known& k : known) {
    EXPECT_GE(k.moves.size(), 8u);
    EXPECT_LE(k.moves.size(), 20u);
    EXPECT_FALSE(Board(k.moves).Over()) << k.moves;
    wins += k.value == 1;
    losses += k.value == -1;
  }
  EXPECT_GT(wins, 10);
  EXPECT_GT(losses, 10);
}

// Under the sanitizers (several times slower) the solving tests take every fourth position.
#if defined(__SANITIZE_ADDRESS__)
constexpr size_t kStride = 4;
#else
constexpr size_t kStride = 1;
#endif

TEST(Connect4Positions, ValuesMatchTheKnownOnes) {
  Connect4Solver solver(20);
  const std::vector<Known> known = LoadFixture();
  for (size_t i = 0; i < known.size(); i += kStride)
    EXPECT_EQ(solver.Value(Board(known[i].moves)), known[i].value) << known[i].moves;
}

TEST(Connect4Positions, ThePlainBaselineWithoutATableAgrees) {
  Connect4Solver plain(0);
  const std::vector<Known> known = LoadFixture();
  for (size_t i = 0; i < known.size(); i += 4 * kStride)
    EXPECT_EQ(plain.Value(Board(known[i].moves)), known[i].value) << known[i].moves;
}

// On every third position: every optimal move keeps the value and every other move changes it,
// checked by solving the child with a second, separate solver.
TEST(Connect4Positions, EveryOptimalMoveKeepsTheValue) {
  Connect4Solver solver(20), checker(20);
  const std::vector<Known> known = LoadFixture();
  for (size_t i = 0; i < known.size(); i += 3 * kStride) {
    const Connect4 b = Board(known[i].moves);
    const std::vector<int> best = solver.OptimalMoves(b);
    ASSERT_FALSE(best.empty()) << known[i].moves;
    for (int c = 0; c < Connect4::kWidth; ++c) {
      if (!b.CanPlay(c)) continue;
      const bool optimal = std::find(best.begin(), best.end(), c) != best.end();
      Connect4 next = b;
      next.Play(c);
      const int v = next.LastMoverWon() ? 1 : next.Full() ? 0 : -checker.Value(next);
      EXPECT_EQ(optimal, v == known[i].value) << known[i].moves << " column " << c + 1;
    }
  }
}

}  // namespace
}  // namespace ouro::games
