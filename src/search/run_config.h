// search/run_config.h — the run config file (TOML): shape, task partition, search parameters.
//
// LoadRunConfig reads a file; ParseRunConfig reads text (tests, embedded defaults). Every key is
// checked: unknown keys, wrong types and out-of-range values throw ouro::Error
// "FILE:LINE:COL: message" or "FILE: [section] key: message". The format is documented in
// docs/config.md. ToJson gives the fully resolved config that is stored with a run.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "search/evolution.h"
#include "tasks/task_spec.h"

namespace ouro::search {

struct RunConfig {
  std::optional<uint64_t> seed;
  EvolutionConfig evolution;
  tasks::TaskSpec search_tasks, select_tasks, held_out_tasks;
  std::optional<tasks::TaskSpec> warmup_tasks;  // [tasks.warmup]: with search.warmup_individuals
  int threads = 0;
  Budget budget;  // max_evaluations / max_seconds (stop pointer is set by the caller)
};

// `extra_sections`: further top-level tables a caller parses itself (e.g. "rsi"); they are
// skipped here instead of being refused as unknown.
RunConfig ParseRunConfig(std::string_view text, const std::string& source_name,
                         const std::vector<std::string>& extra_sections = {});
// A file may hold an [arena] table (the test arenas, configs/arenas/): `ouro evidence` reads it,
// a search skips it.
RunConfig LoadRunConfig(const std::string& path);

// The default config: AutoML-Zero's demo workload (configs/automl-zero-demo.toml has the same).
RunConfig DefaultRunConfig();

// Replaces the task partition by one derived from a single spec (the --task flag): search uses
// the spec as given, select and held-out use the same family with their own instances (synthetic
// families) or disjoint class pairs (fmnist: the spec's pairs, or a seeded 5/5/35 split of all
// 45 when none are given). Sets the shape's dim to the spec's. Drops a warmup (tasks and
// warmup_individuals): the config's warmup tasks were chosen for its own task sets.
void ApplyTaskFlag(RunConfig& config, const tasks::TaskSpec& spec);

nlohmann::json ToJson(const RunConfig& config);

}  // namespace ouro::search
