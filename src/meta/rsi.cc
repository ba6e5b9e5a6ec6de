#include "meta/rsi.h"

#include <algorithm>
#include <chrono>
#include <ctime>
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

Interval HeldOutSpeedup(const HeldOutMeasure& frozen, const HeldOutMeasure& m, uint64_t seed) {
  return BootstrapMedianRatio(frozen.evals_to_target, m.evals_to_target, 0.95, 2000, seed);
}

namespace {

struct Interrupted {};  // a stop or budget mid-generation: back to the last checkpoint

double CpuSeconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

// Paired standard error of the difference of two held-out measurements (same runs).
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

RsiResult RunRsi(const RsiConfig& cfg, const RsiHooks& hooks, const RsiState* resume) {
  cfg.Validate();
  const auto start = Clock::now();
  const double cpu_start = CpuSeconds();
  const double wall_before = resume ? resume->result.seconds : 0;
  const double cpu_before = resume ? resume->result.cpu_seconds : 0;
  auto elapsed = [&] { return wall_before + std::chrono::duration<double>(Clock::now() - start).count(); };
  auto cpu = [&] { return cpu_before + CpuSeconds() - cpu_start; };
  auto log = [&](const std::string& s) {
    if (hooks.on_log) hooks.on_log(s);
  };
  auto stopped = [&] { return hooks.stop && hooks.stop->load(std::memory_order_relaxed); };
  const SprtBounds bounds = SprtLimits(cfg.sprt.alpha, cfg.sprt.beta);
  const bool learn_credit = !Ablated(cfg, "credit");
  ProposalContext ctx;
  ctx.shape = cfg.train.base.space.shape;
  for (const auto& a : cfg.ablate) ctx.disabled[ChannelOp(a)] = true;

  RsiState st;
  RsiResult& res = st.result;
  ImproverSpec& incumbent = st.incumbent;
  Rng rng(DeriveSeed(cfg.seed, 0x3e7a));
  std::string budget_hit;
  // Budgets, between games (deterministic for evaluations; time as it comes).
  double gen_start_evals = 0, gen_start_wall = 0, gen_start_cpu = 0;
  auto over_budget = [&]() -> std::string {
    auto over = [](double used, double limit) { return limit > 0 && used >= limit; };
    const auto& R = cfg.run_budget;
    const auto& G = cfg.generation_budget;
    if (over(res.cumulative_evaluations, R.evaluations)) return "budget: run evaluations";
    if (over(cpu(), R.cpu_seconds)) return "budget: run cpu_seconds";
    if (over(elapsed(), R.wall_seconds)) return "budget: run wall_seconds";
    if (over(res.cumulative_evaluations - gen_start_evals, G.evaluations)) return "budget: generation evaluations";
    if (over(cpu() - gen_start_cpu, G.cpu_seconds)) return "budget: generation cpu_seconds";
    if (over(elapsed() - gen_start_wall, G.wall_seconds)) return "budget: generation wall_seconds";
    return "";
  };
  // Safe point: pause, stop and budgets take effect here.
  auto check = [&] {
    if (hooks.pause_point) hooks.pause_point();
    if (stopped()) throw Interrupted{};
    budget_hit = over_budget();
    if (!budget_hit.empty()) throw Interrupted{};
  };
  auto checkpoint = [&](int generation) {
    st.generation = generation;
    st.rng = rng.State();
    res.seconds = elapsed();
    res.cpu_seconds = cpu();
    if (hooks.on_checkpoint) hooks.on_checkpoint(st);
  };
  auto measure = [&](int generation, const HeldOutMeasure& m) {
    CurvePoint p;
    p.generation = generation;
    p.cumulative_evaluations = res.cumulative_evaluations;
    p.improver_hash = SpecHash(incumbent);
    p.incumbent = m;
    p.seconds = elapsed();
    res.curve.push_back(p);
    if (hooks.on_curve) hooks.on_curve(p, res.frozen);
  };
  auto held_cost = [&] {
    return static_cast<double>(cfg.held_out.families.size()) * cfg.held_out_seeds * static_cast<double>(cfg.held_out.budget);
  };

  int first_gen = 1;
  if (resume) {
    st = *resume;
    rng.SetState(resume->rng);
    first_gen = resume->generation + 1;
    log("resumed after generation " + std::to_string(resume->generation));
  } else {
    try {
      incumbent = cfg.initial;
      if (hooks.on_improver) hooks.on_improver(0, incumbent, nullptr, nullptr);
      res.improver_hashes.push_back(SpecHash(incumbent));
      res.frozen = MeasureHeldOut(cfg.initial, cfg, hooks.stop);
      if (stopped()) throw Interrupted{};
      measure(0, res.frozen);
      res.stop_reason = "generations";
      checkpoint(0);
    } catch (const Interrupted&) {
      throw Error("rsi: stopped before the first checkpoint (the initial improver's held-out measurement)");
    }
  }

  res.stop_reason = "generations";
  for (int gen = first_gen; gen <= cfg.generations; ++gen) {
    if (cfg.max_seconds > 0 && elapsed() >= cfg.max_seconds) {
      res.stop_reason = "max_seconds";
      break;
    }
    const RsiState snapshot = st;
    const std::array<uint64_t, 4> rng_snapshot = rng.State();
    gen_start_evals = res.cumulative_evaluations;
    gen_start_wall = elapsed();
    gen_start_cpu = cpu();
    try {
      check();
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
          res.cumulative_evaluations += inc_games.back().cost + 1;
          res.oversight_evaluations += 1;  // the best program's held-out score
          check();
        }
        return inc_games[static_cast<size_t>(k)];
      };
      // What I_t knows when it proposes: the best programs of its games in this generation and a
      // filter discovered from their proposal history.
      search::CreditStats gen_credit;
      int64_t gen_runs = 0;
      std::optional<CandidateReport> accepted;
      std::optional<HeldOutMeasure> accepted_held;
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
            const search::EvolutionResult r = search::RunEvolution(
                ApplySpec(s, base), part, DeriveSeed(cfg.seed, (uint64_t(gen) << 20) + 0xf11), cfg.threads, b);
            res.cumulative_evaluations += r.progress.eval_cost;
            check();
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
        double cand_gap = 0, inc_gap = 0, cand_held = 0, inc_held = 0, cand_size = 0, inc_size = 0, cand_cost = 0,
               inc_cost = 0, nonfinite = 0;
        rep.decision = "inconclusive";
        for (int k = 0; k < cfg.max_games; ++k) {
          const RunOutcome& a = inc_game(k);
          const int fam = k % static_cast<int>(cfg.train.families.size());
          const RunOutcome b = RunImprover(rep.spec, cfg.train, fam, DeriveSeed(cfg.seed, (uint64_t(gen) << 20) + k),
                                           cfg.threads, hooks.stop);
          res.cumulative_evaluations += b.cost + 1;
          res.oversight_evaluations += 1;
          check();
          gen_credit.Add(b.credit);
          ++gen_runs;
          Game g{a.auc, b.auc, 0};
          const double eps = 1e-9;
          g.outcome = b.auc > a.auc + eps ? 1 : b.auc < a.auc - eps ? -1 : 0;
          (g.outcome > 0 ? rep.wins : g.outcome < 0 ? rep.losses : rep.draws) += 1;
          rep.games.push_back(g);
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
          if (b.search_fitness > rep.best_fitness) {
            rep.best_fitness = b.search_fitness;
            rep.best_program = b.best_program;
          }
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
        std::optional<HeldOutMeasure> cand_held_m;
        if (rep.decision == "adopted") {
          // Held-out before adoption: the curve point if adopted, a tripwire input either way.
          cand_held_m = MeasureHeldOut(rep.spec, cfg, hooks.stop, res.frozen.targets);
          res.cumulative_evaluations += held_cost();
          check();
          const HeldOutMeasure& last = res.curve.back().incumbent;
          const double se = PairedSe(last, *cand_held_m);
          const double jump = cand_held_m->capability - last.capability;
          rep.metrics["heldout_jump_sd"] = se > 0 ? jump / se : (jump > 0 ? 1e9 : 0);
          rep.metrics["heldout_drop"] = -jump;
          Adoption a{gen, &incumbent, &rep, bounds, &last, &*cand_held_m, {}};
          a.rerun_first_game = [&]() {
            const RunOutcome again = RunImprover(rep.spec, cfg.train, 0, DeriveSeed(cfg.seed, (uint64_t(gen) << 20) + 0),
                                                 cfg.threads, hooks.stop);
            res.cumulative_evaluations += again.cost;
            res.oversight_evaluations += again.cost;
            return again.auc;
          };
          const bool ok = !hooks.adopt || hooks.adopt(a);
          check();  // a stop while the seam waited for a person
          if (!ok) {
            rep.decision = "vetoed";
            res.oversight_evaluations += held_cost();  // measured for nothing
          }
        }
        if (rep.decision == "adopted") ++res.adopted;
        else if (rep.decision == "inconclusive") ++res.inconclusive;
        else if (rep.decision == "vetoed") ++res.vetoed;
        else ++res.rejected;
        std::ostringstream line;
        line << "gen " << gen << " cand " << ci << " [" << rep.meta_operator << "] " << rep.decision << "  W/L/D "
             << rep.wins << "/" << rep.losses << "/" << rep.draws << "  LLR " << rep.llr << "  meta-utility "
             << rep.meta_utility << " vs " << rep.incumbent_meta_utility;
        if (!rep.note.empty()) line << "  (" << rep.note << ")";
        log(line.str());
        if (hooks.on_candidate) hooks.on_candidate(rep);
        if (rep.decision == "adopted") {
          accepted = rep;
          accepted_held = cand_held_m;
        }
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
        measure(gen, *accepted_held);
      }
      checkpoint(gen);
    } catch (const Interrupted&) {
      // Back to the last checkpoint: the unfinished generation never happened.
      st = snapshot;
      rng.SetState(rng_snapshot);
      res.stop_reason = budget_hit.empty() ? "stopped" : budget_hit;
      log("stopped during generation " + std::to_string(gen) + " (" + res.stop_reason + "); the result is that of generation " +
          std::to_string(st.generation));
      break;
    }
  }
  res.final_spec = incumbent;
  res.final_improver = res.curve.back().improver_hash;
  const HeldOutMeasure& last = res.curve.back().incumbent;
  res.speedup = HeldOutSpeedup(res.frozen, last, cfg.seed);
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
  res.cpu_seconds = cpu();
  return res;
}

