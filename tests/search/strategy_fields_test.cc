// Tests of the strategy's field table (search/strategy.h): every field round-trips through TOML and
// JSON, every bound is refused with an error naming the field (by the run config too: one set of
// bounds), the run config holds the strategy itself while the hot path reads its compiled form,
// and docs/config.md holds the table as generated (OURO_UPDATE_DOCS=1 rewrites it).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include <type_traits>

#include "core/error.h"
#include "lang/text.h"
#include "search/run_config.h"
#include "search/strategy.h"
#include "search/strategy_toml.h"

namespace ouro::search {
namespace {

using Json = nlohmann::ordered_json;

// A strategy where every field differs from its default.
Strategy Rich() {
  Strategy s;
  s.scheme = "islands";
  s.population = 600;
  s.tournament = 7;
  s.mutate_prob = 0.75;
  s.islands = 3;
  s.migrate_every = 1234;
  s.mutations = {{Mutation::kInsert, 0.5}, {Mutation::kAlter, 1}, {Mutation::kMacro, 0}};
  s.operations[0] = {{lang::Op::kScalarConst, 1}};
  s.operations[1] = {{lang::Op::kVectorDot, 2.5}, {lang::Op::kScalarSub, 0}};
  s.operations[2] = {{lang::Op::kScalarMul, 0.25}, {lang::Op::kVectorAdd, 1}};
  s.const_fresh_prob = 0.375;
  s.const_sigma = 0.0625;
  s.insert_at = {0.5, 1.5, 2};
  s.init_size = {3, 2, 1};
  s.min_size = {1, 1, 0};
  s.max_size = {9, 8, 7};
  s.initial = "empty";
  s.max_individuals = 5555;
  s.max_experiments = 3;
  s.cascade_tasks = 2;
  s.cascade_ratio = 0.625;
  FilterConfig f;
  f.program = lang::Parse("def predict():\n  s1 = s2 + s3\n", kFilterShape);
  f.threshold = 0.25;
  f.warmup = 17;
  f.explore = 0.125;
  s.filter = f;
  const lang::Program m = lang::Parse("def learn():\n  s1 = s2 * s0\n  s3 = s1 - s2\n");
  s.macros = {{lang::Component::kLearn, m.fn[2]}};
  s.warm_start = WarmStart{{lang::Parse("def predict():\n  s1 = dot(v0, v1)\n")}, 0.25};
  s.model = ModelProposals{0.125, 5};
  return s;
}

Json AsJson(const Strategy& s) {
  Json j = Json::object();
  StrategyToJson(s, j);
  return j;
}

TEST(StrategyFields, RichStrategyDiffersFromTheDefaultInEveryField) {
  const Json rich = AsJson(Rich()), def = AsJson(Strategy{});
  for (const StrategyField& f : kStrategyFields) {
    const auto ptr = Json::json_pointer("/" + [&] {
      std::string p = f.json;
      for (char& c : p) c = c == '.' ? '/' : c;
      return p;
    }());
    ASSERT_TRUE(rich.contains(ptr)) << f.name;
    if (def.contains(ptr)) EXPECT_NE(rich.at(ptr), def.at(ptr)) << f.name;  // else: unset, not written
  }
}

TEST(StrategyFields, JsonRoundTripKeepsEveryField) {
  const Strategy s = Rich();
  Strategy back;
  StrategyFromJson(Json::parse(AsJson(s).dump()), back, {});
  EXPECT_EQ(AsJson(back).dump(), AsJson(s).dump());
}

TEST(StrategyFields, TomlRoundTripKeepsEveryField) {
  const Strategy s = Rich();
  std::ostringstream text;
  text << StrategyToToml(s);
  const toml::table t = toml::parse(text.str());
  Strategy back;
  StrategyFromToml(TomlReader("t.toml"), t, back);
  EXPECT_EQ(AsJson(back).dump(), AsJson(s).dump()) << text.str();
}

// The run config's strategy is a Strategy: each field is declared once, in search/strategy.h.
static_assert(std::is_base_of_v<Strategy, EvolutionConfig>);

// A [search] table written from `s`, loaded as a run config.
RunConfig ConfigOf(const Strategy& s) {
  std::ostringstream text;
  text << toml::table{{"search", StrategyToToml(s)}};
  return ParseRunConfig(text.str(), "s.toml");
}

TEST(StrategyFields, EveryFieldHasAKeyInTheRunConfig) {
  // A [search] table written from a strategy loads as a run config holding that very strategy,
  // switched-off entries included.
  Strategy s = Rich();
  s.initial = "random";
  const RunConfig c = ConfigOf(s);
  EXPECT_EQ(AsJson(c.evolution).dump(), AsJson(s).dump());
}

TEST(StrategyFields, TomlThenConfigThenSpecKeepsAStrategyInItsEffectiveForm) {
  // The effective form (enabled entries only, ...) goes through TOML, the run config and the spec
  // JSON (meta::SpecFromConfig is EffectiveStrategy of the config) unchanged.
  Strategy s = Rich();
  s.initial = "random";
  s.mutations.pop_back();            // {insert 0.5, alter 1}: enabled, not uniform
  s.operations[1].pop_back();        // one enabled operation: weight 1
  s.operations[1][0].second = 1;
  ASSERT_EQ(AsJson(EffectiveStrategy(s, lang::Shape{})).dump(), AsJson(s).dump());
  const EvolutionConfig e = ConfigOf(s).evolution;
  EXPECT_EQ(AsJson(EffectiveStrategy(e, e.shape)).dump(), AsJson(s).dump());
}

TEST(StrategyFields, TheConfigKeepsSwitchedOffEntriesTheCompiledFormDoesNot) {
  const RunConfig c = ParseRunConfig(
      "[search]\nmutations = [[\"alter\", 0], \"insert\", [\"remove\", 2]]\n"
      "setup_ops = [[\"scalar_const\", 0], \"vector_dot\"]\nlearn_ops = [[\"scalar_const\", 0]]\n",
      "off.toml");
  const EvolutionConfig& e = c.evolution;
  EXPECT_EQ(e.mutations, (MutationWeights{{Mutation::kAlter, 0}, {Mutation::kInsert, 1}, {Mutation::kRemove, 2}}));
  EXPECT_EQ(e.operations[0], (OpWeights{{lang::Op::kScalarConst, 0}, {lang::Op::kVectorDot, 1}}));
  EXPECT_EQ(e.operations[2], (OpWeights{{lang::Op::kScalarConst, 0}}));
  // The hot path's lists hold the enabled entries only; a component without one cannot grow.
  EXPECT_EQ(e.compiled.kinds, (std::vector<Mutation>{Mutation::kInsert, Mutation::kRemove}));
  EXPECT_EQ(e.compiled.policy.kind_weights, (std::vector<double>{1, 2}));
  EXPECT_EQ(e.compiled.space.ops[0], (std::vector<lang::Op>{lang::Op::kVectorDot}));
  EXPECT_TRUE(e.compiled.space.ops[2].empty());
  EXPECT_EQ(e.compiled.space.max_size[2], 0);
  EXPECT_EQ(e.compiled.init_size[2], 0);
  EXPECT_EQ(e.max_size[2], 45);  // the strategy keeps its sizes
  // So does the effective strategy (the spec of the config).
  const Strategy eff = EffectiveStrategy(e, e.shape);
  EXPECT_EQ(eff.mutations, (MutationWeights{{Mutation::kInsert, 1}, {Mutation::kRemove, 2}}));
  EXPECT_EQ(eff.operations[0], (OpWeights{{lang::Op::kVectorDot, 1}}));
  EXPECT_EQ(eff.max_size[2], 0);
}

TEST(StrategyFields, RunConfigRefusesWhatTheTableRefusesWithTheSameMessage) {
  EvolutionConfig e = DefaultRunConfig().evolution;
  e.population = 1;  // the table's lower bound is 2
  const Strategy s = e;
  std::string table_message, config_message;
  try {
    s.Validate();
  } catch (const Error& err) {
    table_message = err.what();
  }
  try {
    e.Validate();
  } catch (const Error& err) {
    config_message = err.what();
  }
  EXPECT_NE(table_message.find("population = 1 is out of range [2, "), std::string::npos) << table_message;
  EXPECT_EQ(config_message, table_message);
  e.population = 2;
  e.tournament = 2;
  EXPECT_NO_THROW(e.Validate());
}

TEST(StrategyFields, CompileDerivesTheHotPathsFormAndValidateRefusesAStaleOne) {
  EvolutionConfig e = DefaultRunConfig().evolution;
  EXPECT_EQ(e.compiled.islands, 1);  // regularized: one population, no migration
  EXPECT_EQ(e.compiled.migrate_every, 0);
  EXPECT_EQ(e.islands, 4);           // kept, unused
  EXPECT_EQ(e.migrate_every, 2000);
  e.scheme = "islands";
  e.islands = 3;
  EXPECT_THROW(e.Validate(), Error);  // changed after Compile()
  e.Compile();
  EXPECT_NO_THROW(e.Validate());
  EXPECT_EQ(e.compiled.islands, 3);
  EXPECT_EQ(e.compiled.migrate_every, 2000);
  e.shape.dim = 5;
  EXPECT_THROW(e.Validate(), Error);
  e.Compile();
  EXPECT_EQ(e.compiled.space.shape.dim, 5);
  // Macros whose registers the shape lacks are dropped from the compiled policy only.
  const lang::Program m = lang::Parse("def learn():\n  s3 = s1 - s2\n  s1 = s0 * s3\n");
  e.macros = {{lang::Component::kLearn, m.fn[2]}};
  e.shape.scalars = 3;
  e.Compile();
  EXPECT_EQ(e.macros.size(), 1u);
  EXPECT_TRUE(e.compiled.policy.macros.empty());
  EXPECT_TRUE(EffectiveStrategy(e, e.shape).macros.empty());
}

TEST(StrategyFields, EachBoundIsRefusedNamingTheField) {
  for (const StrategyField& f : kStrategyFields) {
    const bool numeric = std::visit(
        [](auto m) {
          using T = decltype(m);
          return std::is_same_v<T, int Strategy::*> || std::is_same_v<T, int64_t Strategy::*> ||
                 std::is_same_v<T, double Strategy::*> || std::is_same_v<T, ComponentSizes Strategy::*>;
        },
        f.member);
    if (!numeric) continue;
    for (double bad : {f.lo - 1, f.hi * 2 + 1}) {
      if (f.hi >= 9e18 && bad > f.hi) continue;  // no int64 above the bound
      Strategy s = Rich();
      std::visit(
          [&](auto m) {
            using T = decltype(m);
            if constexpr (std::is_same_v<T, int Strategy::*>) s.*m = static_cast<int>(std::max(-1e9, std::min(bad, 2e9)));
            else if constexpr (std::is_same_v<T, int64_t Strategy::*>) s.*m = static_cast<int64_t>(bad);
            else if constexpr (std::is_same_v<T, double Strategy::*>) s.*m = bad;
            else if constexpr (std::is_same_v<T, ComponentSizes Strategy::*>) (s.*m)[1] = static_cast<int>(bad);
          },
          f.member);
      try {
        s.Validate();
        ADD_FAILURE() << f.name << " = " << bad << " accepted";
      } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find(f.name), std::string::npos) << e.what();
      }
      // The same bound in TOML, located at the key.
      if (std::holds_alternative<ComponentSizes Strategy::*>(f.member)) continue;
      std::ostringstream text;
      text << "[search]\n" << f.toml << " = " << (std::holds_alternative<double Strategy::*>(f.member) ? bad : std::floor(bad)) << "\n";
      try {
        ParseRunConfig(text.str(), "b.toml");
        ADD_FAILURE() << text.str() << " accepted";
      } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("b.toml:2:"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find(f.toml), std::string::npos) << e.what();
      }
    }
  }
}

