// run/search_session.h — one object-level search run from open to close: its run row (kind
// "search", with the resolved config), the metric rows and select evaluations while it runs, and
// at the end the chosen program, its lineage and held-out evaluation, and the summary with the
// final status ("finished"; "stopped" when the budget's stop flag ended it, e.g. Ctrl-C; "failed"
// when the search threw). `ouro search` (cli/cmd_search.cc) parses flags, builds the plan and
// prints; everything it stores goes through here.
//
// Layer: run/ (see run/control_service.h): may include core, lang, tasks, eval, search, meta,
// oversight and store; never cli or web.
// Thread-safety: a session is used from one thread; the search's callbacks run on that thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <nlohmann/json.hpp>

#include "llm/proposer.h"
#include "search/evolution.h"
#include "search/run_config.h"
#include "store/store.h"
#include "tasks/task_spec.h"

namespace ouro::run {

// A search fully resolved from the command's flags and files.
struct SearchPlan {
  search::RunConfig config;   // seed set; budget.stop may point at a flag set on Ctrl-C
  tasks::Partition partition;
  nlohmann::json config_json;  // stored with the run: the config plus the improver and user data used
  // The config's [llm] model as the search's proposer (config.evolution.proposer points at it).
  std::shared_ptr<llm::LlmProposer> llm;
};

struct SearchOutcome {
  search::EvolutionResult result;
  double cache_hit_rate = 0;     // of the whole run
  std::string program_live;      // the best program with dead instructions removed ("" if none)
  nlohmann::json summary;        // the run's stored summary (also `ouro search --json`'s line)
};

class SearchSession {
 public:
  // Opens the run: creates its row (before any work, so a bad store fails fast and loses nothing).
  SearchSession(store::Store& db, SearchPlan plan);
  int64_t run_id() const { return run_id_; }
  const SearchPlan& plan() const { return plan_; }

  // Runs the search to its end, storing as it goes; on_progress (may be empty) sees each progress
  // report after its metric row is written. If the search throws, the run is marked failed and the
  // exception passes on. REQUIRES: called once.
  SearchOutcome Run(const std::function<void(const search::Progress&)>& on_progress);

 private:
  void StoreBest(const search::EvolutionResult& r, std::string* program_text);  // one transaction
  void StoreExchanges();  // the model's exchanges since the last call, in one transaction
  nlohmann::json ModelSummary(const search::EvolutionResult& r) const;
  nlohmann::json Summary(const search::EvolutionResult& r, double hit_rate, const std::string& program_text,
                         const std::string& live_text) const;

  store::Store& db_;
  SearchPlan plan_;
  int64_t run_id_ = 0;
  int64_t exchanges_ = 0;  // stored so far
};

}  // namespace ouro::run
