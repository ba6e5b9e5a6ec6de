// meta/archive.h — what the rsi loop keeps across generations: the best programs of all its games
// (ProgramArchive) and the rule that says a game found a learner (IsLearner, LearnerOps).
//
// The archive ranks programs by their held-out fitness on the games' own instances (RunOutcome::
// held_fitness: the test split, data the search never scored), best first; ties go to the program
// offered first. Programs are the same when their live code is (lang::LiveProgram, compared by
// lang::Program::Hash); offered again, a program keeps its better score and its first place in
// the offer order. At most `capacity` programs are kept (the worst dropped). It is part of the
// loop's checkpointed state (RsiState), so a resumed run sees the same archive. Pure data:
// thread-compatible.
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "lang/program.h"
#include "meta/meta_utility.h"
#include "meta/spec.h"
#include "tasks/task_spec.h"

namespace ouro::meta {

struct ArchiveEntry {
  lang::Program program;  // as the game found it (not pruned)
  double held_fitness = 0;
  int generation = 0;     // when it was first offered
  int64_t order = 0;      // offer number, for ties
  uint64_t live_hash = 0; // lang::LiveProgram(program).Hash()
  bool operator==(const ArchiveEntry&) const = default;
};

class ProgramArchive {
 public:
  static constexpr int kCapacity = 32;
  explicit ProgramArchive(int capacity = kCapacity) : capacity_(capacity) {}

  // Offers a game's best program; a non-finite score is ignored.
  void Offer(const lang::Program& program, double held_fitness, int generation);
  const std::vector<ArchiveEntry>& entries() const { return entries_; }  // best first
  std::vector<lang::Program> Programs() const;                           // likewise
  bool operator==(const ProgramArchive&) const = default;

  nlohmann::json ToJson() const;
  static ProgramArchive FromJson(const nlohmann::json& j);  // throws ouro::Error

 private:
  int capacity_;
  int64_t offers_ = 0;
  std::vector<ArchiveEntry> entries_;
};

// A game found a learner when its family is a regression (linear, nonlinear, or csv/idx of kind
// "regression") and its best program's held-out fitness is at least kLearnerFitness. 0.99, not
// 0.9: on linear:dim=2 random read-outs that learn nothing reached 0.95 on their own instances
// (measured: the best of 679 games in a 300-s loop, 0.45 on other instances of the family), while
// the reference SGD learner (programs/linear_regression.ouro) scores 0.99998 there.
inline constexpr double kLearnerFitness = 0.99;
bool IsLearner(const RunOutcome& outcome, const tasks::TaskSpec& family);
// The learner rule's counts: one per instruction of the program's live code, by component and
// operation, added to spec.learner_ops; spec.learner_runs + 1.
void CountLearner(const lang::Program& program, ImproverSpec& spec);

}  // namespace ouro::meta
