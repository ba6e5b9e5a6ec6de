// cli/cmd_play.cc — `ouro bestmove` (an agent's move for each position of a CSV file, optionally
// scored against the solver's optimal moves) and `ouro play` (a person against an agent in the
// terminal). Agents are named as everywhere (run/selfplay_agents.h).
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "cli/commands.h"
#include "cli/common.h"
#include "core/error.h"
#include "core/rng.h"
#include "run/selfplay_agents.h"
#include "store/store.h"
#include "tasks/csv.h"

namespace ouro::cli {
namespace {

struct PlayArgs {
  std::string game, agent = "rollout", positions, out, solved, db = kDefaultDb;
  int simulations = 800;
  double prior_temperature = 0;
  int64_t seed = 1;
  bool second = false;
};

std::unique_ptr<selfplay::Agent> Agent(const PlayArgs& a, const games::Game& game, std::string* describe) {
  std::unique_ptr<store::Store> db;
  if (run::NamesStoredVersion(a.agent)) db = store::Store::OpenExisting(a.db);
  const run::AgentSource src = run::ResolveAgent(db.get(), a.agent, game);
  selfplay::MctsParams mcts;
  mcts.simulations = a.simulations;
  mcts.prior_temperature = a.prior_temperature;
  mcts.Validate();
  *describe = src.describe;
  return run::MakeAgent(src, game, mcts);
}

// position -> its optimal moves' names, from `ouro solve`'s output (rows left unsolved at
// --max-nodes, with an empty value, are not solved positions).
std::map<std::string, std::vector<std::string>> ReadSolved(const std::string& path) {
  const tasks::CsvText t = tasks::LoadCsvText(path, {"position", "value", "optimal_moves"});
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& row : t.rows) {
    if (row[1].empty()) continue;
    std::istringstream words(row[2]);
    std::vector<std::string>& moves = out[row[0]];
    for (std::string w; words >> w;) moves.push_back(w);
  }
  return out;
}

int RunBestmove(const PlayArgs& a) {
  const games::Game& game = games::GetGame(a.game);
  const tasks::CsvText in = tasks::LoadCsvText(a.positions, {"position"});
  const auto solved = a.solved.empty() ? std::map<std::string, std::vector<std::string>>{} : ReadSolved(a.solved);
  std::string describe;
  auto agent = Agent(a, game, &describe);
  std::ofstream out(a.out);
  if (!out) throw Error("cannot write '" + a.out + "'");
  out << "position,move\n";
  int64_t scored = 0, optimal = 0, choice = 0, optimal_choice = 0;
  for (int i = 0; i < in.n(); ++i) {
    const std::string& text = in.rows[static_cast<size_t>(i)][0];
    std::unique_ptr<games::State> s;
    try {
      s = game.Parse(text);
    } catch (const Error& e) {
      throw Error(a.positions + ":" + std::to_string(in.lines[static_cast<size_t>(i)]) + ": " + e.what());
    }
    if (s->Terminal())
      throw Error(a.positions + ":" + std::to_string(in.lines[static_cast<size_t>(i)]) + ": position '" + text + "' is over: no move");
    Rng rng(DeriveSeed(static_cast<uint64_t>(a.seed), static_cast<uint64_t>(i)));
    const std::string move = game.MoveName(agent->Move(*s, rng));
    out << text << "," << move << "\n";
    const auto it = solved.find(text);
    if (it == solved.end()) continue;
    const bool good = std::find(it->second.begin(), it->second.end(), move) != it->second.end();
    ++scored, optimal += good;
    if (it->second.size() < s->LegalMoves().size()) ++choice, optimal_choice += good;
  }
  if (!out.flush()) throw Error("cannot write '" + a.out + "'");
  std::printf("wrote %d moves of %s to %s\n", in.n(), describe.c_str(), a.out.c_str());
  if (!a.solved.empty()) {
    std::printf("optimal moves: %lld of %lld solved positions (%.1f%%); %lld of %lld (%.1f%%) where not every legal move is optimal\n",
                static_cast<long long>(optimal), static_cast<long long>(scored), scored ? 100.0 * optimal / scored : 0.0,
                static_cast<long long>(optimal_choice), static_cast<long long>(choice),
                choice ? 100.0 * optimal_choice / choice : 0.0);
  }
  return 0;
}

int RunPlay(const PlayArgs& a) {
  const games::Game& game = games::GetGame(a.game);
  std::string describe;
  auto agent = Agent(a, game, &describe);
  std::unique_ptr<games::State> s = game.Initial();
  const int person = a.second ? 1 : 0;
  Rng rng(static_cast<uint64_t>(a.seed));
  std::printf("%s: you move %s against %s. Moves are named as in positions (e.g. %s); 'quit' ends.\n",
              game.name().c_str(), person == 0 ? "first" : "second", describe.c_str(),
              game.MoveName(s->LegalMoves().front()).c_str());
  while (!s->Terminal()) {
    std::printf("\n%s\nmoves: %s\n", s->Render().c_str(), s->ToString().empty() ? "(none)" : s->ToString().c_str());
    if (s->ToMove() != person) {
      const int m = agent->Move(*s, rng);
      std::printf("%s plays %s\n", describe.c_str(), game.MoveName(m).c_str());
      s->Apply(m);
      continue;
    }
    std::printf("your move: ");
    std::fflush(stdout);
    std::string word;
    if (!(std::cin >> word) || word == "quit") {
      std::printf("\nstopped at %s\n", s->ToString().c_str());
      return 0;
    }
    try {
      s = game.Parse(s->ToString() + word);
    } catch (const Error& e) {
      std::printf("not a legal move: %s\n", e.what());
    }
  }
  const int r = s->Result(person);
  std::printf("\n%s\n%s (%s)\n", s->Render().c_str(), r > 0 ? "you won" : r < 0 ? "you lost" : "a draw", s->ToString().c_str());
  return 0;
}

void AgentOptions(CLI::App* s, PlayArgs& a) {
  s->add_option("--game", a.game, "Game: tictactoe, connect4, hex5")->required();
  s->add_option("--simulations", a.simulations, "MCTS simulations per move")->capture_default_str()->check(CLI::PositiveNumber);
  s->add_option("--prior-temperature", a.prior_temperature,
                "MCTS priors from the children's values at this temperature (0: the evaluator's own)")
      ->capture_default_str();
  s->add_option("--seed", a.seed, "Seed")->capture_default_str()->check(CLI::NonNegativeNumber);
  s->add_option("--db", a.db, "Run store (for RUN[:GEN] agents)")->capture_default_str();
}

}  // namespace

Action RegisterBestmove(CLI::App& app) {
  auto a = std::make_shared<PlayArgs>();
  CLI::App* s = app.add_subcommand("bestmove", "An agent's move for each position of a CSV file (column 'position')");
  s->add_option("--agent", a->agent, "Agent: RUN[:GEN], FILE.ouro, random, rollout or perfect")->required();
  s->add_option("--positions", a->positions, "CSV file with a 'position' column")->required();
  s->add_option("--out", a->out, "Output CSV: position,move")->required();
  s->add_option("--solved", a->solved, "`ouro solve` output for the same positions: report the share of optimal moves");
  AgentOptions(s, *a);
  return [a] { return RunBestmove(*a); };
}

Action RegisterPlay(CLI::App& app) {
  auto a = std::make_shared<PlayArgs>();
  CLI::App* s = app.add_subcommand("play", "Play a game against an agent in the terminal");
  s->add_option("--agent", a->agent, "Agent: RUN[:GEN], FILE.ouro, random, rollout or perfect")->capture_default_str();
  s->add_flag("--second", a->second, "Move second (default: first)");
  AgentOptions(s, *a);
  return [a] { return RunPlay(*a); };
}

}  // namespace ouro::cli
