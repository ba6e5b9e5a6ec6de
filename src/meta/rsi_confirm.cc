// The confirmation stage of the loop (rsi_loop.h, RsiConfig::confirm_games).
#include "meta/jobs.h"
#include "meta/rsi_loop.h"

namespace ouro::meta::rsi_loop {

namespace {

// Confirmation game k: the incumbent and the candidate on the same validation family and seed.
Status PlayConfirmationGame(Loop& loop, const Generation& gen, const CandidateReport& rep, int k, Game& game) {
  const RsiConfig& cfg = loop.cfg;
  const std::vector<RunJob> jobs = {
      ConfirmJob(loop.st.incumbent, cfg.validation, cfg.seed, gen.number, rep.index, k, cfg.threads),
      ConfirmJob(rep.spec, cfg.validation, cfg.seed, gen.number, rep.index, k, cfg.threads)};
  std::vector<RunOutcome> out;
  if (Status s = loop.PlayRuns(jobs, out); s != Status::kOk) return s;
  game = ScoreGame(out[0], out[1]);
  return Status::kOk;
}

}  // namespace

Status Confirm(Loop& loop, const Generation& gen, CandidateReport& rep) {
  const RsiConfig& cfg = loop.cfg;
  if (cfg.confirm_games == 0 || rep.decision != "adopted") return Status::kOk;
  const GateRung gate = loop.NextConfirmGate();
  CandidateReport::Confirmation& c = rep.confirmation.emplace();
  c.alpha = gate.alpha;
  c.false_accept = gate.false_accept;
  c.decision = "inconclusive";
  rep.decision = "inconclusive";
  // A gate that cannot accept within confirm_games (the budget is spent down to its last rung)
  // would spend its games for nothing: not played, charged nothing.
  if (gate.false_accept == 0) return Status::kOk;
  const SprtBounds bounds = GateBounds(gate.alpha, cfg.confirm.beta);
  for (int k = 0; k < cfg.confirm_games; ++k) {
    Game g;
    if (Status s = PlayConfirmationGame(loop, gen, rep, k, g); s != Status::kOk) return s;
    (g.outcome > 0 ? c.wins : g.outcome < 0 ? c.losses : c.draws) += 1;
    c.llr = ExactSprtLlr(c.wins, c.losses, c.draws, cfg.confirm.elo0, cfg.confirm.elo1);
    const SprtDecision d = SprtDecide(c.llr, bounds);
    if (d == SprtDecision::kContinue) continue;
    c.decision = d == SprtDecision::kAccept ? "adopted" : "rejected";
    break;
  }
  rep.decision = c.decision;
  return Status::kOk;
}

}  // namespace ouro::meta::rsi_loop
