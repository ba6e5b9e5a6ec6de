// Tests of the compound meta level (issue 15 item 5): the program archive (ranked by held-out
// fitness, deduplicated by live code, bounded, through JSON), the learner rule and its credit, the
// spec's JSON across eras (older specs read with default weights for the new operators and keep
// their form), the new meta-operators (each changes what it says; a few hundred chained proposals
// stay valid and apply to a base), and the loop: an archive in every checkpoint, none under
// legacy_meta, whose proposals keep to the first seven operators.
#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <string>

#include "core/error.h"
#include "lang/reference.h"
#include "lang/text.h"
#include "meta/archive.h"
#include "meta/rsi.h"
#include "rsi_test_util.h"
#include "spec_test_util.h"

namespace ouro::meta {
namespace {

using lang::Op;
using lang::Program;
using test::MetaIdx;
using test::OpWeight;

Program Learner() { return lang::Parse(*lang::ReferenceProgram("linear_regression")); }
Program Const(double v) { return lang::Parse("def predict():\n  s1 = " + std::to_string(v) + "\n"); }

// ---- the archive -----------------------------------------------------------------------------

TEST(ProgramArchive, RanksByHeldFitnessTiesByOfferOrder) {
  ProgramArchive a;
  a.Offer(Const(0.1), 0.5, 1);
  a.Offer(Const(0.2), 0.9, 1);
  a.Offer(Const(0.3), 0.5, 2);
  a.Offer(Const(0.4), std::nan(""), 2);  // ignored
  ASSERT_EQ(a.entries().size(), 3u);
  EXPECT_EQ(a.Programs(), (std::vector<Program>{Const(0.2), Const(0.1), Const(0.3)}));
  EXPECT_EQ(a.entries()[2].generation, 2);
}

TEST(ProgramArchive, SameLiveCodeIsOneEntryKeepingTheBetterScore) {
  ProgramArchive a;
  const Program p = Learner();
  Program dead = p;  // the same live code plus an instruction nothing reads
  dead.fn[0].push_back(lang::Parse("def setup():\n  s3 = 0.5\n").fn[0][0]);
  a.Offer(p, 0.6, 1);
  a.Offer(dead, 0.8, 2);
  a.Offer(p, 0.7, 3);
  ASSERT_EQ(a.entries().size(), 1u);
  EXPECT_EQ(a.entries()[0].program, p);  // the first one offered
  EXPECT_EQ(a.entries()[0].held_fitness, 0.8);
  EXPECT_EQ(a.entries()[0].generation, 1);
}

TEST(ProgramArchive, BoundedKeepingTheBestAndRoundTripsThroughJson) {
  ProgramArchive a(4);
  for (int i = 0; i < 10; ++i) a.Offer(Const(i / 16.0), (i * 7 % 10) / 10.0, i);
  ASSERT_EQ(a.entries().size(), 4u);
  for (size_t i = 0; i + 1 < a.entries().size(); ++i)
    EXPECT_GE(a.entries()[i].held_fitness, a.entries()[i + 1].held_fitness);
  EXPECT_EQ(a.entries()[0].held_fitness, 0.9);
  EXPECT_EQ(a.entries()[3].held_fitness, 0.6);
  const ProgramArchive back = ProgramArchive::FromJson(nlohmann::json::parse(a.ToJson().dump()));
  EXPECT_EQ(back, a);
  nlohmann::json bad = a.ToJson();
  bad["entries"][0]["program"] = "def learn():\n  what\n";
  EXPECT_THROW(ProgramArchive::FromJson(bad), Error);
  bad = a.ToJson();
  bad["capacity"] = 2;
  EXPECT_THROW(ProgramArchive::FromJson(bad), Error);
}

// ---- learners and their credit ---------------------------------------------------------------

TEST(Learners, RegressionAtTheThresholdOnly) {
  RunOutcome o;
  o.held_fitness = kLearnerFitness;
  EXPECT_TRUE(IsLearner(o, tasks::ParseTaskSpec("linear:dim=2")));
  EXPECT_TRUE(IsLearner(o, tasks::ParseTaskSpec("nonlinear:dim=2")));
  EXPECT_FALSE(IsLearner(o, tasks::ParseTaskSpec("fmnist:dim=16,pairs=0-1")));
  o.held_fitness = kLearnerFitness - 1e-9;
  EXPECT_FALSE(IsLearner(o, tasks::ParseTaskSpec("linear:dim=2")));
}

TEST(Learners, CountedOpsRaiseTheirCreditWeight) {
  ImproverSpec s;
  s.operations[2] = {{Op::kScalarSub, 1}, {Op::kScalarAdd, 1}, {Op::kVectorAdd, 1}};
  for (Op op : {Op::kScalarSub, Op::kScalarAdd, Op::kVectorAdd}) s.credit.op[2][static_cast<int>(op)] = {1000, 5};
  ImproverSpec without = s;
  ApplyCredit(without, 1);
  EXPECT_EQ(OpWeight(without, 2, Op::kScalarAdd), OpWeight(without, 2, Op::kScalarSub));
  CountLearner(Learner(), s);  // its live learn code: s3 = s0 - s1, s3 = s2 * s3, v2 = ..., v1 = v1 + v2
  EXPECT_EQ(s.learner_runs, 1);
  EXPECT_EQ(s.learner_ops[2][static_cast<int>(Op::kScalarSub)], 1);
  EXPECT_EQ(s.learner_ops[2][static_cast<int>(Op::kVectorAdd)], 1);
  EXPECT_EQ(s.learner_ops[2][static_cast<int>(Op::kScalarAdd)], 0);
  ApplyCredit(s, 1);
  EXPECT_EQ(OpWeight(s, 2, Op::kScalarSub), 1);
  EXPECT_LT(OpWeight(s, 2, Op::kScalarAdd), OpWeight(s, 2, Op::kScalarSub));
  // The counts round-trip through the spec's JSON.
  const ImproverSpec back = SpecFromJson(Json::parse(ToJson(s).dump()));
  EXPECT_EQ(back.learner_ops, s.learner_ops);
  EXPECT_EQ(back.learner_runs, 1);
}

// ---- the spec's JSON across eras -----------------------------------------------------------------

TEST(SpecEras, OlderSpecsReadWithDefaultWeightsAndKeepTheirForm) {
  const ImproverSpec s = test::RichSpec();
  const Json j = ToJson(s);
  // At their defaults the new operators' weights and the empty learner table are not written.
  EXPECT_EQ(j["meta"]["weights"].size(), static_cast<size_t>(kNumLegacyMetaOperators));
  EXPECT_FALSE(j["learned"].contains("learners"));
  EXPECT_FALSE(j.contains("warm_start"));
  const ImproverSpec back = SpecFromJson(j);
  EXPECT_EQ(back.meta_weights, s.meta_weights);
  for (int i = kNumLegacyMetaOperators; i < kNumMetaOperators; ++i) EXPECT_EQ(back.meta_weights[i], kDefaultMetaWeights[i]);
  EXPECT_EQ(SpecHash(back), SpecHash(s));
  // A changed new weight is written and read back.
  ImproverSpec t = s;
  t.meta_weights[MetaIdx("warm_start")] = 0.3;
  EXPECT_EQ(SpecFromJson(ToJson(t)).meta_weights, t.meta_weights);
  EXPECT_NE(SpecHash(t), SpecHash(s));
}

// ---- the new meta-operators ------------------------------------------------------------------

ImproverSpec Only(ImproverSpec s, const char* op) {
  s.meta_weights.fill(0);
  s.meta_weights[MetaIdx(op)] = 1;
  return s;
}

ProposalContext Context(const search::EvolutionConfig& base) {
  ProposalContext ctx;
  ctx.shape = base.shape;
  ctx.archive = {Learner(), Const(0.25), Const(0.5)};
  ctx.check = [base](const ImproverSpec& s) { (void)ApplySpec(s, base); };
  return ctx;
}

TEST(CompoundOperators, WarmStartTakesTheArchivesBestOrDropsIt) {
  const search::EvolutionConfig base = search::DefaultRunConfig().evolution;
  ImproverSpec s = Only(PlainSpec(base), "warm_start");
  Rng rng(3);
  std::string name;
  ProposalContext ctx = Context(base);
  const ImproverSpec c = ProposeCandidate(s, rng, ctx, &name);
  EXPECT_EQ(name, "warm_start");
  ASSERT_TRUE(c.warm_start);
  EXPECT_EQ(c.warm_start->programs.front(), Learner());
  EXPECT_EQ(c.warm_start->share, 0.1);
  ctx.archive.clear();  // nothing to take: a spec without a warm start has nothing to change
  EXPECT_THROW(ProposeCandidate(s, rng, ctx, &name), Error);
  EXPECT_FALSE(ProposeCandidate(c, rng, ctx, &name).warm_start);  // with one: dropped
}

TEST(CompoundOperators, EachChangesWhatItSays) {
  const search::EvolutionConfig base = search::DefaultRunConfig().evolution;
  ImproverSpec s = test::RichSpec();
  s.scheme = "regularized";
  const ProposalContext ctx = Context(base);
  Rng rng(11);
  std::string name;
  for (int k = 0; k < 20; ++k) {
    const ImproverSpec a = ProposeCandidate(Only(s, "perturb_sizes"), rng, ctx, &name);
    EXPECT_TRUE(a.init_size != s.init_size || a.min_size != s.min_size || a.max_size != s.max_size);
    for (int c = 0; c < lang::kNumComponents; ++c) {
      EXPECT_LE(a.min_size[c], a.init_size[c]);
      EXPECT_LE(a.init_size[c], a.max_size[c]);
    }
    const ImproverSpec b = ProposeCandidate(Only(s, "toggle_initial"), rng, ctx, &name);
    EXPECT_EQ(b.initial, s.initial == "random" ? "empty" : "random");
    const ImproverSpec r = ProposeCandidate(Only(s, "perturb_restart"), rng, ctx, &name);
    EXPECT_TRUE(r.max_individuals != s.max_individuals || r.max_experiments != s.max_experiments);
    const ImproverSpec f = ProposeCandidate(Only(s, "perturb_filter"), rng, ctx, &name);
    ASSERT_TRUE(f.filter);
    EXPECT_TRUE(f.filter->threshold != s.filter->threshold || f.filter->warmup != s.filter->warmup ||
                f.filter->explore != s.filter->explore);
    EXPECT_EQ(f.filter->program, s.filter->program);
  }
  ImproverSpec no_filter = s;
  no_filter.filter.reset();
  EXPECT_THROW(ProposeCandidate(Only(no_filter, "perturb_filter"), rng, ctx, &name), Error);
}

TEST(CompoundOperators, ChainedProposalsStayValidAndApply) {
  const search::EvolutionConfig base = search::DefaultRunConfig().evolution;
  ImproverSpec s = PlainSpec(base);
  const ProposalContext ctx = Context(base);
  Rng rng(5);
  std::set<std::string> used;
  for (int k = 0; k < 300; ++k) {
    std::string name;
    s = ProposeCandidate(s, rng, ctx, &name);
    used.insert(name);
    ASSERT_NO_THROW(s.Validate()) << k << " " << name;
    ASSERT_NO_THROW(ApplySpec(s, base)) << k << " " << name;
    ASSERT_NO_THROW(SpecFromJson(Json::parse(ToJson(s).dump()))) << k << " " << name;
  }
  for (const char* op : {"warm_start", "perturb_sizes", "toggle_initial", "perturb_restart"})
    EXPECT_TRUE(used.count(op)) << op;
}

TEST(CompoundOperators, TheLegacySetDrawsOnlyTheFirstSeven) {
  const search::EvolutionConfig base = search::DefaultRunConfig().evolution;
  ImproverSpec s = PlainSpec(base);
  s.meta_weights.fill(1);
  ProposalContext ctx = Context(base);
  ctx.operators = kNumLegacyMetaOperators;
  Rng rng(9);
  for (int k = 0; k < 100; ++k) {
    std::string name;
    ProposeCandidate(s, rng, ctx, &name);
    EXPECT_LT(MetaIndex(name), kNumLegacyMetaOperators) << name;
  }
}

// ---- the loop --------------------------------------------------------------------------------

TEST(CompoundLoop, CheckpointsCarryTheArchiveAndLegacyRunsHaveNone) {
  std::vector<RsiState> states;
  RsiHooks h;
  h.on_checkpoint = [&](const RsiState& st) { states.push_back(st); };
  RunRsi(test::Tiny(2), h);
  ASSERT_GE(states.size(), 2u);
  EXPECT_TRUE(states.front().archive.entries().empty());  // generation 0 plays no game
  const ProgramArchive& a = states.back().archive;
  EXPECT_FALSE(a.entries().empty());
  EXPECT_LE(a.entries().size(), static_cast<size_t>(ProgramArchive::kCapacity));
  EXPECT_EQ(StateFromJson(nlohmann::json::parse(ToJson(states.back()).dump())).archive, a);

  RsiConfig legacy = test::Tiny(2);
  legacy.legacy_meta = true;
  states.clear();
  h.on_candidate = [](const CandidateReport& r) { EXPECT_LT(MetaIndex(r.meta_operator), kNumLegacyMetaOperators); };
  RunRsi(legacy, h);
  for (const RsiState& st : states) EXPECT_TRUE(st.archive.entries().empty());
}

TEST(CompoundLoop, LearnerGamesAreCountedInTheIncumbent) {
  RsiConfig c = test::Tiny(4);
  c.train.families = {tasks::ParseTaskSpec("linear:dim=2,tasks=2,train=100,valid=100")};
  c.initial.warm_start = search::WarmStart{{Learner()}, 0.5};  // every game starts from a learner
  c.generations = 1;
  const RsiResult r = RunRsi(c);
  EXPECT_GT(r.final_spec.learner_runs, 0);
  EXPECT_GT(r.final_spec.learner_ops[2][static_cast<int>(Op::kVectorAdd)], 0);
  c.ablate = {"credit"};
  EXPECT_EQ(RunRsi(c).final_spec.learner_runs, 0);
}

}  // namespace
}  // namespace ouro::meta