nlohmann::json ToJson(const HeldOutMeasure& m) {
  return {{"capability", m.capability}, {"targets", m.targets}, {"auc", m.auc},
          {"evals_to_target", m.evals_to_target}, {"reached", m.reached}};
}

HeldOutMeasure MeasureFromJson(const nlohmann::json& j) {
  HeldOutMeasure m;
  m.capability = j.at("capability").get<double>();
  m.targets = j.at("targets").get<std::vector<double>>();
  m.auc = j.at("auc").get<std::vector<double>>();
  m.evals_to_target = j.at("evals_to_target").get<std::vector<double>>();
  m.reached = j.at("reached").get<std::vector<bool>>();
  return m;
}

nlohmann::json ToJson(const RsiState& s) {
  const RsiResult& r = s.result;
  nlohmann::json curve = nlohmann::json::array();
  for (const auto& p : r.curve)
    curve.push_back({{"generation", p.generation}, {"cumulative_evaluations", p.cumulative_evaluations},
                     {"seconds", p.seconds}, {"improver", p.improver_hash}, {"incumbent", ToJson(p.incumbent)}});
  return {{"version", 1},
          {"generation", s.generation},
          // As text: the spec's key order is part of it (it orders the operation lists).
          {"incumbent", ToJson(s.incumbent).dump()},
          {"rng", s.rng},
          {"generations", r.generations},
          {"adopted", r.adopted},
          {"rejected", r.rejected},
          {"inconclusive", r.inconclusive},
          {"vetoed", r.vetoed},
          {"frozen", ToJson(r.frozen)},
          {"curve", curve},
          {"improver_hashes", r.improver_hashes},
          {"cumulative_evaluations", r.cumulative_evaluations},
          {"oversight_evaluations", r.oversight_evaluations},
          {"seconds", r.seconds},
          {"cpu_seconds", r.cpu_seconds}};
}

