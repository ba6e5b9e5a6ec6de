// meta/jobs.h — the rsi loop's unit of work as plain data: one run of an improver on one family
// and seed (RunJob → RunOutcome).
//
// A paired meta-utility game is two such runs with the same family and seed, one for the
// incumbent and one for the candidate (the incumbent's half is shared by every candidate of a
// generation, so it is a job of its own), scored by ScoreGame; a held-out run is the same job on
// the validation or test arena. A job holds everything it needs by value (no pointer into the loop's
// state) and its outcome is a function of the job alone: which thread, process or rank runs it
// changes nothing, and the thread count inside the job (`threads`) does not change the outcome
// either (the search runs its batches in a fixed order). The only thing a runner adds is a stop
// flag; a stopped job returns a truncated outcome that the loop discards.
//
// The wire form (ToJson / RunJobFromJson) leaves out the arena: it is the run config's, which
// every worker has, and its base search config has no JSON reader. RunJobFromJson takes it back.
// Non-finite numbers in an outcome travel as "nan", "inf", "-inf" (JSON numbers cannot).
#pragma once

#include <atomic>
#include <cstdint>

#include <nlohmann/json.hpp>

#include "meta/meta_utility.h"
#include "meta/spec.h"

namespace ouro::meta {

// The rsi loop's three arenas (rsi.h): train (games), validation (oversight), test (the curve).
enum class ArenaKind { kTrain, kValidation, kTest };
const char* ArenaKindName(ArenaKind kind);  // "train", "validation", "test"

struct RunJob {
  ImproverSpec spec;
  ArenaKind arena_kind = ArenaKind::kTrain;  // which of the run's arenas `arena` is (wire form)
  Arena arena;
  int family = 0;  // index into arena.families
  uint64_t seed = 0;
  int threads = 1;  // of the job's own search; the outcome does not depend on it
  bool record_proposals = false;  // the proposal history a filter is discovered from
};

// Game k of generation `generation` of a loop seeded `loop_seed`: family k mod F (or `family`
// when >= 0: the curriculum's rung), the same seed for the incumbent and every candidate.
RunJob GameJob(const ImproverSpec& spec, const Arena& train, uint64_t loop_seed, int generation, int k, int threads,
               bool record_proposals = false, int family = -1);
// Confirmation game k of candidate `index` of generation `generation` (RsiConfig::confirm_games):
// on the validation arena, family k mod F, with a seed no other game or measurement of the loop
// uses (the same for the incumbent's side and the candidate's).
RunJob ConfirmJob(const ImproverSpec& spec, const Arena& validation, uint64_t loop_seed, int generation, int index,
                  int k, int threads);
// Run `s` on family `f` of a validation or test arena: fixed seeds, independent of the
// generation, so every measurement sees the same instances.
RunJob HeldOutJob(const ImproverSpec& spec, const Arena& held_out, uint64_t loop_seed, int f, int s, int threads,
                  ArenaKind kind = ArenaKind::kTest);

// What names a job to the model's proposer (Arena::proposers): its arena, family, seed and
// improver, e.g. "train family 0 seed 123 improver 0a1b2c3d4e5f6a7b". Jobs that play the same
// searches have the same context.
std::string JobContext(const RunJob& job);

// Runs the job (RunImprover). Pure but for `stop` (and, when the spec asks a model, the model's
// answers: recorded ones make it pure again).
RunOutcome Execute(const RunJob& job, const std::atomic<bool>* stop = nullptr);

struct Game;  // rsi.h
// The paired game of a candidate against the incumbent on the same family and seed: won by the
// higher area under the best-fitness curve, a draw within 1e-9.
Game ScoreGame(const RunOutcome& incumbent, const RunOutcome& candidate);

nlohmann::json ToJson(const RunJob& job);  // without the arena (see above)
RunJob RunJobFromJson(const nlohmann::json& j, const Arena& arena);  // throws ouro::Error
nlohmann::json ToJson(const RunOutcome& o);
RunOutcome RunOutcomeFromJson(const nlohmann::json& j);  // throws ouro::Error

}  // namespace ouro::meta
