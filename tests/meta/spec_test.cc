// Tests of the improver spec: the default spec reproduces the object-level search exactly, the
// JSON form round-trips and rejects bad input naming the field, DiffText, and the meta-operators
// (ApplyCredit, MineMacros, ProposeCandidate). Small synthetic tasks, fixed seeds: fast.
#include "meta/spec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <string>
#include <unistd.h>
#include <vector>

#include "core/error.h"
#include "lang/reference.h"
#include "lang/text.h"
#include "search/run_config.h"
#include "tasks/partition.h"
#include "../search/search_test_util.h"

namespace ouro::meta {
namespace {

using search::test::Exact;

namespace fs = std::filesystem;
using lang::Component;
using lang::Op;
using lang::Program;
using search::Mutation;

// ---- helpers ---------------------------------------------------------------------------------

tasks::TaskSpec Linear(int num_tasks, int n, uint64_t seed) { return search::test::Linear(num_tasks, n, n, seed); }

const tasks::Partition& Tasks() {
  static const tasks::Partition p = tasks::MakePartition(Linear(3, 30, 1), Linear(3, 30, 2), Linear(2, 30, 3));
  return p;
}

// Everything observable about a run except timings.
std::string Summary(const search::EvolutionResult& r) {
  std::string s = r.stop_reason + " search " + Exact(r.fitness_search) + " select " + Exact(r.fitness_select) +
                  " final " + Exact(r.fitness_final) + "\n";
  const search::Progress& p = r.progress;
  s += "ind " + std::to_string(p.individuals) + " evals " + std::to_string(p.evaluations) + " cost " +
       Exact(p.eval_cost) + " hits " + std::to_string(p.cache_hits) + " experiment " + std::to_string(p.experiment) +
       "\n";
  if (r.best) s += "best " + Exact(r.best->fitness) + "\n" + lang::Print(r.best->program);
  for (const auto& t : r.trace) s += "trace " + Exact(t.eval_cost) + " " + Exact(t.best_fitness) + "\n";
  for (int k = 0; k < search::kNumMutations; ++k)
    s += "credit " + std::to_string(k) + " " + Exact(r.credit.kind[k].trials) + " " + Exact(r.credit.kind[k].gains) + "\n";
  return s;
}

// Runs `c` compiled, as every caller compiles a config after changing its strategy.
search::EvolutionResult Evolve(search::EvolutionConfig c, uint64_t seed, int64_t max_evals) {
  c.Compile();
  search::Budget b;
  b.max_evaluations = max_evals;
  return search::RunEvolution(c, Tasks(), seed, 2, b);
}

int MetaIdx(const std::string& name) {
  for (int i = 0; i < kNumMetaOperators; ++i)
    if (name == kMetaOperators[i]) return i;
  ADD_FAILURE() << "no meta-operator " << name;
  return 0;
}

// A spec that uses every part of the format: islands, weights, cascade, filter, macros, credit.
ImproverSpec RichSpec() {
  search::EvolutionConfig base = search::DefaultRunConfig().evolution;
  ImproverSpec s = PlainSpec(base);
  s.name = "rich";
  s.scheme = "islands";
  s.population = 60;
  s.tournament = 5;
  s.mutate_prob = 0.8;
  s.islands = 3;
  s.migrate_every = 250;
  for (auto& [m, w] : s.mutations) {
    if (m == Mutation::kAlter) w = 0.7;
    if (m == Mutation::kMacro) w = 0.3;
    if (m == Mutation::kSwap) w = 0;
  }
  s.operations[2][0].second = 0.123456789;
  s.operations[1][3].second = 0;
  s.const_fresh_prob = 0.3;
  s.const_sigma = 0.05;
  s.insert_at = {0.2, 1, 0.1 + 0.2};
  s.init_size = {3, 2, 4};
  s.max_size = {10, 8, 12};
  s.max_individuals = 5000;
  s.max_experiments = 2;
  s.cascade_tasks = 2;
  s.cascade_ratio = 0.85;
  search::FilterConfig f;
  f.program = lang::Parse(*lang::ReferenceProgram("logistic_regression"), search::kFilterShape);
  f.threshold = 0.4;
  f.warmup = 50;
  f.explore = 0.2;
  s.filter = f;
  const Program learn = lang::Parse("def learn():\n  s3 = s0 - s1\n  v1 = v1 + v2\n");
  const Program setup = lang::Parse("def setup():\n  s2 = 0.125\n  v1 = uniform(-0.5, 0.5)\n");
  s.macros = {{Component::kLearn, learn[Component::kLearn]}, {Component::kSetup, setup[Component::kSetup]}};
  s.credit.kind[static_cast<int>(Mutation::kAlter)] = {120, 3.25};
  s.credit.kind[static_cast<int>(Mutation::kInsert)] = {33, 0.1 + 0.2};
  s.credit.op[2][static_cast<int>(Op::kScalarSub)] = {40, 1.0 / 3};
  s.credit.op[0][static_cast<int>(Op::kScalarConst)] = {5, 0};
  s.credit.position[1] = {7, 0.5};
  s.credit.position[3] = {2, 2};
  s.credit_runs = 6;
  s.meta_weights[MetaIdx("perturb_params")] = 0.3;
  s.meta_weights[MetaIdx("discover_filter")] = 2.5;
  s.meta_step = 0.7;
  return s;
}

Json RoundTripJson(const ImproverSpec& s) { return Json::parse(ToJson(s).dump()); }

// Expects SpecFromJson(j) to throw an ouro::Error whose message contains every fragment.
void ExpectRejected(const Json& j, std::vector<std::string> fragments) {
  try {
    SpecFromJson(j);
    ADD_FAILURE() << "accepted; expected an error containing '" << fragments.front() << "'";
  } catch (const Error& e) {
    const std::string msg = e.what();
    for (const auto& f : fragments) EXPECT_NE(msg.find(f), std::string::npos) << "'" << f << "' not in: " << msg;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "not an ouro::Error: " << e.what();
  }
}

double Weight(const ImproverSpec& s, Mutation m) {
  for (const auto& [k, w] : s.mutations)
    if (k == m) return w;
  return -1;
}

double OpWeight(const ImproverSpec& s, int c, Op op) {
  for (const auto& [k, w] : s.operations[c])
    if (k == op) return w;
  return -1;
}

// ---- the default spec is the object-level search --------------------------------------------

TEST(SpecFromConfig, DefaultRunConfigReproducesTheSearchExactly) {
  const search::EvolutionConfig c = search::DefaultRunConfig().evolution;
  const search::EvolutionConfig a = ApplySpec(SpecFromConfig(c), c);
  const std::string direct = Summary(Evolve(c, 5, 1500));
  const std::string via_spec = Summary(Evolve(a, 5, 1500));
  EXPECT_EQ(direct, via_spec);
  EXPECT_NE(direct.find("def predict():"), std::string::npos) << direct;
}

TEST(SpecFromConfig, InsertRemoveSwapConfigReproducesTheSearchExactly) {
  search::EvolutionConfig c = search::DefaultRunConfig().evolution;
  c.population = 40;
  c.tournament = 5;
  c.batch = 16;
  c.check_every = 200;
  c.mutations = {{Mutation::kAlter, 1}, {Mutation::kInsert, 1}, {Mutation::kRemove, 1}, {Mutation::kSwap, 1}};
  c.init_size = {3, 1, 3};
  c.max_individuals = 1200;  // most children are cache hits: bound them too
  c.max_experiments = 1;
  const search::EvolutionConfig a = ApplySpec(SpecFromConfig(c), c);
  for (uint64_t seed : {6u}) {
    const search::EvolutionResult direct = Evolve(c, seed, 300);
    const search::EvolutionResult via = Evolve(a, seed, 300);
    ASSERT_TRUE(direct.best && via.best);
    EXPECT_EQ(lang::Print(direct.best->program), lang::Print(via.best->program)) << seed;
    EXPECT_EQ(direct.fitness_search, via.fitness_search) << seed;
    EXPECT_EQ(direct.progress.individuals, via.progress.individuals) << seed;
    EXPECT_EQ(direct.progress.evaluations, via.progress.evaluations) << seed;
    EXPECT_EQ(Summary(direct), Summary(via)) << seed;
  }
  // The spec lists exactly the config's operators, at uniform weight.
  const ImproverSpec s = SpecFromConfig(c);
  ASSERT_EQ(s.mutations.size(), 4u);
  EXPECT_EQ(s.mutations[2].first, Mutation::kRemove);
  for (const auto& [m, w] : s.mutations) EXPECT_EQ(w, 1.0);
}

TEST(SpecFromConfig, WeightedIslandConfigReproducesTheSearchExactly) {
  search::EvolutionConfig c = search::DefaultRunConfig().evolution;
  c.population = 48;
  c.tournament = 4;
  c.batch = 16;
  c.check_every = 200;
  c.scheme = "islands";
  c.islands = 3;
  c.migrate_every = 96;
  c.mutations = {{Mutation::kAlter, 3}, {Mutation::kInsert, 1}, {Mutation::kRemove, 1}, {Mutation::kCrossover, 0.5}};
  const double learn_weights[] = {1, 2, 0.5, 0.25, 1, 3};
  for (size_t i = 0; i < c.operations[2].size(); ++i) c.operations[2][i].second = learn_weights[i];
  c.const_sigma = 0.3;
  c.insert_at = {1, 2, 1};
  c.cascade_tasks = 1;
  c.init_size = {3, 1, 3};
  c.max_individuals = 1200;
  c.max_experiments = 1;
  const search::EvolutionConfig a = ApplySpec(SpecFromConfig(c), c);
  EXPECT_EQ(Summary(Evolve(c, 8, 300)), Summary(Evolve(a, 8, 300)));
}

// A small regularized population (here 20 with the default tournament 10, so population /
// tournament = 2) is a valid search config; its spec keeps the unused default islands = 4, which
// must not be checked against population / tournament for the regularized scheme (it once was,
// and ApplySpec(SpecFromConfig(c), c) threw).
TEST(SpecFromConfig, SmallRegularizedPopulationIsAValidSpec) {
  search::EvolutionConfig c = search::DefaultRunConfig().evolution;
  c.population = 20;
  c.batch = 8;
  c.Compile();
  ASSERT_NO_THROW(c.Validate());
  ImproverSpec s = SpecFromConfig(c);
  EXPECT_EQ(s.scheme, "regularized");
  EXPECT_NO_THROW(s.Validate());
  EXPECT_NO_THROW(ApplySpec(s, c));
  EXPECT_NO_THROW(ApplySpec(PlainSpec(c), c));
}

// Islands that never migrate (migrate_every = 0) are a valid config, and their spec keeps it so.
TEST(SpecFromConfig, IslandsThatNeverMigrateStaySo) {
  search::EvolutionConfig c = search::DefaultRunConfig().evolution;
  c.population = 48;
  c.tournament = 4;
  c.batch = 16;
  c.scheme = "islands";
  c.islands = 3;
  c.migrate_every = 0;
  c.max_individuals = 1200;
  c.max_experiments = 1;
  const search::EvolutionConfig a = ApplySpec(SpecFromConfig(c), c);
  EXPECT_EQ(a.migrate_every, 0);
  EXPECT_EQ(a.compiled.islands, 3);
  EXPECT_EQ(Summary(Evolve(c, 8, 300)), Summary(Evolve(a, 8, 300)));
}

TEST(PlainSpec, EveryOperationAndOperatorAtUniformWeight) {
  search::EvolutionConfig base = search::DefaultRunConfig().evolution;
  const ImproverSpec p = PlainSpec(base);
  EXPECT_EQ(p.name, "plain");
  EXPECT_EQ(Weight(p, Mutation::kMacro), 0);
  EXPECT_EQ(Weight(p, Mutation::kCrossover), 0);
  EXPECT_EQ(Weight(p, Mutation::kInsert), 1);
  EXPECT_EQ(p.operations[0].size(), static_cast<size_t>(lang::kNumOps));  // shape has a matrix
  for (int c = 0; c < lang::kNumComponents; ++c)
    for (const auto& [op, w] : p.operations[c]) EXPECT_EQ(w, 1.0);
  base.shape.matrices = 0;
  const ImproverSpec nm = PlainSpec(base);
  EXPECT_LT(nm.operations[1].size(), p.operations[1].size());
  EXPECT_EQ(OpWeight(nm, 1, Op::kMatVec), -1);
  // Applied, it enables everything it lists.
  const search::EvolutionConfig e = ApplySpec(p, search::DefaultRunConfig().evolution);
  EXPECT_EQ(e.compiled.space.ops[2].size(), p.operations[2].size());
  EXPECT_EQ(e.compiled.kinds.size(), 6u);
  EXPECT_EQ(e.compiled.policy.kind_weights, std::vector<double>(6, 1.0));  // uniform
}

TEST(ApplySpec, RichSpecSetsEveryKnob) {
  const ImproverSpec s = RichSpec();
  const search::EvolutionConfig e = ApplySpec(s, search::DefaultRunConfig().evolution);
  EXPECT_EQ(e.compiled.islands, 3);
  EXPECT_EQ(e.compiled.migrate_every, 250);
  EXPECT_EQ(e.population, 60);
  EXPECT_EQ(e.cascade_tasks, 2);
  ASSERT_TRUE(e.filter);
  EXPECT_EQ(e.filter->warmup, 50);
  EXPECT_EQ(e.compiled.policy.macros.size(), 2u);
  // The config holds the spec's strategy, zero weights included; the compiled lists leave the
  // zero-weight operators and operations out.
  EXPECT_EQ(e.mutations, s.mutations);
  EXPECT_EQ(e.operations, s.operations);
  const std::vector<Mutation>& kinds = e.compiled.kinds;
  EXPECT_EQ(std::count(kinds.begin(), kinds.end(), Mutation::kSwap), 0);
  EXPECT_EQ(kinds.size() + 2, s.mutations.size());  // swap and crossover are off
  EXPECT_EQ(kinds.size(), e.compiled.policy.kind_weights.size());
  EXPECT_EQ(e.compiled.space.ops[1].size() + 1, s.operations[1].size());
  EXPECT_EQ(e.compiled.space.ops[2].size(), e.compiled.policy.op_weights[2].size());
  const std::vector<double>& setup = e.compiled.policy.op_weights[0];
  EXPECT_EQ(setup, std::vector<double>(setup.size(), 1.0));  // uniform
  // A regularized spec leaves no migration behind.
  ImproverSpec r = s;
  r.scheme = "regularized";
  const search::EvolutionConfig reg = ApplySpec(r, search::DefaultRunConfig().evolution);
  EXPECT_EQ(reg.compiled.islands, 1);
  EXPECT_EQ(reg.compiled.migrate_every, 0);
}

// ---- JSON ------------------------------------------------------------------------------------

TEST(SpecJson, RoundTripIsExact) {
  const search::EvolutionConfig base = search::DefaultRunConfig().evolution;
  const ImproverSpec specs[] = {SpecFromConfig(base), PlainSpec(base), RichSpec()};
  for (const ImproverSpec& s : specs) {
    const ImproverSpec back = SpecFromJson(RoundTripJson(s));
    EXPECT_EQ(SpecHash(back), SpecHash(s)) << s.name;
    EXPECT_EQ(ToJson(back).dump(), ToJson(s).dump()) << s.name;
    EXPECT_EQ(DiffText(s, back), "") << s.name;
  }
  // The learned and meta parts are really there (not silently dropped on both sides).
  const ImproverSpec back = SpecFromJson(RoundTripJson(RichSpec()));
  EXPECT_EQ(back.name, "rich");
  EXPECT_EQ(back.credit_runs, 6);
  EXPECT_EQ(back.credit.kind[static_cast<int>(Mutation::kInsert)].gains, 0.1 + 0.2);
  EXPECT_EQ(back.credit.op[2][static_cast<int>(Op::kScalarSub)].gains, 1.0 / 3);
  EXPECT_EQ(back.credit.position[3].trials, 2);
  EXPECT_EQ(back.insert_at[2], 0.1 + 0.2);
  EXPECT_EQ(back.operations[2][0].second, 0.123456789);
  EXPECT_EQ(back.meta_weights[MetaIdx("discover_filter")], 2.5);
  EXPECT_EQ(back.meta_step, 0.7);
  ASSERT_TRUE(back.filter);
  EXPECT_EQ(back.filter->program, RichSpec().filter->program);
  EXPECT_EQ(back.macros, RichSpec().macros);
  EXPECT_EQ(back.scheme, "islands");
}

TEST(SpecJson, HashIdentifiesTheSpec) {
  const ImproverSpec a = RichSpec();
  ImproverSpec b = a;
  EXPECT_EQ(SpecHash(a), SpecHash(b));
  EXPECT_EQ(SpecHash(a).size(), 16u);
  b.population = 61;
  EXPECT_NE(SpecHash(a), SpecHash(b));
  b = a;
  b.credit.position[0].trials += 1;
  EXPECT_NE(SpecHash(a), SpecHash(b));
}

TEST(SpecJson, RejectsBadInputNamingTheField) {
  const Json good = RoundTripJson(RichSpec());
  ASSERT_NO_THROW(SpecFromJson(good));
  auto with = [&](const std::function<void(Json&)>& edit) {
    Json j = good;
    edit(j);
    return j;
  };
  ExpectRejected(with([](Json& j) { j["colour"] = "red"; }), {"colour", "unknown field"});
  ExpectRejected(with([](Json& j) { j["selection"]["pop"] = 3; }), {"selection.pop", "unknown field"});
  ExpectRejected(with([](Json& j) { j["selection"].erase("population"); }), {"selection.population", "missing"});
  ExpectRejected(with([](Json& j) { j["selection"]["population"] = "100"; }), {"selection.population", "integer"});
  ExpectRejected(with([](Json& j) { j["selection"]["population"] = 1.5; }), {"selection.population", "integer"});
  ExpectRejected(with([](Json& j) { j["constants"]["sigma"] = "x"; }), {"constants.sigma", "number"});
  ExpectRejected(with([](Json& j) { j["name"] = 3; }), {"name", "string"});
  ExpectRejected(with([](Json& j) { j["mutations"] = Json::array(); }), {"mutations", "object"});
  ExpectRejected(with([](Json& j) { j["operations"]["learn"]["scalar_frobnicate"] = 1; }),
                 {"operations.learn.scalar_frobnicate", "unknown operation"});
  ExpectRejected(with([](Json& j) { j["operations"]["logic"] = Json::object(); }), {"operations.logic", "unknown field"});
  ExpectRejected(with([](Json& j) { j["mutations"]["teleport"] = 1; }), {"mutations.teleport"});
  ExpectRejected(with([](Json& j) { j["mutations"]["alter"] = -0.5; }), {"mutations.alter", ">= 0"});
  ExpectRejected(with([](Json& j) { j["operations"]["setup"]["scalar_const"] = -1; }), {"operations.setup.scalar_const", ">= 0"});
  ExpectRejected(with([](Json& j) { j["meta"]["weights"]["perturb_ops"] = -1; }), {"meta.weights.perturb_ops", ">= 0"});
  ExpectRejected(with([](Json& j) { j["meta"]["weights"]["self_destruct"] = 1; }),
                 {"meta.weights.self_destruct", "unknown meta-operator"});
  ExpectRejected(with([](Json& j) {
                   for (auto& [k, v] : j["mutations"].items()) v = 0;
                 }),
                 {"no mutation operator has a weight > 0"});
  ExpectRejected(with([](Json& j) { j["filter"]["program"] = "def predict():\n  s1 = frob(s0)\n"; }),
                 {"filter.program"});
  // A register the filter shape does not have (it has 8 scalars).
  ExpectRejected(with([](Json& j) { j["filter"]["program"] = "def predict():\n  s1 = s9 + s0\n"; }),
                 {"filter.program"});
  ExpectRejected(with([](Json& j) {
                   j["macros"][0] = {{"component", "learn"}, {"code", "def predict():\n  s1 = s0 + s2\n"}};
                 }),
                 {"macros[0].code", "its component only"});
  ExpectRejected(with([](Json& j) {
                   j["macros"][1] = {{"component", "setup"},
                                     {"code", "def setup():\n  s2 = 0.5\ndef learn():\n  s3 = s0 - s1\n"}};
                 }),
                 {"macros[1].code", "its component only"});
  ExpectRejected(with([](Json& j) { j["macros"][0]["component"] = "teardown"; }), {"macros[0].component"});
  ExpectRejected(with([](Json& j) { j["learned"]["kinds"]["alter"] = Json::array({1, 2}); }),
                 {"learned.kinds.alter", "gains <= trials"});
  ExpectRejected(with([](Json& j) { j["learned"]["operations"]["learn"]["scalar_sub"] = Json::array({3, 4}); }),
                 {"learned.operations.learn.scalar_sub", "gains <= trials"});
  ExpectRejected(with([](Json& j) { j["learned"]["positions"][0] = Json::array({-1, 0}); }),
                 {"learned.positions"});
  ExpectRejected(with([](Json& j) { j["learned"]["positions"].erase(0); }), {"learned.positions"});
  ExpectRejected(with([](Json& j) { j["selection"]["scheme"] = "tribal"; }), {"scheme"});
  ExpectRejected(with([](Json& j) { j["selection"]["tournament"] = 0; }), {"tournament"});
  ExpectRejected(with([](Json& j) { j["meta"]["step"] = 0; }), {"meta step"});
  ExpectRejected(Json::array({1, 2}), {"must be an object"});
}

// SpecFromJson promises to name the bad field; a negative weight is reported only as "mutation
// weights must be finite and >= 0" / "operation weights ...", without saying which one.
TEST(SpecJson, NegativeWeightErrorsNameTheField) {
  Json j = RoundTripJson(RichSpec());
  j["mutations"]["alter"] = -0.5;
  ExpectRejected(j, {"mutations.alter"});
  j = RoundTripJson(RichSpec());
  j["operations"]["setup"]["scalar_const"] = -1;
  ExpectRejected(j, {"operations.setup.scalar_const"});
}

class SpecFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ouro_spec_test_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }
  fs::path dir_;
};

