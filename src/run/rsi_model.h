// run/rsi_model.h — a language model in an rsi run (issue 19).
//
// AttachModel gives the jobs of every arena (train, validation, test) a proposer of their own
// (meta::Arena::proposers: llm::LlmService::ForJob with the job's context, meta::JobContext), when
// the run's config has an [llm] section. The model answers live — each exchange appended to the
// section's cassette, which a resumed run continues — or from a cassette (`--llm-replay`, kept in
// the recipe, so a resume replays too; `ouro replay` always replays). Exchanges of jobs that run in
// parallel are keyed by their context (llm/cassette.h), so a replay finds them in any order.
//
// ModelRunner runs the loop's jobs through another runner and keeps what they exchanged, in job
// order (so the same run stores the same rows and events on any runner): every exchange is
// stored (store/llm_tables.h) and hashed into the audit chain — one "llm_exchanges" event per batch
// of jobs that asked, listing each exchange's seq, job context, arena, tokens and the SHA-256 of its
// record (request, outcome, program or rejection). It counts the usage of the training and
// validation jobs against the section's budget (the sealed test arena's is stored and audited, and
// in no budget, like all of its compute); the loop reads OverBudget between games
// (RsiHooks::over_budget) and stops at its last checkpoint ("budget: llm requests", ...). A resumed
// run's usage starts from what its audit events counted, work a stop discarded included.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "llm/config.h"
#include "llm/proposer.h"
#include "meta/job_runner.h"
#include "meta/rsi.h"
#include "oversight/policy.h"
#include "run/rsi_recipe.h"
#include "store/store.h"

namespace ouro::run {

struct RsiModel {
  llm::LlmConfig config;
  std::shared_ptr<llm::LlmService> service;
  std::string replay;  // the cassette it answers from; "" = live
};

enum class ModelMode {
  kRun,     // the recipe's llm_replay, else live (a new cassette)
  kResume,  // the same, a live run continuing its cassette
  kReplay,  // always a cassette: `replay`, else the recipe's llm_replay, else the section's cassette
};

// The recipe's model attached to cfg's arenas; nullopt (cfg unchanged) without an [llm] section.
// Error: an llm_replay (or `replay`) without an [llm] section, a cassette or prompt that cannot be
// read, a new live run whose cassette already holds exchanges.
std::optional<RsiModel> AttachModel(meta::RsiConfig& cfg, const RsiRecipe& recipe, ModelMode mode,
                                    const std::string& replay = "");

// The config's [llm] section as stored with the run's config JSON (null without one).
nlohmann::json ModelJson(const RsiRecipe& recipe);

class ModelRunner final : public meta::JobRunner {
 public:
  // audit(content) appends one "llm_exchanges" event. REQUIRES: `run` is an rsi run of db.
  // budget: the [llm] section's (its prices price every exchange); policy: the oversight policy's.
  ModelRunner(meta::JobRunner& inner, store::Store& db, int64_t run, llm::LlmBudget budget,
              const oversight::ModelBudgets& policy, std::function<void(const nlohmann::json&)> audit);
  int Slots() const override { return inner_.Slots(); }
  std::vector<meta::RunOutcome> Run(const std::vector<meta::RunJob>& jobs, const std::atomic<bool>* stop) override;
  // "budget: llm requests" (prompt tokens, completion tokens, cost) once the [llm] budget is
  // reached, "budget: policy llm requests" (...) once the policy's is, or "".
  std::string OverBudget() const;
  const llm::LlmUsage& usage() const { return usage_; }  // counted: training and validation jobs

 private:
  meta::JobRunner& inner_;
  store::Store& db_;
  int64_t run_;
  llm::LlmBudget budget_, policy_;
  std::function<void(const nlohmann::json&)> audit_;
  llm::LlmUsage usage_;
  int64_t seq_ = 0;  // the next exchange's number in the run
};

}  // namespace ouro::run
