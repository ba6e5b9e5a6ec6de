// Tests of the rsi loop's jobs and runners: a job's outcome is a function of the job alone, the
// wire form round-trips exactly, a paired game is scored by its areas, and every runner (inline,
// one thread, two threads) returns the same outcomes in job order. Tiny arenas, fixed seeds.
#include "meta/jobs.h"

#include <gtest/gtest.h>

#include <utility>

#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/error.h"
#include "meta/job_runner.h"
#include "meta/rsi.h"
#include "search/run_config.h"

namespace ouro::meta {
namespace {

search::EvolutionConfig Base() {
  search::EvolutionConfig base = search::DefaultRunConfig().evolution;
  base.batch = 8;
  base.check_every = 100;
  return base;
}

Arena Train() {
  Arena a;
  a.base = Base();
  a.families = {tasks::ParseTaskSpec("linear:dim=2,tasks=2,train=10,valid=10"),
                tasks::ParseTaskSpec("linear:dim=3,tasks=2,train=10,valid=10")};
  a.budget = 300;
  a.target = 0.9;
  return a;
}

ImproverSpec Spec(const std::string& name, int population) {
  ImproverSpec s = PlainSpec(Base());
  s.name = name;
  s.population = population;
  s.tournament = 4;
  s.init_size = {3, 1, 3};
  return s;
}

// The outcome's wire form without the wall seconds (the run's, the trace's, the proposer's), the
// parts that are measured rather than computed (the round-trip test below keeps them).
std::string Dump(const RunOutcome& o) {
  RunOutcome c = o;
  c.seconds = 0;
  c.model.seconds = 0;
  for (auto& p : c.trace) p.seconds = 0;
  return ToJson(c).dump();
}

std::vector<std::string> Dump(const std::vector<RunOutcome>& v) {
  std::vector<std::string> out;
  for (const auto& o : v) out.push_back(Dump(o));
  return out;
}

// Jobs of both kinds, for two improvers, on both families.
std::vector<RunJob> SomeJobs() {
  const Arena train = Train();
  const ImproverSpec a = Spec("a", 20), b = Spec("b", 12);
  return {GameJob(a, train, 3, 1, 0, 1, true), GameJob(b, train, 3, 1, 0, 1), GameJob(a, train, 3, 1, 1, 1),
          GameJob(b, train, 3, 2, 1, 1), HeldOutJob(a, train, 3, 1, 0, 1)};
}

TEST(GameJob, PairsTheIncumbentAndTheCandidateOnTheSameFamilyAndSeed) {
  const Arena train = Train();
  const RunJob inc = GameJob(Spec("a", 20), train, 5, 2, 3, 1);
  const RunJob cand = GameJob(Spec("b", 12), train, 5, 2, 3, 1);
  EXPECT_EQ(inc.family, 1);  // game 3 of 2 families
  EXPECT_EQ(inc.family, cand.family);
  EXPECT_EQ(inc.seed, cand.seed);
  EXPECT_NE(inc.seed, GameJob(Spec("a", 20), train, 5, 3, 3, 1).seed);  // another generation
  EXPECT_NE(inc.seed, GameJob(Spec("a", 20), train, 5, 2, 5, 1).seed);  // another game
  // Held-out seeds do not depend on the generation: there is none in the job.
  EXPECT_EQ(HeldOutJob(Spec("a", 20), train, 5, 1, 2, 1).seed, HeldOutJob(Spec("b", 12), train, 5, 1, 2, 1).seed);
}

TEST(GameJob, TheOutcomeDependsOnlyOnTheJob) {
  const std::vector<RunJob> jobs = SomeJobs();
  const std::string first = Dump(Execute(jobs[0]));
  Execute(jobs[1]);  // anything run in between changes nothing
  EXPECT_EQ(Dump(Execute(jobs[0])), first);
  RunJob more_threads = jobs[0];
  more_threads.threads = 2;
  EXPECT_EQ(Dump(Execute(more_threads)), first);
  EXPECT_NE(Dump(Execute(jobs[1])), first);  // and the job does matter
}

TEST(GameJob, ScoreGameComparesAreasWithDrawsWithinEpsilon) {
  RunOutcome inc, cand;
  inc.auc = 0.5;
  cand.auc = 0.6;
  EXPECT_EQ(ScoreGame(inc, cand).outcome, 1);
  EXPECT_EQ(ScoreGame(cand, inc).outcome, -1);
  cand.auc = 0.5 + 1e-10;
  const Game g = ScoreGame(inc, cand);
  EXPECT_EQ(g.outcome, 0);
  EXPECT_EQ(g.incumbent_auc, 0.5);
  EXPECT_EQ(g.candidate_auc, 0.5 + 1e-10);
}

TEST(JobJson, AJobRoundTripsAndRunsTheSameThroughItsWireForm) {
  const Arena train = Train();
  for (const RunJob& job : SomeJobs()) {
    const std::string text = ToJson(job).dump();
    const RunJob back = RunJobFromJson(nlohmann::json::parse(text), train);
    EXPECT_EQ(ToJson(back).dump(), text);
    EXPECT_EQ(SpecHash(back.spec), SpecHash(job.spec));
    EXPECT_EQ(back.arena_kind, job.arena_kind);
  }
  const RunJob job = SomeJobs()[0];
  EXPECT_EQ(Dump(Execute(RunJobFromJson(ToJson(job), train))), Dump(Execute(job)));
}

TEST(JobJson, AnOutcomeRoundTripsExactly) {
  const RunOutcome o = Execute(SomeJobs()[0]);
  ASSERT_FALSE(o.proposals.empty());  // the job records them
  ASSERT_FALSE(o.trace.empty());
  ASSERT_GT(o.best_program.Size(), 0u);
  const std::string text = ToJson(o).dump();
  const RunOutcome back = RunOutcomeFromJson(nlohmann::json::parse(text));
  EXPECT_EQ(ToJson(back).dump(), text);
  EXPECT_EQ(back.auc, o.auc);
  EXPECT_EQ(back.cost, o.cost);
  EXPECT_TRUE(back.best_program == o.best_program);
  EXPECT_EQ(back.proposals, o.proposals);
  ASSERT_EQ(back.trace.size(), o.trace.size());
  for (size_t i = 0; i < o.trace.size(); ++i) {
    EXPECT_EQ(back.trace[i].eval_cost, o.trace[i].eval_cost);
    EXPECT_EQ(back.trace[i].best_fitness, o.trace[i].best_fitness);
    EXPECT_EQ(back.trace[i].seconds, o.trace[i].seconds);
  }
  for (size_t k = 0; k < o.credit.kind.size(); ++k) {
    EXPECT_EQ(back.credit.kind[k].trials, o.credit.kind[k].trials);
    EXPECT_EQ(back.credit.kind[k].gains, o.credit.kind[k].gains);
  }
}

TEST(JobJson, NonFiniteValuesSurviveTheWireForm) {
  RunOutcome o;
  o.auc = std::numeric_limits<double>::quiet_NaN();
  o.cost = std::numeric_limits<double>::infinity();
  o.held_fitness = -std::numeric_limits<double>::infinity();
  o.trace = {{1, std::numeric_limits<double>::quiet_NaN()}};
  std::array<float, search::kFilterFeatures> f{};
  f[2] = std::numeric_limits<float>::infinity();
  o.proposals = {{f, true}};
  const RunOutcome back = RunOutcomeFromJson(nlohmann::json::parse(ToJson(o).dump()));
  EXPECT_TRUE(std::isnan(back.auc));
  EXPECT_EQ(back.cost, o.cost);
  EXPECT_EQ(back.held_fitness, o.held_fitness);
  EXPECT_TRUE(std::isnan(back.trace.at(0).best_fitness));
  EXPECT_EQ(back.proposals.at(0).first[2], f[2]);
  nlohmann::json j = ToJson(o);
  j["best"] = "infinite";
  EXPECT_THROW(RunOutcomeFromJson(j), Error);
}

TEST(JobJson, MalformedWireFormsAreErrors) {
  const Arena train = Train();
  nlohmann::json j = ToJson(SomeJobs()[0]);
  j["family"] = 2;  // the arena has two
  EXPECT_THROW(RunJobFromJson(j, train), Error);
  j = ToJson(SomeJobs()[0]);
  j["arena"] = "dev";
  EXPECT_THROW(RunJobFromJson(j, train), Error);
  // The three arenas by name; "held_out" is the test arena's name before validation existed.
  for (const auto& [name, kind] : {std::pair{"validation", ArenaKind::kValidation}, std::pair{"test", ArenaKind::kTest},
                                   std::pair{"held_out", ArenaKind::kTest}}) {
    j = ToJson(SomeJobs()[0]);
    j["arena"] = name;
    EXPECT_EQ(RunJobFromJson(j, train).arena_kind, kind) << name;
  }
  j = ToJson(SomeJobs()[0]);
  j.erase("seed");
  EXPECT_THROW(RunJobFromJson(j, train), Error);
  nlohmann::json o = ToJson(RunOutcome{});
  o["credit"]["kind"] = nlohmann::json::array();
  EXPECT_THROW(RunOutcomeFromJson(o), Error);
  o = ToJson(RunOutcome{});
  o["best_program"] = "def predict():\n  s1 = nonsense(s0)\n";
  EXPECT_THROW(RunOutcomeFromJson(o), Error);
}

TEST(JobRunner, EveryRunnerReturnsTheSameOutcomesInJobOrder) {
  const std::vector<RunJob> jobs = SomeJobs();
  InlineRunner inline_runner;
  ThreadRunner one(1), two(2);
  const std::vector<std::string> expected = Dump(inline_runner.Run(jobs, nullptr));
  ASSERT_EQ(expected.size(), jobs.size());
  EXPECT_EQ(Dump(one.Run(jobs, nullptr)), expected);
  EXPECT_EQ(Dump(two.Run(jobs, nullptr)), expected);
  EXPECT_EQ(Dump(two.Run(jobs, nullptr)), expected);  // a runner is reusable
  EXPECT_TRUE(two.Run({}, nullptr).empty());
  EXPECT_EQ(two.Slots(), 2);
  EXPECT_EQ(inline_runner.Slots(), 1);
}

TEST(JobRunner, AJobsExceptionIsRethrownAfterTheOthersEnd) {
  std::vector<RunJob> jobs = SomeJobs();
  jobs[1].family = 7;  // not in the arena
  ThreadRunner two(2);
  EXPECT_THROW(two.Run(jobs, nullptr), std::out_of_range);
  InlineRunner inline_runner;
  EXPECT_THROW(inline_runner.Run(jobs, nullptr), std::out_of_range);
}

TEST(JobRunner, AStopFlagEndsEveryJobEarly) {
  std::atomic<bool> stop{true};
  ThreadRunner two(2);
  for (const RunOutcome& o : two.Run(SomeJobs(), &stop)) EXPECT_LT(o.cost, 300);
}

// A model's proposer, in process: answers every request with a rejection and records each one.
class ScriptedProposer : public search::Proposer {
 public:
  std::vector<search::ProposalAnswer> Propose(const std::vector<search::ProposalRequest>& requests,
                                              const search::SearchSpace&, const std::atomic<bool>*) override {
    std::vector<search::ProposalAnswer> out;
    for (const search::ProposalRequest& r : requests) {
      out.push_back({std::nullopt, "scripted"});
      records_.push_back({{"individual", r.individual}});
    }
    return out;
  }
  std::vector<nlohmann::json> TakeRecords() override { return std::exchange(records_, {}); }

