// Tests of the self-application loop's config: RsiConfig::Validate and the TOML file (every shipped
// rsi config loads, the demo config is the embedded default, every table parses, bad keys and
// types name file and line; the three arenas' rules are in rsi_arenas_test.cc). The tiny arena is
// in rsi_test_util.h.
#include "meta/rsi_config.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <unistd.h>
#include <vector>

#include "core/error.h"
#include "meta/rsi.h"
#include "rsi_test_util.h"
#include "temp_dir_test.h"
#include "search/run_config.h"

namespace ouro::meta {
namespace {

namespace fs = std::filesystem;

using test::ExpectParseError;
using test::Tiny;

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
  ExpectInvalid([](RsiConfig& c) { c.test_seeds = 0; }, "test seeds");
  ExpectInvalid([](RsiConfig& c) { c.validation_seeds = 0; }, "validation seeds");
  ExpectInvalid([](RsiConfig& c) { c.filter_budget = 0; }, "filter_budget");
  ExpectInvalid([](RsiConfig& c) { c.sprt.elo1 = c.sprt.elo0; }, "elo1");
  ExpectInvalid([](RsiConfig& c) { c.sprt.alpha = 0; }, "alpha");
  ExpectInvalid([](RsiConfig& c) { c.alpha_run = 0; }, "alpha_run");
  ExpectInvalid([](RsiConfig& c) { c.alpha_run = NAN; }, "alpha_run");
  ExpectInvalid([](RsiConfig& c) { c.train.families.clear(); }, "no task families");
  ExpectInvalid([](RsiConfig& c) { c.test.budget = 0; }, "budget");
  ExpectInvalid([](RsiConfig& c) { c.validation.families.clear(); }, "no task families");
  ExpectInvalid([](RsiConfig& c) { c.initial.population = 1; }, "population");
  ExpectInvalid([](RsiConfig& c) { c.alpha_share = 0; }, "alpha_share");
  ExpectInvalid([](RsiConfig& c) { c.confirm_games = -1; }, "max_games");
  // A confirmation stage (rsi_confirm_test.cc): exact gate only, valid bounds.
  ExpectInvalid([](RsiConfig& c) { c.confirm_games = 4, c.gate = SprtTest::kNormal; }, "exact gate");
  ExpectInvalid([](RsiConfig& c) { c.confirm_games = 4, c.confirm.elo1 = c.confirm.elo0; }, "confirm elo1");
  ExpectInvalid([](RsiConfig& c) { c.confirm_games = 4, c.confirm.alpha = 0.7; }, "alpha");
  // RunRsi validates before doing anything.
  RsiConfig bad = Tiny(1);
  bad.candidates = 0;
  EXPECT_THROW(RunRsi(bad), Error);
}

class RsiFile : public test::TempDirTest {
 protected:
  RsiFile() : TempDirTest("ouro_rsi_test_") {}
};

// The whole resolved config: the rsi part and both arenas' object-level mechanics.
std::string Resolved(const RsiFileConfig& f) {
  auto base = [](const search::EvolutionConfig& e) {
    search::RunConfig rc;
    rc.evolution = e;
    return search::ToJson(rc).dump();
  };
  return ToJson(f.rsi).dump() + "\n" + base(f.rsi.train.base) + "\n" + base(f.rsi.validation.base) + "\n" +
         base(f.rsi.test.base) + "\n" + f.initial + " seed_given=" + std::to_string(f.seed_given) +
         " test_stop_at=" + std::to_string(f.rsi.test.stop_at);
}

TEST_F(RsiFile, EveryShippedRsiConfigLoads) {
  int n = 0;
  for (const auto& e : fs::recursive_directory_iterator(fs::path(OURO_SOURCE_DIR) / "configs")) {  // experiments/ too
    const std::string name = e.path().filename().string();
    if (e.path().extension() != ".toml") continue;
    std::ifstream in(e.path());
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (text.find("\n[rsi]\n") == std::string::npos) continue;  // an rsi config (as tests/search skips them)
    ++n;
    EXPECT_NO_THROW({
      const RsiFileConfig f = LoadRsiConfig(e.path().string());
      f.rsi.Validate();
    }) << name;
  }
  EXPECT_GE(n, 5);  // rsi, rsi-demo, rsi-reward-hacking, llm-rsi-demo, experiments/rsi-old-arena
}

TEST_F(RsiFile, DemoConfigIsTheEmbeddedDefault) {
  const RsiFileConfig file = LoadRsiConfig(std::string(OURO_SOURCE_DIR) + "/configs/rsi-demo.toml");
  const RsiFileConfig def = DefaultRsiConfig();
  EXPECT_EQ(Resolved(file), Resolved(def));
  EXPECT_EQ(def.initial, "plain");
  EXPECT_TRUE(def.seed_given);
  // Pre-registered targets: 0.9 and 0.99 of the reference program, the first primary.
  EXPECT_EQ(def.rsi.test.targets, (std::vector<TargetSpec>{ParseTarget("reference:0.9"), ParseTarget("reference:0.99")}));
  EXPECT_EQ(ToJson(def.rsi)["test"]["target"], "reference:0.9");
  EXPECT_FALSE(def.rsi.test.budgets.empty());
  EXPECT_GT(def.rsi.validation.target, 0);  // validation takes a fitness
  EXPECT_EQ(def.controls, std::vector<std::string>{"null"});  // the README's command runs the null control
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
gate = "normal"
[rsi.sprt]
elo0 = -10
elo1 = 80
alpha = 0.1
beta = 0.2
alpha_run = 0.25
[rsi.train]
families = ["linear:dim=2,tasks=2,train=10,valid=10", "nonlinear:dim=2,tasks=2,train=10,valid=10,hidden=2"]
budget = 400
target = 0.8
stop_at = 0.99
[rsi.validation]
families = ["linear:dim=3,tasks=2,train=10,valid=10"]
seeds = 4
budget = 600
target = 0.6
stop_at = 0.98
[rsi.test]
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
  EXPECT_EQ(c.gate, SprtTest::kNormal);
  EXPECT_EQ(c.alpha_run, 0.25);
  ASSERT_EQ(c.train.families.size(), 2u);
  EXPECT_EQ(c.train.families[1].family, "nonlinear");
  EXPECT_EQ(c.train.budget, 400);
  EXPECT_EQ(c.train.target, 0.8);
  EXPECT_EQ(c.train.stop_at, 0.99);
  EXPECT_EQ(c.validation_seeds, 4);
  EXPECT_EQ(c.validation.budget, 600);
  EXPECT_EQ(c.validation.target, 0.6);
  EXPECT_EQ(c.validation.stop_at, 0.98);
  EXPECT_EQ(c.validation.families[0].dim, 3);
  EXPECT_EQ(c.test_seeds, 3);
  EXPECT_EQ(c.test.budget, 500);
  EXPECT_EQ(c.test.target, 0.7);
  EXPECT_EQ(c.train.base.batch, 8);
  EXPECT_EQ(c.train.base.shape.dim, 2);
  // The initial improver is the spec file's (renamed).
  EXPECT_EQ(c.initial.name, "initial");
  EXPECT_EQ(SpecHash(c.initial), SpecHash(Tiny(1).initial));
  EXPECT_EQ(f.initial, spec_path);
}

TEST_F(RsiFile, InitialFromTheConfigAndTheDefaultGate) {
  // "config": the [search] strategy as a spec.
  const std::string cfg = "[search]\npopulation = 40\ntournament = 4\nmutations = [\"alter\", \"insert\"]\n[improver]\ninitial = \"config\"\n";
  const RsiFileConfig g = ParseRsiConfig(cfg, "t.toml");
  EXPECT_EQ(g.rsi.initial.population, 40);
  EXPECT_EQ(g.rsi.initial.mutations.size(), 2u);
  EXPECT_FALSE(g.seed_given);
  // The gate defaults to the exact test with a budget of 0.5 expected false adoptions per run.
  EXPECT_EQ(g.rsi.gate, SprtTest::kExact);
  EXPECT_EQ(g.rsi.alpha_run, 0.5);
}

TEST_F(RsiFile, BadKeysAndTypesNameFileAndLine) {
  ExpectParseError("[rsi]\ngenerations = 2\ncandidatez = 3\n", {"t.toml:3", "unknown key 'candidatez'"});
  ExpectParseError("[rsi]\ngenerations = \"many\"\n", {"t.toml:2", "[rsi].generations", "integer"});
  ExpectParseError("[rsi]\ncandidates = 0\n", {"t.toml:2", "candidates", "out of range"});
  ExpectParseError("[rsi]\nmax_seconds = \"x\"\n", {"t.toml:2", "max_seconds", "number"});
  ExpectParseError("[rsi]\nablate = \"credit\"\n", {"t.toml:2", "ablate"});
  ExpectParseError("[rsi]\nablate = [\"credit\", \"luck\"]\n", {"t.toml", "unknown ablation 'luck'"});
  ExpectParseError("[rsi.sprt]\nelo2 = 5\n", {"t.toml:2", "unknown key 'elo2'"});
  ExpectParseError("[rsi.sprt]\nalpha = 0.9\n", {"t.toml:2", "alpha"});
  ExpectParseError("[rsi.sprt]\nalpha_run = 0\n", {"t.toml:2", "alpha_run", "out of range"});
  ExpectParseError("[rsi]\ngate = \"bayes\"\n", {"t.toml:2", "[rsi].gate", "unknown test 'bayes'"});
  ExpectParseError("[rsi]\ngate = 1\n", {"t.toml:2", "[rsi].gate", "exact"});
  ExpectParseError("[rsi.train]\nseeds = 3\n", {"t.toml:2", "unknown key 'seeds'"});
  ExpectParseError("[rsi.train]\nfamilies = [\"nosuchfamily\"]\n", {"t.toml:2", "[rsi.train].families", "nosuchfamily"});
  ExpectParseError("[rsi.train]\nfamilies = []\n", {"t.toml:2", "at least one"});
  ExpectParseError("[rsi.train]\nfamilies = [1, 2]\n", {"t.toml:2", "array of strings"});
  ExpectParseError("[rsi.test]\nbudget = 0\n", {"t.toml:2", "budget"});
  ExpectParseError("[rsi.test]\ntarget = \"best\"\n", {"t.toml:2", "frozen"});
  ExpectParseError("[rsi.validation]\nseeds = 0\n", {"t.toml:2", "[rsi.validation].seeds"});
  ExpectParseError("[improver]\ninitial = 3\n", {"t.toml:2", "[improver].initial"});
  ExpectParseError("[improver]\nspec = \"x\"\n", {"t.toml:2", "unknown key 'spec'"});
  ExpectParseError("[improver]\ninitial = \"/no/such/spec.json\"\n", {"t.toml", "/no/such/spec.json"});
  ExpectParseError("[rsi]\ngenerations = 2\n[rsi.turbo]\nx = 1\n", {"t.toml:3", "unknown key 'turbo'"});
  ExpectParseError("[rsi]\ngenerations = = 2\n", {"t.toml:2"});
  ExpectParseError("[search]\npopulaton = 10\n", {"t.toml", "populaton"});
  EXPECT_THROW(LoadRsiConfig((dir_ / "missing.toml").string()), Error);
}

TEST_F(RsiFile, FrozenTargetOnlyForTest) {
  ExpectParseError("[rsi.train]\ntarget = \"frozen\"\n", {"t.toml:2", "[rsi.train].target", "[rsi.test] only"});
  ExpectParseError("[rsi.validation]\ntarget = \"frozen\"\n", {"t.toml:2", "[rsi.validation].target", "[rsi.test] only"});
  const RsiFileConfig f = ParseRsiConfig("[rsi.test]\ntarget = \"frozen\"\n", "t.toml");
  EXPECT_EQ(f.rsi.test.target, 0);
  const RsiFileConfig g = ParseRsiConfig("[rsi.test]\ntarget = 0.75\n", "t.toml");
  EXPECT_EQ(g.rsi.test.target, 0.75);
  ExpectParseError("[rsi.test]\ntarget = 0\n", {"t.toml:2", "target"});
  ExpectParseError("[rsi.test]\ntarget = 1.5\n", {"t.toml:2", "target"});
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

}  // namespace
}  // namespace ouro::meta
