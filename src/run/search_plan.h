// run/search_plan.h — a search request (what `ouro search` flags and the Python module's keyword
// arguments say) resolved into a run::SearchPlan: the config file or the demo workload, the task
// or the user's data, the improver's strategy, seed and budget. And user data as a partition by
// rows, the one rule `ouro search`, `ouro eval`, `ouro predict` and Python share.
//
// Layer: run/ (see run/control_service.h).
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>

#include <vector>

#include "lang/program.h"
#include "run/search_session.h"
#include "tasks/task_spec.h"
#include "tasks/user_data.h"

namespace ouro::run {

struct SearchRequest {
  std::string config;            // run config file; empty: the AutoML-Zero demo workload
  std::string config_text;       // or the text of one (named "<config text>" in errors)
  std::string task;              // a task spec (csv and idx specs are user data)
  std::string data, label;       // --data FILE.csv [--label COL]
  std::optional<tasks::UserTable> table;  // user data in memory (Python); with `kind`
  std::string kind;              // user data: "regression", "classification" or "" (guess)
  bool standardize = true;       // user data given by `data` or `table`
  int epochs = 1;                // user data: passes over the train rows (tasks::TaskSpec::epochs)
  // A table's train / valid / test fractions (valid is halved into search and select; test 0: no
  // held-out rows, for callers that hold out their own, as scikit-learn's cross-validation does).
  double train_fraction = 0.6, valid_fraction = 0.2, test_fraction = 0.2;
  // A table as this many tasks, each its own seeded shuffle and split of the rows (split k > 0
  // uses seed DeriveSeed(seed, k)), so that a candidate's score averages over several splits.
  int splits = 1;
  // Programs that seed every initial population (a warm start of this share; after `improver`).
  std::vector<lang::Program> warm_start;
  double warm_share = 0.1;
  std::string improver;          // improver spec file (JSON); its strategy replaces the config's
  std::string llm_replay;        // a cassette: the config's [llm] model answers from it, never a server
  std::optional<uint64_t> seed;  // none: the config's, else RandomSeed()
  int64_t max_evals = -1;        // >= 0 replaces the config's budget
  double max_seconds = -1;
  int threads = -1;
  const std::atomic<bool>* stop = nullptr;
};

// Throws ouro::Error for conflicting or bad input (two task sources, unreadable files, bad data).
SearchPlan PlanSearch(const SearchRequest& request);

// The csv task spec for `--data FILE.csv [--label COL]`: a 60/20/20 split, standardized unless
// told otherwise; `label` empty = the first column.
tasks::TaskSpec CsvSpec(const std::string& path, const std::string& label = "", bool standardize = true);

// One user data set as a partition by rows: every role trains on the train rows; search scores on
// the first half of the valid rows, select on the second half, held-out on the test rows, which
// neither search nor select sees (none when the data set has no test rows). Throws when a split is
// too small (1 train and 2 valid rows).
tasks::Partition PartitionRows(const tasks::Dataset& d);

// Generate(spec with `seed`) as a partition by rows; the spec must ask for a test split.
tasks::Partition PartitionUserData(tasks::TaskSpec spec, uint64_t seed);

}  // namespace ouro::run
