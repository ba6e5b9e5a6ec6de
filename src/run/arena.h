// run/arena.h — a test arena (configs/arenas/*.toml): a run config plus its [arena] table, the
// pre-registered rule of a measurement: which search seeds, how long each may take, and what
// counts as reaching the target. `ouro search --config` reads the same file and skips [arena].
//
// [arena] keys (all fixed before any measurement; docs/config.md):
//   name           the arena's name in the store, e.g. "t1"                        (required)
//   seeds          the search seeds, distinct, e.g. [1, 2, 3, 4, 5]                (required)
//   cap_seconds    wall seconds per seed; a run that has not reached the target by
//                  then is censored at the cap                                      (required)
//   select_target  the search stops once a program reaches this on the select tasks (required)
//   final_target   ... and it counts only if the same program reaches this on the
//                  held-out (unseen) tasks; otherwise the search goes on; 0 = no check (required)
//   op_floor       every one of the language's operations keeps, in every component, a draw
//                  weight of at least op_floor x that component's largest weight, whatever the
//                  improver weights it (0 = the improver's weights as they are)     (default 0)
//   threads        worker threads of each run                                       (default 2)
// Pure parsing and config assembly: thread-compatible; errors are ouro::Error naming the file.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "meta/spec.h"
#include "search/run_config.h"

namespace ouro::run {

struct Arena {
  std::string name;
  std::string hash;  // of the file's text (and of a cap override): rows of another text do not mix
  search::RunConfig config;
  std::vector<uint64_t> seeds;
  double cap_seconds = 0;
  double select_target = 0;
  double final_target = 0;
  double op_floor = 0;
  int threads = 2;
};

Arena ParseArena(std::string_view text, const std::string& source);
Arena LoadArena(const std::string& path);

// Replaces the cap (e.g. seconds-level caps for tests); the arena's hash changes with it.
void OverrideCap(Arena& arena, double cap_seconds);

// The search an improver runs on the arena: the spec's strategy in the arena's config
// (meta::ApplySpec), the operation floor, and the arena's stop rule (sufficient_fitness =
// select_target, held_out_target = final_target). Throws ouro::Error when the spec does not fit.
search::EvolutionConfig ArenaEvolution(const Arena& arena, const meta::ImproverSpec& spec);

// Raises every operation of the language, in every component, to at least floor x the largest
// weight of that component (1 when it has none), adding the operations the strategy lacks.
void FloorOperations(search::Strategy& strategy, double floor);

}  // namespace ouro::run
