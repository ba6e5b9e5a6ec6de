// selfplay/evaluator.h — what an agent asks of a position: its value for the side to move, and
// optionally priors over the moves (issue 16).
//
// ProgramEvaluator is the evaluator kind every self-play run can use: a program in the project's
// own language, trained on self-play positions exactly as the object-level evaluator trains a
// learner (eval::Predict: setup once, then predict + learn per example), whose trained memory is
// then kept. How a board becomes registers: v0 = the game's observation (games::State::Observe:
// for Connect Four 168 values, four 6×7 planes of 0/1: the side to move's stones, the opponent's,
// then each side's threats, rows bottom up), s0 = 0, the shape's dim = the observation size; `predict` runs and s1 is read out as the
// value, clamped to [-1, 1] (NaN and infinities read as 0). The program gives no priors: they are
// uniform over the legal moves. Every call starts from the trained memory (the registers predict
// writes, and the random streams, are restored after each call), so a value depends on the
// position only — MCTS and alpha-beta may ask in any order and on any thread (one Clone each).
// RolloutEvaluator is the plain baseline: the result of one uniformly random playout.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/rng.h"
#include "games/game.h"
#include "lang/interpreter.h"
#include "tasks/dataset.h"

namespace ouro::selfplay {

class Evaluator {
 public:
  virtual ~Evaluator() = default;
  // The value of non-terminal s for its side to move, in [-1, 1]. priors has num_actions entries,
  // set to 1/num_actions by the caller; an evaluator may overwrite them (only legal moves are read).
  // rng: the caller's stream (a game's), for evaluators that draw; so results depend on the game's
  // seed only, never on which thread played it.
  virtual double Evaluate(const games::State& s, std::span<double> priors, Rng& rng) = 0;
  // An evaluator of the same function for another thread.
  virtual std::unique_ptr<Evaluator> Clone() const = 0;
};

// A program and the memory it learned: immutable, shared by every thread's ProgramEvaluator.
struct TrainedProgram {
  lang::Program program;
  lang::Executable exe;
  std::vector<double> memory;        // after setup and learning
  std::vector<uint64_t> rng;         // the random streams' state then
  std::vector<std::pair<uint32_t, uint32_t>> written;  // (offset, length) predict writes
  int64_t examples = 0;              // the training positions it learned from
  bool diverged = false;             // training diverged: every value reads 0
};

// The shape of evaluator programs for a game: `shape` with dim = game.observation_size().
lang::Shape EvaluatorShape(const games::Game& game, lang::Shape shape);

// Trains `program` (valid for EvaluatorShape) on data.train (regression; labels in [-1, 1]) with
// the given seed. Empty data: setup only (the untrained first version of a run). Throws
// ouro::Error when the program does not fit the shape or the training is over max_instructions.
std::shared_ptr<const TrainedProgram> Train(const lang::Program& program, const lang::Shape& shape,
                                            const tasks::Dataset& data, uint64_t seed,
                                            int64_t max_instructions = 20'000'000'000);

// The learned state as bytes (a header, the memory's doubles, the random streams' words; the
// machine's byte order), and a trained program rebuilt from its program, shape and those bytes.
// RestoreTrained throws ouro::Error when the bytes are not a state of that program's memory.
std::string SaveState(const TrainedProgram& t);
std::shared_ptr<const TrainedProgram> RestoreTrained(const lang::Program& program, const lang::Shape& shape,
                                                     std::string_view state, int64_t examples, bool diverged);

class ProgramEvaluator : public Evaluator {
 public:
  explicit ProgramEvaluator(std::shared_ptr<const TrainedProgram> trained);
  double Evaluate(const games::State& s, std::span<double> priors, Rng& rng) override;
  std::unique_ptr<Evaluator> Clone() const override;
  // The value of an observation (game.observation_size() values).
  double Value(const double* observation);
  const TrainedProgram& trained() const { return *trained_; }

 private:
  std::shared_ptr<const TrainedProgram> trained_;
  std::vector<double> mem_;
  std::vector<uint64_t> rng_;
};

class RolloutEvaluator : public Evaluator {
 public:
  double Evaluate(const games::State& s, std::span<double> priors, Rng& rng) override;
  std::unique_ptr<Evaluator> Clone() const override { return std::make_unique<RolloutEvaluator>(); }
};

}  // namespace ouro::selfplay
