// Tests of the strategy's field table (search/strategy.h): every field round-trips through TOML and
// JSON, every bound is refused with an error naming the field, the derivation to the hot path's
// EvolutionConfig and back, and docs/config.md holds the table as generated
// (OURO_UPDATE_DOCS=1 rewrites it).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

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
    EXPECT_NE(rich.at(ptr), def.at(ptr)) << f.name;
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

TEST(StrategyFields, EveryFieldHasAKeyInTheRunConfig) {
  // A [search] table written from a strategy loads as a run config to the same strategy.
  Strategy s = Rich();
  s.initial = "random";
  s.operations = {OpWeights{{lang::Op::kScalarConst, 1}}, OpWeights{{lang::Op::kVectorDot, 1}},
                  OpWeights{{lang::Op::kScalarMul, 1}, {lang::Op::kScalarSub, 0}}};  // one enabled: weight 1
  std::ostringstream text;
  text << toml::table{{"search", StrategyToToml(s)}};
  const RunConfig c = ParseRunConfig(text.str(), "s.toml");
  EXPECT_EQ(AsJson(StrategyOf(c.evolution)).dump(), [&] {
    Strategy expected = s;  // the config keeps enabled entries only
    expected.mutations.pop_back();
    expected.operations[2].pop_back();
    return AsJson(expected).dump();
  }());
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

TEST(StrategyFields, ApplyStrategyThenStrategyOfIsTheIdentityOnConfigs) {
  const EvolutionConfig e = DefaultRunConfig().evolution;
  EvolutionConfig again = e;
  ApplyStrategy(StrategyOf(e), again);
  EXPECT_EQ(AsJson(StrategyOf(again)).dump(), AsJson(StrategyOf(e)).dump());
  EXPECT_EQ(again.islands, 1);
  EXPECT_EQ(again.migrate_every, 0);
  EXPECT_TRUE(again.policy.kind_weights.empty());
  EXPECT_EQ(again.mutations, e.mutations);
  EXPECT_EQ(again.space.ops, e.space.ops);
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
  const std::string table = StrategyDocTable(StrategyOf(DefaultRunConfig().evolution));
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