TEST_F(SpecFile, LoadSpecReadsWhatToJsonWrote) {
  const ImproverSpec s = RichSpec();
  const std::string path = Write("s.json", ToJson(s).dump(2));
  EXPECT_EQ(SpecHash(LoadSpec(path)), SpecHash(s));
}

TEST_F(SpecFile, AnOutOfRangeNumberIsAClearError) {
  // nlohmann reports 1e309 as out_of_range, not parse_error (found by fuzz_improver_spec).
  const std::string path = Write("big.json", "{\"name\": 1e309}");
  try {
    LoadSpec(path);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

TEST_F(SpecFile, IntegersOutsideTheirRangeAreErrorsNotWrapped) {
  Json j = RoundTripJson(RichSpec());
  j["selection"]["population"] = 4294967396ULL;  // 2^32 + 100 must not become 100
  EXPECT_THROW(SpecFromJson(j), Error);
  j["selection"]["population"] = 18446744073709551615ULL;
  EXPECT_THROW(SpecFromJson(j), Error);
  try {
    LoadSpec("/dev/zero");  // would read forever
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("not a regular file"), std::string::npos) << e.what();
  }
}

TEST_F(SpecFile, LoadSpecErrorsNameThePath) {
  const std::string missing = (dir_ / "nope.json").string();
  try {
    LoadSpec(missing);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
  }
  const std::string bad = Write("bad.json", "{\"name\": \"x\", ");
  try {
    LoadSpec(bad);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("JSON"), std::string::npos) << e.what();
  }
  Json j = RoundTripJson(RichSpec());
  j["selection"]["population"] = "many";
  const std::string wrong = Write("wrong.json", j.dump());
  try {
    LoadSpec(wrong);
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(wrong), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("selection.population"), std::string::npos) << e.what();
  }
}

