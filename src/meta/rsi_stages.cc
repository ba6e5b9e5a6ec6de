// The stages of the rsi loop (rsi_loop.h lists them in order). Every Rng draw, hook call and
// compute count happens in the order of the single function they were cut from, so a run, its
// checkpoints and its golden files are unchanged.
#include <algorithm>
#include <cmath>
#include <ctime>
#include <sstream>

#include "core/error.h"
#include "lang/reference.h"
#include "lang/text.h"
#include "meta/rsi_loop.h"

namespace ouro::meta::rsi_loop {

namespace {

using Clock = std::chrono::steady_clock;

double CpuSeconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

bool Failed(Status s) { return s != Status::kOk; }

}  // namespace

// ---- the loop's shared state -----------------------------------------------------------------

Loop::Loop(const RsiConfig& config, const RsiHooks& h, JobRunner& r, const RsiState* resume)
    : cfg(config),
      hooks(h),
      runner(r),
      rng(DeriveSeed(config.seed, 0x3e7a)),
      ladder(config.gate == SprtTest::kExact && config.confirm_games == 0
                 ? AlphaLadder(SprtTest::kExact, config.sprt, config.max_games)
                 : std::vector<GateRung>{{config.sprt.alpha, FalseAcceptRate(config.gate, config.sprt, config.max_games)}}),
      confirm_ladder(config.confirm_games > 0 ? AlphaLadder(SprtTest::kExact, config.confirm, config.confirm_games)
                                              : std::vector<GateRung>{}),
      start_(Clock::now()),
      cpu_start_(CpuSeconds()),
      wall_before_(resume ? resume->result.seconds : 0),
      cpu_before_(resume ? resume->result.cpu_seconds : 0) {
  ctx.shape = cfg.train.base.shape;
  for (const auto& a : cfg.ablate) ctx.disabled[ChannelOp(a)] = true;
  if (cfg.legacy_meta) ctx.operators = kNumLegacyMetaOperators;
  else ctx.check = [this](const ImproverSpec& spec) { CheckAppliesToTrain(cfg, spec); };
}

double Loop::Elapsed() const {
  return wall_before_ + std::chrono::duration<double>(Clock::now() - start_).count() - test_wall_;
}

double Loop::Cpu() const { return cpu_before_ + CpuSeconds() - cpu_start_ - test_cpu_; }

void Loop::Log(const std::string& line) const {
  if (hooks.on_log) hooks.on_log(line);
}

bool Loop::Stopped() const { return hooks.stop && hooks.stop->load(std::memory_order_relaxed); }

bool Loop::Ablated(const char* channel) const {
  return std::find(cfg.ablate.begin(), cfg.ablate.end(), channel) != cfg.ablate.end();
}

void Loop::StartGenerationBudget() {
  gen_start_evals_ = st.result.cumulative_evaluations;
  gen_start_wall_ = Elapsed();
  gen_start_cpu_ = Cpu();
}

// Budgets, between games (deterministic for evaluations; time as it comes).
std::string Loop::OverBudget() const {
  auto over = [](double used, double limit) { return limit > 0 && used >= limit; };
  const auto& R = cfg.run_budget;
  const auto& G = cfg.generation_budget;
  const double evals = st.result.cumulative_evaluations;
  if (over(evals, R.evaluations)) return "budget: run evaluations";
  if (over(Cpu(), R.cpu_seconds)) return "budget: run cpu_seconds";
  if (over(Elapsed(), R.wall_seconds)) return "budget: run wall_seconds";
  if (over(evals - gen_start_evals_, G.evaluations)) return "budget: generation evaluations";
  if (over(Cpu() - gen_start_cpu_, G.cpu_seconds)) return "budget: generation cpu_seconds";
  if (over(Elapsed() - gen_start_wall_, G.wall_seconds)) return "budget: generation wall_seconds";
  return hooks.over_budget ? hooks.over_budget() : "";
}

Status Loop::Check() {
  if (hooks.pause_point) hooks.pause_point();
  if (Stopped()) return Status::kStopped;
  budget_hit = OverBudget();
  return budget_hit.empty() ? Status::kOk : Status::kOverBudget;
}

void Loop::Checkpoint(int generation) {
  st.generation = generation;
  st.rng = rng.State();
  st.result.seconds = Elapsed();
  st.result.cpu_seconds = Cpu();
  if (hooks.on_checkpoint) hooks.on_checkpoint(st);
}

void Loop::AddCurvePoint(int generation, const HeldOutMeasure& test, const HeldOutMeasure& validation) {
  CurvePoint p;
  p.generation = generation;
  p.cumulative_evaluations = st.result.cumulative_evaluations;
  p.improver_hash = SpecHash(st.incumbent);
  p.incumbent = test;
  p.validation = validation;
  p.seconds = Elapsed();
  st.result.curve.push_back(p);
  if (hooks.on_curve) hooks.on_curve(p, st.result.frozen);
}

GateRung Loop::NextGate() const {
  if (cfg.gate != SprtTest::kExact || cfg.confirm_games > 0) return ladder.front();
  return SpendAlpha(ladder, st.result.expected_false_adoptions, cfg.alpha_run, cfg.alpha_share);
}

GateRung Loop::NextConfirmGate() const {
  return SpendAlpha(confirm_ladder, st.result.expected_false_adoptions, cfg.alpha_run, cfg.alpha_share);
}

double Loop::Charge(const CandidateReport& rep) const {
  if (cfg.confirm_games == 0) return rep.false_accept;
  return rep.confirmation ? rep.confirmation->false_accept : 0;
}

Status Loop::MeasureSealedTest(const ImproverSpec& spec, bool frozen, HeldOutMeasure& out) {
  const Clock::time_point wall = Clock::now();
  const double cpu = CpuSeconds();
  out = MeasureTest(spec, cfg, hooks.stop, frozen ? std::vector<double>{} : st.result.frozen.targets, runner);
  const double seconds = std::chrono::duration<double>(Clock::now() - wall).count();
  test_wall_ += seconds;
  test_cpu_ += CpuSeconds() - cpu;
  st.result.test_evaluations += TestCost(cfg);
  st.result.test_seconds += seconds;
  return Stopped() ? Status::kStopped : Status::kOk;
}

Status Loop::PlayRuns(const std::vector<RunJob>& jobs, std::vector<RunOutcome>& out) {
  const size_t slots = static_cast<size_t>(std::max(1, runner.Slots()));
  for (size_t i = 0; i < jobs.size(); i += slots) {
    const std::vector<RunJob> batch(jobs.begin() + i, jobs.begin() + std::min(jobs.size(), i + slots));
    std::vector<RunOutcome> outcomes = runner.Run(batch, hooks.stop);
    for (size_t b = 0; b < outcomes.size(); ++b) {
      RunOutcome& o = outcomes[b];
      if (!cfg.legacy_meta && batch[b].arena_kind == ArenaKind::kTrain) Observe(batch[b], o);
      st.result.cumulative_evaluations += o.cost + 1;
      st.result.oversight_evaluations += 1;  // the best program's held-out score
      out.push_back(std::move(o));
      if (Status s = Check(); Failed(s)) return s;
    }
  }
  return Status::kOk;
}

void Loop::Observe(const RunJob& job, const RunOutcome& o) {
  st.archive.Offer(o.best_program, o.held_fitness, st.result.generations);
  if (IsLearner(o, job.arena.families[static_cast<size_t>(job.family)])) gen_learners.push_back(o.best_program);
}

namespace {

// The base a spec is applied to on a training family, as RunImprover applies it.
search::EvolutionConfig TrainBase(const RsiConfig& cfg, const tasks::TaskSpec& family) {
  search::EvolutionConfig base = cfg.train.base;
  base.shape.dim = family.dim;
  return base;
}

}  // namespace

void CheckAppliesToTrain(const RsiConfig& cfg, const ImproverSpec& spec) {
  for (const tasks::TaskSpec& family : cfg.train.families) (void)ApplySpec(spec, TrainBase(cfg, family));
}

// ---- generation 0 ----------------------------------------------------------------------------

Status StartRun(Loop& loop) {
  RsiResult& res = loop.res();
  loop.st.incumbent = loop.cfg.initial;
  if (loop.hooks.on_improver) loop.hooks.on_improver(0, loop.st.incumbent, nullptr, nullptr);
  res.improver_hashes.push_back(SpecHash(loop.st.incumbent));
  res.frozen_validation = MeasureValidation(loop.cfg.initial, loop.cfg, loop.hooks.stop, {}, loop.runner);
  if (loop.Stopped()) return Status::kStopped;
  if (Status s = loop.MeasureSealedTest(loop.cfg.initial, /*frozen=*/true, res.frozen); Failed(s)) return s;
  loop.AddCurvePoint(0, res.frozen, res.frozen_validation);
  res.stop_reason = "generations";
  loop.Checkpoint(0);
  return Status::kOk;
}

// ---- one generation --------------------------------------------------------------------------

Status RunGeneration(Loop& loop, int number) {
  const RsiConfig& cfg = loop.cfg;
  if (Status s = loop.Check(); Failed(s)) return s;
  loop.res().generations = number;
  Generation gen;
  gen.number = number;
  loop.gen_learners.clear();
  for (int ci = 0; ci < cfg.candidates && !gen.accepted; ++ci) {
    // What I_t knows when it proposes: the best programs of its games in this generation (the
    // first ones are needed anyway) and a filter discovered from their proposal history.
    if (Status s = PlayIncumbent(loop, gen, std::min(cfg.max_games, 4)); Failed(s)) return s;
    loop.ctx.good_programs.clear();
    if (cfg.legacy_meta)
      for (const auto& g : gen.incumbent_games) loop.ctx.good_programs.push_back(g.best_program);
    else  // the archive of the whole run: every game's best so far
      loop.ctx.good_programs = loop.ctx.archive = loop.st.archive.Programs();
    if (!loop.Ablated("filter") && ci == 0)
      if (Status s = DiscoverFilter(loop, gen); Failed(s)) return s;
    CandidateReport rep = Propose(loop, gen, ci);
    std::optional<HeldOutMeasure> validation;
    if (PlaysLikeIncumbent(loop, rep.spec)) {
      rep.decision = "identical";
    } else {
      if (Status s = PlayCandidate(loop, gen, rep); Failed(s)) return s;
      if (Status s = Confirm(loop, gen, rep); Failed(s)) return s;
      if (cfg.null_control) NullDecision(loop, rep);
      if (Status s = MeasureAndAdopt(loop, gen, rep, validation); Failed(s)) return s;
    }
    RecordCandidate(loop, gen, rep, validation);
  }
  return EndGeneration(loop, gen);
}

namespace {

// The incumbent's games [played so far, games).
std::vector<RunJob> IncumbentJobs(const Loop& loop, const Generation& gen, int games) {
  std::vector<RunJob> jobs;
  for (int k = static_cast<int>(gen.incumbent_games.size()); k < games; ++k)
    jobs.push_back(GameJob(loop.st.incumbent, loop.cfg.train, loop.cfg.seed, gen.number, k, loop.cfg.threads,
                           /*record_proposals=*/!loop.Ablated("filter"), loop.GameFamily()));
  return jobs;
}

}  // namespace

Status PlayIncumbent(Loop& loop, Generation& gen, int games) {
  return loop.PlayRuns(IncumbentJobs(loop, gen, games), gen.incumbent_games);
}

namespace {

// The filter's learning problem as tasks: balanced (as many non-gains as gains, drawn evenly),
// two thirds train, one third valid.
std::optional<tasks::Dataset> FilterTask(const std::vector<std::pair<std::array<float, search::kFilterFeatures>, bool>>& history) {
  std::vector<const std::array<float, search::kFilterFeatures>*> pos, neg;
  for (const auto& [f, g] : history) (g ? pos : neg).push_back(&f);
  const size_t n = std::min(pos.size(), neg.size());
  if (n < 30) return std::nullopt;
  tasks::Dataset d;
  d.name = "filter-history";
  d.kind = tasks::Kind::kClassification;
  d.dim = search::kFilterFeatures;
  for (size_t i = 0; i < n; ++i)
    for (int label = 0; label < 2; ++label) {
      const auto* f = label ? pos[i * pos.size() / n] : neg[i * neg.size() / n];
      tasks::Split& s = (i % 3 == 2) ? d.valid : d.train;
      s.x.insert(s.x.end(), f->begin(), f->end());
      s.y.push_back(label);
    }
  return d;
}

}  // namespace

Status DiscoverFilter(Loop& loop, Generation& gen) {
  const RsiConfig& cfg = loop.cfg;
  std::vector<std::pair<std::array<float, search::kFilterFeatures>, bool>> history;
  for (const auto& g : gen.incumbent_games) history.insert(history.end(), g.proposals.begin(), g.proposals.end());
  loop.ctx.discovered_filter.reset();
  const std::optional<tasks::Dataset> task = FilterTask(history);
  if (!task) return Status::kOk;
  // The level-0 search, run with the incumbent's own strategy, learns the filter's learner.
  const ImproverSpec& incumbent = loop.st.incumbent;
  search::EvolutionConfig base = cfg.train.base;
  base.shape = search::kFilterShape;
  base.initial = "given";
  base.initial_programs = {incumbent.filter ? incumbent.filter->program
                                            : lang::Parse(*lang::ReferenceProgram("logistic_regression"),
                                                          search::kFilterShape)};
  base.sufficient_fitness = 2;
  base.check_every = 1000;
  ImproverSpec s = incumbent;
  s.filter.reset();
  s.initial = "given";
  s.cascade_tasks = 0;
  tasks::Partition part;
  part.search = {*task};
  search::Budget b;
  b.max_evaluations = cfg.filter_budget;
  b.stop = loop.hooks.stop;
  const search::EvolutionResult r = search::RunEvolution(
      ApplySpec(s, base), part, DeriveSeed(cfg.seed, (uint64_t(gen.number) << 20) + 0xf11), cfg.threads, b);
  loop.res().cumulative_evaluations += r.progress.eval_cost;
  if (Status st = loop.Check(); Failed(st)) return st;
  if (r.best) loop.ctx.discovered_filter = r.best->program;
  return Status::kOk;
}

CandidateReport Propose(Loop& loop, Generation& gen, int index) {
  CandidateReport rep;
  rep.generation = gen.number;
  rep.index = index;
  // A candidate already tried in this generation would replay the very same games: redraw.
  for (int attempt = 0;; ++attempt) {
    rep.spec = ProposeCandidate(loop.st.incumbent, loop.rng, loop.ctx, &rep.meta_operator);
    if (gen.tried.insert(SpecHash(rep.spec)).second || attempt == 16) break;
  }
  rep.spec.name = "g" + std::to_string(gen.number) + "c" + std::to_string(index);
  return rep;
}

bool PlaysLikeIncumbent(const Loop& loop, const ImproverSpec& spec) {
  if (loop.cfg.gate != SprtTest::kExact) return false;
  for (const tasks::TaskSpec& family : loop.cfg.train.families) {
    const search::EvolutionConfig base = TrainBase(loop.cfg, family);
    auto effective = [&base](const ImproverSpec& s) {
      Json j;
      search::StrategyToJson(search::EffectiveStrategy(ApplySpec(s, base), base.shape), j);
      return j;
    };
    if (effective(spec) != effective(loop.st.incumbent)) return false;
  }
  return true;
}

namespace {

// A candidate's games summed up into the metrics that tripwires, gates and invariants read.
struct Evidence {
  std::vector<double> cand_auc, inc_auc;
  double cand_gap = 0, inc_gap = 0, cand_held = 0, inc_held = 0, cand_size = 0, inc_size = 0, cand_cost = 0,
         inc_cost = 0, nonfinite = 0, model_requests = 0, model_rejections = 0;

