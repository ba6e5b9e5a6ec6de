// run/search_session.cc — see search_session.h.
#include "run/search_session.h"

#include <utility>

#include "core/error.h"
#include "core/hash.h"
#include "lang/prune.h"
#include "lang/text.h"

namespace ouro::run {

SearchSession::SearchSession(store::Store& db, SearchPlan plan) : db_(db), plan_(std::move(plan)) {
  OURO_CHECK(plan_.config.seed.has_value());
  run_id_ = db_.CreateRun("search", *plan_.config.seed, plan_.config_json.dump());
}

SearchOutcome SearchSession::Run(const std::function<void(const search::Progress&)>& on_progress) {
  const search::RunConfig& cfg = plan_.config;
  search::Callbacks cb;
  cb.on_progress = [&](const search::Progress& p) {
    db_.AddMetric(run_id_, store::MetricRow{p.seconds, p.individuals, p.evaluations, p.best_fitness,
                                            p.individuals > 0 ? static_cast<double>(p.cache_hits) / p.individuals : 0,
                                            p.experiment});
    StoreExchanges();
    if (on_progress) on_progress(p);
  };
  cb.on_select = [&](const search::Individual& ind, double fitness) {
    const std::string hash = HexId(ind.program.Hash());
    db_.PutProgram(hash, lang::Print(ind.program));
    db_.AddEvaluation(run_id_, hash, "select", fitness,
                      nlohmann::json{{"individual", ind.id}, {"search_fitness", ind.fitness}}.dump());
  };
  SearchOutcome out;
  try {
    out.result = search::RunEvolution(cfg.evolution, plan_.partition, *cfg.seed, cfg.threads, cfg.budget, cb);
  } catch (...) {
    StoreExchanges();  // what the model said before the failure is kept
    db_.FinishRun(run_id_, "failed", "");
    throw;
  }
  StoreExchanges();
  const search::EvolutionResult& r = out.result;
  out.cache_hit_rate =
      r.progress.individuals > 0 ? static_cast<double>(r.progress.cache_hits) / r.progress.individuals : 0;
  if (r.best) out.program_live = lang::Print(lang::LiveProgram(r.best->program));
  std::string program_text;
  StoreBest(r, &program_text);
  out.summary = Summary(r, out.cache_hit_rate, program_text, out.program_live);
  db_.FinishRun(run_id_, r.stop_reason == "stopped" ? "stopped" : "finished", out.summary.dump());
  return out;
}

void SearchSession::StoreExchanges() {
  if (!plan_.llm) return;
  std::vector<llm::Exchange> taken = plan_.llm->TakeExchanges();
  if (taken.empty()) return;
  store::Transaction tx(db_);
  for (llm::Exchange& e : taken)
    db_.AddLlmExchange(run_id_, store::LlmExchangeRow{exchanges_++, e.individual, e.request.dump(),
                                                      e.outcome.ToJson().dump(), e.program, e.rejection});
  tx.Commit();
}

void SearchSession::StoreBest(const search::EvolutionResult& r, std::string* program_text) {
  store::Transaction tx(db_);
  if (r.best) {
    *program_text = lang::Print(r.best->program);
    const std::string hash = HexId(r.best->program.Hash());
    db_.PutProgram(hash, *program_text);
    db_.AddEvaluation(run_id_, hash, "held_out", r.fitness_final, "");
    std::string parent;
    for (const auto& ind : r.lineage) {
      const std::string h = HexId(ind->program.Hash());
      db_.PutProgram(h, lang::Print(ind->program));
      db_.AddLineage(run_id_, store::LineageRow{h, parent, ind->id, std::string(search::MutationName(ind->mutation)),
                                                ind->fitness});
      parent = h;
    }
  }
  tx.Commit();
}

nlohmann::json SearchSession::Summary(const search::EvolutionResult& r, double hit_rate, const std::string& program_text,
                                      const std::string& live_text) const {
  nlohmann::json j = {
      {"run_id", run_id_},
      {"seed", *plan_.config.seed},
      {"individuals", r.progress.individuals},
      {"evaluations", r.progress.evaluations},
      {"cache_hit_rate", hit_rate},
      {"experiments", r.progress.experiment + 1},
      {"seconds", r.progress.seconds},
      {"individuals_per_second", r.progress.individuals_per_second},
      {"fitness_search", r.fitness_search},
      {"fitness_select", r.fitness_select},
      {"fitness_final", r.fitness_final},
      {"solved", r.solved},
      {"stop_reason", r.stop_reason},
      {"program", program_text},
      {"program_live", live_text},
  };
  if (plan_.config.evolution.model) j["model"] = ModelSummary(r);
  return j;
}

// What the strategy's model asked and got.
nlohmann::json SearchSession::ModelSummary(const search::EvolutionResult& r) const {
  nlohmann::json j = r.proposer.ToJson();
  j["exchanges"] = exchanges_;
  if (plan_.llm) j["usage"] = plan_.llm->usage().ToJson();
  return j;
}

}  // namespace ouro::run
