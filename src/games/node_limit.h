// games/node_limit.h — what an exact solver throws when its node limit runs out before the
// position is solved (Connect4Solver::SetNodeLimit, SmallSolver::SetNodeLimit). Not an
// ouro::Error: PositionSolver turns it into an unsolved Solution.
#pragma once

#include <cstdint>

namespace ouro::games {

struct NodeLimit {};

// The node count past which a solver that has searched `nodes` so far throws NodeLimit, given a
// limit of `limit` further nodes (0: no limit).
inline uint64_t NodeStop(uint64_t nodes, uint64_t limit) {
  return limit == 0 ? UINT64_MAX : nodes + limit;
}

}  // namespace ouro::games
