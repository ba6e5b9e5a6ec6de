#include <algorithm>

#include "core/error.h"
#include "games/connect4.h"
#include "games/game.h"
#include "games/hex.h"
#include "games/tictactoe.h"

namespace ouro::games {
namespace {

// Built on first use, so no static initialization order matters.
const std::vector<const Game*>& Games() {
  static const std::vector<const Game*> games = {&TicTacToeGame(), &Connect4Game(), &HexGame()};
  return games;
}

}  // namespace

const Game* FindGame(std::string_view name) {
  for (const Game* g : Games())
    if (g->name() == name) return g;
  return nullptr;
}

const Game& GetGame(std::string_view name) {
  if (const Game* g = FindGame(name)) return *g;
  std::string known;
  for (const std::string& n : GameNames()) known += (known.empty() ? "" : ", ") + n;
  throw Error("unknown game '" + std::string(name) + "' (known: " + known + ")");
}

std::vector<std::string> GameNames() {
  std::vector<std::string> out;
  for (const Game* g : Games()) out.push_back(g->name());
  return out;
}

}  // namespace ouro::games
