// Tests of proposals from an outside proposer (search/proposer.h) inside the search: which
// children are asked, what an accepted or rejected answer becomes, the counts and credit, that
// the lineage depends on the answers and not on threads, and the strategy's `model` field in JSON
// and TOML (absent by default, so specs without it keep their form).
#include "search/proposer.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "core/error.h"
#include "lang/reference.h"
#include "lang/text.h"
#include "search/evolution.h"
#include "search/run_config.h"
#include "search/strategy_toml.h"
#include "tasks/partition.h"
#include "search_test_util.h"

namespace ouro::search {
namespace {

using test::Linear;

const tasks::Partition& Tasks() {
  static const tasks::Partition p =
      tasks::MakePartition(Linear(3, 40, 40, 2), Linear(3, 60, 40, 2), Linear(2, 60, 40, 3));
  return p;
}

EvolutionConfig Config(double share) {
  EvolutionConfig c = DefaultRunConfig().evolution;
  c.population = 40;
  c.tournament = 5;
  c.batch = 16;
  c.max_individuals = 1000;
  c.max_experiments = 1;
  c.check_every = 200;
  c.sufficient_fitness = 2.0;  // unreachable: every run makes all its children
  if (share >= 0) c.model = ModelProposals{share, 3};
  c.Compile();
  return c;
}

lang::Program Learner() { return lang::Parse(*lang::ReferenceProgram("linear_regression")); }

// A proposer answering each request with answer(request), recording what it was asked.
struct ScriptedProposer : Proposer {
  std::function<ProposalAnswer(const ProposalRequest&)> answer;
  std::vector<std::string> asked;  // "individual parent-fitness best-count", in order
  int calls = 0;
  std::vector<ProposalAnswer> Propose(const std::vector<ProposalRequest>& requests, const SearchSpace&,
                                      const std::atomic<bool>*) override {
    ++calls;
    std::vector<ProposalAnswer> out;
    for (const ProposalRequest& r : requests) {
      asked.push_back(std::to_string(r.individual) + " " + test::Exact(r.parent.fitness) + " " +
                      std::to_string(r.best.size()));
      out.push_back(answer(r));
    }
    return out;
  }
};

std::shared_ptr<ScriptedProposer> Answering(std::function<ProposalAnswer(const ProposalRequest&)> f) {
  auto p = std::make_shared<ScriptedProposer>();
  p->answer = std::move(f);
  return p;
}

std::vector<std::string> Lineage(const EvolutionResult& r) {
  std::vector<std::string> out;
  for (const auto& ind : r.lineage)
    out.push_back(std::to_string(ind->id) + (ind->proposed ? " proposed " : " ") + lang::Print(ind->program));
  return out;
}

TEST(Proposer, AStrategyWithoutAModelNeverAsksAndKeepsItsLineage) {
  EvolutionConfig with = Config(-1);
  const EvolutionResult plain = RunEvolution(with, Tasks(), 3, 1, {});
  auto p = Answering([](const ProposalRequest&) { return ProposalAnswer{Learner(), ""}; });
  with.proposer = p;
  const EvolutionResult r = RunEvolution(with, Tasks(), 3, 1, {});
  EXPECT_EQ(p->calls, 0);
  EXPECT_EQ(r.proposer.requests, 0);
  EXPECT_EQ(Lineage(r), Lineage(plain));
  EXPECT_EQ(r.progress.evaluations, plain.progress.evaluations);
}

TEST(Proposer, AcceptedProgramsBecomeTheChildrenAndEarnCredit) {
  EvolutionConfig c = Config(0.25);
  auto p = Answering([](const ProposalRequest&) { return ProposalAnswer{Learner(), ""}; });
  c.proposer = p;
  const EvolutionResult r = RunEvolution(c, Tasks(), 4, 2, {});
  // About a quarter of the 960 bred children (the first 40 are the initial population).
  EXPECT_GT(r.proposer.requests, 160);
  EXPECT_LT(r.proposer.requests, 320);
  EXPECT_EQ(r.proposer.programs, r.proposer.requests);
  EXPECT_EQ(r.proposer.rejections, 0);
  EXPECT_EQ(static_cast<int64_t>(p->asked.size()), r.proposer.requests);
  EXPECT_EQ(r.proposer.trials, static_cast<double>(r.proposer.requests));  // every one was scored
  EXPECT_GT(r.proposer.improved, 0);
  // The learner is the best program there is here; the run finds it through the proposer.
  ASSERT_TRUE(r.best);
  EXPECT_EQ(lang::Print(r.best->program), lang::Print(Learner()));
  EXPECT_TRUE(r.best->proposed || r.best->mutation == Mutation::kNone);
  EXPECT_GT(r.proposer.gains, 0);
  // Requests show the population's best programs, at most `history` of them.
  EXPECT_NE(p->asked.front().find(" 3"), std::string::npos) << p->asked.front();
}

TEST(Proposer, RejectionsAreCountedAndTheirChildrenMutatedInstead) {
  EvolutionConfig c = Config(0.5);
  // Every other answer is refused; the rest hold a program the space does not allow (a matrix
  // operation in a search without it), which the search refuses itself.
  lang::Program outside = Learner();
  outside[lang::Component::kPredict].push_back(lang::Parse("def predict():\n  m0 = m0 + m0\n")[lang::Component::kPredict][0]);
  auto p = Answering([&](const ProposalRequest& r) {
    return r.individual % 2 ? ProposalAnswer{std::nullopt, "HTTP 503"} : ProposalAnswer{outside, ""};
  });
  c.proposer = p;
  const EvolutionResult r = RunEvolution(c, Tasks(), 5, 2, {});
  EXPECT_GT(r.proposer.requests, 300);
  EXPECT_EQ(r.proposer.rejections, r.proposer.requests);
  EXPECT_EQ(r.proposer.programs, 0);
  ASSERT_EQ(r.proposer.reasons.size(), 2u);
  bool refused = false, outside_named = false;
  for (const std::string& why : r.proposer.reasons) {
    refused |= why == "HTTP 503";
    outside_named |= why.find("matrix_add") != std::string::npos;
  }
  EXPECT_TRUE(refused);
  EXPECT_TRUE(outside_named) << r.proposer.reasons[0] << " / " << r.proposer.reasons[1];
  EXPECT_EQ(r.progress.individuals, 1000);  // the run went on with mutations
  for (const auto& ind : r.lineage) EXPECT_FALSE(ind->proposed);
}

TEST(Proposer, NoProposerIsARejectionNotAnError) {
  const EvolutionResult r = RunEvolution(Config(0.3), Tasks(), 6, 1, {});
  EXPECT_GT(r.proposer.requests, 0);
  EXPECT_EQ(r.proposer.rejections, r.proposer.requests);
  EXPECT_EQ(r.proposer.reasons, std::vector<std::string>{"no proposer"});
}

TEST(Proposer, TheLineageDependsOnTheAnswersNotOnThreads) {
  // An answer that depends on the request only: the parent with its first constant moved.
  auto answer = [](const ProposalRequest& r) {
    lang::Program p = *r.parent.program;
    for (auto& code : p.fn)
      for (auto& i : code)
        if (i.op == lang::Op::kScalarConst) {
          i.c1 += 0.01 * static_cast<double>(r.individual % 7);
          return ProposalAnswer{p, ""};
        }
    return ProposalAnswer{std::nullopt, "no constant"};
  };
  std::vector<std::vector<std::string>> lineages, asked;
  for (int threads : {1, 2}) {
    EvolutionConfig c = Config(0.2);
    auto p = Answering(answer);
    c.proposer = p;
    const EvolutionResult r = RunEvolution(c, Tasks(), 7, threads, {});
    lineages.push_back(Lineage(r));
    asked.push_back(p->asked);
  }
  EXPECT_EQ(lineages[0], lineages[1]);
  EXPECT_EQ(asked[0], asked[1]);
  EXPECT_FALSE(asked[0].empty());
}

TEST(ModelField, AbsentByDefaultAndRoundTripsInJsonAndToml) {
  Strategy s;
  nlohmann::ordered_json j;
  StrategyToJson(s, j);
  EXPECT_FALSE(j.contains("model"));  // specs without it keep the form (and hash) they had
  s.model = ModelProposals{0.05, 6};
  nlohmann::ordered_json with;
  StrategyToJson(s, with);
  EXPECT_EQ(with["model"]["share"], 0.05);
  EXPECT_EQ(with["model"]["history"], 6);
  Strategy back;
  StrategyFromJson(with, back, {});
  ASSERT_TRUE(back.model);
  EXPECT_EQ(*back.model, *s.model);
  StrategyFromJson(j, back, {});
  EXPECT_FALSE(back.model);
  const RunConfig rc = ParseRunConfig("[search]\nmodel = { share = 0.02, history = 2 }\n", "m.toml");
  ASSERT_TRUE(rc.evolution.model);
  EXPECT_EQ(*rc.evolution.model, (ModelProposals{0.02, 2}));
  auto error_of = [](const std::string& text) {
    try {
      ParseRunConfig(text, "m.toml");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(error_of("[search]\nmodel = { share = 1.5 }\n").find("share"), std::string::npos);
  EXPECT_NE(error_of("[search]\nmodel = { history = 17 }\n").find("history"), std::string::npos);
  EXPECT_NE(error_of("[search]\nmodel = { sharee = 0.1 }\n").find("unknown key 'sharee'"), std::string::npos);
  Strategy bad;
  bad.model = ModelProposals{-0.1, 1};
  EXPECT_THROW(bad.Validate(), Error);
}

}  // namespace
}  // namespace ouro::search
