// selfplay/loop.h — the self-play loop: a game's evaluator improves by playing itself.
//
// Version 0 (the frozen first version) is an untrained random program (the evaluator search's
// random initial program, setup only). Each generation:
//   1. the incumbent plays `games` self-play games (MCTS in self-play mode); their positions join
//      the replay window (data.h);
//   2. the evaluator search (search::RunEvolution, the improver spec's strategy) evolves learning
//      programs on the replay's positions — train on the training games, score on the validation
//      games (value regression; at most search_rows training rows per epoch) — from a population warm-started with the incumbent's program and
//      the start programs; its best program, trained on the replay, is the candidate;
//   3. candidate plays incumbent on the run's gate openings in colour-swapped pairs (match.h) under
//      the exact sequential test; on acceptance it becomes the incumbent, a new version.
// The run's false-adoption budget is spent as the rsi loop spends its own (meta::SpendAlpha over
// the exact rates of the pair test), so the expected number of adoptions of candidates no better
// than their incumbent stays within `alpha_budget`. A generation depends only on the seed and the
// config (every game and search draws from DeriveSeed(seed, generation, stage)), not on threads,
// and a run resumed from a LoopState goes on exactly as it would have.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "games/game.h"
#include "meta/stats.h"
#include "search/evolution.h"
#include "selfplay/data.h"
#include "selfplay/evaluator.h"
#include "selfplay/match.h"
#include "selfplay/mcts.h"

namespace ouro::selfplay {

struct SelfplayConfig {
  std::string game = "connect4";
  int generations = 0;           // 0: until max_seconds
  double max_seconds = 1800;
  int threads = 2;
  // Self-play data.
  int games = 100;               // per generation
  int window = 400;              // games kept in the replay
  int valid_every = 5;
  int epochs = 2;
  // The value target: (1 - w) · the game's result + w · the self-play search's root value (data.h).
  double root_value_weight = 0;
  MctsParams selfplay_mcts{200, 1.5, 0.5, 0.25, 8};
  // The evaluator search.
  search::EvolutionConfig evolution;   // its shape's dim is the game's observation size
  int64_t search_evaluations = 1000;   // per generation
  int64_t search_rows = 20000;         // training rows per epoch the search scores on (0: all)
  std::vector<lang::Program> start_programs;
  double warm_share = 0.2;
  // The gate.
  MctsParams match_mcts{200, 1.5, 0.5, 0.25, 0};
  int gate_openings = 100;       // pairs at most
  int opening_plies = 4;
  meta::SprtParams gate{0, 50, 0.05, 0.1};  // alpha: the largest a gate may take
  double alpha_budget = 0.5;     // expected false adoptions per run
  double alpha_share = 0.25;
  // The Elo ladder: every version against the first, at a fixed strength of search.
  MctsParams ladder_mcts{800, 1.5, 0.5, 0.25, 0};
  int ladder_openings = 100;     // pairs (two games each)
  int ladder_plies = 4;
  // Throws ouro::Error naming the field.
  void Validate() const;
};

struct Version {
  int generation = 0;            // when it was adopted (0: the first version)
  std::shared_ptr<const TrainedProgram> evaluator;
};

// What a run resumes from: the loop's state after a generation. The replay keeps only each game's
// moves (the positions and targets follow from them); the versions are stored with their learned
// state (SaveState).
struct LoopState {
  int generation = 0;
  double spent = 0;
  std::vector<std::string> replay;   // the replay's games, oldest first
  // Their root values (RootValueCodes), game by game; empty when the run does not train on them.
  std::vector<std::vector<int>> replay_values;
  std::vector<Version> versions;     // versions[0] is the first version
};

struct GenerationReport {
  int generation = 0;
  int64_t games = 0, positions = 0;   // played this generation; in the replay
  double search_fitness = 0;          // the candidate program's value-regression fitness
  int64_t search_evaluations = 0;
  std::string candidate_hash;
  MatchResult gate;
  meta::GateRung rung;                // the alpha and exact false-accept rate of this gate
  bool adopted = false;
  bool stopped = false;               // a stop ended it early: nothing of it is kept
  double seconds = 0;                 // of this generation
};

class SelfplayLoop {
 public:
  SelfplayLoop(SelfplayConfig config, uint64_t seed);
  // Continues from a state a run of the same config and seed reached (REQUIRES: its versions).
  SelfplayLoop(SelfplayConfig config, uint64_t seed, const LoopState& resume);
  // Runs one generation. When *stop becomes true the generation ends early, reports `stopped` and
  // changes nothing: the loop is as it was before, so a resume replays it whole.
  GenerationReport RunGeneration(const std::atomic<bool>* stop = nullptr);
  LoopState State() const;
  // The Elo ladder's match of version v against the first version: the ladder's openings and
  // search, no gate, seeded by v's generation.
  MatchResult Ladder(const Version& v, const std::atomic<bool>* stop = nullptr) const;
  const std::vector<Version>& versions() const { return versions_; }
  const Version& incumbent() const { return versions_.back(); }
  int generation() const { return generation_; }
  double spent() const { return spent_; }
  const SelfplayConfig& config() const { return config_; }
  const games::Game& game() const { return game_; }
  // An MCTS agent over a version's evaluator (deterministic play).
  std::unique_ptr<Agent> MatchAgent(const Version& v, const MctsParams& params) const;

 private:
  // The evaluator search of a generation: its best program.
  lang::Program SearchCandidate(const tasks::Dataset& data, uint64_t seed, GenerationReport& r,
                                const std::atomic<bool>* stop) const;

  SelfplayConfig config_;
  uint64_t seed_;
  const games::Game& game_;
  lang::Shape shape_;
  std::vector<Version> versions_;
  Replay replay_;
  std::vector<std::string> openings_, ladder_openings_;
  std::vector<meta::GateRung> ladder_;
  double spent_ = 0;
  int generation_ = 0;
};

}  // namespace ouro::selfplay