RsiState StateFromJson(const nlohmann::json& j) {
  try {
    if (j.at("version").get<int>() != 1) throw Error("unknown checkpoint version");
    RsiState s;
    RsiResult& r = s.result;
    s.generation = j.at("generation").get<int>();
    s.incumbent = SpecFromJson(Json::parse(j.at("incumbent").get<std::string>()));
    s.rng = j.at("rng").get<std::array<uint64_t, 4>>();
    r.generations = j.at("generations").get<int>();
    r.adopted = j.at("adopted").get<int>();
    r.rejected = j.at("rejected").get<int>();
    r.inconclusive = j.at("inconclusive").get<int>();
    r.vetoed = j.at("vetoed").get<int>();
    r.frozen = MeasureFromJson(j.at("frozen"));
    for (const auto& p : j.at("curve")) {
      CurvePoint c;
      c.generation = p.at("generation").get<int>();
      c.cumulative_evaluations = p.at("cumulative_evaluations").get<double>();
      c.seconds = p.at("seconds").get<double>();
      c.improver_hash = p.at("improver").get<std::string>();
      c.incumbent = MeasureFromJson(p.at("incumbent"));
      r.curve.push_back(c);
    }
    if (r.curve.empty()) throw Error("no curve point");
    r.improver_hashes = j.at("improver_hashes").get<std::vector<std::string>>();
    r.cumulative_evaluations = j.at("cumulative_evaluations").get<double>();
    r.oversight_evaluations = j.at("oversight_evaluations").get<double>();
    r.seconds = j.at("seconds").get<double>();
    r.cpu_seconds = j.at("cpu_seconds").get<double>();
    r.stop_reason = "generations";
    return s;
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("malformed rsi checkpoint: ") + e.what());
  } catch (const Error& e) {
    throw Error(std::string("malformed rsi checkpoint: ") + e.what());
  }
}

}  // namespace ouro::meta