TEST(DiffText, ListsChangedFieldsAndIsEmptyForEqualSpecs) {
  const ImproverSpec a = RichSpec();
  EXPECT_EQ(DiffText(a, a), "");
  ImproverSpec b = a;
  b.population = 90;
  b.mutations[0].second = 0.25;
  const std::string d = DiffText(a, b);
  EXPECT_NE(d.find("/selection/population: 60 -> 90"), std::string::npos) << d;
  EXPECT_NE(d.find("/mutations/" + std::string(search::MutationName(a.mutations[0].first))), std::string::npos) << d;
  EXPECT_EQ(std::count(d.begin(), d.end(), '\n'), 2) << d;
  EXPECT_EQ(d.find("scheme"), std::string::npos) << d;
  // Learned credit is summarised in one line, not listed counter by counter.
  ImproverSpec c = a;
  c.credit.kind[static_cast<int>(Mutation::kAlter)].trials += 100;
  c.credit.op[1][static_cast<int>(Op::kVectorDot)] = {50, 1};
  c.credit_runs = 9;
  const std::string dc = DiffText(a, c);
  EXPECT_EQ(std::count(dc.begin(), dc.end(), '\n'), 1) << dc;
  EXPECT_NE(dc.find("/learned"), std::string::npos) << dc;
  EXPECT_NE(dc.find("9 runs"), std::string::npos) << dc;
  // A filter and macros appearing show up too.
  ImproverSpec p = PlainSpec(search::DefaultRunConfig().evolution);
  ImproverSpec q = p;
  q.filter = a.filter;
  q.macros = a.macros;
  const std::string dq = DiffText(p, q);
  EXPECT_NE(dq.find("/filter"), std::string::npos) << dq;
  EXPECT_NE(dq.find("/macros"), std::string::npos) << dq;
}

