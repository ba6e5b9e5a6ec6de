#include "run/rsi_model.h"

#include <filesystem>

#include "core/error.h"
#include "llm/cassette.h"
#include "oversight/audit.h"

namespace ouro::run {

using nlohmann::json;

namespace {

std::optional<llm::LlmConfig> SectionOf(const RsiRecipe& r) {
  if (r.config_text.empty()) return std::nullopt;  // the embedded default has none
  return llm::ReadLlmConfig(r.config_text, r.config_source.empty() ? "<config text>" : r.config_source);
}

// Usage of the training and validation jobs as a run's "llm_exchanges" events counted it.
llm::LlmUsage CountedUsage(store::Store& db, int64_t run) {
  llm::LlmUsage u;
  for (const store::EventRow& e : db.GetEvents(run)) {
    if (e.type != "llm_exchanges") continue;
    const json c = json::parse(e.content_json, nullptr, false);
    if (!c.is_object() || !c.contains("exchanges")) throw Error("run " + std::to_string(run) + ": a malformed llm_exchanges event");
    for (const json& x : c["exchanges"]) {
      if (!x.value("counted", false)) continue;
      ++u.requests;
      if (!x.value("ok", false)) ++u.failed;
      u.prompt_tokens += x.value("prompt_tokens", int64_t{0});
      u.completion_tokens += x.value("completion_tokens", int64_t{0});
      u.cost += x.value("cost", 0.0);
    }
  }
  return u;
}

}  // namespace

std::optional<RsiModel> AttachModel(meta::RsiConfig& cfg, const RsiRecipe& recipe, ModelMode mode,
                                    const std::string& replay) {
  std::optional<llm::LlmConfig> section = SectionOf(recipe);
  std::string cassette = replay.empty() ? recipe.llm_replay : replay;
  if (!section) {
    if (!cassette.empty()) throw Error("--llm-replay: the config has no [llm] section (no model to replay)");
    return std::nullopt;
  }
  if (cassette.empty() && mode == ModelMode::kReplay) cassette = section->cassette;
  if (cassette.empty() && mode == ModelMode::kRun) llm::CheckNewCassette(section->cassette);
  const std::string dir = std::filesystem::path(recipe.config_source).parent_path().string();
  RsiModel m{*section, llm::LlmService::Make(*section, cassette, dir, mode == ModelMode::kResume), cassette};
  const std::shared_ptr<llm::LlmService> service = m.service;
  const search::ProposerFactory factory = [service](const std::string& context) {
    return std::static_pointer_cast<search::Proposer>(service->ForJob(context));
  };
  cfg.train.proposers = cfg.validation.proposers = cfg.test.proposers = factory;
  return m;
}

json ModelJson(const RsiRecipe& recipe) {
  const std::optional<llm::LlmConfig> section = SectionOf(recipe);
  if (!section) return nullptr;
  json j = llm::ToJson(*section);
  j["replay"] = recipe.llm_replay.empty() ? json() : json(recipe.llm_replay);
  return j;
}

ModelRunner::ModelRunner(meta::JobRunner& inner, store::Store& db, int64_t run, llm::LlmBudget budget,
                         const oversight::ModelBudgets& policy, std::function<void(const json&)> audit)
    : inner_(inner), db_(db), run_(run), budget_(budget), audit_(std::move(audit)) {
  policy_.max_requests = static_cast<int64_t>(policy.requests);
  policy_.max_prompt_tokens = static_cast<int64_t>(policy.prompt_tokens);
  policy_.max_completion_tokens = static_cast<int64_t>(policy.completion_tokens);
  policy_.max_cost = policy.cost;
  usage_ = CountedUsage(db_, run_);
  seq_ = db_.CountLlmExchanges(run_);
}

std::vector<meta::RunOutcome> ModelRunner::Run(const std::vector<meta::RunJob>& jobs, const std::atomic<bool>* stop) {
  std::vector<meta::RunOutcome> out = inner_.Run(jobs, stop);
  json listed = json::array();
  store::Transaction tx(db_);
  for (size_t i = 0; i < jobs.size(); ++i) {
    const bool counted = jobs[i].arena_kind != meta::ArenaKind::kTest;  // the sealed arena is in no budget
    for (const json& record : out[i].model_records) {
      const llm::Exchange x = llm::Exchange::FromJson(record);
      db_.AddLlmExchange(run_, store::LlmExchangeRow{seq_, x.individual, x.request.dump(), x.outcome.ToJson().dump(),
                                                     x.program, x.rejection});
      llm::LlmUsage one;
      one.Add(x.outcome, budget_);
      if (counted) usage_.Add(x.outcome, budget_);
      listed.push_back({{"seq", seq_++}, {"context", x.context}, {"arena", meta::ArenaKindName(jobs[i].arena_kind)},
                        {"individual", x.individual}, {"ok", x.outcome.ok}, {"prompt_tokens", one.prompt_tokens},
                        {"completion_tokens", one.completion_tokens}, {"cost", one.cost}, {"counted", counted},
                        {"sha256", oversight::Sha256Hex(record.dump())}});
    }
  }
  tx.Commit();
  if (!listed.empty()) audit_(json{{"exchanges", listed}});
  return out;
}

std::string ModelRunner::OverBudget() const {
  if (const std::string spent = llm::BudgetSpent(usage_, budget_); !spent.empty()) return "budget: llm " + spent;
  if (const std::string spent = llm::BudgetSpent(usage_, policy_); !spent.empty()) return "budget: policy llm " + spent;
  return "";
}

}  // namespace ouro::run
