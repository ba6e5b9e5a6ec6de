// lang/prune.h — dead-instruction removal by liveness over the evaluation loop.
//
// The evaluator runs setup once, then (predict, learn) per training example, then predict per
// validation example; before every predict it writes v0 (features) and s0 (= 0), before every
// learn it writes s0 (label), and after every predict it reads s1. An instruction is live when its
// result can reach s1 through any such schedule; everything else is removed before execution.
// Because random instructions keep their own streams (see interpreter.h), removing dead
// instructions never changes the value of a live one: pruned and unpruned programs score the same
// bit for bit (tested).
#pragma once

#include <array>
#include <vector>

#include "lang/program.h"

namespace ouro::lang {

// live[c][i] is true when instruction i of component c must execute.
std::array<std::vector<bool>, kNumComponents> LiveInstructions(const Program& program);
// The same, into *live, reusing its buffers.
void LiveInstructions(const Program& program, std::array<std::vector<bool>, kNumComponents>* live);

// The program with its dead instructions removed: the readable view people review. It computes
// the same predictions, except that random instructions draw from streams numbered by position,
// so a pruned program with random ops is a different (equally valid) sample.
Program LiveProgram(const Program& program);

}  // namespace ouro::lang