// ---- ApplyCredit -----------------------------------------------------------------------------

ImproverSpec CreditSpec() {
  ImproverSpec s;
  s.mutations = {{Mutation::kAlter, 1}, {Mutation::kInsert, 1}, {Mutation::kRemove, 0.3}, {Mutation::kSwap, 0}};
  s.operations[2] = {{Op::kScalarAdd, 1}, {Op::kScalarSub, 1}, {Op::kScalarMul, 0.5}, {Op::kScalarDiv, 0},
                     {Op::kVectorAdd, 1}};
  s.operations[1] = {{Op::kVectorDot, 1}, {Op::kScalarAdd, 1}};
  auto& op = s.credit.op[2];
  op[static_cast<int>(Op::kScalarAdd)] = {400, 40};   // rate 0.1
  op[static_cast<int>(Op::kScalarSub)] = {400, 8};    // 0.02
  op[static_cast<int>(Op::kScalarMul)] = {400, 0};    // 0
  op[static_cast<int>(Op::kScalarDiv)] = {400, 20};   // disabled
  op[static_cast<int>(Op::kVectorAdd)] = {400, 20};   // 0.05
  auto& k = s.credit.kind;
  k[static_cast<int>(Mutation::kAlter)] = {1000, 10};
  k[static_cast<int>(Mutation::kInsert)] = {1000, 60};
  k[static_cast<int>(Mutation::kRemove)] = {1000, 30};
  k[static_cast<int>(Mutation::kSwap)] = {1000, 5};
  return s;
}

