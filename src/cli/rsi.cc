#include "cli/rsi.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "cli/commands.h"
#include "run/rsi_replay.h"
#include "run/rsi_session.h"

namespace ouro::cli {

namespace {

run::SessionIo Io(const RsiOutput& out) {
  run::SessionIo io;
  if (!out.quiet) io.say = [](const std::string& s) { std::fprintf(stderr, "%s\n", s.c_str()); };
  io.interrupt = &StopFlag();
  return io;
}

// The gate and what it cost in expected false adoptions.
void PrintGate(const meta::RsiConfig& cfg, const meta::RsiResult& r) {
  const meta::SprtParams& p = cfg.sprt;
  std::printf("gate: %s SPRT, Elo %g/%g, alpha %g, beta %g, at most %d games",
              cfg.gate == meta::SprtTest::kExact ? "exact" : "normal-approximation", p.elo0, p.elo1, p.alpha, p.beta,
              cfg.max_games);
  const meta::SprtParams& c = cfg.confirm;
  if (cfg.confirm_games > 0)
    std::printf(" (a screen); confirmation on validation: exact SPRT, Elo %g/%g, beta %g, at most %d games",
                c.elo0, c.elo1, c.beta, cfg.confirm_games);
  std::printf("; expected false adoptions %.4f", r.expected_false_adoptions);
  if (cfg.gate == meta::SprtTest::kExact && cfg.alpha_share < 1)
    std::printf(" (budget alpha_run %g, at most %g of what is left per gate)\n", cfg.alpha_run, cfg.alpha_share);
  else if (cfg.gate == meta::SprtTest::kExact) std::printf(" (budget alpha_run %g)\n", cfg.alpha_run);
  else std::printf(" (no budget: the gate of runs recorded before the exact test)\n");
}

std::string BoundedText(const meta::Bounded& b, const char* unit) {
  char buf[64];
  const char* prefix = b.bound == meta::Bound::kLower ? ">" : b.bound == meta::Bound::kUpper ? "<" : b.bound == meta::Bound::kUnknown ? "?" : "";
  std::snprintf(buf, sizeof buf, "%s%.3g%s", prefix, b.value, unit);
  return buf;
}

// The pre-registered targets: Kaplan-Meier medians of evaluations and wall seconds to each, and
// the speedups ("> x": a bound, the frozen median being censored).
void PrintTargets(const meta::RsiResult& r) {
  for (const meta::TargetSpeedup& t : r.target_speedups)
    std::printf("target %s (KM medians over %d runs; reached frozen %d, final %d): evaluations %s -> %s, speedup %s "
                "[%.2f, %.2f]; wall time %s -> %s, speedup %s [%.2f, %.2f]\n",
                t.target.c_str(), t.runs, t.frozen_reached, t.final_reached, BoundedText(t.frozen_evals, "").c_str(),
                BoundedText(t.final_evals, "").c_str(), BoundedText(t.speedup, "x").c_str(), t.speedup_ci.low,
                t.speedup_ci.high, BoundedText(t.frozen_seconds, " s").c_str(), BoundedText(t.final_seconds, " s").c_str(),
                BoundedText(t.wall_speedup, "x").c_str(), t.wall_speedup_ci.low, t.wall_speedup_ci.high);
  const meta::HeldOutMeasure& last = r.curve.back().incumbent;
  for (size_t i = 0; i < r.frozen.budgets.size() && i < last.capability_at.size(); ++i)
    std::printf("%s%lld evaluations: frozen %.4f, final %.4f%s", i == 0 ? "capability (mean best fitness) at " : "; ",
                static_cast<long long>(r.frozen.budgets[i]), r.frozen.capability_at[i], last.capability_at[i],
                i + 1 == r.frozen.budgets.size() ? "\n" : "");
}

}  // namespace

void PrintRsiOutcome(const store::Store& db, int64_t run_id, const meta::RsiConfig& cfg,
                     const oversight::Policy& policy, const run::RsiOutcome& o) {
  const meta::RsiResult& r = o.result;
  std::printf("run %lld: %d generations, %d adopted, %d rejected, %d inconclusive, %d vetoed, %d identical, %.0f s (%s)\n",
              static_cast<long long>(run_id), r.generations, r.adopted, r.rejected, r.inconclusive, r.vetoed,
              r.identical, r.seconds, r.stop_reason.c_str());
  PrintGate(cfg, r);
  if (cfg.null_control)
    std::printf("null control: each played candidate adopted by a coin of probability %g, not by the gate (the "
                "gate's verdict is in each candidate's note)\n",
                cfg.null_adopt_rate);
  std::printf("%s", TextCurve(o.capability, r.frozen.capability).c_str());
  std::string targets;
  for (double t : r.frozen.targets) targets += (targets.empty() ? "" : ", ") + std::to_string(t).substr(0, 6);
  std::printf("evaluations to reach the target (%s per family) on the test families (median of %zu runs): frozen %.0f, final %.0f -> speedup %.2fx (95%% [%.2f, %.2f])\n",
              targets.c_str(), r.frozen.evals_to_target.size(), r.evals_to_target_frozen, r.evals_to_target_final,
              r.speedup.estimate, r.speedup.low, r.speedup.high);
  PrintTargets(r);
  std::printf("takeoff: %s\n", r.returns_verdict.c_str());
  std::printf("oversight: %.1f%% of %.0f evaluations spent on checks (policy '%s')\n",
              r.cumulative_evaluations > 0 ? 100 * r.oversight_evaluations / r.cumulative_evaluations : 0.0,
              r.cumulative_evaluations, policy.name.c_str());
  std::printf("validation capability (what oversight read): frozen %.4f, final %.4f; test arena (sealed, outside "
              "every budget and the run's seconds): %.0f evaluations, %.0f s\n",
              r.frozen_validation.capability, r.curve.back().validation.capability, r.test_evaluations,
              r.test_seconds);
  if (o.stopped)
    std::printf("resume it: ouro resume %lld --db %s\n", static_cast<long long>(run_id), db.path().c_str());
  else
    std::printf("export the final improver: ouro improver export %lld --db %s --out improver.json\n",
                static_cast<long long>(run_id), db.path().c_str());
}

run::RsiOutcome RunRsiSession(store::Store& db, int64_t run_id, const meta::RsiConfig& cfg,
                              const oversight::Policy& policy, const meta::RsiState* resume, const RsiOutput& out) {
  run::RsiSession session(db, run_id, cfg, policy, Io(out));
  return session.Run(resume);
}

nlohmann::json RsiJson(const meta::RsiConfig& cfg, const run::RsiOutcome& o) {
  nlohmann::json line = o.summary;
  line["null_control"] = cfg.null_control;  // the stored summary has it only in null controls
  return line;
}

int ExecuteRsi(store::Store& db, int64_t run_id, const meta::RsiConfig& cfg, const oversight::Policy& policy,
               const meta::RsiState* resume, const RsiOutput& out) {
  const run::RsiOutcome o = RunRsiSession(db, run_id, cfg, policy, resume, out);
  if (o.before_first_checkpoint) return 0;
  if (out.json) std::printf("%s\n", RsiJson(cfg, o).dump().c_str());
  else PrintRsiOutcome(db, run_id, cfg, policy, o);
  return 0;
}

meta::Interval SpeedupVsNull(const RsiRunResult& loop, const RsiRunResult& null) {
  return meta::TestSpeedup(null.outcome->result.curve.back().incumbent, loop.outcome->result.curve.back().incumbent,
                           loop.cfg->seed);
}

nlohmann::json NullControlJson(const RsiRunResult& loop, const RsiRunResult* null) {
  nlohmann::json j = {{"null_control_run", nullptr},
                      {"speedup_vs_null", nullptr},
                      {"speedup_vs_null_ci_low", nullptr},
                      {"speedup_vs_null_ci_high", nullptr}};
  if (!null) return j;
  const run::RsiOutcome& o = *null->outcome;
  nlohmann::json run = o.before_first_checkpoint ? nlohmann::json{{"run_id", null->run_id}} : RsiJson(*null->cfg, o);
  run["status"] = o.stopped ? "stopped" : "finished";
  j["null_control_run"] = run;
  if (o.stopped || loop.outcome->stopped) return j;  // a stopped run has not spent the same budget
  const meta::Interval s = SpeedupVsNull(loop, *null);
  j.update({{"speedup_vs_null", s.estimate}, {"speedup_vs_null_ci_low", s.low}, {"speedup_vs_null_ci_high", s.high}});
  return j;
}

void PrintNullComparison(const store::Store& db, const RsiRunResult& loop, const RsiRunResult& null) {
  const meta::RsiResult& l = loop.outcome->result;
  const meta::RsiResult& n = null.outcome->result;
  std::printf("null control: run %lld, the same config, seed and budget; adoptions by a coin of probability %g "
              "(%d adopted, %d rejected, %.0f s, %s)\n",
              static_cast<long long>(null.run_id), null.cfg->null_adopt_rate, n.adopted, n.rejected, n.seconds,
              n.stop_reason.c_str());
  if (null.outcome->stopped) {
    std::printf("the null control stopped before its end: no comparison; resume it: ouro resume %lld --db %s\n",
                static_cast<long long>(null.run_id), db.path().c_str());
    return;
  }
  std::printf("the three improvers on the same test runs (%zu; evaluations to target: median, censored at %lld):\n",
              l.frozen.evals_to_target.size(), static_cast<long long>(loop.cfg->test.budget));
  std::printf("  %-28s %10s %16s %26s\n", "improver", "capability", "evals-to-target", "speedup vs frozen (95%)");
  std::printf("  %-28s %10.4f %16.0f %26s\n", "frozen initial", l.frozen.capability, l.evals_to_target_frozen, "1x");
  auto row = [](const std::string& name, const meta::RsiResult& r) {
    char s[64];
    std::snprintf(s, sizeof s, "%.2fx [%.2f, %.2f]", r.speedup.estimate, r.speedup.low, r.speedup.high);
    std::printf("  %-28s %10.4f %16.0f %26s\n", name.c_str(), r.curve.back().incumbent.capability,
                r.evals_to_target_final, s);
  };
  row("final, loop (run " + std::to_string(loop.run_id) + ")", l);
  row("final, null control (run " + std::to_string(null.run_id) + ")", n);
  const meta::Interval v = SpeedupVsNull(loop, null);
  std::printf("final vs null control: %.2fx (95%% [%.2f, %.2f]); adopted: loop %d, null control %d\n", v.estimate,
              v.low, v.high, l.adopted, n.adopted);
}

int ReplayRsi(store::Store& db, int64_t run_id, const RsiOutput& out, const std::string& llm_replay) {
  const run::ReplayReport r = run::ReplayRsi(db, run_id, Io(out), llm_replay);
  if (out.json) {
    const nlohmann::json report = {{"run_id", run_id},
                                   {"reproduced", r.reproduced()},
                                   {"generations", r.generations},
                                   {"improvers", r.improvers},
                                   {"candidates", r.candidates},
                                   {"curve_points", r.curve_points},
                                   {"promoted_programs", r.promoted_programs},
                                   {"differences", r.differences}};
    std::printf("%s\n", report.dump().c_str());
  } else {
    std::printf("replay of run %lld (%d generations): %s\n", static_cast<long long>(run_id), r.generations,
                r.reproduced() ? "every adopted improver, candidate and curve point reproduced" : "DIFFERENT");
    std::printf("  %zu improvers, %zu candidates, %zu curve points, %zu promoted programs compared\n", r.improvers,
                r.candidates, r.curve_points, r.promoted_programs);
    for (const auto& d : r.differences) std::printf("  %s\n", d.c_str());
  }
  return r.reproduced() ? 0 : 1;
}

// A text plot of capability per generation: incumbent (#) against the frozen initial improver (|).
std::string TextCurve(const std::vector<std::pair<int, double>>& points, double frozen) {
  if (points.empty()) return "";
  double lo = frozen, hi = frozen;
  for (const auto& [g, c] : points) lo = std::min(lo, c), hi = std::max(hi, c);
  if (hi - lo < 1e-9) hi = lo + 1e-9;
  constexpr int kWidth = 50;
  auto col = [&](double v) { return static_cast<int>(std::lround((v - lo) / (hi - lo) * kWidth)); };
  std::string out = "test capability (mean area under the best-fitness curve); | = frozen initial improver\n";
  char buf[64];
  for (const auto& [g, c] : points) {
    std::string bar(kWidth + 1, ' ');
    for (int i = 0; i <= col(c); ++i) bar[i] = '#';
    bar[col(frozen)] = '|';
    std::snprintf(buf, sizeof buf, "  gen %3d  %.4f  ", g, c);
    out += buf + bar + "\n";
  }
  return out;
}

std::string Actor(const std::string& flag) {
  if (!flag.empty()) return flag;
  for (const char* v : {"OURO_ACTOR", "USER", "LOGNAME"})
    if (const char* s = std::getenv(v); s && *s) return s;
  return "unknown";
}

}  // namespace ouro::cli
