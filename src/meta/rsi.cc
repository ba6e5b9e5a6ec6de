#include "meta/rsi.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

#include "core/error.h"
#include "lang/reference.h"
#include "lang/text.h"

namespace ouro::meta {

namespace {

using Clock = std::chrono::steady_clock;

int ChannelOp(const std::string& channel) {
  if (channel == "credit") return 0;
  if (channel == "macros") return 5;
  if (channel == "filter") return 6;
  return -1;
}

int MetaIndex(const std::string& name) {
  for (int i = 0; i < kNumMetaOperators; ++i)
    if (name == kMetaOperators[i]) return i;
  throw Error("unknown meta-operator '" + name + "'");
}

bool Ablated(const RsiConfig& c, const char* channel) {
  return std::find(c.ablate.begin(), c.ablate.end(), channel) != c.ablate.end();
}

double Mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / static_cast<double>(v.size());
}

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

void RsiConfig::Validate() const {
  initial.Validate();
  train.Validate();
  held_out.Validate();
  if (held_out_seeds < 1) throw Error("rsi: held_out seeds must be >= 1");
  if (generations < 0) throw Error("rsi: generations must be >= 0");
  if (candidates < 1) throw Error("rsi: candidates must be >= 1");
  if (max_games < 1) throw Error("rsi: max_games must be >= 1");
  if (filter_budget < 1) throw Error("rsi: filter_budget must be >= 1");
  SprtLimits(sprt.alpha, sprt.beta);
  if (!(sprt.elo1 > sprt.elo0)) throw Error("rsi: sprt elo1 must be > elo0");
  for (const auto& a : ablate)
    if (ChannelOp(a) < 0) throw Error("rsi: unknown ablation '" + a + "' (known: credit, macros, filter)");
}

HeldOutMeasure MeasureHeldOut(const ImproverSpec& spec, const RsiConfig& config, const std::atomic<bool>* stop,
                              const std::vector<double>& targets) {
  HeldOutMeasure m;
  const int nf = static_cast<int>(config.held_out.families.size());
  const int ns = config.held_out_seeds;
  std::vector<RunOutcome> runs;
  for (int f = 0; f < nf; ++f)
    for (int s = 0; s < ns; ++s)
      // Fixed seeds, independent of the generation: every measurement sees the same instances.
      runs.push_back(RunImprover(spec, config.held_out, f, DeriveSeed(config.seed, 0x40000 + f * 1000 + s),
                                 config.threads, stop));
  for (int f = 0; f < nf; ++f) {
    double t = config.held_out.target;
    if (t <= 0 && static_cast<int>(targets.size()) == nf) {
      t = targets[f];
    } else if (t <= 0) {
      std::vector<double> best;
      for (int s = 0; s < ns; ++s) best.push_back(runs[f * ns + s].best);
      t = Median(best);
    }
    m.targets.push_back(t);
  }
  for (int f = 0; f < nf; ++f)
    for (int s = 0; s < ns; ++s) {
      RunOutcome& o = runs[f * ns + s];
      ScoreTrace(o.trace, config.held_out.budget, m.targets[f], o);
      m.auc.push_back(o.auc);
      m.evals_to_target.push_back(o.evals_to_target);
      m.reached.push_back(o.reached);
    }
  m.capability = Mean(m.auc);
  return m;
}

RsiResult RunRsi(const RsiConfig& cfg, const RsiHooks& hooks) {
  cfg.Validate();
  const auto start = Clock::now();
  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
  auto log = [&](const std::string& s) {
    if (hooks.on_log) hooks.on_log(s);
  };
  auto stopped = [&] { return hooks.stop && hooks.stop->load(std::memory_order_relaxed); };
  const SprtBounds bounds = SprtLimits(cfg.sprt.alpha, cfg.sprt.beta);
  const bool learn_credit = !Ablated(cfg, "credit");
  ProposalContext ctx;
  ctx.shape = cfg.train.base.space.shape;
  for (const auto& a : cfg.ablate) ctx.disabled[ChannelOp(a)] = true;

  RsiResult res;
  ImproverSpec incumbent = cfg.initial;
  Rng rng(DeriveSeed(cfg.seed, 0x3e7a));
  if (hooks.on_improver) hooks.on_improver(0, incumbent, nullptr, nullptr);
  res.improver_hashes.push_back(SpecHash(incumbent));

  res.frozen = MeasureHeldOut(cfg.initial, cfg, hooks.stop);
  auto measure = [&](int generation) {
    CurvePoint p;
    p.generation = generation;
    p.cumulative_evaluations = res.cumulative_evaluations;
    p.improver_hash = SpecHash(incumbent);
    p.incumbent = generation == 0 ? res.frozen : MeasureHeldOut(incumbent, cfg, hooks.stop, res.frozen.targets);
    p.seconds = elapsed();
    res.curve.push_back(p);
    if (hooks.on_curve) hooks.on_curve(p, res.frozen);
  };
  measure(0);

  res.stop_reason = "generations";
  for (int gen = 1; gen <= cfg.generations; ++gen) {
    if (stopped()) {
      res.stop_reason = "stopped";
      break;
    }
    if (cfg.max_seconds > 0 && elapsed() >= cfg.max_seconds) {
      res.stop_reason = "max_seconds";
      break;
    }
    res.generations = gen;
    // The incumbent's games of this generation, played on demand and shared by all candidates.
    std::vector<RunOutcome> inc_games;
    const bool want_history = !Ablated(cfg, "filter");
    auto inc_game = [&](int k) -> const RunOutcome& {
      while (static_cast<int>(inc_games.size()) <= k) {
        const int g = static_cast<int>(inc_games.size());
        const int fam = g % static_cast<int>(cfg.train.families.size());
        inc_games.push_back(RunImprover(incumbent, cfg.train, fam, DeriveSeed(cfg.seed, (uint64_t(gen) << 20) + g),
                                        cfg.threads, hooks.stop, want_history));
        res.cumulative_evaluations += inc_games.back().cost;
      }
      return inc_games[static_cast<size_t>(k)];
    };
    // What I_t knows when it proposes: the best programs of its games in this generation and a
    // filter discovered from their proposal history.
    search::CreditStats gen_credit;
    int64_t gen_runs = 0;
    std::optional<CandidateReport> accepted;
    std::set<std::string> tried;
    for (int ci = 0; ci < cfg.candidates && !accepted; ++ci) {
      // Warm the context from the incumbent's first games (they are needed anyway).
      for (int k = 0; k < std::min(cfg.max_games, 4); ++k) inc_game(k);
      ctx.good_programs.clear();
      for (const auto& g : inc_games) ctx.good_programs.push_back(g.best_program);
      if (!Ablated(cfg, "filter") && ci == 0) {
        std::vector<std::pair<std::array<float, search::kFilterFeatures>, bool>> history;
        for (const auto& g : inc_games) history.insert(history.end(), g.proposals.begin(), g.proposals.end());
        ctx.discovered_filter.reset();
        if (auto task = FilterTask(history)) {
          // The level-0 search, run with the incumbent's own strategy, learns the filter's learner.
          search::EvolutionConfig base = cfg.train.base;
          base.space.shape = search::kFilterShape;
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
          b.stop = hooks.stop;
          const search::EvolutionResult r =
              search::RunEvolution(ApplySpec(s, base), part, DeriveSeed(cfg.seed, (uint64_t(gen) << 20) + 0xf11), cfg.threads, b);
          res.cumulative_evaluations += r.progress.eval_cost;
          if (r.best) ctx.discovered_filter = r.best->program;
        }
      }
      CandidateReport rep;
      rep.generation = gen;
      rep.index = ci;
      // A candidate already tried in this generation would replay the very same games: redraw.
      for (int attempt = 0;; ++attempt) {
        rep.spec = ProposeCandidate(incumbent, rng, ctx, &rep.meta_operator);
        if (tried.insert(SpecHash(rep.spec)).second || attempt == 16) break;
      }
      rep.spec.name = "g" + std::to_string(gen) + "c" + std::to_string(ci);
      std::vector<double> cand_auc, inc_auc;
      rep.decision = "inconclusive";
      for (int k = 0; k < cfg.max_games; ++k) {
        if (stopped()) break;
        const RunOutcome& a = inc_game(k);
        const int fam = k % static_cast<int>(cfg.train.families.size());
        const RunOutcome b = RunImprover(rep.spec, cfg.train, fam, DeriveSeed(cfg.seed, (uint64_t(gen) << 20) + k),
                                         cfg.threads, hooks.stop);
        res.cumulative_evaluations += b.cost;
        gen_credit.Add(b.credit);
        ++gen_runs;
        Game g{a.auc, b.auc, 0};
        const double eps = 1e-9;
        g.outcome = b.auc > a.auc + eps ? 1 : b.auc < a.auc - eps ? -1 : 0;
        (g.outcome > 0 ? rep.wins : g.outcome < 0 ? rep.losses : rep.draws) += 1;
        rep.games.push_back(g);
        cand_auc.push_back(b.auc);
        inc_auc.push_back(a.auc);
        rep.llr = SprtLlr(rep.wins, rep.losses, rep.draws, cfg.sprt.elo0, cfg.sprt.elo1);
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
      rep.meta_utility = Mean(cand_auc);
      rep.incumbent_meta_utility = Mean(inc_auc);
      if (rep.decision == "adopted") {
        Adoption a{gen, &incumbent, &rep, bounds};
        if (hooks.adopt && !hooks.adopt(a)) rep.decision = "vetoed";
      }
      if (rep.decision == "adopted") ++res.adopted;
      else if (rep.decision == "inconclusive") ++res.inconclusive;
      else if (rep.decision == "vetoed") ++res.vetoed;
      else ++res.rejected;
      std::ostringstream line;
      line << "gen " << gen << " cand " << ci << " [" << rep.meta_operator << "] " << rep.decision << "  W/L/D "
           << rep.wins << "/" << rep.losses << "/" << rep.draws << "  LLR " << rep.llr << "  meta-utility "
           << rep.meta_utility << " vs " << rep.incumbent_meta_utility;
      log(line.str());
      if (hooks.on_candidate) hooks.on_candidate(rep);
      if (rep.decision == "adopted") accepted = rep;
      // Credit at the meta level: a meta-operator whose candidates win games is drawn more often
      // (its weight scales by exp(0.5 (wins - losses) / games), kept in [0.05, 20]).
      if (learn_credit && !rep.games.empty()) {
        const int op = MetaIndex(rep.meta_operator);
        double& w = incumbent.meta_weights[op];
        w = std::clamp(w * std::exp(0.5 * static_cast<double>(rep.wins - rep.losses) / static_cast<double>(rep.games.size())),
                       0.05, 20.0);
      }
    }
    // What every game of this generation taught goes into the incumbent's knowledge.
    for (const auto& g : inc_games) gen_credit.Add(g.credit);
    if (learn_credit) {
      incumbent.credit.Add(gen_credit);
      incumbent.credit_runs += gen_runs + static_cast<int64_t>(inc_games.size());
    }
    if (accepted) {
      ImproverSpec next = accepted->spec;
      next.credit = incumbent.credit;  // learned knowledge carries over
      next.credit_runs = incumbent.credit_runs;
      next.meta_weights = incumbent.meta_weights;  // learned, like the credit
      const ImproverSpec parent = incumbent;
      incumbent = next;
      res.improver_hashes.push_back(SpecHash(incumbent));
      if (hooks.on_improver) hooks.on_improver(gen, incumbent, &parent, &*accepted);
      if (stopped()) break;
      measure(gen);
    }
  }
  res.final_spec = incumbent;
  res.final_improver = res.curve.back().improver_hash;
  const HeldOutMeasure& last = res.curve.back().incumbent;
  res.speedup = BootstrapMedianRatio(res.frozen.evals_to_target, last.evals_to_target, 0.95, 2000, cfg.seed);
  res.evals_to_target_frozen = Median(res.frozen.evals_to_target);
  res.evals_to_target_final = Median(last.evals_to_target);
  // Returns to improvement effort: capability against cumulative compute, from the first
  // adoption on (generation 0 has no compute behind it).
  std::vector<double> x, y;
  for (const auto& p : res.curve)
    if (p.cumulative_evaluations > 0 && p.incumbent.capability > 0) {
      x.push_back(p.cumulative_evaluations);
      y.push_back(p.incumbent.capability);
    }
  if (x.size() >= 3) {
    try {
      res.returns = LogLogSlope(x, y, 0.95);
    } catch (const Error&) {
    }
  }
  if (!res.returns) {
    res.returns_verdict = "too few adoptions to estimate returns (" + std::to_string(x.size()) + " points, need 3)";
  } else {
    // Accelerating would show as a slope that grows over the run: compare the two halves.
    std::ostringstream v;
    const Interval& r = *res.returns;
    if (r.low > 0) v << "capability rose with compute (slope " << r.estimate << ", 95% [" << r.low << ", " << r.high << "])";
    else v << "no significant rise of capability with compute (slope " << r.estimate << ", 95% [" << r.low << ", " << r.high << "])";
    if (x.size() >= 6) {
      const size_t h = x.size() / 2;
      try {
        const Interval a = LogLogSlope({x.begin(), x.begin() + h + 1}, {y.begin(), y.begin() + h + 1}, 0.95);
        const Interval b = LogLogSlope({x.begin() + h, x.end()}, {y.begin() + h, y.end()}, 0.95);
        v << (b.estimate > a.estimate ? "; the second half's slope is larger (" : "; the second half's slope is smaller (")
          << b.estimate << " vs " << a.estimate << "): "
          << (b.low > a.high ? "accelerating" : a.low > b.high ? "diminishing returns" : "no significant change");
      } catch (const Error&) {
      }
    } else {
      v << "; too few points to tell acceleration from diminishing returns";
    }
    res.returns_verdict = v.str();
  }
  res.seconds = elapsed();
  return res;
}

}  // namespace ouro::meta