TEST(ApplyCredit, HigherGainRateGetsLargerWeight) {
  for (double strength : {0.5, 1.0, 2.0, 4.0}) {
    ImproverSpec s = CreditSpec();
    ApplyCredit(s, strength);
    const double add = OpWeight(s, 2, Op::kScalarAdd), sub = OpWeight(s, 2, Op::kScalarSub),
                 mul = OpWeight(s, 2, Op::kScalarMul), vadd = OpWeight(s, 2, Op::kVectorAdd);
    EXPECT_EQ(add, 1.0) << strength;
    EXPECT_GT(add, vadd) << strength;
    EXPECT_GT(vadd, sub) << strength;
    EXPECT_GE(sub, mul) << strength;
    EXPECT_GE(mul, 0.02) << strength;
    EXPECT_EQ(OpWeight(s, 2, Op::kScalarDiv), 0) << "a disabled operation stays disabled";
    // Operators likewise.
    EXPECT_EQ(Weight(s, Mutation::kInsert), 1.0) << strength;
    EXPECT_GT(Weight(s, Mutation::kRemove), Weight(s, Mutation::kAlter)) << strength;
    EXPECT_GE(Weight(s, Mutation::kAlter), 0.02) << strength;
    EXPECT_EQ(Weight(s, Mutation::kSwap), 0) << strength;
    // A component without credit keeps its weights.
    EXPECT_EQ(OpWeight(s, 1, Op::kVectorDot), 1.0);
    EXPECT_EQ(OpWeight(s, 1, Op::kScalarAdd), 1.0);
    EXPECT_NO_THROW(s.Validate());
  }
  // Stronger credit spreads the weights further; the floor bounds them below.
  ImproverSpec weak = CreditSpec(), strong = CreditSpec();
  ApplyCredit(weak, 0.5);
  ApplyCredit(strong, 4.0);
  EXPECT_LT(OpWeight(strong, 2, Op::kScalarSub), OpWeight(weak, 2, Op::kScalarSub));
  EXPECT_EQ(OpWeight(strong, 2, Op::kScalarMul), 0.02);
  ImproverSpec floored = CreditSpec();
  ApplyCredit(floored, 4.0, 20, 0.1);
  EXPECT_EQ(OpWeight(floored, 2, Op::kScalarMul), 0.1);
}

