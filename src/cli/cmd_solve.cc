// cli/cmd_solve.cc — `ouro solve --game NAME --positions FILE.csv [--out FILE.csv] [--json]`:
// the exact value and optimal moves of every position in the file's `position` column, by the
// game's solver (games::PositionSolver). Writes `position,value,optimal_moves,nodes` (value +1 / 0
// / -1 for the side to move; the optimal moves in the game's notation, space-separated), or with
// --json one JSON object per position and line. A finished game is solved too: its result for the
// side to move and no moves. With --max-nodes N, a position that needs more than N nodes is
// written unsolved: empty value and moves (JSON: null value, "solved": false).
#include <chrono>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/error.h"
#include "games/game.h"
#include "games/solve.h"
#include "tasks/csv.h"

namespace ouro::cli {
namespace {

struct SolveArgs {
  std::string game, positions, out;
  uint64_t max_nodes = 0;
  bool json = false;
};

std::string Row(const games::Game& game, const std::string& position, const games::Solution& s,
                bool json) {
  std::vector<std::string> moves;
  for (const int m : s.optimal_moves) moves.push_back(game.MoveName(m));
  if (json) {
    return nlohmann::json{{"position", position},
                          {"value", s.solved ? nlohmann::json(s.value) : nlohmann::json()},
                          {"optimal_moves", moves},
                          {"nodes", s.nodes},
                          {"solved", s.solved}}
        .dump();
  }
  std::string joined;
  for (const std::string& m : moves) joined += (joined.empty() ? "" : " ") + m;
  return position + "," + (s.solved ? std::to_string(s.value) : "") + "," + joined + "," +
         std::to_string(s.nodes);
}

int RunSolve(const SolveArgs& a) {
  const games::Game& game = games::GetGame(a.game);
  games::PositionSolver solver(game);
  const tasks::CsvText rows = tasks::LoadCsvText(a.positions, {"position"});
  const auto where = [&](int i) {
    return a.positions + ":" + std::to_string(rows.lines[static_cast<size_t>(i)]);
  };
  // Every position is read first, so that a bad row is reported before any long solve.
  std::vector<std::unique_ptr<games::State>> states;
  for (int i = 0; i < rows.n(); ++i) {
    try {
      states.push_back(game.Parse(rows.rows[static_cast<size_t>(i)][0]));
      solver.Check(*states.back());
    } catch (const Error& e) {
      throw Error(where(i) + ": " + e.what());
    }
  }
  std::string text = a.json ? "" : "position,value,optimal_moves,nodes\n";
  const auto t0 = std::chrono::steady_clock::now();
  uint64_t nodes = 0;
  int unsolved = 0;
  for (int i = 0; i < rows.n(); ++i) {
    games::Solution s;
    try {
      s = solver.Solve(*states[static_cast<size_t>(i)], a.max_nodes);
    } catch (const Error& e) {
      throw Error(where(i) + ": " + e.what());
    }
    nodes += s.nodes;
    unsolved += !s.solved;
    text += Row(game, rows.rows[static_cast<size_t>(i)][0], s, a.json) + "\n";
    if (StopFlag().load())
      throw Error("stopped after " + std::to_string(i + 1) + " positions; nothing written");
  }
  if (a.out.empty()) {
    std::fputs(text.c_str(), stdout);
  } else {
    std::FILE* f = std::fopen(a.out.c_str(), "w");
    const bool written = f && std::fputs(text.c_str(), f) >= 0;
    if ((f && std::fclose(f) != 0) || !written) throw Error("cannot write '" + a.out + "'");
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::fprintf(stderr, "%d %s positions solved in %.2f s (%llu nodes)%s%s%s\n",
               rows.n() - unsolved, game.name().c_str(), seconds,
               static_cast<unsigned long long>(nodes),
               unsolved ? (", " + std::to_string(unsolved) + " left unsolved at --max-nodes").c_str()
                        : "",
               a.out.empty() ? "" : ", written to ", a.out.c_str());
  return 0;
}

}  // namespace

Action RegisterSolve(CLI::App& app) {
  auto a = std::make_shared<SolveArgs>();
  CLI::App* s =
      app.add_subcommand("solve", "Solve game positions exactly: value and optimal moves");
  s->add_option(
       "--game", a->game,
       "The game: " +
           [] {
             std::string names;
             for (const std::string& n : games::GameNames())
               names += (names.empty() ? "" : ", ") + n;
             return names;
           }())
      ->required();
  s->add_option("--positions", a->positions,
                "A CSV file with a 'position' column: the moves played, in the game's notation")
      ->required();
  s->add_option("--out", a->out,
                "Write the results here (CSV, or JSON lines with --json); default: stdout");
  s->add_option("--max-nodes", a->max_nodes,
                "Leave a position unsolved (empty value) after this many nodes; 0: no limit")
      ->check(CLI::NonNegativeNumber);
  s->add_flag("--json", a->json, "One JSON object per position and line instead of CSV");
  return [a] { return RunSolve(*a); };
}

}  // namespace ouro::cli
