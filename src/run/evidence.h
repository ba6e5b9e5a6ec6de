// run/evidence.h — measuring improvers on the sealed test arenas (run/arena.h) and reading the
// measurements as evidence: time to target per search seed, Kaplan–Meier medians per improver and
// arena, speedups of final and null-control improvers over the frozen one with bootstrap
// intervals over loop seeds. `ouro evidence` (cli/cmd_evidence.cc) and scripts/rsi-evidence are
// its adapters; docs/benchmarks.md states the definitions.
//
// Measure runs one search per arena seed not yet in the store for the improver's hash, one at a
// time, each a stored search run (run::SearchSession) followed by its evidence row, so it can be
// stopped anywhere (Ctrl-C: the run in progress is not counted) and resumed.
// Time to target of one run: the wall seconds (and eval_cost) at which the search first held a
// program meeting the arena's rule (select fitness >= select_target and held-out fitness >=
// final_target: evolution.h, held_out_target), censored at cap_seconds.
// Layer: run/. A session object is used from one thread.
#pragma once

#include <atomic>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "meta/spec.h"
#include "run/arena.h"
#include "store/store.h"

namespace ouro::run {

// Labels: "frozen", "final:RUN" or "null:RUN" (RUN: letters, digits, '_', '.', '-'). Throws
// ouro::Error naming the accepted forms otherwise.
void CheckEvidenceLabel(const std::string& label);

struct MeasureResult {
  std::vector<store::EvidenceRow> added;
  int skipped = 0;       // seeds already measured for this improver
  bool stopped = false;  // the stop flag ended it; the run in progress was not recorded
};

// Measures `spec` (labelled `label`) on every seed of `arena` that the store lacks for its hash.
// on_row (may be empty) sees each row once stored. Throws ouro::Error for a bad label, a label
// already naming another improver, a spec that does not fit the arena, or an arena whose rows in
// the store were measured from another text (or cap).
MeasureResult MeasureImprover(store::Store& db, const Arena& arena, const meta::ImproverSpec& spec,
                              const std::string& label, const std::atomic<bool>* stop,
                              const std::function<void(const store::EvidenceRow&)>& on_row = {});

struct SummaryOptions {
  std::vector<std::string> arenas;  // empty: every arena the frozen improver was measured on
  std::vector<std::string> labels;  // empty: every label in the store ("frozen" is always read)
  int resamples = 2000;
  double confidence = 0.95;
  uint64_t seed = 15;  // of the bootstrap
};

// The evidence as one JSON object (docs/cli.md, `ouro evidence summary`). Throws ouro::Error when
// no "frozen" improver has rows.
nlohmann::json EvidenceSummary(store::Store& db, const SummaryOptions& options = {});

}  // namespace ouro::run
