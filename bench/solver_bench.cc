// bench/solver_bench.cc — the Connect Four solver's throughput with its table against the plain
// baseline without one (table_bits = 0), measured in the same run on the same positions: the
// fixture of tests/games/data (135 positions of 8-14 moves with known values), each position
// solved by a fresh solver. Prints nodes, seconds and nodes per second of both, their ratios, and
// checks every value against the fixture's. Options:
//   --fixture FILE     another CSV with `position,value` columns
//   --table-bits N     the table's size, 2^N entries (default 22)
//   --position MOVES   also solve this position (value, then optimal moves) with the table, e.g.
//                      "" for the empty board (pass --position= for it)
// Results and commands: docs/benchmarks.md, "Connect Four solver".
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "games/connect4.h"
#include "games/connect4_solver.h"
#include "tasks/csv.h"

namespace {

using ouro::games::Connect4;
using ouro::games::Connect4Solver;

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

Connect4 Board(const std::string& moves) {
  Connect4 b;
  for (const char c : moves) b.Play(c - '1');
  return b;
}

struct Totals {
  uint64_t nodes = 0;
  double seconds = 0;
  int wrong = 0;
};

Totals SolveAll(const ouro::tasks::CsvText& fixture, int table_bits) {
  Totals t;
  for (const std::vector<std::string>& row : fixture.rows) {
    Connect4Solver solver(table_bits);  // allocated before the clock starts
    const auto t0 = std::chrono::steady_clock::now();
    const int value = solver.Value(Board(row[0]));
    t.seconds += Since(t0);
    t.nodes += solver.nodes();
    t.wrong += value != std::stoi(row[1]);
  }
  std::printf(
      "%-22s %12llu nodes %9.3f s %8.2f M nodes/s, %d values wrong\n",
      table_bits ? ("table (2^" + std::to_string(table_bits) + ")").c_str() : "plain (no table)",
      static_cast<unsigned long long>(t.nodes), t.seconds, t.nodes / t.seconds / 1e6, t.wrong);
  return t;
}

void SolveOne(const std::string& moves, int table_bits) {
  Connect4Solver solver(table_bits);
  const Connect4 b = Board(moves);
  const auto t0 = std::chrono::steady_clock::now();
  const int value = solver.Value(b);
  std::printf("position '%s': value %+d, %llu nodes, %.1f s\n", moves.c_str(), value,
              static_cast<unsigned long long>(solver.nodes()), Since(t0));
  std::fflush(stdout);
  const std::vector<int> best = solver.OptimalMoves(b);
  std::printf("optimal moves:");
  for (const int c : best) std::printf(" %d", c + 1);
  std::printf(" (%llu nodes, %.1f s in all)\n", static_cast<unsigned long long>(solver.nodes()),
              Since(t0));
}

}  // namespace

int main(int argc, char** argv) {
  std::string fixture = std::string(OURO_SOURCE_DIR) + "/tests/games/data/connect4_positions.csv",
              position;
  bool solve_position = false;
  int table_bits = 22;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--fixture=", 0) == 0)
      fixture = arg.substr(10);
    else if (arg == "--fixture" && i + 1 < argc)
      fixture = argv[++i];
    else if (arg.rfind("--table-bits=", 0) == 0)
      table_bits = std::atoi(arg.c_str() + 13);
    else if (arg == "--table-bits" && i + 1 < argc)
      table_bits = std::atoi(argv[++i]);
    else if (arg.rfind("--position=", 0) == 0)
      position = arg.substr(11), solve_position = true;
    else if (arg == "--position" && i + 1 < argc)
      position = argv[++i], solve_position = true;
    else {
      std::fprintf(stderr,
                   "usage: solver_bench [--fixture FILE] [--table-bits N] [--position MOVES]\n");
      return 2;
    }
  }
  if (table_bits < 1 || table_bits > 30) {
    std::fprintf(stderr, "solver_bench: --table-bits must be 1-30\n");
    return 2;
  }
  try {
    const ouro::tasks::CsvText rows = ouro::tasks::LoadCsvText(fixture, {"position", "value"});
    std::printf("%d positions of %s, each solved by a fresh solver\n", rows.n(), fixture.c_str());
    const Totals table = SolveAll(rows, table_bits), plain = SolveAll(rows, 0);
    std::printf("table / plain: nodes %.4f, seconds %.4f, nodes/s %.3f (speed-up %.1fx)\n",
                static_cast<double>(table.nodes) / plain.nodes, table.seconds / plain.seconds,
                (table.nodes / table.seconds) / (plain.nodes / plain.seconds),
                plain.seconds / table.seconds);
    if (solve_position) SolveOne(position, table_bits);
    return table.wrong + plain.wrong == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "solver_bench: %s\n", e.what());
    return 1;
  }
}