TEST(ApplyCredit, NoCreditChangesNothing) {
  ImproverSpec s = CreditSpec();
  s.credit = {};
  const std::string before = ToJson(s).dump();
  ApplyCredit(s, 2.0);
  EXPECT_EQ(ToJson(s).dump(), before);
  // Trials without any gain carry no information either.
  ImproverSpec t = CreditSpec();
  for (auto& c : t.credit.kind) c.gains = 0;
  for (auto& c : t.credit.op[2]) c.gains = 0;
  const std::string before_t = ToJson(t).dump();
  ApplyCredit(t, 2.0);
  EXPECT_EQ(ToJson(t).dump(), before_t);
}

// "scaled so the largest weight is 1": the scale is the best enabled entry's, even when a disabled
// (weight 0) operation that still carries credit from earlier runs had a better rate.
TEST(ApplyCredit, LargestEnabledWeightIsOneEvenWhenADisabledOpHadTheBestRate) {
  ImproverSpec s = CreditSpec();
  s.credit.op[2][static_cast<int>(Op::kScalarDiv)] = {400, 200};
  ApplyCredit(s, 1.0);
  double top = 0;
  for (const auto& [op, w] : s.operations[2]) top = std::max(top, w);
  EXPECT_EQ(top, 1.0);
  EXPECT_EQ(OpWeight(s, 2, Op::kScalarAdd), 1.0);
}

// ---- MineMacros ------------------------------------------------------------------------------

const lang::Shape kMineShape{6, 4, 1, 4};

// Linear regression plus a dead pair (s5 is never read) and a per-program tail.
Program Mined(const std::string& extra_learn) {
  return lang::Parse(
      "def setup():\n  s2 = 0.25\n"
      "def predict():\n  s1 = dot(v0, v1)\n"
      "def learn():\n  s5 = s4 * s4\n  s5 = s5 + s4\n  s3 = s0 - s1\n  s3 = s2 * s3\n  v2 = s3 * v0\n  v1 = v1 + v2\n" +
      extra_learn);
}

std::set<std::string> Texts(const std::vector<search::Macro>& ms) {
  std::set<std::string> out;
  for (const auto& m : ms) {
    std::string t = std::string(lang::kComponentNames[static_cast<int>(m.component)]) + ":";
    for (const auto& in : m.code) t += lang::PrintInstruction(in) + ";";
    out.insert(t);
  }
  return out;
}

TEST(MineMacros, FindsLiveSequencesSeenInEnoughPrograms) {
  const std::vector<Program> progs = {Mined(""), Mined(""), Mined("")};
  const auto macros = MineMacros(progs, kMineShape, 100, 2);
  const std::set<std::string> t = Texts(macros);
  EXPECT_TRUE(t.count("learn:s3 = s0 - s1;s3 = s2 * s3;")) << ::testing::PrintToString(t);
  EXPECT_TRUE(t.count("learn:s3 = s0 - s1;s3 = s2 * s3;v2 = s3 * v0;")) << ::testing::PrintToString(t);
  EXPECT_TRUE(t.count("learn:v2 = s3 * v0;v1 = v1 + v2;")) << ::testing::PrintToString(t);
  // Nothing from the dead code (s5 is written but never read).
  for (const auto& s : t) EXPECT_EQ(s.find("s5"), std::string::npos) << s;
  // Pairs and triples only, each of one component, all valid for the shape.
  for (const auto& m : macros) {
    EXPECT_GE(m.code.size(), 2u);
    EXPECT_LE(m.code.size(), 3u);
    Program p;
    p[m.component] = m.code;
    EXPECT_NO_THROW(p.Validate(kMineShape));
  }
  // The learn body has 4 live instructions: 3 pairs + 2 triples; setup and predict have one each.
  EXPECT_EQ(macros.size(), 5u) << ::testing::PrintToString(t);
  // Longer first among equally frequent ones.
  EXPECT_EQ(macros.front().code.size(), 3u);
}

