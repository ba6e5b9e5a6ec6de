#include "run/rsi_session.h"

#include <cstdio>

#include "core/error.h"
#include "run/rsi_records.h"

namespace ouro::run {

Continuation RsiSession::Reopen(store::Store& db, const store::RunInfo& run, const std::string& actor) {
  const RsiRecipe recipe = RecipeFromRun(run);
  const nlohmann::json stored = nlohmann::json::parse(run.config_json);
  const nlohmann::json* initial = stored.contains("initial_spec") ? &stored["initial_spec"] : nullptr;
  Continuation c{BuildConfig(recipe, initial), BuildPolicy(recipe), std::nullopt};
  db.ClaimRun(run.id, store::kLeaseSeconds);  // before touching anything: another resumer gets a clear error
  if (auto ck = db.GetCheckpoint(run.id)) c.state = meta::StateFromJson(nlohmann::json::parse(ck->second));
  const int from = c.state ? c.state->generation : -1;
  db.ReopenRun(run.id);
  db.TruncateRsiRows(run.id, from);
  db.AppendEvent(run.id, "resumed", actor,
                 nlohmann::json{{"from_generation", from}, {"previous_status", run.status}}.dump());
  return c;
}

using nlohmann::json;

int64_t RsiSession::Create(store::Store& db, const RsiRecipe& recipe, const meta::RsiConfig& cfg,
                           const oversight::Policy& policy, const std::string& actor) {
  json stored = meta::ToJson(cfg);
  stored["recipe"] = RecipeJson(recipe);
  stored["initial_spec"] = SpecText(cfg.initial);  // as text: its key order is part of it
  stored["policy"] = oversight::ToJson(policy);
  const int64_t run_id = db.CreateRun("rsi", cfg.seed, stored.dump());
  db.AppendEvent(run_id, "config", actor,
                 json{{"config", meta::ToJson(cfg)}, {"recipe", RecipeJson(recipe)}}.dump());
  db.AppendEvent(run_id, "policy", actor, oversight::ToJson(policy).dump());
  return run_id;
}

RsiSession::RsiSession(store::Store& db, int64_t run_id, const meta::RsiConfig& cfg,
                       const oversight::Policy& policy, SessionIo io)
    : db_(db),
      run_(run_id),
      cfg_(Configure(cfg, policy)),
      policy_(policy),
      say_(OrSilent(std::move(io.say))),
      control_(db, run_id, io.interrupt, say_),
      gate_(db, run_id, control_, say_),
      seam_(policy_, cfg_, gate_, say_, JudgeStateOf(db.GetEvents(run_id)),
            BestPromotedFitness(db.GetEvents(run_id))) {}

meta::RsiConfig RsiSession::Configure(const meta::RsiConfig& cfg, const oversight::Policy& policy) {
  meta::RsiConfig out = WithBudgets(cfg, policy);
  const std::optional<store::RunInfo> run = db_.GetRun(run_);
  if (!run) throw Error("no run " + std::to_string(run_));
  const ModelMode mode = db_.CountLlmExchanges(run_) > 0 ? ModelMode::kResume : ModelMode::kRun;
  model_ = AttachModel(out, RecipeFromRun(*run), mode);
  return out;
}

RsiOutcome RsiSession::Run(const meta::RsiState* resume) {
  control_.Start();
  if (resume) {
    for (const auto& i : db_.GetImprovers(run_)) last_hash_ = i.hash;
    for (const auto& p : resume->result.curve)
      capability_.emplace_back(p.generation, p.incumbent.capability);
  }
  meta::RsiResult r;
  try {
    meta::InlineRunner jobs;
    ModelRunner runner(jobs, db_, run_, model_ ? model_->config.budget : llm::LlmBudget{}, policy_.run.model,
                       [this](const json& content) { Record("llm_exchanges", content); });
    meta::RsiHooks hooks = Hooks();
    hooks.over_budget = [&runner] { return runner.OverBudget(); };
    r = meta::RunRsi(cfg_, hooks, resume, runner);
  } catch (const Error& e) {
    control_.Finish();
    const std::string why = control_.stop_reason();
    if (!why.empty()) return StoppedBeforeCheckpoint(why);
    db_.FinishRun(run_, "failed", json{{"error", e.what()}}.dump());
    Record("failed", {{"error", e.what()}});
    throw;
  } catch (...) {
    control_.Finish();
    db_.FinishRun(run_, "failed", "");
    throw;
  }
  control_.Finish();
  return Close(std::move(r));
}

meta::RsiHooks RsiSession::Hooks() {
  meta::RsiHooks hooks;
  hooks.stop = control_.stop();
  hooks.on_log = say_;
  hooks.pause_point = [this] { control_.PausePoint(); };
  hooks.adopt = [this](const meta::Adoption& a) { return seam_.Adopt(a); };
  hooks.on_improver = [this](int gen, const meta::ImproverSpec& spec,
                             const meta::ImproverSpec* parent, const meta::CandidateReport* ev) {
    OnImprover(gen, spec, parent, ev);
  };
  hooks.on_candidate = [this](const meta::CandidateReport& r) { OnCandidate(r); };
  hooks.on_curve = [this](const meta::CurvePoint& p, const meta::HeldOutMeasure& frozen) {
    OnCurve(p, frozen);
  };
  hooks.on_checkpoint = [this](const meta::RsiState& s) { OnCheckpoint(s); };
  return hooks;
}

void RsiSession::OnImprover(int generation, const meta::ImproverSpec& spec,
                            const meta::ImproverSpec* parent,
                            const meta::CandidateReport* evidence) {
  const store::ImproverRow row = ImproverRowOf(generation, spec, last_hash_, evidence, cfg_);
  db_.AddImprover(run_, row);
  Record("improver", ImproverEvent(row));
  last_hash_ = row.hash;
  if (!parent) return;
  std::string diff = meta::DiffText(*parent, spec);
  if (!diff.empty() && diff.back() == '\n') diff.pop_back();  // say ends the line
  say_("adopted improver " + row.hash + "; changes:\n" + diff);
}

void RsiSession::OnCandidate(const meta::CandidateReport& r) {
  const store::CandidateRow row = CandidateRowOf(r, cfg_);
  db_.AddCandidate(run_, row);
  seam_.Promote(r);
  Record("candidate", CandidateEvent(row));
}

void RsiSession::OnCurve(const meta::CurvePoint& p, const meta::HeldOutMeasure& frozen) {
  db_.AddCurvePoint(run_, CurveRowOf(p, frozen));
  capability_.emplace_back(p.generation, p.incumbent.capability);
  char buf[260];
  std::snprintf(buf, sizeof buf,
                "test at gen %d: capability %.4f (frozen %.4f), median evals-to-target %.0f "
                "(frozen %.0f); validation %.4f; %.0f meta evals, %.0f s",
                p.generation, p.incumbent.capability, frozen.capability,
                meta::Median(p.incumbent.evals_to_target), meta::Median(frozen.evals_to_target),
                p.validation.capability, p.cumulative_evaluations, p.seconds);
  say_(buf);
}

void RsiSession::OnCheckpoint(const meta::RsiState& s) {
  db_.PutCheckpoint(run_, s.generation, meta::ToJson(s).dump());
  control_.SetProgress(CheckpointProgress(s, cfg_.run_budget));
}

// Stopped before the first checkpoint: nothing to keep; a resume starts from the beginning.
RsiOutcome RsiSession::StoppedBeforeCheckpoint(const std::string& why) {
  db_.TruncateRsiRows(run_, -1);
  db_.SetRunStatus(run_, "stopped");
  Record("stopped", {{"reason", why}, {"generation", -1}});
  say_("run " + std::to_string(run_) + " stopped before its first checkpoint (" + why + ")");
  RsiOutcome out;
  out.stopped = out.before_first_checkpoint = true;
  return out;
}

RsiOutcome RsiSession::Close(meta::RsiResult r) {
  if (r.stop_reason == "stopped" && !control_.stop_reason().empty())
    r.stop_reason = control_.stop_reason();
  RsiOutcome out;
  out.stopped = r.stop_reason != "generations" && r.stop_reason != "max_seconds";
  // The stored rows end where the result does (an unfinished generation left rows behind).
  db_.TruncateRsiRows(run_, r.generations);
  out.summary = RsiSummary(run_, cfg_, r);
  db_.FinishRun(run_, out.stopped ? "stopped" : "finished", out.summary.dump());
  db_.SetProgress(run_, "");
  Record(out.stopped ? "stopped" : "finished",
         {{"reason", r.stop_reason}, {"summary", out.summary}});
  out.result = std::move(r);
  out.capability = std::move(capability_);
  return out;
}

void RsiSession::Record(const std::string& type, const json& content) {
  gate_.Record(type, content);
}

}  // namespace ouro::run
