#include "meta/rsi.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "meta/job_runner.h"
#include "meta/rsi_loop.h"
#include "meta/takeoff.h"

namespace ouro::meta {

namespace rsi_loop {

int ChannelOp(const std::string& channel) {
  if (channel == "credit") return 0;
  if (channel == "macros") return 5;
  if (channel == "filter") return 6;
  return -1;
}

double Mean(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return v.empty() ? 0 : s / static_cast<double>(v.size());
}

// A meta-operator whose candidates win games is drawn more often: its weight scales by
// exp(0.5 (wins - losses) / games), kept in [0.05, 20].
void CreditMetaOperator(ImproverSpec& incumbent, const CandidateReport& rep) {
  if (rep.games.empty()) return;
  const int op = MetaIndex(rep.meta_operator);
  if (op < 0) throw Error("unknown meta-operator '" + rep.meta_operator + "'");
  double& w = incumbent.meta_weights[op];
  w = std::clamp(w * std::exp(0.5 * static_cast<double>(rep.wins - rep.losses) / static_cast<double>(rep.games.size())),
                 0.05, 20.0);
}

}  // namespace rsi_loop

void RsiConfig::Validate() const {
  initial.Validate();
  train.Validate();
  validation.Validate();
  test.Validate();
  if (validation_seeds < 1) throw Error("rsi: validation seeds must be >= 1");
  if (test_seeds < 1) throw Error("rsi: test seeds must be >= 1");
  if (generations < 0) throw Error("rsi: generations must be >= 0");
  if (candidates < 1) throw Error("rsi: candidates must be >= 1");
  if (max_games < 1) throw Error("rsi: max_games must be >= 1");
  if (filter_budget < 1) throw Error("rsi: filter_budget must be >= 1");
  SprtLimits(sprt.alpha, sprt.beta);
  if (!(sprt.elo1 > sprt.elo0)) throw Error("rsi: sprt elo1 must be > elo0");
  if (!(alpha_run > 0 && alpha_run <= 1e6)) throw Error("rsi: sprt alpha_run must be in (0, 1e6]");
  if (!(alpha_share > 0 && alpha_share <= 1)) throw Error("rsi: sprt alpha_share must be in (0, 1]");
  if (confirm_games < 0) throw Error("rsi: confirm max_games must be >= 0");
  if (confirm_games > 0) {
    if (gate != SprtTest::kExact) throw Error("rsi: a confirmation stage needs the exact gate");
    SprtLimits(confirm.alpha, confirm.beta);
    if (!(confirm.elo1 > confirm.elo0)) throw Error("rsi: confirm elo1 must be > elo0");
  }
  if (!(null_adopt_rate >= 0 && null_adopt_rate <= 1))
    throw Error("rsi: null_adopt_rate must be a probability in [0, 1]");
  for (const auto& a : ablate)
    if (rsi_loop::ChannelOp(a) < 0) throw Error("rsi: unknown ablation '" + a + "' (known: credit, macros, filter)");
}

namespace {

// Per family, the mean over the measurement's runs of the reference program's fitness on each
// run's instances (0 for a family without a reference program: only plain-fitness targets).
std::vector<double> ReferenceLevels(const Arena& arena, const std::vector<RunJob>& jobs, int ns) {
  std::vector<double> out;
  for (size_t f = 0; f < arena.families.size(); ++f) {
    double sum = 0;
    if (ReferenceProgramName(arena.families[f]))
      for (int s = 0; s < ns; ++s) {
        const RunJob& job = jobs[f * ns + s];
        sum += ReferenceFitness(arena.families[f], ArenaInstances(arena, job.family, job.seed), job.seed);
      }
    out.push_back(sum / ns);
  }
  return out;
}

// Each pre-registered target's reach, and capability at the fixed budgets, from the runs' traces.
void ReadTargets(const Arena& arena, const std::vector<RunOutcome>& runs, int ns, HeldOutMeasure& m) {
  const double budget = static_cast<double>(arena.budget);
  for (const TargetSpec& spec : arena.targets) {
    TargetReach r;
    r.target = TargetToString(spec);
    for (double ref : m.reference) r.fitness.push_back(TargetFitness(spec, ref));
    for (size_t i = 0; i < runs.size(); ++i) {
      const Reach x = FirstReach(runs[i].trace, r.fitness[i / ns], budget, runs[i].seconds);
      r.evaluations.push_back(x.evaluations);
      r.seconds.push_back(x.seconds);
      r.reached.push_back(x.reached);
    }
    m.reach.push_back(std::move(r));
  }
  m.budgets = arena.budgets;
  for (int64_t b : arena.budgets) {
    double sum = 0;
    for (const RunOutcome& o : runs) sum += BestAt(o.trace, static_cast<double>(b));
    m.capability_at.push_back(sum / static_cast<double>(runs.size()));
  }
}

HeldOutMeasure Measure(const ImproverSpec& spec, const RsiConfig& config, const Arena& arena, int ns, ArenaKind kind,
                       const std::atomic<bool>* stop, const std::vector<double>& targets, JobRunner& runner) {
  HeldOutMeasure m;
  const int nf = static_cast<int>(arena.families.size());
  std::vector<RunJob> jobs;
  for (int f = 0; f < nf; ++f)
    for (int s = 0; s < ns; ++s) jobs.push_back(HeldOutJob(spec, arena, config.seed, f, s, config.threads, kind));
  std::vector<RunOutcome> runs = runner.Run(jobs, stop);
  if (!arena.targets.empty()) m.reference = ReferenceLevels(arena, jobs, ns);
  for (int f = 0; f < nf; ++f) {
    double t = arena.target;
    if (!arena.targets.empty()) {
      t = TargetFitness(arena.targets[0], m.reference[f]);
    } else if (t <= 0 && static_cast<int>(targets.size()) == nf) {
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
      ScoreTrace(o.trace, arena.budget, m.targets[f], o);
      m.auc.push_back(o.auc);
      m.evals_to_target.push_back(o.evals_to_target);
      m.reached.push_back(o.reached);
    }
  m.capability = rsi_loop::Mean(m.auc);
  if (!arena.targets.empty()) ReadTargets(arena, runs, ns, m);
  return m;
}

}  // namespace

HeldOutMeasure MeasureTest(const ImproverSpec& spec, const RsiConfig& config, const std::atomic<bool>* stop,
                           const std::vector<double>& targets) {
  InlineRunner runner;
  return MeasureTest(spec, config, stop, targets, runner);
}

HeldOutMeasure MeasureTest(const ImproverSpec& spec, const RsiConfig& config, const std::atomic<bool>* stop,
                           const std::vector<double>& targets, JobRunner& runner) {
  return Measure(spec, config, config.test, config.test_seeds, ArenaKind::kTest, stop, targets, runner);
}

HeldOutMeasure MeasureValidation(const ImproverSpec& spec, const RsiConfig& config, const std::atomic<bool>* stop,
                                 const std::vector<double>& targets) {
  InlineRunner runner;
  return MeasureValidation(spec, config, stop, targets, runner);
}

HeldOutMeasure MeasureValidation(const ImproverSpec& spec, const RsiConfig& config, const std::atomic<bool>* stop,
                                 const std::vector<double>& targets, JobRunner& runner) {
  return Measure(spec, config, config.validation, config.validation_seeds, ArenaKind::kValidation, stop, targets,
                 runner);
}

double TestCost(const RsiConfig& c) {
  return static_cast<double>(c.test.families.size()) * c.test_seeds * static_cast<double>(c.test.budget);
}

double ValidationCost(const RsiConfig& c) {
  return static_cast<double>(c.validation.families.size()) * c.validation_seeds *
         static_cast<double>(c.validation.budget);
}

Interval TestSpeedup(const HeldOutMeasure& frozen, const HeldOutMeasure& m, uint64_t seed) {
  return BootstrapMedianRatio(frozen.evals_to_target, m.evals_to_target, 0.95, 2000, seed);
}

RsiResult RunRsi(const RsiConfig& cfg, const RsiHooks& hooks, const RsiState* resume) {
  InlineRunner runner;
  return RunRsi(cfg, hooks, resume, runner);
}

RsiResult RunRsi(const RsiConfig& cfg, const RsiHooks& hooks, const RsiState* resume, JobRunner& runner) {
  using rsi_loop::Status;
  cfg.Validate();
  rsi_loop::Loop loop(cfg, hooks, runner, resume);
  RsiResult& res = loop.res();
  int first_gen = 1;
  if (resume) {
    loop.st = *resume;
    loop.rng.SetState(resume->rng);
    first_gen = resume->generation + 1;
    loop.Log("resumed after generation " + std::to_string(resume->generation));
  } else if (rsi_loop::StartRun(loop) != Status::kOk) {
    throw Error("rsi: stopped before the first checkpoint (the initial improver's validation and test measurements)");
  }
  res.stop_reason = "generations";
  for (int gen = first_gen; gen <= cfg.generations; ++gen) {
    if (cfg.max_seconds > 0 && loop.Elapsed() >= cfg.max_seconds) {
      res.stop_reason = "max_seconds";
      break;
    }
    const RsiState snapshot = loop.st;
    const std::array<uint64_t, 4> rng_snapshot = loop.rng.State();
    loop.StartGenerationBudget();
    const Status status = rsi_loop::RunGeneration(loop, gen);
    if (status != Status::kOk) {
      // Back to the last checkpoint: the unfinished generation never happened.
      loop.st = snapshot;
      loop.rng.SetState(rng_snapshot);
      res.stop_reason = status == Status::kStopped ? "stopped" : loop.budget_hit;
      loop.Log("stopped during generation " + std::to_string(gen) + " (" + res.stop_reason +
               "); the result is that of generation " + std::to_string(loop.st.generation));
      break;
    }
  }
  res.final_spec = loop.st.incumbent;
  rsi_loop::Summarise(cfg, res);
  res.seconds = loop.Elapsed();
  res.cpu_seconds = loop.Cpu();
  return res;
}

namespace rsi_loop {

void Summarise(const RsiConfig& cfg, RsiResult& res) {
  res.final_improver = res.curve.back().improver_hash;
  const HeldOutMeasure& last = res.curve.back().incumbent;
  res.speedup = TestSpeedup(res.frozen, last, cfg.seed);
  res.evals_to_target_frozen = Median(res.frozen.evals_to_target);
  res.evals_to_target_final = Median(last.evals_to_target);
  res.target_speedups.clear();
  if (res.frozen.reach.size() == last.reach.size())
    for (size_t k = 0; k < last.reach.size(); ++k)
      res.target_speedups.push_back(CompareReach(res.frozen.reach[k], last.reach[k], DeriveSeed(cfg.seed, 0x7a6 + k)));
  // The run read as a takeoff (takeoff.h), by the rule `ouro takeoff` reads the stored run by:
  // the cost of each adoption, and the returns r (capability against cumulative compute).
  std::vector<TakeoffPoint> points;
  for (const auto& p : res.curve) points.push_back({p.generation, p.cumulative_evaluations, p.incumbent.capability});
  const Takeoff t = EstimateTakeoff(TakeoffInputFromCurve(points, res.cumulative_evaluations));
  res.returns = t.returns;
  res.takeoff_verdict = t.verdict;
  res.returns_verdict = t.reason;
}

}  // namespace rsi_loop

nlohmann::json ToJson(const HeldOutMeasure& m) {
  nlohmann::json j = {{"capability", m.capability}, {"targets", m.targets}, {"auc", m.auc},
                      {"evals_to_target", m.evals_to_target}, {"reached", m.reached}};
  if (m.reach.empty()) return j;  // no pre-registered targets: the form of every earlier run
  nlohmann::json reach = nlohmann::json::array();
  for (const TargetReach& r : m.reach)
    reach.push_back({{"target", r.target}, {"fitness", r.fitness}, {"evaluations", r.evaluations},
                     {"seconds", r.seconds}, {"reached", r.reached}});
  j.update({{"reference", m.reference}, {"reach", reach}, {"budgets", m.budgets}, {"capability_at", m.capability_at}});
  return j;
}

HeldOutMeasure MeasureFromJson(const nlohmann::json& j) {
  HeldOutMeasure m;
  m.capability = j.at("capability").get<double>();
  m.targets = j.at("targets").get<std::vector<double>>();
  m.auc = j.at("auc").get<std::vector<double>>();
  m.evals_to_target = j.at("evals_to_target").get<std::vector<double>>();
  m.reached = j.at("reached").get<std::vector<bool>>();
  if (!j.contains("reach")) return m;
  m.reference = j.at("reference").get<std::vector<double>>();
  for (const auto& r : j.at("reach"))
    m.reach.push_back({r.at("target").get<std::string>(), r.at("fitness").get<std::vector<double>>(),
                       r.at("evaluations").get<std::vector<double>>(), r.at("seconds").get<std::vector<double>>(),
                       r.at("reached").get<std::vector<bool>>()});
  m.budgets = j.at("budgets").get<std::vector<int64_t>>();
  m.capability_at = j.at("capability_at").get<std::vector<double>>();
  return m;
}

namespace {

std::vector<Observation> Observations(const std::vector<double>& times, const std::vector<bool>& reached) {
  std::vector<Observation> out;
  for (size_t i = 0; i < times.size(); ++i) out.push_back({times[i], !reached[i]});
  return out;
}

// The ratio of KM medians frozen / final and its percentile-bootstrap interval over the runs
// (REQUIRES: a and b of the same size, run i of each on the same instances).
void MedianRatio(const std::vector<Observation>& a, const std::vector<Observation>& b, uint64_t seed, Bounded& ma,
                 Bounded& mb, Bounded& ratio, Interval& ci) {
  ma = KmMedian(a);
  mb = KmMedian(b);
  ratio = BoundedRatio(ma, mb);
  auto pick = [](const std::vector<Observation>& v, const std::vector<int>& idx) {
    std::vector<Observation> out;
    for (int i : idx) out.push_back(v[static_cast<size_t>(i)]);
    return out;
  };
  // Paired: run i of both measurements has the same family, seed and instances, so the runs are
  // resampled together.
  ci = PercentileBootstrap({static_cast<int>(a.size())},
                           [&](const BootstrapDraw& d) {
                             return KmMedian(pick(a, d[0])).value / KmMedian(pick(b, d[0])).value;
                           },
                           0.95, 2000, seed);
}

int Count(const std::vector<bool>& v) { return static_cast<int>(std::count(v.begin(), v.end(), true)); }

}  // namespace

TargetSpeedup CompareReach(const TargetReach& frozen, const TargetReach& final_reach, uint64_t seed) {
  if (frozen.evaluations.size() != final_reach.evaluations.size() || frozen.evaluations.empty())
    throw Error("rsi: target '" + frozen.target + "': the two measurements have different runs");
  TargetSpeedup t;
  t.target = frozen.target;
  t.runs = static_cast<int>(frozen.evaluations.size());
  t.frozen_reached = Count(frozen.reached);
  t.final_reached = Count(final_reach.reached);
  MedianRatio(Observations(frozen.evaluations, frozen.reached), Observations(final_reach.evaluations, final_reach.reached),
              seed, t.frozen_evals, t.final_evals, t.speedup, t.speedup_ci);
  // Seconds are > 0 for any run that ran; a run stored without them (0) cannot be compared.
  auto positive = [](const std::vector<double>& v) { return std::all_of(v.begin(), v.end(), [](double x) { return x > 0; }); };
  if (positive(frozen.seconds) && positive(final_reach.seconds))
    MedianRatio(Observations(frozen.seconds, frozen.reached), Observations(final_reach.seconds, final_reach.reached),
                DeriveSeed(seed, 1), t.frozen_seconds, t.final_seconds, t.wall_speedup, t.wall_speedup_ci);
  else
    t.wall_speedup.bound = Bound::kUnknown;
  return t;
}

nlohmann::json ToJson(const RsiState& s) {
  const RsiResult& r = s.result;
  nlohmann::json curve = nlohmann::json::array();
  for (const auto& p : r.curve)
    curve.push_back({{"generation", p.generation}, {"cumulative_evaluations", p.cumulative_evaluations},
                     {"seconds", p.seconds}, {"improver", p.improver_hash}, {"incumbent", ToJson(p.incumbent)},
                     {"validation", ToJson(p.validation)}});
  nlohmann::json j = {{"version", 1},
          {"generation", s.generation},
          // As text: the spec's key order is part of it (it orders the operation lists).
          {"incumbent", ToJson(s.incumbent).dump()},
          {"rng", s.rng},
          {"generations", r.generations},
          {"adopted", r.adopted},
          {"rejected", r.rejected},
          {"inconclusive", r.inconclusive},
          {"vetoed", r.vetoed},
          {"identical", r.identical},
          {"expected_false_adoptions", r.expected_false_adoptions},
          {"frozen", ToJson(r.frozen)},
          {"frozen_validation", ToJson(r.frozen_validation)},
          {"curve", curve},
          {"improver_hashes", r.improver_hashes},
          {"cumulative_evaluations", r.cumulative_evaluations},
          {"oversight_evaluations", r.oversight_evaluations},
          {"seconds", r.seconds},
          {"cpu_seconds", r.cpu_seconds},
          {"test_evaluations", r.test_evaluations},
          {"test_seconds", r.test_seconds},
          {"archive", s.archive.ToJson()}};
  if (s.rung > 0) j["rung"] = s.rung;  // a curriculum past its first rung; absent otherwise
  return j;
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
    // Checkpoints written before the exact gate have neither (their runs use the normal gate).
    r.identical = j.value("identical", 0);
    r.expected_false_adoptions = j.value("expected_false_adoptions", 0.0);
    r.frozen = MeasureFromJson(j.at("frozen"));
    // Checkpoints written before the validation arena: oversight read the held-out (now test)
    // arena, so that is what their validation measures were.
    r.frozen_validation = j.contains("frozen_validation") ? MeasureFromJson(j.at("frozen_validation")) : r.frozen;
    for (const auto& p : j.at("curve")) {
      CurvePoint c;
      c.generation = p.at("generation").get<int>();
      c.cumulative_evaluations = p.at("cumulative_evaluations").get<double>();
      c.seconds = p.at("seconds").get<double>();
      c.improver_hash = p.at("improver").get<std::string>();
      c.incumbent = MeasureFromJson(p.at("incumbent"));
      c.validation = p.contains("validation") ? MeasureFromJson(p.at("validation")) : c.incumbent;
      r.curve.push_back(c);
    }
    if (r.curve.empty()) throw Error("no curve point");
    r.improver_hashes = j.at("improver_hashes").get<std::vector<std::string>>();
    r.cumulative_evaluations = j.at("cumulative_evaluations").get<double>();
    r.oversight_evaluations = j.at("oversight_evaluations").get<double>();
    r.seconds = j.at("seconds").get<double>();
    r.cpu_seconds = j.at("cpu_seconds").get<double>();
    r.test_evaluations = j.value("test_evaluations", 0.0);
    r.test_seconds = j.value("test_seconds", 0.0);
    r.stop_reason = "generations";
    if (j.contains("archive")) s.archive = ProgramArchive::FromJson(j["archive"]);  // older: none
    s.rung = j.value("rung", 0);
    return s;
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("malformed rsi checkpoint: ") + e.what());
  } catch (const Error& e) {
    throw Error(std::string("malformed rsi checkpoint: ") + e.what());
  }
}

}  // namespace ouro::meta
