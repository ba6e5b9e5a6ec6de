// run/selfplay_agents.h — agents named by people (issue 16), the same way in every command
// (`ouro arena`, `ouro play`, `ouro bestmove`):
//   RUN[:GEN]  a stored version of a self-play run (RUN: an id or "latest"): the incumbent after
//              generation GEN — the newest version adopted at or before it; the newest version
//              when GEN is left out;
//   FILE.ouro  a program file: an evaluator in the project's language, untrained (setup only), so
//              a hand-written value function plays as it is;
//   random     uniformly random moves;  rollout  MCTS valued by random playouts (the baseline);
//   perfect    the exact solver's moves (tic-tac-toe, Connect Four).
// Program agents play MCTS at the given strength (deterministic: no noise, most visited move).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "games/game.h"
#include "selfplay/agent.h"
#include "selfplay/evaluator.h"
#include "store/store.h"

namespace ouro::run {

struct AgentSource {
  std::string name;                                        // as given
  std::string kind;                                        // "version", "program", "random", "rollout", "perfect"
  std::string game;                                        // a version's game; "" for the others
  std::shared_ptr<const selfplay::TrainedProgram> evaluator;  // "version" and "program"
  std::string describe;                                    // for people: "run 3 version 2 (generation 7)"
};

// True when `name` names a stored version (RUN[:GEN]): the commands open the store only then.
bool NamesStoredVersion(const std::string& name);

// Resolves `name` (see above). db may be null when no store was given: then RUN[:GEN] is an error
// saying so. `game` is the game the agent will play: a program file is shaped for it, and a version
// of another game is refused. Errors name what is wrong (unknown run, not a self-play run, GEN
// before the run began or not a number, unreadable file).
AgentSource ResolveAgent(store::Store* db, const std::string& name, const games::Game& game);

// The agent to play: MCTS at `params` over the evaluator, or the built-in player.
std::unique_ptr<selfplay::Agent> MakeAgent(const AgentSource& a, const games::Game& game,
                                           const selfplay::MctsParams& params);

}  // namespace ouro::run