TEST(StrategyFields, CrossFieldRulesAreNamed) {
  auto message = [](auto change) {
    Strategy s = Rich();
    change(s);
    try {
      s.Validate();
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(message([](Strategy& s) { s.scheme = "tribal"; }).find("scheme"), std::string::npos);
  EXPECT_NE(message([](Strategy& s) { s.tournament = 601; }).find("tournament"), std::string::npos);
  EXPECT_NE(message([](Strategy& s) { s.islands = 100; }).find("islands"), std::string::npos);
  EXPECT_NE(message([](Strategy& s) { s.mutations[1].second = 0, s.mutations[0].second = 0; }).find("mutation"),
            std::string::npos);
  EXPECT_NE(message([](Strategy& s) { s.initial = "given!"; }).find("initial"), std::string::npos);
  EXPECT_NE(message([](Strategy& s) { s.operations[1][0].second = -1; }).find("operations"), std::string::npos);
}

TEST(StrategyFields, DocsHoldTheGeneratedTable) {
  const std::string path = std::string(OURO_SOURCE_DIR) + "/docs/config.md";
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string doc = ss.str();
  const size_t begin = doc.find(kDocBegin), end = doc.find(kDocEnd);
  ASSERT_NE(begin, std::string::npos) << "no '" << kDocBegin << "' in " << path;
  ASSERT_NE(end, std::string::npos) << "no '" << kDocEnd << "' in " << path;
  const size_t from = begin + std::string(kDocBegin).size() + 1;
  const std::string table = StrategyDocTable(DefaultRunConfig().evolution);
  if (std::getenv("OURO_UPDATE_DOCS")) {
    doc.replace(from, end - from, table);
    std::ofstream(path, std::ios::binary) << doc;
    return;
  }
  EXPECT_EQ(doc.substr(from, end - from), table)
      << "docs/config.md is out of date with kStrategyFields: run OURO_UPDATE_DOCS=1 " << "search_test";
}

}  // namespace
}  // namespace ouro::search
