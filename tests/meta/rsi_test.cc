// Tests of the self-application loop (RunRsi: determinism, SPRT evidence, the adoption seam,
// ablations, stopping, the test curve) and of MeasureTest / MeasureValidation. Its config (RsiConfig::Validate,
// the TOML file) is tested in rsi_config_test.cc, checkpoints and resuming in
// rsi_checkpoint_test.cc; the tiny arena they share (Tiny, Strict) is in rsi_test_util.h, so a
// whole loop takes a fraction of a second.
#include "meta/rsi.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/error.h"
#include "meta/job_runner.h"
#include "meta/rsi_config.h"
#include "rsi_test_util.h"
#include "search/run_config.h"

namespace ouro::meta {
namespace {

using test::Strict;
using test::Tiny;

// The strategy of a spec: everything but its name and what it learns while it runs (credit and,
// one level up, the meta-operator weights).
std::string Strategy(const ImproverSpec& s) {
  Json j = ToJson(s);
  j.erase("name");
  j.erase("learned");
  j["meta"].erase("weights");
  return j.dump();
}


// Everything a run decided, in order.
struct Recorder {
  std::vector<CandidateReport> candidates;
  std::vector<std::string> improvers;  // "gen hash parent operator"
  std::vector<ImproverSpec> specs, parents;  // parents[0] is a copy of specs[0]
  std::vector<std::string> curve;
  std::vector<std::string> log;
  RsiHooks Hooks() {
    RsiHooks h;
    h.on_candidate = [this](const CandidateReport& r) { candidates.push_back(r); };
    h.on_improver = [this](int gen, const ImproverSpec& s, const ImproverSpec* parent, const CandidateReport* ev) {
      specs.push_back(s);
      parents.push_back(parent ? *parent : s);
      improvers.push_back(std::to_string(gen) + " " + SpecHash(s) + " " + (parent ? SpecHash(*parent) : "-") + " " +
                          (ev ? ev->meta_operator : "-"));
    };
    h.on_curve = [this](const CurvePoint& p, const HeldOutMeasure& frozen) {
      std::ostringstream o;
      o.precision(17);
      o << p.generation << " " << p.improver_hash << " " << p.cumulative_evaluations << " " << p.incumbent.capability
        << " frozen " << frozen.capability;
      for (double e : p.incumbent.evals_to_target) o << " " << e;
      curve.push_back(o.str());
    };
    h.on_log = [this](const std::string& s) { log.push_back(s); };
    return h;
  }
  std::string Decisions() const {
    std::string s;
    for (const auto& c : candidates)
      s += std::to_string(c.generation) + "." + std::to_string(c.index) + " " + c.meta_operator + " " + c.decision + " " +
           SpecHash(c.spec) + " " + std::to_string(c.wins) + "/" + std::to_string(c.losses) + "/" +
           std::to_string(c.draws) + "\n";
    return s;
  }
};

// The run of Tiny(1) without an adoption hook, made once and shared by the tests that only read it.
struct Reference {
  Recorder rec;
  RsiResult result;
};
const Reference& Seed1() {
  static const Reference* r = [] {
    auto* x = new Reference;
    x->result = RunRsi(Tiny(1), x->rec.Hooks());
    return x;
  }();
  return *r;
}

int CountDecision(const RsiResult&, const Recorder& rec, const std::string& d) {
  return static_cast<int>(std::count_if(rec.candidates.begin(), rec.candidates.end(),
                                        [&](const CandidateReport& c) { return c.decision == d; }));
}

// ---- the loop --------------------------------------------------------------------------------

TEST(RunRsi, DeterministicForASeed) {
  const RsiConfig c = Tiny(1);
  const Recorder& r1 = Seed1().rec;
  const RsiResult& a = Seed1().result;
  Recorder r2;
  const RsiResult b = RunRsi(c, r2.Hooks());
  EXPECT_EQ(a.improver_hashes, b.improver_hashes);
  EXPECT_EQ(r1.Decisions(), r2.Decisions());
  EXPECT_EQ(r1.improvers, r2.improvers);
  EXPECT_EQ(r1.curve, r2.curve);
  EXPECT_EQ(r1.log, r2.log);
  EXPECT_EQ(SpecHash(a.final_spec), SpecHash(b.final_spec));
  EXPECT_EQ(a.adopted, b.adopted);
  EXPECT_EQ(a.rejected, b.rejected);
  EXPECT_EQ(a.cumulative_evaluations, b.cumulative_evaluations);
  EXPECT_EQ(a.speedup.estimate, b.speedup.estimate);
  EXPECT_EQ(a.speedup.low, b.speedup.low);
  EXPECT_EQ(a.evals_to_target_final, b.evals_to_target_final);
  // And another seed is another run.
  Recorder r4;
  RunRsi(Tiny(2), r4.Hooks());
  EXPECT_NE(r1.Decisions(), r4.Decisions());
}

// The loop's games and held-out runs are jobs (meta/jobs.h): a runner with two slots plays the
// incumbent's first games, each game's two runs and the held-out runs two at a time, and the run
// is the same as on the calling thread (same hooks, same order, same numbers).
TEST(RunRsi, TheSameRunOnOneAndTwoJobThreads) {
  const Recorder& r1 = Seed1().rec;
  const RsiResult& a = Seed1().result;
  for (int threads : {1, 2}) {
    Recorder r2;
    ThreadRunner runner(threads);
    const RsiResult b = RunRsi(Tiny(1), r2.Hooks(), nullptr, runner);
    EXPECT_EQ(a.improver_hashes, b.improver_hashes) << threads;
    EXPECT_EQ(r1.Decisions(), r2.Decisions()) << threads;
    EXPECT_EQ(r1.improvers, r2.improvers) << threads;
    EXPECT_EQ(r1.curve, r2.curve) << threads;
    EXPECT_EQ(r1.log, r2.log) << threads;
    EXPECT_EQ(ToJson(a.final_spec).dump(), ToJson(b.final_spec).dump()) << threads;
    EXPECT_EQ(a.cumulative_evaluations, b.cumulative_evaluations) << threads;
    EXPECT_EQ(a.oversight_evaluations, b.oversight_evaluations) << threads;
    EXPECT_EQ(a.speedup.estimate, b.speedup.estimate) << threads;
  }
}

TEST(RunRsi, ResultIsConsistentWithWhatTheHooksSaw) {
  const RsiConfig c = Tiny(1);
  const Recorder& rec = Seed1().rec;
  const RsiResult& r = Seed1().result;
  EXPECT_EQ(r.stop_reason, "generations");
  EXPECT_EQ(r.generations, c.generations);
  ASSERT_GE(r.adopted, 1) << "the tiny run should adopt something; decisions:\n" << rec.Decisions();
  EXPECT_EQ(r.adopted, CountDecision(r, rec, "adopted"));
  EXPECT_EQ(r.inconclusive, CountDecision(r, rec, "inconclusive"));
  EXPECT_EQ(r.rejected, CountDecision(r, rec, "rejected"));
  EXPECT_EQ(r.vetoed, 0);
  EXPECT_EQ(r.identical, CountDecision(r, rec, "identical"));
  EXPECT_EQ(r.adopted + r.rejected + r.inconclusive + r.vetoed + r.identical, static_cast<int>(rec.candidates.size()));
  // The run's expected false adoptions: its candidates' gates' P(accept | equal), summed in order.
  double sum = 0;
  for (const auto& cand : rec.candidates) sum += cand.false_accept;
  EXPECT_EQ(r.expected_false_adoptions, sum);
  // At most one adoption per generation, and a generation stops proposing after it; no candidate
  // of a generation repeats another's strategy (it would replay the same games).
  for (int g = 1; g <= r.generations; ++g) {
    int adopted = 0, n = 0;
    std::set<std::string> strategies;
    for (const auto& cand : rec.candidates)
      if (cand.generation == g) {
        ++n;
        EXPECT_TRUE(strategies.insert(Strategy(cand.spec)).second) << cand.generation << "." << cand.index;
        EXPECT_NE(Strategy(cand.spec), Strategy(rec.parents[0])) << "a candidate equal to the initial improver";
        EXPECT_EQ(adopted, 0) << "a candidate after the adoption in generation " << g;
        adopted += cand.decision == "adopted";
      }
    EXPECT_LE(n, c.candidates);
    EXPECT_GE(n, 1);
  }
}

TEST(RunRsi, LineageAndAdoptionsAreConsistentWithWhatTheHooksSaw) {
  const RsiConfig c = Tiny(1);
  const Recorder& rec = Seed1().rec;
  const RsiResult& r = Seed1().result;
  // The lineage: generation 0 plus one improver per adoption, each the parent of the next.
  ASSERT_EQ(r.improver_hashes.size(), static_cast<size_t>(r.adopted + 1));
  ASSERT_EQ(rec.improvers.size(), r.improver_hashes.size());
  EXPECT_EQ(r.improver_hashes.front(), SpecHash(c.initial));
  for (size_t i = 0; i < rec.specs.size(); ++i) EXPECT_EQ(SpecHash(rec.specs[i]), r.improver_hashes[i]);
  // The parent is the incumbent as it was when it adopted: the previous improver's strategy (its
  // credit and meta weights may have grown since).
  for (size_t i = 1; i < rec.specs.size(); ++i) EXPECT_EQ(Strategy(rec.parents[i]), Strategy(rec.specs[i - 1])) << i;
  EXPECT_EQ(Strategy(r.final_spec), Strategy(rec.specs.back()));
  // The adopted spec is the candidate's strategy, with the incumbent's learned knowledge (credit
  // and meta weights) carried over.
  size_t next = 1;
  for (const auto& cand : rec.candidates)
    if (cand.decision == "adopted") {
      ASSERT_LT(next, rec.specs.size());
      const ImproverSpec& adopted = rec.specs[next];
      const ImproverSpec& parent = rec.parents[next];
      EXPECT_EQ(Strategy(adopted), Strategy(cand.spec));
      EXPECT_EQ(adopted.name, "g" + std::to_string(cand.generation) + "c" + std::to_string(cand.index));
      EXPECT_EQ(ToJson(adopted)["learned"].dump(), ToJson(parent)["learned"].dump());
      EXPECT_EQ(adopted.meta_weights, parent.meta_weights);  // learned, carried over
      EXPECT_GE(adopted.credit_runs, rec.specs[next - 1].credit_runs);
      ++next;
    }
  EXPECT_EQ(next, rec.specs.size());
}

TEST(RunRsi, CurveAndHeldOutAreConsistentWithWhatTheHooksSaw) {
  const RsiConfig c = Tiny(1);
  const Recorder& rec = Seed1().rec;
  const RsiResult& r = Seed1().result;
  // The curve: generation 0 and one point per adoption, measuring the improver just adopted;
  // compute never decreases.
  ASSERT_EQ(r.curve.size(), static_cast<size_t>(r.adopted + 1));
  EXPECT_EQ(r.curve.front().generation, 0);
  for (size_t i = 0; i < r.curve.size(); ++i) EXPECT_EQ(r.curve[i].improver_hash, r.improver_hashes[i]);
  // The final improver is the last one adopted (and measured), as stored.
  EXPECT_EQ(r.final_improver, r.improver_hashes.back());
  for (size_t i = 1; i < r.curve.size(); ++i) {
    EXPECT_GT(r.curve[i].generation, r.curve[i - 1].generation);
    EXPECT_GE(r.curve[i].cumulative_evaluations, r.curve[i - 1].cumulative_evaluations);
  }
  EXPECT_GT(r.cumulative_evaluations, 0);
  // Test: every family x seed measured, on the frozen improver's own targets; validation on its
  // fixed target.
  const size_t runs = c.test.families.size() * c.test_seeds;
  EXPECT_EQ(r.frozen.auc.size(), runs);
  EXPECT_EQ(r.frozen.evals_to_target.size(), runs);
  EXPECT_EQ(r.frozen.targets.size(), c.test.families.size());
  for (const auto& p : r.curve) EXPECT_EQ(p.incumbent.targets, r.frozen.targets);
  EXPECT_EQ(r.frozen_validation.auc.size(), c.validation.families.size() * c.validation_seeds);
  for (const auto& p : r.curve) EXPECT_EQ(p.validation.targets, std::vector<double>{c.validation.target});
  EXPECT_EQ(r.curve.front().validation.capability, r.frozen_validation.capability);
  EXPECT_EQ(r.test_evaluations, TestCost(c) * static_cast<double>(r.curve.size()));
  EXPECT_EQ(r.curve.front().incumbent.capability, r.frozen.capability);
  EXPECT_EQ(r.evals_to_target_frozen, Median(r.frozen.evals_to_target));
  EXPECT_EQ(r.evals_to_target_final, Median(r.curve.back().incumbent.evals_to_target));
  EXPECT_LE(r.speedup.low, r.speedup.estimate);
  EXPECT_GE(r.speedup.high, r.speedup.estimate);
  EXPECT_FALSE(r.returns_verdict.empty());
  // The log has a line per candidate.
  EXPECT_EQ(rec.log.size(), rec.candidates.size());
}

// One played candidate's games, counts, LLR and decision against its own gate.
void ExpectCandidateEvidence(const RsiConfig& c, const CandidateReport& cand) {
  const SprtBounds b = GateBounds(cand.alpha, c.sprt.beta);
  int64_t w = 0, l = 0, d = 0;
  double inc = 0, mine = 0;
  for (const auto& g : cand.games) {
    const int expect = g.candidate_auc > g.incumbent_auc + 1e-9 ? 1 : g.candidate_auc < g.incumbent_auc - 1e-9 ? -1 : 0;
    EXPECT_EQ(g.outcome, expect);
    (g.outcome > 0 ? w : g.outcome < 0 ? l : d) += 1;
    inc += g.incumbent_auc;
    mine += g.candidate_auc;
  }
  EXPECT_EQ(cand.wins, w);
  EXPECT_EQ(cand.losses, l);
  EXPECT_EQ(cand.draws, d);
  ASSERT_FALSE(cand.games.empty());
  EXPECT_LE(static_cast<int>(cand.games.size()), c.max_games);
  EXPECT_DOUBLE_EQ(cand.llr, SprtLlr(c.gate, w, l, d, c.sprt.elo0, c.sprt.elo1));
  EXPECT_NEAR(cand.meta_utility, mine / cand.games.size(), 1e-12);
  EXPECT_NEAR(cand.incumbent_meta_utility, inc / cand.games.size(), 1e-12);
  // The decision follows the test, and the games stop as soon as it decides.
  if (cand.decision == "adopted") {
    EXPECT_GE(cand.llr, b.upper);
  } else if (cand.decision == "rejected") {
    EXPECT_LE(cand.llr, b.lower);
  }
  if (cand.decision == "inconclusive") {
    EXPECT_EQ(static_cast<int>(cand.games.size()), c.max_games);
    EXPECT_GT(cand.llr, b.lower);
    EXPECT_LT(cand.llr, b.upper);
  }
  const int n = static_cast<int>(cand.games.size());
  for (int k = 1; k < n; ++k) {
    int64_t pw = 0, pl = 0, pd = 0;
    for (int i = 0; i < k; ++i) (cand.games[i].outcome > 0 ? pw : cand.games[i].outcome < 0 ? pl : pd) += 1;
    EXPECT_EQ(SprtDecide(SprtLlr(c.gate, pw, pl, pd, c.sprt.elo0, c.sprt.elo1), b), SprtDecision::kContinue)
        << "decided after " << k << " games but played " << n;
  }
}

void ExpectSprtEvidence(const RsiConfig& c, const Recorder& rec) {
  for (const auto& cand : rec.candidates) {
    if (cand.decision == "identical") {  // not played: no games, no gate
      EXPECT_TRUE(cand.games.empty());
      EXPECT_EQ(cand.alpha, 0.0);
      EXPECT_EQ(cand.false_accept, 0.0);
      continue;
    }
    ExpectCandidateEvidence(c, cand);
    // Its gate's exact P(accept | equal), from the run's ladder (the closed gate: 0).
    SprtParams p = c.sprt;
    p.alpha = cand.alpha;
    EXPECT_EQ(cand.false_accept, cand.alpha > 0 ? FalseAcceptRate(c.gate, p, c.max_games) : 0.0);
  }
  // The incumbent plays the same game k against every candidate of a generation (paired).
  for (const auto& x : rec.candidates)
    for (const auto& y : rec.candidates) {
      if (x.generation != y.generation) continue;
      for (size_t k = 0; k < std::min(x.games.size(), y.games.size()); ++k)
        EXPECT_EQ(x.games[k].incumbent_auc, y.games[k].incumbent_auc);
    }
}

TEST(RunRsi, RecordsSprtEvidence) {
  ExpectSprtEvidence(Tiny(1), Seed1().rec);
  std::set<std::string> decisions;
  for (const auto& cand : Seed1().rec.candidates) decisions.insert(cand.decision);
  EXPECT_TRUE(decisions.count("adopted")) << Seed1().rec.Decisions();
  // With real bounds four games rarely decide anything: the evidence is recorded all the same.
  Recorder strict;
  RunRsi(Strict(1), strict.Hooks());
  ASSERT_FALSE(strict.candidates.empty());
  ExpectSprtEvidence(Strict(1), strict);
}

TEST(RunRsi, TheAdoptHookIsTheSingleSeam) {
  const RsiConfig c = Tiny(1);
  int asked = 0;
  const std::string initial_hash = SpecHash(c.initial);
  Recorder rec;
  RsiHooks h = rec.Hooks();
  h.adopt = [&](const Adoption& a) {
    ++asked;
    EXPECT_EQ(Strategy(*a.incumbent), Strategy(c.initial));
    EXPECT_EQ(a.candidate->decision, "adopted");
    EXPECT_GE(a.candidate->llr, a.bounds.upper);
    EXPECT_GE(a.generation, 1);
    return false;
  };
  const RsiResult r = RunRsi(c, h);
  ASSERT_GE(asked, 1) << "no candidate passed the test, so the veto was never exercised:\n" << rec.Decisions();
  EXPECT_EQ(r.adopted, 0);
  EXPECT_EQ(r.vetoed, asked);
  EXPECT_EQ(CountDecision(r, rec, "vetoed"), asked);
  EXPECT_EQ(r.final_improver, initial_hash);
  EXPECT_EQ(CountDecision(r, rec, "adopted"), 0);
  EXPECT_EQ(r.improver_hashes, std::vector<std::string>{initial_hash});
  EXPECT_EQ(rec.improvers.size(), 1u);
  EXPECT_EQ(r.curve.size(), 1u);
  // The improver's strategy is unchanged; only what it learned (credit, meta weights) grew.
  EXPECT_EQ(Strategy(r.final_spec), Strategy(c.initial));
  EXPECT_EQ(r.final_spec.name, c.initial.name);
  EXPECT_GT(r.final_spec.credit_runs, 0);
  // A hook that says yes is the same as none.
  RsiHooks yes;
  yes.adopt = [](const Adoption&) { return true; };
  EXPECT_EQ(RunRsi(c, yes).improver_hashes, Seed1().result.improver_hashes);
}

TEST(RunRsi, AblationsDisableTheirMetaOperators) {
  // An initial improver that would almost always use the three channels if it could.
  RsiConfig c = Tiny(5);
  c.initial.meta_weights = {50, 1, 1, 1, 0, 50, 50};
  c.initial.credit.kind[static_cast<int>(search::Mutation::kAlter)] = {300, 5};  // credit_weights can apply
  c.initial.credit.kind[static_cast<int>(search::Mutation::kInsert)] = {300, 9};
  c.generations = 2;
  c.candidates = 3;
  c.max_games = 2;
  Recorder open_rec;
  RunRsi(c, open_rec.Hooks());
  std::set<std::string> open_ops;
  for (const auto& cand : open_rec.candidates) open_ops.insert(cand.meta_operator);
  EXPECT_TRUE(open_ops.count("credit_weights") || open_ops.count("mine_macros") || open_ops.count("discover_filter"))
      << "the control run never used a learning channel: " << ::testing::PrintToString(open_ops);

  c.ablate = {"credit", "macros", "filter"};
  Recorder rec;
  const RsiResult r = RunRsi(c, rec.Hooks());
  ASSERT_FALSE(rec.candidates.empty());
  for (const auto& cand : rec.candidates) {
    EXPECT_NE(cand.meta_operator, "credit_weights");
    EXPECT_NE(cand.meta_operator, "mine_macros");
    EXPECT_NE(cand.meta_operator, "discover_filter");
    EXPECT_TRUE(cand.spec.macros.empty());
    EXPECT_FALSE(cand.spec.filter);
  }
  // Without the credit channel the improver learns no credit.
  EXPECT_EQ(r.final_spec.credit_runs, c.initial.credit_runs);
  EXPECT_EQ(ToJson(r.final_spec)["learned"].dump(), ToJson(c.initial)["learned"].dump());
  if (r.adopted == 0) {
    EXPECT_EQ(SpecHash(r.final_spec), SpecHash(c.initial));
  }
}

TEST(RunRsi, CreditAccumulatesWhenNotAblated) {
  RsiConfig c = Tiny(1);
  c.generations = 1;
  const RsiResult r = RunRsi(c);
  EXPECT_GT(r.final_spec.credit_runs, 0);
  double trials = 0;
  for (const auto& k : r.final_spec.credit.kind) trials += k.trials;
  EXPECT_GT(trials, 0);
}

TEST(RunRsi, AStopFlagSetBeforeTheStartStopsAtOnceWithoutAResult) {
  // No consistent state exists before the frozen improver is measured: the run ends with an error
  // (a resumed run starts from the beginning).
  const RsiConfig c = Tiny(1);
  std::atomic<bool> stop{true};
  RsiHooks h;
  h.stop = &stop;
  int candidates = 0, checkpoints = 0;
  h.on_candidate = [&](const CandidateReport&) { ++candidates; };
  h.on_checkpoint = [&](const RsiState&) { ++checkpoints; };
  try {
    RunRsi(c, h);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("before the first checkpoint"), std::string::npos) << e.what();
  }
  EXPECT_EQ(candidates, 0);
  EXPECT_EQ(checkpoints, 0);
}

TEST(RunRsi, MaxSecondsEndsTheRun) {
  RsiConfig c = Tiny(1);
  c.generations = 1000;
  c.max_seconds = 1e-9;
  const RsiResult r = RunRsi(c);
  EXPECT_EQ(r.stop_reason, "max_seconds");
  EXPECT_EQ(r.generations, 0);
}

TEST(RunRsi, ZeroGenerationsMeasuresOnlyTheFrozenImprover) {
  RsiConfig c = Tiny(1);
  c.generations = 0;
  const RsiResult r = RunRsi(c);
  EXPECT_EQ(r.generations, 0);
  EXPECT_EQ(r.curve.size(), 1u);
  EXPECT_EQ(r.speedup.estimate, 1.0);
  EXPECT_EQ(r.evals_to_target_final, r.evals_to_target_frozen);
  EXPECT_FALSE(r.returns);
}

TEST(MeasureTest, FixedSeedsAndTargets) {
  const RsiConfig c = Tiny(1);
  const HeldOutMeasure a = MeasureTest(c.initial, c, nullptr);
  const HeldOutMeasure b = MeasureTest(c.initial, c, nullptr);
  EXPECT_EQ(a.auc, b.auc);
  EXPECT_EQ(a.evals_to_target, b.evals_to_target);
  ASSERT_EQ(a.targets.size(), 1u);
  // target "frozen": the median best of these very runs, so about half of them reach it.
  int reached = 0;
  for (bool x : a.reached) reached += x;
  EXPECT_GE(reached, 1);
  // Given targets are used as they are.
  const HeldOutMeasure t = MeasureTest(c.initial, c, nullptr, {2.0});
  EXPECT_EQ(t.targets, std::vector<double>{2.0});
  for (bool x : t.reached) EXPECT_FALSE(x);
  for (double e : t.evals_to_target) EXPECT_EQ(e, c.test.budget);
  EXPECT_EQ(t.auc, a.auc);
  // A fixed target in the config wins over both.
  RsiConfig fixed = c;
  fixed.test.target = 0.5;
  EXPECT_EQ(MeasureTest(c.initial, fixed, nullptr, {2.0}).targets, std::vector<double>{0.5});
  // The validation arena: its own families and seeds, its fixed target.
  const HeldOutMeasure v = MeasureValidation(c.initial, c, nullptr);
  EXPECT_EQ(v.targets, std::vector<double>{c.validation.target});
  EXPECT_EQ(v.auc.size(), c.validation.families.size() * c.validation_seeds);
  EXPECT_NE(v.auc, a.auc);
}

}  // namespace
}  // namespace ouro::meta
