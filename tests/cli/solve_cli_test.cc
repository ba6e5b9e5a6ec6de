// `ouro solve` (issue 16): positions of a CSV file's `position` column solved by the game's exact
// solver, written as CSV or JSON lines, and bad input (game, file, column, position) refused with
// a message that names it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "cli_fixture.h"

namespace {

using ouro_test::CliFixture;
using ouro_test::Result;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string Stdout(const Result& r) {  // stdout only: the stderr summary is the last line
  std::string s = r.out;
  if (!s.empty() && s.back() == '\n') s.pop_back();
  return s.substr(0, s.find_last_of('\n') + 1);
}

class Solve : public CliFixture {};

TEST_F(Solve, ConnectFourPositionsGetValuesMovesAndNodes) {
  // From Pons' Test_L1_R1 (tests/games/data): a win for the side to move; then a finished game
  // (the first player's four in column 1: the side to move has lost) and a win in one.
  const std::string csv = Write("p.csv", "id,position\n1,243335424257\n2,1213141\n3,\"121314\"\n");
  const Result r = Run("solve --game connect4 --positions " + csv);
  ASSERT_EQ(r.code, 0) << r.out;
  const std::vector<std::string> lines = Lines(Stdout(r));
  ASSERT_EQ(lines.size(), 4u) << r.out;
  EXPECT_EQ(lines[0], "position,value,optimal_moves,nodes");
  EXPECT_EQ(lines[1].substr(0, 17), "243335424257,1,6,") << lines[1];
  EXPECT_EQ(lines[2], "1213141,-1,,0");  // a finished game: its result, no moves
  // Column 1 wins at once, and 5 (which also blocks the second player's row) wins later: an
  // optimal move keeps the value, it need not win fastest.
  EXPECT_EQ(lines[3].substr(0, 13), "121314,1,1 5,") << lines[3];
  EXPECT_NE(r.out.find("3 connect4 positions solved in"), std::string::npos) << r.out;
}

TEST_F(Solve, OutFileAndJsonLines) {
  const std::string csv = Write("p.csv", "position\n\n52\n519\n");
  const std::string out = (dir_ / "solved.jsonl").string();
  const Result r = Run("solve --game tictactoe --positions " + csv + " --out " + out + " --json");
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("written to " + out), std::string::npos) << r.out;
  const std::vector<std::string> lines = Lines(ouro_test::Slurp(out));
  ASSERT_EQ(lines.size(), 2u);  // the blank line is skipped, as blank lines are in every CSV
  const nlohmann::json a = nlohmann::json::parse(lines[0]), b = nlohmann::json::parse(lines[1]);
  EXPECT_EQ(a["position"], "52");
  EXPECT_EQ(a["value"], 1);  // X centre, O edge: X wins
  EXPECT_GT(a["nodes"].get<int>(), 0);
  EXPECT_EQ(b["position"], "519");
  EXPECT_EQ(b["value"], 0);
  EXPECT_EQ(b["optimal_moves"], nlohmann::json::array({"3", "7"}));  // O must take a free corner
  // Without --out the rows go to stdout; the CSV form of the same positions.
  const Result csv_out = Run("solve --game tictactoe --positions " + csv);
  ASSERT_EQ(csv_out.code, 0) << csv_out.out;
  EXPECT_NE(csv_out.out.find("519,0,3 7,"), std::string::npos) << csv_out.out;
}

TEST_F(Solve, HexPositionsWithFewEmptyCells) {
  // The first player, to move, is one stone short of column c (c5 wins); 13 cells are empty.
  const std::string csv = Write("h.csv", "position\nc1a1c2a2c3a3c4a4b1e1d1e2\nc3\n");
  const Result r = Run("solve --game hex5 --positions " + csv);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(
      r.out.find(
          csv +
          ":3: hex5 position 'c3': 24 empty cells; the exact solver takes positions with at most"),
      std::string::npos)
      << r.out;
  const Result ok = Run("solve --game hex5 --positions " +
                        Write("h1.csv", "position\nc1a1c2a2c3a3c4a4b1e1d1e2\n"));
  ASSERT_EQ(ok.code, 0) << ok.out;
  const std::vector<std::string> lines = Lines(Stdout(ok));
  ASSERT_EQ(lines.size(), 2u) << ok.out;
  EXPECT_EQ(lines[1].substr(0, 27), "c1a1c2a2c3a3c4a4b1e1d1e2,1,") << lines[1];
  EXPECT_NE(lines[1].find("c5"), std::string::npos) << lines[1];
}

