// Tests of the self-application loop (RunRsi: determinism, SPRT evidence, the adoption seam,
// ablations, stopping, the held-out curve) and of its config (RsiConfig::Validate, the TOML file).
// Tiny arenas (2 small linear tasks, budgets of a few hundred evaluations, population 20), so a
// whole loop takes a fraction of a second.
#include "meta/rsi.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

#include "core/error.h"
#include "meta/job_runner.h"
#include "meta/rsi_config.h"
#include "search/run_config.h"

namespace ouro::meta {
namespace {

namespace fs = std::filesystem;

// The SPRT bounds are permissive on purpose (H0: 400 Elo weaker, H1: 200 Elo weaker, alpha = beta
// = 0.35): a candidate that does not lose most of its games is adopted within two to four games,
// so the loop's adoption plumbing is exercised whatever the engine's draws (seed 1 adopts in both
// generations; the tests that need an adoption say so if that ever stops). Strict() has real
// bounds. One thread: results do not depend on it, and on a loaded 2-core machine spinning
// workers cost more than these tiny batches.
RsiConfig Tiny(uint64_t seed) {
  RsiConfig c;
  c.seed = seed;
  c.threads = 1;
  search::EvolutionConfig base = search::DefaultRunConfig().evolution;
  base.batch = 8;
  base.check_every = 100;
  c.initial = PlainSpec(base);
  c.initial.name = "initial";
  c.initial.population = 20;
  c.initial.tournament = 4;
  c.initial.init_size = {3, 1, 3};
  c.train.base = base;
  c.train.families = {tasks::ParseTaskSpec("linear:dim=2,tasks=2,train=10,valid=10")};
  c.train.budget = 300;
  c.train.target = 0.9;
  c.held_out.base = base;
  c.held_out.families = {tasks::ParseTaskSpec("linear:dim=3,tasks=2,train=10,valid=10")};
  c.held_out.budget = 300;
  c.held_out.target = 0;  // the frozen improver's median best
  c.held_out_seeds = 2;
  c.generations = 2;
  c.candidates = 2;
  c.max_games = 4;
  c.sprt = {-400, -200, 0.35, 0.35};  // permissive: see above
  c.filter_budget = 200;
  return c;
}

// The strategy of a spec: everything but its name and what it learns while it runs (credit and,
// one level up, the meta-operator weights).
std::string Strategy(const ImproverSpec& s) {
  Json j = ToJson(s);
  j.erase("name");
  j.erase("learned");
  j["meta"].erase("weights");
  return j.dump();
}

RsiConfig Strict(uint64_t seed) {
  RsiConfig c = Tiny(seed);
  c.sprt = {0, 150, 0.3, 0.3};
  return c;
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
  EXPECT_EQ(r.adopted + r.rejected + r.inconclusive + r.vetoed, static_cast<int>(rec.candidates.size()));
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
  // Held-out: every family x seed measured, on the frozen improver's own targets.
  const size_t runs = c.held_out.families.size() * c.held_out_seeds;
  EXPECT_EQ(r.frozen.auc.size(), runs);
  EXPECT_EQ(r.frozen.evals_to_target.size(), runs);
  EXPECT_EQ(r.frozen.targets.size(), c.held_out.families.size());
  for (const auto& p : r.curve) EXPECT_EQ(p.incumbent.targets, r.frozen.targets);
  EXPECT_EQ(r.curve.front().incumbent.capability, r.frozen.capability);
  EXPECT_EQ(r.evals_to_target_frozen, Median(r.frozen.evals_to_target));
  EXPECT_EQ(r.evals_to_target_final, Median(r.curve.back().incumbent.evals_to_target));
  EXPECT_LE(r.speedup.low, r.speedup.estimate);
  EXPECT_GE(r.speedup.high, r.speedup.estimate);
  EXPECT_FALSE(r.returns_verdict.empty());
  // The log has a line per candidate.
  EXPECT_EQ(rec.log.size(), rec.candidates.size());
}

void ExpectSprtEvidence(const RsiConfig& c, const Recorder& rec) {
  const SprtBounds b = SprtLimits(c.sprt.alpha, c.sprt.beta);
  for (const auto& cand : rec.candidates) {
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
    EXPECT_DOUBLE_EQ(cand.llr, SprtLlr(w, l, d, c.sprt.elo0, c.sprt.elo1));
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
      EXPECT_EQ(SprtDecide(SprtLlr(pw, pl, pd, c.sprt.elo0, c.sprt.elo1), b), SprtDecision::kContinue)
          << "decided after " << k << " games but played " << n;
    }
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

TEST(MeasureHeldOut, FixedSeedsAndTargets) {
  const RsiConfig c = Tiny(1);
  const HeldOutMeasure a = MeasureHeldOut(c.initial, c, nullptr);
  const HeldOutMeasure b = MeasureHeldOut(c.initial, c, nullptr);
  EXPECT_EQ(a.auc, b.auc);
  EXPECT_EQ(a.evals_to_target, b.evals_to_target);
  ASSERT_EQ(a.targets.size(), 1u);
  // target "frozen": the median best of these very runs, so about half of them reach it.
  int reached = 0;
  for (bool x : a.reached) reached += x;
  EXPECT_GE(reached, 1);
  // Given targets are used as they are.
  const HeldOutMeasure t = MeasureHeldOut(c.initial, c, nullptr, {2.0});
  EXPECT_EQ(t.targets, std::vector<double>{2.0});
  for (bool x : t.reached) EXPECT_FALSE(x);
  for (double e : t.evals_to_target) EXPECT_EQ(e, c.held_out.budget);
  EXPECT_EQ(t.auc, a.auc);
  // A fixed target in the config wins over both.
  RsiConfig fixed = c;
  fixed.held_out.target = 0.5;
  EXPECT_EQ(MeasureHeldOut(c.initial, fixed, nullptr, {2.0}).targets, std::vector<double>{0.5});
}

// ---- RsiConfig -------------------------------------------------------------------------------

void ExpectInvalid(const std::function<void(RsiConfig&)>& edit, const std::string& fragment) {
  RsiConfig c = Tiny(1);
  edit(c);
  try {
    c.Validate();
    ADD_FAILURE() << "accepted; expected '" << fragment << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(RsiConfig, ValidateRejectsBadValues) {
  EXPECT_NO_THROW(Tiny(1).Validate());
  ExpectInvalid([](RsiConfig& c) { c.ablate = {"credit", "memory"}; }, "unknown ablation 'memory'");
  ExpectInvalid([](RsiConfig& c) { c.candidates = 0; }, "candidates");
  ExpectInvalid([](RsiConfig& c) { c.max_games = 0; }, "max_games");
  ExpectInvalid([](RsiConfig& c) { c.generations = -1; }, "generations");
  ExpectInvalid([](RsiConfig& c) { c.held_out_seeds = 0; }, "seeds");
  ExpectInvalid([](RsiConfig& c) { c.filter_budget = 0; }, "filter_budget");
  ExpectInvalid([](RsiConfig& c) { c.sprt.elo1 = c.sprt.elo0; }, "elo1");
  ExpectInvalid([](RsiConfig& c) { c.sprt.alpha = 0; }, "alpha");
  ExpectInvalid([](RsiConfig& c) { c.train.families.clear(); }, "no task families");
  ExpectInvalid([](RsiConfig& c) { c.held_out.budget = 0; }, "budget");
  ExpectInvalid([](RsiConfig& c) { c.initial.population = 1; }, "population");
  // RunRsi validates before doing anything.
  RsiConfig bad = Tiny(1);
  bad.candidates = 0;
  EXPECT_THROW(RunRsi(bad), Error);
}

class RsiFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ouro_rsi_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  // Expects ParseRsiConfig(text, "t.toml") to fail with every fragment in the message.
  static void ExpectError(const std::string& text, const std::vector<std::string>& fragments) {
    try {
      ParseRsiConfig(text, "t.toml");
      ADD_FAILURE() << "accepted:\n" << text;
    } catch (const Error& e) {
      for (const auto& f : fragments) EXPECT_NE(std::string(e.what()).find(f), std::string::npos) << e.what();
    }
  }
  fs::path dir_;
};

// The whole resolved config: the rsi part and both arenas' object-level mechanics.
std::string Resolved(const RsiFileConfig& f) {
  auto base = [](const search::EvolutionConfig& e) {
    search::RunConfig rc;
    rc.evolution = e;
    return search::ToJson(rc).dump();
  };
  return ToJson(f.rsi).dump() + "\n" + base(f.rsi.train.base) + "\n" + base(f.rsi.held_out.base) + "\n" + f.initial +
         " seed_given=" + std::to_string(f.seed_given) + " held_out_stop_at=" + std::to_string(f.rsi.held_out.stop_at);
}

TEST_F(RsiFile, EveryShippedRsiConfigLoads) {
  int n = 0;
  for (const auto& e : fs::recursive_directory_iterator(fs::path(OURO_SOURCE_DIR) / "configs")) {  // experiments/ too
    const std::string name = e.path().filename().string();
    if (name.rfind("rsi", 0) != 0 || e.path().extension() != ".toml") continue;
    ++n;
    EXPECT_NO_THROW({
      const RsiFileConfig f = LoadRsiConfig(e.path().string());
      f.rsi.Validate();
    }) << name;
  }
  EXPECT_GE(n, 4);  // rsi, rsi-demo, rsi-reward-hacking, experiments/rsi-old-arena
}

TEST_F(RsiFile, DemoConfigIsTheEmbeddedDefault) {
  const RsiFileConfig file = LoadRsiConfig(std::string(OURO_SOURCE_DIR) + "/configs/rsi-demo.toml");
  const RsiFileConfig def = DefaultRsiConfig();
  EXPECT_EQ(Resolved(file), Resolved(def));
  EXPECT_EQ(def.initial, "plain");
  EXPECT_TRUE(def.seed_given);
  EXPECT_EQ(def.rsi.held_out.target, 0);  // "frozen"
  EXPECT_EQ(ToJson(def.rsi)["held_out"]["target"], "frozen");
}

TEST_F(RsiFile, ParsesEveryTable) {
  const std::string spec_path = Write("init.json", ToJson(Tiny(1).initial).dump());
  const std::string text = R"(seed = 9
threads = 1
[shape]
dim = 2
[search]
population = 20
tournament = 4
batch = 8
[improver]
initial = ")" + spec_path + R"("
[rsi]
generations = 3
candidates = 2
max_games = 5
max_seconds = 12.5
filter_budget = 300
ablate = ["macros"]
[rsi.sprt]
elo0 = -10
elo1 = 80
alpha = 0.1
beta = 0.2
[rsi.train]
families = ["linear:dim=2,tasks=2,train=10,valid=10", "nonlinear:dim=2,tasks=2,train=10,valid=10,hidden=2"]
budget = 400
target = 0.8
stop_at = 0.99
[rsi.held_out]
families = ["linear:dim=5,tasks=2,train=10,valid=10"]
seeds = 3
budget = 500
target = 0.7
)";
  const RsiFileConfig f = ParseRsiConfig(text, "t.toml");
  const RsiConfig& c = f.rsi;
  EXPECT_TRUE(f.seed_given);
  EXPECT_EQ(c.seed, 9u);
  EXPECT_EQ(c.threads, 1);
  EXPECT_EQ(c.generations, 3);
  EXPECT_EQ(c.candidates, 2);
  EXPECT_EQ(c.max_games, 5);
  EXPECT_EQ(c.max_seconds, 12.5);
  EXPECT_EQ(c.filter_budget, 300);
  EXPECT_EQ(c.ablate, std::vector<std::string>{"macros"});
  EXPECT_EQ(c.sprt.elo0, -10);
  EXPECT_EQ(c.sprt.elo1, 80);
  EXPECT_EQ(c.sprt.alpha, 0.1);
  EXPECT_EQ(c.sprt.beta, 0.2);
  ASSERT_EQ(c.train.families.size(), 2u);
  EXPECT_EQ(c.train.families[1].family, "nonlinear");
  EXPECT_EQ(c.train.budget, 400);
  EXPECT_EQ(c.train.target, 0.8);
  EXPECT_EQ(c.train.stop_at, 0.99);
  EXPECT_EQ(c.held_out_seeds, 3);
  EXPECT_EQ(c.held_out.budget, 500);
  EXPECT_EQ(c.held_out.target, 0.7);
  EXPECT_EQ(c.train.base.batch, 8);
  EXPECT_EQ(c.train.base.shape.dim, 2);
  // The initial improver is the spec file's (renamed).
  EXPECT_EQ(c.initial.name, "initial");
  EXPECT_EQ(SpecHash(c.initial), SpecHash(Tiny(1).initial));
  EXPECT_EQ(f.initial, spec_path);
  // "config": the [search] strategy as a spec.
  const std::string cfg = "[search]\npopulation = 40\ntournament = 4\nmutations = [\"alter\", \"insert\"]\n[improver]\ninitial = \"config\"\n";
  const RsiFileConfig g = ParseRsiConfig(cfg, "t.toml");
  EXPECT_EQ(g.rsi.initial.population, 40);
  EXPECT_EQ(g.rsi.initial.mutations.size(), 2u);
  EXPECT_FALSE(g.seed_given);
}

TEST_F(RsiFile, BadKeysAndTypesNameFileAndLine) {
  ExpectError("[rsi]\ngenerations = 2\ncandidatez = 3\n", {"t.toml:3", "unknown key 'candidatez'"});
  ExpectError("[rsi]\ngenerations = \"many\"\n", {"t.toml:2", "[rsi].generations", "integer"});
  ExpectError("[rsi]\ncandidates = 0\n", {"t.toml:2", "candidates", "out of range"});
  ExpectError("[rsi]\nmax_seconds = \"x\"\n", {"t.toml:2", "max_seconds", "number"});
  ExpectError("[rsi]\nablate = \"credit\"\n", {"t.toml:2", "ablate"});
  ExpectError("[rsi]\nablate = [\"credit\", \"luck\"]\n", {"t.toml", "unknown ablation 'luck'"});
  ExpectError("[rsi.sprt]\nelo2 = 5\n", {"t.toml:2", "unknown key 'elo2'"});
  ExpectError("[rsi.sprt]\nalpha = 0.9\n", {"t.toml:2", "alpha"});
  ExpectError("[rsi.train]\nseeds = 3\n", {"t.toml:2", "unknown key 'seeds'"});
  ExpectError("[rsi.train]\nfamilies = [\"nosuchfamily\"]\n", {"t.toml:2", "[rsi.train].families", "nosuchfamily"});
  ExpectError("[rsi.train]\nfamilies = []\n", {"t.toml:2", "at least one"});
  ExpectError("[rsi.train]\nfamilies = [1, 2]\n", {"t.toml:2", "array of strings"});
  ExpectError("[rsi.held_out]\nbudget = 0\n", {"t.toml:2", "budget"});
  ExpectError("[rsi.held_out]\ntarget = \"best\"\n", {"t.toml:2", "frozen"});
  ExpectError("[improver]\ninitial = 3\n", {"t.toml:2", "[improver].initial"});
  ExpectError("[improver]\nspec = \"x\"\n", {"t.toml:2", "unknown key 'spec'"});
  ExpectError("[improver]\ninitial = \"/no/such/spec.json\"\n", {"t.toml", "/no/such/spec.json"});
  ExpectError("[rsi]\ngenerations = 2\n[rsi.turbo]\nx = 1\n", {"t.toml:3", "unknown key 'turbo'"});
  ExpectError("[rsi]\ngenerations = = 2\n", {"t.toml:2"});
  ExpectError("[search]\npopulaton = 10\n", {"t.toml", "populaton"});
  EXPECT_THROW(LoadRsiConfig((dir_ / "missing.toml").string()), Error);
}

TEST_F(RsiFile, HeldOutFamiliesMustNotBeTrainingFamilies) {
  ExpectError(
      "[rsi.train]\nfamilies = [\"linear:dim=4,tasks=5\"]\n"
      "[rsi.held_out]\nfamilies = [\"nonlinear:dim=4\", \"linear:dim=4,tasks=2,train=10\"]\n",
      {"t.toml", "[rsi.held_out]", "also a training family"});
  // The same family at another dim (or hidden size) is a different family.
  EXPECT_NO_THROW(ParseRsiConfig("[rsi.train]\nfamilies = [\"linear:dim=4\"]\n[rsi.held_out]\nfamilies = [\"linear:dim=5\"]\n",
                                 "t.toml"));
  EXPECT_NO_THROW(ParseRsiConfig(
      "[rsi.train]\nfamilies = [\"nonlinear:dim=4,hidden=4\"]\n[rsi.held_out]\nfamilies = [\"nonlinear:dim=4,hidden=8\"]\n",
      "t.toml"));
}

TEST_F(RsiFile, FrozenTargetOnlyForHeldOut) {
  ExpectError("[rsi.train]\ntarget = \"frozen\"\n", {"t.toml:2", "[rsi.train].target", "held_out"});
  const RsiFileConfig f = ParseRsiConfig("[rsi.held_out]\ntarget = \"frozen\"\n", "t.toml");
  EXPECT_EQ(f.rsi.held_out.target, 0);
  const RsiFileConfig g = ParseRsiConfig("[rsi.held_out]\ntarget = 0.75\n", "t.toml");
  EXPECT_EQ(g.rsi.held_out.target, 0.75);
  ExpectError("[rsi.held_out]\ntarget = 0\n", {"t.toml:2", "target"});
  ExpectError("[rsi.held_out]\ntarget = 1.5\n", {"t.toml:2", "target"});
}

// A tiny regularized population ([search] population = 20 with the default tournament 10) is a
// valid run config; the plain initial improver's unused islands = 4 must not be checked against
// population / tournament = 2 (it once was, and the file was refused).
TEST_F(RsiFile, SmallPopulationWithTheDefaultTournamentLoads) {
  RsiFileConfig f;
  ASSERT_NO_THROW(f = ParseRsiConfig("[search]\npopulation = 20\n", "t.toml"));
  EXPECT_EQ(f.rsi.initial.population, 20);
  EXPECT_EQ(f.rsi.initial.scheme, "regularized");
}


// ---- checkpoints, resume, budgets, the adoption seam's evidence -------------------------------

namespace ckpt {

// A compact fingerprint of a result: everything a resumed run must reproduce (not the time).
std::string Fingerprint(const RsiResult& r) {
  std::ostringstream o;
  o.precision(17);
  o << r.generations << " " << r.adopted << "/" << r.rejected << "/" << r.inconclusive << "/" << r.vetoed << " "
    << r.cumulative_evaluations << " " << r.oversight_evaluations << " " << SpecHash(r.final_spec) << " "
    << ToJson(r.final_spec).dump() << "\n";
  for (const auto& h : r.improver_hashes) o << h << " ";
  for (const auto& p : r.curve) {
    o << "\n" << p.generation << " " << p.improver_hash << " " << p.cumulative_evaluations << " " << p.incumbent.capability;
    for (double a : p.incumbent.auc) o << " " << a;
  }
  o << "\nspeedup " << r.speedup.estimate << " " << r.speedup.low << " " << r.speedup.high;
  return o.str();
}

RsiConfig Three() {
  RsiConfig c = Tiny(3);
  c.generations = 3;
  return c;
}

}  // namespace ckpt

TEST(RsiCheckpoint, StateRoundTripsExactlyThroughJson) {
  std::vector<RsiState> states;
  RsiHooks h;
  h.on_checkpoint = [&](const RsiState& s) { states.push_back(s); };
  RunRsi(ckpt::Three(), h);
  ASSERT_EQ(states.size(), 4u);  // generation 0 and each of 3 generations
  for (size_t i = 0; i < states.size(); ++i) {
    EXPECT_EQ(states[i].generation, static_cast<int>(i));
    const nlohmann::json j = ToJson(states[i]);
    const RsiState back = StateFromJson(nlohmann::json::parse(j.dump()));
    EXPECT_EQ(ToJson(back).dump(), j.dump());
  }
}

TEST(RsiCheckpoint, MalformedStateIsAnError) {
  std::vector<RsiState> states;
  RsiHooks h;
  h.on_checkpoint = [&](const RsiState& s) { states.push_back(s); };
  RsiConfig c = Tiny(1);
  c.generations = 0;
  RunRsi(c, h);
  ASSERT_FALSE(states.empty());
  nlohmann::json j = ToJson(states.back());
  j.erase("rng");
  EXPECT_THROW(StateFromJson(j), Error);
  j = ToJson(states.back());
  j["curve"] = nlohmann::json::array();
  EXPECT_THROW(StateFromJson(j), Error);
  EXPECT_THROW(StateFromJson(nlohmann::json::parse("[1,2]")), Error);
}

TEST(RsiCheckpoint, ResumingFromEveryCheckpointReachesTheUninterruptedResult) {
  std::vector<RsiState> states;
  std::vector<std::string> decisions;
  RsiHooks h;
  h.on_checkpoint = [&](const RsiState& s) { states.push_back(s); };
  h.on_candidate = [&](const CandidateReport& r) {
    decisions.push_back(std::to_string(r.generation) + "." + std::to_string(r.index) + " " + r.decision + " " + SpecHash(r.spec));
  };
  const RsiResult full = RunRsi(ckpt::Three(), h);
  const std::string want = ckpt::Fingerprint(full);
  ASSERT_GE(full.adopted, 1) << "the test needs a lineage with an adoption";
  for (const RsiState& s : states) {
    std::vector<std::string> later;
    RsiHooks h2;
    h2.on_candidate = [&](const CandidateReport& r) {
      later.push_back(std::to_string(r.generation) + "." + std::to_string(r.index) + " " + r.decision + " " + SpecHash(r.spec));
    };
    const RsiState copy = StateFromJson(nlohmann::json::parse(ToJson(s).dump()));
    const RsiResult r = RunRsi(ckpt::Three(), h2, &copy);
    EXPECT_EQ(ckpt::Fingerprint(r), want) << "resumed after generation " << s.generation;
    // The resumed run proposes exactly the candidates the uninterrupted one did after that point.
    std::vector<std::string> tail;
    for (const auto& d : decisions)
      if (std::stoi(d) > s.generation) tail.push_back(d);
    EXPECT_EQ(later, tail) << "resumed after generation " << s.generation;
  }
}

TEST(RsiCheckpoint, AStopMidGenerationReturnsTheLastCheckpointAndResumesToTheSameEnd) {
  const RsiResult full = RunRsi(ckpt::Three());
  // Stop at the k-th safe point (between games), for several k.
  for (int k : {3, 9, 17, 30}) {
    std::atomic<bool> stop{false};
    int points = 0;
    std::optional<RsiState> last;
    RsiHooks h;
    h.stop = &stop;
    h.pause_point = [&] {
      if (++points == k) stop = true;
    };
    h.on_checkpoint = [&](const RsiState& s) { last = s; };
    const RsiResult part = RunRsi(ckpt::Three(), h);
    ASSERT_TRUE(last.has_value());
    if (part.stop_reason != "stopped") continue;  // k beyond the run's safe points
    EXPECT_EQ(part.generations, last->generation) << k;
    EXPECT_EQ(ToJson(part.final_spec).dump(), ToJson(last->incumbent).dump()) << k;
    EXPECT_EQ(part.cumulative_evaluations, last->result.cumulative_evaluations) << k;
    const RsiResult rest = RunRsi(ckpt::Three(), {}, &*last);
    EXPECT_EQ(ckpt::Fingerprint(rest), ckpt::Fingerprint(full)) << "stopped at safe point " << k;
  }
}

// The same with the jobs on two threads: a stop between two games of a batch still discards the
// unfinished generation, and the resumed run (on one thread) ends where the uninterrupted one did.
TEST(RsiCheckpoint, AStopWithTwoJobThreadsResumesToTheSameEnd) {
  const RsiResult full = RunRsi(ckpt::Three());
  std::atomic<bool> stop{false};
  int points = 0;
  std::optional<RsiState> last;
  RsiHooks h;
  h.stop = &stop;
  h.pause_point = [&] {
    if (++points == 9) stop = true;
  };
  h.on_checkpoint = [&](const RsiState& s) { last = s; };
  ThreadRunner runner(2);
  const RsiResult part = RunRsi(ckpt::Three(), h, nullptr, runner);
  ASSERT_TRUE(last.has_value());
  ASSERT_EQ(part.stop_reason, "stopped");
  EXPECT_EQ(part.generations, last->generation);
  EXPECT_EQ(part.cumulative_evaluations, last->result.cumulative_evaluations);
  const RsiResult rest = RunRsi(ckpt::Three(), {}, &*last);
  EXPECT_EQ(ckpt::Fingerprint(rest), ckpt::Fingerprint(full));
}

TEST(RsiCheckpoint, AnEvaluationBudgetStopsAtACheckpointWithItsReason) {
  RsiConfig c = ckpt::Three();
  std::vector<RsiState> states;
  RsiHooks h;
  h.on_checkpoint = [&](const RsiState& s) { states.push_back(s); };
  const RsiResult full = RunRsi(c, h);
  ASSERT_GE(states.size(), 3u);
  // A budget that runs out during generation 2.
  c.run_budget.evaluations = (states[1].result.cumulative_evaluations + states[2].result.cumulative_evaluations) / 2;
  const RsiResult r = RunRsi(c);
  EXPECT_EQ(r.stop_reason, "budget: run evaluations");
  EXPECT_EQ(r.generations, 1);
  EXPECT_EQ(r.cumulative_evaluations, states[1].result.cumulative_evaluations);
  // Per generation: less than any generation needs stops in generation 1.
  RsiConfig g = ckpt::Three();
  g.generation_budget.evaluations = 1;
  const RsiResult rg = RunRsi(g);
  EXPECT_EQ(rg.stop_reason, "budget: generation evaluations");
  EXPECT_EQ(rg.generations, 0);
  EXPECT_GT(full.generations, 0);
}

TEST(RsiSeam, TheAdoptionSeamSeesMetricsHeldOutAndADeterministicRerun) {
  RsiHooks h;
  int seen = 0;
  h.adopt = [&](const Adoption& a) {
    ++seen;
    const auto& m = a.candidate->metrics;
    for (const char* k : {"gain", "search_heldout_gap", "gap_increase", "heldout_gain", "size_ratio", "cost_ratio",
                          "nonfinite", "heldout_jump_sd", "heldout_drop"})
      EXPECT_TRUE(m.count(k)) << k;
    EXPECT_DOUBLE_EQ(m.at("gain"), a.candidate->meta_utility - a.candidate->incumbent_meta_utility);
    EXPECT_EQ(m.at("nonfinite"), 0);
    EXPECT_NE(a.incumbent_held_out, nullptr);
    EXPECT_NE(a.candidate_held_out, nullptr);
    EXPECT_DOUBLE_EQ(m.at("heldout_drop"), a.incumbent_held_out->capability - a.candidate_held_out->capability);
    EXPECT_EQ(a.rerun_first_game(), a.candidate->games.at(0).candidate_auc);
    a.candidate->note = "vetoed by the test";
    return false;
  };
  std::vector<CandidateReport> reps;
  h.on_candidate = [&](const CandidateReport& r) { reps.push_back(r); };
  const RsiResult r = RunRsi(ckpt::Three(), h);
  ASSERT_GT(seen, 0);
  EXPECT_EQ(r.vetoed, seen);
  EXPECT_EQ(r.adopted, 0);
  EXPECT_EQ(r.curve.size(), 1u);  // nothing adopted: no new curve point
  for (const auto& c : reps) {
    if (c.decision == "vetoed") {
      EXPECT_EQ(c.note, "vetoed by the test");
    }
  }
  EXPECT_GT(r.oversight_evaluations, 0);
}

}  // namespace
}  // namespace ouro::meta