 private:
  std::vector<nlohmann::json> records_;
};

// A job whose spec asks a model gets a proposer from its arena, named by the job's context; what
// the proposer recorded comes back with the outcome, through the wire form too. A spec without a
// model never asks for one.
TEST(JobModel, AJobAsksItsArenasProposerUnderItsContext) {
  std::vector<std::string> contexts;
  Arena train = Train();
  train.proposers = [&contexts](const std::string& context) {
    contexts.push_back(context);
    return std::make_shared<ScriptedProposer>();
  };
  RunJob job = GameJob(Spec("m", 20), train, 5, 1, 0, 1);
  (void)Execute(job);
  EXPECT_TRUE(contexts.empty());
  job.spec.model = search::ModelProposals{0.2, 2};
  const RunOutcome o = Execute(job);
  ASSERT_EQ(contexts, std::vector<std::string>{JobContext(job)});
  EXPECT_EQ(JobContext(job).rfind("train family 0 seed ", 0), 0u);
  EXPECT_GT(o.model.requests, 0);
  EXPECT_EQ(o.model.rejections, o.model.requests);
  EXPECT_EQ(o.model.reasons, std::vector<std::string>{"scripted"});
  ASSERT_EQ(static_cast<int64_t>(o.model_records.size()), o.model.requests);
  const RunOutcome back = RunOutcomeFromJson(nlohmann::json::parse(ToJson(o).dump()));
  EXPECT_EQ(back.model_records, o.model_records);
  EXPECT_EQ(back.model.requests, o.model.requests);
  EXPECT_EQ(Dump(Execute(job)), Dump(o));  // the same answers: the same run
  job.arena_kind = ArenaKind::kTest;
  EXPECT_NE(JobContext(job), contexts[0]);
}

}  // namespace
}  // namespace ouro::meta