TEST(MineMacros, RespectsMinCountAndMaxMacros) {
  // The tail pair (live: it updates v1) appears in one program only, twice there.
  const std::string tail = "  v2 = s2 * v1\n  v1 = v1 + v2\n  v2 = s2 * v1\n  v1 = v1 + v2\n";
  const std::vector<Program> progs = {Mined(tail), Mined(""), lang::Parse("def predict():\n  s1 = dot(v0, v0)\n")};
  const auto two = MineMacros(progs, kMineShape, 100, 2);
  for (const auto& s : Texts(two)) EXPECT_EQ(s.find("s2 * v1"), std::string::npos) << s;
  const auto one = MineMacros(progs, kMineShape, 100, 1);
  bool found = false;
  for (const auto& s : Texts(one)) found = found || s.find("v2 = s2 * v1;v1 = v1 + v2;") != std::string::npos;
  EXPECT_TRUE(found) << ::testing::PrintToString(Texts(one));
  // Counted once per program: with min_count 3 nothing of the two regression programs qualifies.
  EXPECT_TRUE(MineMacros(progs, kMineShape, 100, 3).empty());
  const auto capped = MineMacros(progs, kMineShape, 2, 1);
  ASSERT_EQ(capped.size(), 2u);
  // The most frequent (two programs) come first.
  for (const auto& s : Texts(capped)) EXPECT_EQ(s.find("s2 * v1"), std::string::npos) << s;
  // Deterministic, and independent of nothing but the input.
  EXPECT_EQ(MineMacros(progs, kMineShape, 3, 1), MineMacros(progs, kMineShape, 3, 1));
  EXPECT_TRUE(MineMacros({}, kMineShape).empty());
}

TEST(MineMacros, SequencesDifferingOnlyInConstantsAreOneMacroWithTheFirstProgramsConstants) {
  // The same pair with other constants and element indices in each program: one macro, carrying
  // the first program's values. The same operations on other registers are another sequence.
  const auto prog = [](const std::string& a, const std::string& b, const std::string& reg) {
    return lang::Parse("def predict():\n  v1[" + a + "] = " + b + "\n  s1 = dot(" + reg + ", v0)\n");
  };
  const std::vector<Program> progs = {prog("2", "0.5", "v1"), prog("0", "-1.25", "v1"), prog("1", "3", "v2")};
  const std::set<std::string> t = Texts(MineMacros(progs, kMineShape, 100, 2));
  EXPECT_EQ(t, (std::set<std::string>{"predict:v1[2] = 0.5;s1 = dot(v1, v0);"})) << ::testing::PrintToString(t);
  // Only the third program uses v2 there: with it alone nothing recurs.
  EXPECT_TRUE(MineMacros({progs[0], progs[2]}, kMineShape, 100, 2).empty());
}

TEST(MineMacros, DropsSequencesThatDoNotFitTheShape) {
  // v3 does not exist in a shape with 3 vectors.
  const Program p = lang::Parse("def predict():\n  v3 = v0 + v0\n  s1 = dot(v3, v0)\n");
  EXPECT_EQ(MineMacros({p, p}, lang::Shape{4, 4, 1, 4}).size(), 1u);
  EXPECT_TRUE(MineMacros({p, p}, lang::Shape{4, 3, 1, 4}).empty());
}

// ---- ProposeCandidate ------------------------------------------------------------------------

ProposalContext Context() {
  ProposalContext ctx;
  ctx.shape = kMineShape;
  ctx.good_programs = {Mined(""), Mined(""), Mined("  v2 = s2 * v1\n")};
  return ctx;
}

// A spec with credit enough for credit_weights (>= 100 trials).
ImproverSpec Proposer() {
  ImproverSpec s = PlainSpec(search::DefaultRunConfig().evolution);
  s.population = 100;
  s.credit = CreditSpec().credit;
  for (auto& [m, w] : s.mutations)
    if (m == Mutation::kCrossover) w = 0.5;
  return s;
}

TEST(ProposeCandidate, DeterministicForASeed) {
  const ImproverSpec s = Proposer();
  const ProposalContext ctx = Context();
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    Rng r1(seed), r2(seed);
    std::string n1, n2;
    const ImproverSpec a = ProposeCandidate(s, r1, ctx, &n1);
    const ImproverSpec b = ProposeCandidate(s, r2, ctx, &n2);
    EXPECT_EQ(n1, n2);
    EXPECT_EQ(ToJson(a).dump(), ToJson(b).dump());
    EXPECT_EQ(r1.Next(), r2.Next());
  }
}

TEST(ProposeCandidate, AlwaysAValidDifferentSpecFromAKnownOperator) {
  const ImproverSpec s = Proposer();
  ProposalContext ctx = Context();
  ctx.discovered_filter = lang::Parse(*lang::ReferenceProgram("logistic_regression"), search::kFilterShape);
  const std::string h = SpecHash(s);
  std::set<std::string> used;
  Rng rng(123);
  for (int i = 0; i < 300; ++i) {
    std::string name;
    const ImproverSpec c = ProposeCandidate(s, rng, ctx, &name);
    EXPECT_NE(SpecHash(c), h) << name;
    EXPECT_NO_THROW(c.Validate()) << name;
    EXPECT_NO_THROW(SpecFromJson(RoundTripJson(c))) << name;
    EXPECT_NO_THROW(ApplySpec(c, search::DefaultRunConfig().evolution)) << name;
    EXPECT_GE(MetaIdx(name), 0) << name;
    used.insert(name);
  }
  // With everything available, every meta-operator is drawn sometimes.
  EXPECT_EQ(used.size(), static_cast<size_t>(kNumMetaOperators)) << ::testing::PrintToString(used);
}

TEST(ProposeCandidate, NeverUsesADisabledOperator) {
  const ImproverSpec s = Proposer();
  ProposalContext ctx = Context();
  ctx.discovered_filter = lang::Parse(*lang::ReferenceProgram("logistic_regression"), search::kFilterShape);
  ctx.disabled[MetaIdx("credit_weights")] = true;
  ctx.disabled[MetaIdx("mine_macros")] = true;
  ctx.disabled[MetaIdx("discover_filter")] = true;
  Rng rng(7);
  for (int i = 0; i < 300; ++i) {
    std::string name;
    const ImproverSpec c = ProposeCandidate(s, rng, ctx, &name);
    EXPECT_NE(name, "credit_weights");
    EXPECT_NE(name, "mine_macros");
    EXPECT_NE(name, "discover_filter");
    EXPECT_EQ(c.macros, s.macros) << name;
    EXPECT_FALSE(c.filter) << name;
    // Proposals leave the meta weights alone (they are learned by the loop, not proposed).
    EXPECT_EQ(c.meta_weights, s.meta_weights) << name;
  }
  // Only one operator left: every candidate is its.
  ProposalContext only = ctx;
  only.disabled.fill(true);
  only.disabled[MetaIdx("perturb_params")] = false;
  for (int i = 0; i < 30; ++i) {
    std::string name;
    ProposeCandidate(s, rng, only, &name);
    EXPECT_EQ(name, "perturb_params");
  }
}