  void Add(const RunOutcome& a, const RunOutcome& b) {
    cand_auc.push_back(b.auc);
    inc_auc.push_back(a.auc);
    for (double v : {b.auc, b.search_fitness, b.held_fitness, b.cost}) nonfinite += std::isfinite(v) ? 0 : 1;
    cand_gap += b.search_fitness - b.held_fitness;
    inc_gap += a.search_fitness - a.held_fitness;
    cand_held += b.held_fitness;
    inc_held += a.held_fitness;
    cand_size += b.best_size;
    inc_size += a.best_size;
    cand_cost += b.cost;
    inc_cost += a.cost;
    model_requests += static_cast<double>(b.model.requests);
    model_rejections += static_cast<double>(b.model.rejections);
  }

  void Finish(CandidateReport& rep) const {
    const double n = static_cast<double>(rep.games.size());
    rep.meta_utility = Mean(cand_auc);
    rep.incumbent_meta_utility = Mean(inc_auc);
    auto ratio = [](double x, double y) { return y > 0 ? x / y : (x > 0 ? 1e9 : 1.0); };
    rep.metrics = {{"gain", rep.meta_utility - rep.incumbent_meta_utility},
                   {"search_heldout_gap", n > 0 ? cand_gap / n : 0},
                   {"gap_increase", n > 0 ? (cand_gap - inc_gap) / n : 0},
                   {"heldout_gain", n > 0 ? (cand_held - inc_held) / n : 0},
                   {"size_ratio", ratio(cand_size, inc_size)},
                   {"cost_ratio", ratio(cand_cost, inc_cost)},
                   {"nonfinite", nonfinite}};
    if (model_requests > 0) {  // only then: the stored candidates of runs without a model are unchanged
      rep.metrics["model_requests"] = model_requests;
      rep.metrics["model_rejection_share"] = model_rejections / model_requests;
    }
  }
};

}  // namespace

Status PlayCandidate(Loop& loop, Generation& gen, CandidateReport& rep) {
  const RsiConfig& cfg = loop.cfg;
  Evidence evidence;
  const GateRung gate = loop.NextGate();
  rep.alpha = gate.alpha;
  rep.false_accept = gate.false_accept;
  const SprtBounds bounds = GateBounds(gate.alpha, cfg.sprt.beta);
  rep.decision = "inconclusive";
  for (int k = 0; k < cfg.max_games; ++k) {
    // Game k pairs the incumbent's run k (played now if no earlier candidate needed it) with the
    // candidate's run on the same family and seed.
    std::vector<RunJob> jobs = IncumbentJobs(loop, gen, k + 1);
    const size_t new_incumbent_runs = jobs.size();
    jobs.push_back(GameJob(rep.spec, cfg.train, cfg.seed, gen.number, k, cfg.threads, false, loop.GameFamily()));
    std::vector<RunOutcome> out;
    if (Status s = loop.PlayRuns(jobs, out); Failed(s)) return s;
    for (size_t i = 0; i < new_incumbent_runs; ++i) gen.incumbent_games.push_back(std::move(out[i]));
    const RunOutcome& a = gen.incumbent_games[static_cast<size_t>(k)];
    const RunOutcome& b = out.back();
    gen.credit.Add(b.credit);
    ++gen.candidate_runs;
    const Game g = ScoreGame(a, b);
    (g.outcome > 0 ? rep.wins : g.outcome < 0 ? rep.losses : rep.draws) += 1;
    rep.games.push_back(g);
    evidence.Add(a, b);
    if (b.search_fitness > rep.best_fitness) {
      rep.best_fitness = b.search_fitness;
      rep.best_program = b.best_program;
    }
    rep.llr = SprtLlr(cfg.gate, rep.wins, rep.losses, rep.draws, cfg.sprt.elo0, cfg.sprt.elo1);
    const SprtDecision d = SprtDecide(rep.llr, bounds);
    if (d == SprtDecision::kAccept) {
      rep.decision = "adopted";
      break;
    }
    if (d == SprtDecision::kReject) {
      rep.decision = "rejected";
      break;
    }
  }
  evidence.Finish(rep);
  return Status::kOk;
}

namespace {

// Paired standard error of the difference of two measurements on the same runs.
double PairedSe(const HeldOutMeasure& a, const HeldOutMeasure& b) {
  const size_t n = std::min(a.auc.size(), b.auc.size());
  if (n < 2) return 0;
  std::vector<double> d(n);
  for (size_t i = 0; i < n; ++i) d[i] = b.auc[i] - a.auc[i];
  const double m = Mean(d);
  double ss = 0;
  for (double x : d) ss += (x - m) * (x - m);
  return std::sqrt(ss / static_cast<double>(n - 1) / static_cast<double>(n));
}

}  // namespace

Status MeasureAndAdopt(Loop& loop, Generation& gen, CandidateReport& rep, std::optional<HeldOutMeasure>& validation) {
  if (rep.decision != "adopted") return Status::kOk;
  const RsiConfig& cfg = loop.cfg;
  RsiResult& res = loop.res();
  // Validation before adoption: what the tripwires and the seam read (never the test arena).
  validation = MeasureValidation(rep.spec, cfg, loop.hooks.stop, res.frozen_validation.targets, loop.runner);
  res.cumulative_evaluations += ValidationCost(cfg);
  if (Status s = loop.Check(); Failed(s)) return s;
  const HeldOutMeasure& last = res.curve.back().validation;
  const double se = PairedSe(last, *validation);
  const double jump = validation->capability - last.capability;
  rep.metrics["heldout_jump_sd"] = se > 0 ? jump / se : (jump > 0 ? 1e9 : 0);
  rep.metrics["heldout_drop"] = -jump;
  Adoption a{gen.number, &loop.st.incumbent, &rep, GateBounds(rep.alpha, cfg.sprt.beta), &last, &*validation, {}};
  a.rerun_first_game = [&loop, &rep, number = gen.number]() {
    const RunJob job = GameJob(rep.spec, loop.cfg.train, loop.cfg.seed, number, 0, loop.cfg.threads, false,
                               loop.GameFamily());
    const RunOutcome again = std::move(loop.runner.Run({job}, loop.hooks.stop).front());
    loop.res().cumulative_evaluations += again.cost;
    loop.res().oversight_evaluations += again.cost;
    return again.auc;
  };
  const bool ok = !loop.hooks.adopt || loop.hooks.adopt(a);
  if (Status s = loop.Check(); Failed(s)) return s;  // a stop while the seam waited for a person
  if (!ok) {
    rep.decision = "vetoed";
    res.oversight_evaluations += ValidationCost(cfg);  // measured for nothing
  }
  return Status::kOk;
}

void RecordCandidate(Loop& loop, Generation& gen, CandidateReport& rep, std::optional<HeldOutMeasure>& validation) {
  RsiResult& res = loop.res();
  if (rep.decision == "adopted") ++res.adopted;
  else if (rep.decision == "inconclusive") ++res.inconclusive;
  else if (rep.decision == "vetoed") ++res.vetoed;
  else if (rep.decision == "identical") ++res.identical;
  else ++res.rejected;
  res.expected_false_adoptions += loop.Charge(rep);
  std::ostringstream line;
  line << "gen " << gen.number << " cand " << rep.index << " [" << rep.meta_operator << "] " << rep.decision
       << "  W/L/D " << rep.wins << "/" << rep.losses << "/" << rep.draws << "  LLR " << rep.llr << "  alpha "
       << rep.alpha << " (P(accept | equal) " << rep.false_accept << ")  meta-utility " << rep.meta_utility << " vs "
       << rep.incumbent_meta_utility;
  if (const auto& c = rep.confirmation)
    line << "  confirmation " << c->decision << " W/L/D " << c->wins << "/" << c->losses << "/" << c->draws << " LLR "
         << c->llr << " alpha " << c->alpha << " (P(accept | equal) " << c->false_accept << ")";
  if (!rep.note.empty()) line << "  (" << rep.note << ")";
  loop.Log(line.str());
  if (loop.hooks.on_candidate) loop.hooks.on_candidate(rep);
  if (rep.decision == "adopted") {
    gen.accepted = rep;
    gen.accepted_validation = validation;
  }
  if (!loop.Ablated("credit")) CreditMetaOperator(loop.st.incumbent, rep);
}

Status EndGeneration(Loop& loop, Generation& gen) {
  RsiResult& res = loop.res();
  ImproverSpec& incumbent = loop.st.incumbent;
  // The curve point: the adopted strategy on the test arena, measured after the decision.
  HeldOutMeasure test;
  if (gen.accepted)
    if (Status s = loop.MeasureSealedTest(gen.accepted->spec, /*frozen=*/false, test); Failed(s)) return s;
  // What every game of this generation taught goes into the incumbent's knowledge.
  for (const auto& g : gen.incumbent_games) gen.credit.Add(g.credit);
  if (!loop.Ablated("credit")) {
    incumbent.credit.Add(gen.credit);
    incumbent.credit_runs += gen.candidate_runs + static_cast<int64_t>(gen.incumbent_games.size());
    for (const lang::Program& p : loop.gen_learners) CountLearner(p, incumbent);
  }
  if (gen.accepted) {
    ImproverSpec next = gen.accepted->spec;
    next.credit = incumbent.credit;  // learned knowledge carries over
    next.credit_runs = incumbent.credit_runs;
    next.learner_ops = incumbent.learner_ops;
    next.learner_runs = incumbent.learner_runs;
    next.meta_weights = incumbent.meta_weights;  // learned, like the credit
    const ImproverSpec parent = incumbent;
    incumbent = next;
    res.improver_hashes.push_back(SpecHash(incumbent));
    if (loop.hooks.on_improver) loop.hooks.on_improver(gen.number, incumbent, &parent, &*gen.accepted);
    loop.AddCurvePoint(gen.number, test, *gen.accepted_validation);
  }
  AdvanceCurriculum(loop, gen);
  loop.Checkpoint(gen.number);
  return Status::kOk;
}

int Loop::GameFamily() const { return cfg.curriculum ? st.rung : -1; }

// The curriculum's rule: the incumbent has mastered its rung when the median best fitness of its
// games this generation reaches the training target; the next generation plays the next family.
void AdvanceCurriculum(Loop& loop, const Generation& gen) {
  const int last = static_cast<int>(loop.cfg.train.families.size()) - 1;
  if (!loop.cfg.curriculum || loop.st.rung >= last || gen.incumbent_games.empty()) return;
  std::vector<double> best;
  for (const RunOutcome& g : gen.incumbent_games) best.push_back(g.best);
  const double median = Median(best);
  if (median < loop.cfg.train.target) return;
  ++loop.st.rung;
  loop.Log("curriculum: the incumbent's median best " + std::to_string(median) + " reached the target " +
           std::to_string(loop.cfg.train.target) + " on '" +
           tasks::TaskSpecToString(loop.cfg.train.families[loop.st.rung - 1]) + "'; next rung '" +
           tasks::TaskSpecToString(loop.cfg.train.families[loop.st.rung]) + "'");
}

}  // namespace ouro::meta::rsi_loop