// --max-nodes: a position that needs more is written unsolved (empty value, no moves), the others
// as without it; `ouro bestmove --solved` skips the unsolved rows.
TEST_F(Solve, MaxNodesLeavesHardPositionsUnsolved) {
  const std::string csv = Write("p.csv", "position\n4453\n1213141\n243335424257\n");
  const Result r = Run("solve --game connect4 --positions " + csv + " --max-nodes 100000");
  ASSERT_EQ(r.code, 0) << r.out;
  const std::vector<std::string> lines = Lines(Stdout(r));
  ASSERT_EQ(lines.size(), 4u) << r.out;
  EXPECT_EQ(lines[1], "4453,,,100001");
  EXPECT_EQ(lines[2], "1213141,-1,,0");
  EXPECT_EQ(lines[3].substr(0, 17), "243335424257,1,6,") << lines[3];
  EXPECT_NE(r.out.find("2 connect4 positions solved in"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("1 left unsolved at --max-nodes"), std::string::npos) << r.out;
  const Result j = Run("solve --game connect4 --positions " + csv + " --max-nodes 100000 --json");
  ASSERT_EQ(j.code, 0) << j.out;
  const nlohmann::json first = nlohmann::json::parse(Lines(Stdout(j))[0]);
  EXPECT_TRUE(first["value"].is_null());
  EXPECT_EQ(first["solved"], false);
  const std::string solved = (dir_ / "s.csv").string(), moves = (dir_ / "m.csv").string();
  ASSERT_EQ(Stdout(Run("solve --game connect4 --positions " + csv + " --max-nodes 100000 --out " +
                       solved)),
            "");
  const Result best = Run("bestmove --game connect4 --agent random --positions " +
                          Write("q.csv", "position\n4453\n243335424257\n") + " --out " + moves +
                          " --solved " + solved);
  ASSERT_EQ(best.code, 0) << best.out;
  EXPECT_NE(best.out.find("of 1 solved positions"), std::string::npos) << best.out;
  EXPECT_EQ(Run("solve --game connect4 --positions " + csv + " --max-nodes -1").code, 2);
}

TEST_F(Solve, BadInputIsRefusedWithAClearMessage) {
  const std::string good = Write("good.csv", "position\n4453\n");
  const Result game = Run("solve --game chess --positions " + good);
  EXPECT_EQ(game.code, 1);
  EXPECT_NE(game.out.find("unknown game 'chess' (known: tictactoe, connect4, hex5)"),
            std::string::npos)
      << game.out;
  const Result missing = Run("solve --game connect4 --positions " + (dir_ / "none.csv").string());
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.out.find("none.csv: cannot open"), std::string::npos) << missing.out;
  const Result column = Run("solve --game connect4 --positions " + Write("c.csv", "moves\n4453\n"));
  EXPECT_EQ(column.code, 1);
  EXPECT_NE(column.out.find("column 'position' not found (columns: moves)"), std::string::npos)
      << column.out;
  const std::string bad = Write("bad.csv", "position\n4453\n1111111\n");
  const Result illegal = Run("solve --game connect4 --positions " + bad);
  EXPECT_EQ(illegal.code, 1);
  EXPECT_NE(illegal.out.find(bad + ":3: connect4 position '1111111': move 7"), std::string::npos)
      << illegal.out;
  const Result letters =
      Run("solve --game connect4 --positions " + Write("l.csv", "position\nc3\n"));
  EXPECT_EQ(letters.code, 1);
  EXPECT_NE(letters.out.find(":2: connect4 position 'c3': move 1 is 'c', not a column 1-7"),
            std::string::npos)
      << letters.out;
  EXPECT_EQ(Run("solve --positions " + good).code, 2);  // --game is required
}

}  // namespace
