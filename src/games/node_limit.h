// games/node_limit.h — what an exact solver throws when its node limit runs out before the
// position is solved (Connect4Solver::SetNodeLimit, SmallSolver::SetNodeLimit). Not an
// ouro::Error: PositionSolver turns it into an unsolved Solution.
#pragma once

namespace ouro::games {

struct NodeLimit {};

}  // namespace ouro::games