TEST(ProposeCandidate, ThrowsWhenNoMetaOperatorHasWeight) {
  ImproverSpec s = Proposer();
  s.meta_weights.fill(0);
  Rng rng(1);
  EXPECT_THROW(ProposeCandidate(s, rng, Context(), nullptr), Error);
  // Weight only on disabled operators is the same as none.
  ImproverSpec t = Proposer();
  t.meta_weights.fill(0);
  t.meta_weights[MetaIdx("mine_macros")] = 1;
  ProposalContext ctx = Context();
  ctx.disabled[MetaIdx("mine_macros")] = true;
  EXPECT_THROW(ProposeCandidate(t, rng, ctx, nullptr), Error);
}

TEST(ProposeCandidate, DiscoverFilterOnlyWithADiscoveredFilter) {
  ImproverSpec s = Proposer();
  s.meta_weights.fill(0);
  s.meta_weights[MetaIdx("discover_filter")] = 1;
  Rng rng(3);
  ProposalContext ctx = Context();
  EXPECT_THROW(ProposeCandidate(s, rng, ctx, nullptr), Error);  // nothing it could do
  ctx.discovered_filter = lang::Parse(*lang::ReferenceProgram("logistic_regression"), search::kFilterShape);
  std::string name;
  const ImproverSpec c = ProposeCandidate(s, rng, ctx, &name);
  EXPECT_EQ(name, "discover_filter");
  ASSERT_TRUE(c.filter);
  EXPECT_EQ(c.filter->program, *ctx.discovered_filter);
  // Once the spec has that very filter, it cannot apply again.
  EXPECT_THROW(ProposeCandidate(c, rng, ctx, nullptr), Error);
  // With other operators around, a missing filter just means another one is drawn.
  ImproverSpec mixed = Proposer();
  mixed.meta_weights[MetaIdx("discover_filter")] = 5;
  ProposalContext none = Context();
  for (int i = 0; i < 50; ++i) {
    std::string n;
    const ImproverSpec m = ProposeCandidate(mixed, rng, none, &n);
    EXPECT_NE(n, "discover_filter");
    EXPECT_FALSE(m.filter);
  }
}

// "Operators that cannot apply are redrawn": but only 64 times, by the same weights. An operator
// that cannot apply at all keeps its weight, so when it holds most of the weight ProposeCandidate
// throws although other operators could apply, and RunRsi (which does not catch it) fails. Here
// discover_filter has weight 20 and the others 0.1 (the bounds the rsi loop's meta-level credit
// keeps weights in are [0.05, 20]) and there is no discovered filter: about 15% of proposals throw.
TEST(ProposeCandidate, AnInapplicableHeavyOperatorDoesNotMakeItThrow) {
  ImproverSpec s = Proposer();
  s.meta_weights.fill(0.1);
  s.meta_weights[MetaIdx("discover_filter")] = 20;
  const ProposalContext ctx = Context();
  int failures = 0;
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    Rng rng(seed);
    try {
      ProposeCandidate(s, rng, ctx, nullptr);
    } catch (const Error&) {
      ++failures;
    }
  }
  EXPECT_EQ(failures, 0) << "of 200 proposals";
}

TEST(ProposeCandidate, MineMacrosAddsTheLibraryAndAMacroWeight) {
  ImproverSpec s = SpecFromConfig(search::DefaultRunConfig().evolution);  // no macro operator
  ASSERT_EQ(Weight(s, Mutation::kMacro), -1);
  s.meta_weights.fill(0);
  s.meta_weights[MetaIdx("mine_macros")] = 1;
  Rng rng(5);
  std::string name;
  const ProposalContext ctx = Context();
  const ImproverSpec c = ProposeCandidate(s, rng, ctx, &name);
  EXPECT_EQ(name, "mine_macros");
  EXPECT_EQ(c.macros, MineMacros(ctx.good_programs, ctx.shape));
  EXPECT_FALSE(c.macros.empty());
  EXPECT_GT(Weight(c, Mutation::kMacro), 0);
  const search::EvolutionConfig e = ApplySpec(c, search::DefaultRunConfig().evolution);
  EXPECT_NE(std::find(e.compiled.kinds.begin(), e.compiled.kinds.end(), Mutation::kMacro), e.compiled.kinds.end());
  // No programs to mine: it cannot apply.
  ProposalContext empty = ctx;
  empty.good_programs.clear();
  EXPECT_THROW(ProposeCandidate(s, rng, empty, nullptr), Error);
}

TEST(ProposeCandidate, CreditWeightsNeedsCredit) {
  ImproverSpec s = Proposer();
  s.meta_weights.fill(0);
  s.meta_weights[MetaIdx("credit_weights")] = 1;
  Rng rng(9);
  std::string name;
  const ImproverSpec c = ProposeCandidate(s, rng, Context(), &name);
  EXPECT_EQ(name, "credit_weights");
  EXPECT_EQ(Weight(c, Mutation::kInsert), 1.0);  // the best gain rate
  EXPECT_LT(Weight(c, Mutation::kAlter), 1.0);
  s.credit = {};
  EXPECT_THROW(ProposeCandidate(s, rng, Context(), nullptr), Error);
}

}  // namespace
}  // namespace ouro::meta
