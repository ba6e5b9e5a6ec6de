// Tests of the TOML run config: the shipped demo config, a full custom config, every kind of error
// with its location, the --task flag and the JSON record.
#include "search/run_config.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "core/error.h"
#include "lang/text.h"
#include "tasks/partition.h"

namespace ouro::search {
namespace {

using tasks::TaskSpecToString;

const std::string kSourceDir = OURO_SOURCE_DIR;

// The message of the ouro::Error that parsing `text` throws ("" and a test failure if none).
std::string ParseError(const std::string& text) {
  try {
    ParseRunConfig(text, "cfg.toml");
  } catch (const Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "accepted:\n" << text;
  return "";
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Expects the error to start with "cfg.toml:LINE:COL: " for the given line and to contain needle.
void ExpectErrorAt(const std::string& text, int line, const std::string& needle) {
  const std::string msg = ParseError(text);
  EXPECT_TRUE(std::regex_search(msg, std::regex("^cfg\\.toml:" + std::to_string(line) + ":[0-9]+: ")))
      << "expected location cfg.toml:" << line << ":COL in: " << msg;
  EXPECT_NE(msg.find(needle), std::string::npos) << "expected '" << needle << "' in: " << msg;
}

// Number of search tasks the FEC fingerprints (fec_tasks <= 0 means all of them).
int EffectiveFecTasks(const RunConfig& c) {
  const int n = c.search_tasks.num_tasks;
  const int t = c.evolution.fec_tasks;
  return t <= 0 || t > n ? n : t;
}

void ExpectSameKeyFields(const RunConfig& a, const RunConfig& b) {
  const auto& ea = a.evolution;
  const auto& eb = b.evolution;
  EXPECT_EQ(ea.shape, eb.shape);
  EXPECT_TRUE(ea.compiled == eb.compiled);  // operations, sizes, operators, weights, islands
  EXPECT_EQ(ea.compiled.space.ops, eb.compiled.space.ops);
  EXPECT_EQ(ea.compiled.kinds, eb.compiled.kinds);
  EXPECT_EQ(ea.init_size, eb.init_size);
  EXPECT_EQ(ea.initial, eb.initial);
  EXPECT_EQ(ea.population, eb.population);
  EXPECT_EQ(ea.tournament, eb.tournament);
  EXPECT_EQ(ea.mutate_prob, eb.mutate_prob);
  EXPECT_EQ(ea.max_individuals, eb.max_individuals);
  EXPECT_EQ(ea.max_experiments, eb.max_experiments);
  EXPECT_EQ(ea.sufficient_fitness, eb.sufficient_fitness);
  EXPECT_EQ(ea.check_every, eb.check_every);
  EXPECT_EQ(ea.batch, eb.batch);
  EXPECT_EQ(ea.fec, eb.fec);
  EXPECT_EQ(EffectiveFecTasks(a), EffectiveFecTasks(b));
  EXPECT_EQ(ea.fec_train, eb.fec_train);
  EXPECT_EQ(ea.fec_valid, eb.fec_valid);
  EXPECT_EQ(ea.fec_capacity, eb.fec_capacity);
  EXPECT_EQ(ea.limits.max_instructions, eb.limits.max_instructions);
  EXPECT_EQ(ea.limits.max_abs_prediction, eb.limits.max_abs_prediction);
  EXPECT_EQ(TaskSpecToString(a.search_tasks), TaskSpecToString(b.search_tasks));
  EXPECT_EQ(TaskSpecToString(a.select_tasks), TaskSpecToString(b.select_tasks));
  EXPECT_EQ(TaskSpecToString(a.held_out_tasks), TaskSpecToString(b.held_out_tasks));
  EXPECT_EQ(a.budget.max_evaluations, b.budget.max_evaluations);
  EXPECT_EQ(a.budget.max_seconds, b.budget.max_seconds);
}

// ---- the shipped configs ---------------------------------------------------------------------

TEST(RunConfig, DemoConfigFileEqualsTheDefault) {
  const std::string path = kSourceDir + "/configs/automl-zero-demo.toml";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " does not exist yet";
  const RunConfig file = LoadRunConfig(path);
  const RunConfig def = DefaultRunConfig();
  ExpectSameKeyFields(file, def);
  EXPECT_EQ(file.threads, def.threads);
}

TEST(RunConfig, DefaultIsTheAutoMlZeroDemo) {
  const RunConfig c = DefaultRunConfig();
  const auto& e = c.evolution;
  EXPECT_FALSE(c.seed.has_value());
  EXPECT_EQ(e.shape.scalars, 4);
  EXPECT_EQ(e.shape.vectors, 3);
  EXPECT_EQ(e.shape.matrices, 1);
  EXPECT_EQ(e.shape.dim, 4);
  const std::vector<lang::Op> ops = {lang::Op::kScalarConst, lang::Op::kVectorDot,
                                     lang::Op::kScalarSub, lang::Op::kScalarMul,
                                     lang::Op::kScalarVectorMul, lang::Op::kVectorAdd};
  for (const auto& o : e.compiled.space.ops) EXPECT_EQ(o, ops);
  EXPECT_EQ(e.population, 1000);
  EXPECT_EQ(e.tournament, 10);
  EXPECT_EQ(e.init_size, (std::array<int, 3>{10, 2, 8}));
  EXPECT_EQ(TaskSpecToString(c.search_tasks), "linear:dim=4,tasks=10,train=100,valid=100,test=0,seed=1000000");
  EXPECT_EQ(TaskSpecToString(c.select_tasks), "linear:dim=4,tasks=100,train=1000,valid=100,test=0,seed=1000000");
  EXPECT_EQ(TaskSpecToString(c.held_out_tasks), TaskSpecToString(c.select_tasks));
  EXPECT_NO_THROW(e.Validate());
  // An empty file is the default config.
  ExpectSameKeyFields(ParseRunConfig("", "empty.toml"), c);
}

TEST(RunConfig, EveryShippedConfigLoads) {
  const std::filesystem::path dir = kSourceDir + "/configs";
  if (!std::filesystem::exists(dir)) GTEST_SKIP() << dir << " does not exist yet";
  int n = 0;
  for (const auto& f : std::filesystem::recursive_directory_iterator(dir)) {  // experiments/ too
    if (f.path().extension() != ".toml") continue;
    if (f.path().filename().string().rfind("selfplay", 0) == 0) continue;  // self-play configs: tests/selfplay
    if (f.path().parent_path().filename() == "policies") continue;   // oversight policies: tests/oversight
    std::ifstream in(f.path());
    std::stringstream text;
    text << in.rdbuf();
    if (text.str().find("\n[rsi]\n") != std::string::npos) continue;  // rsi configs: tests/meta
    // Second-stage experiments read the program a first stage wrote under runs/ (not shipped):
    // they must fail on exactly that, and nothing earlier.
    if (text.str().find("\"runs/fmnist-E1.ouro\"") != std::string::npos) {
      try {
        LoadRunConfig(f.path().string());
      } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("cannot read program file 'runs/fmnist-E1.ouro'"), std::string::npos) << e.what();
      }
    } else {
      EXPECT_NO_THROW(LoadRunConfig(f.path().string())) << f.path();
    }
    ++n;
  }
  if (n == 0) GTEST_SKIP() << "no configs";
}

// ---- a full custom config --------------------------------------------------------------------

std::string CustomConfig() {
  return R"(# every key set to a non-default value
seed = 123
threads = 3

[shape]
scalars = 6
vectors = 5
matrices = 2
dim = 8

[tasks.search]
family = "linear"
tasks = 3
train = 40
valid = 30
seed = 5

[tasks.select]
family = "nonlinear"
tasks = 7
train = 200
valid = 50
test = 10
hidden = 6
seed = 9

[tasks.held_out]
family = "fmnist"
pairs = [[0, 6], [2, 4]]
train = 300
valid = 100
test = 100
seed = 7

[search]
setup_ops = ["scalar_const", "vector_gaussian"]
predict_ops = ["vector_dot", "matvec"]
learn_ops = ["all"]
init_size = { setup = 3, predict = 2, learn = 5 }
min_size = { setup = 1, predict = 1, learn = 2 }
max_size = { setup = 7, predict = 6, learn = 30 }
initial = "given"
initial_programs = [")" + kSourceDir + R"(/programs/linear_regression.ouro"]
population = 321
tournament = 7
mutate_prob = 0.75
mutations = ["insert_instruction", "swap", "remove"]
max_individuals = 12345
max_experiments = 4
sufficient_fitness = 0.95
check_every = 500
batch = 8

[search.fec]
enabled = false
tasks = 2
train = 15
valid = 12
capacity = 999

[limits]
max_instructions = 5000000
max_abs_prediction = 1e9

[budget]
max_evals = 77777
max_seconds = 12.5
)";
}

TEST(RunConfig, FullCustomConfigFillsEveryField) {
  const RunConfig c = ParseRunConfig(CustomConfig(), "custom.toml");
  const auto& e = c.evolution;
  ASSERT_TRUE(c.seed.has_value());
  EXPECT_EQ(*c.seed, 123u);
  EXPECT_EQ(c.threads, 3);
  EXPECT_EQ(e.shape.scalars, 6);
  EXPECT_EQ(e.shape.vectors, 5);
  EXPECT_EQ(e.shape.matrices, 2);
  EXPECT_EQ(e.shape.dim, 8);

  EXPECT_EQ(c.search_tasks.family, "linear");
  EXPECT_EQ(c.search_tasks.dim, 8);  // from [shape]
  EXPECT_EQ(c.search_tasks.num_tasks, 3);
  EXPECT_EQ(c.search_tasks.n_train, 40);
  EXPECT_EQ(c.search_tasks.n_valid, 30);
  EXPECT_EQ(c.search_tasks.seed, 5u);
  EXPECT_EQ(c.select_tasks.family, "nonlinear");
  EXPECT_EQ(c.select_tasks.dim, 8);
  EXPECT_EQ(c.select_tasks.num_tasks, 7);
  EXPECT_EQ(c.select_tasks.n_train, 200);
  EXPECT_EQ(c.select_tasks.n_valid, 50);
  EXPECT_EQ(c.select_tasks.n_test, 10);
  EXPECT_EQ(c.select_tasks.hidden, 6);
  EXPECT_EQ(c.select_tasks.seed, 9u);
  EXPECT_EQ(c.held_out_tasks.family, "fmnist");
  EXPECT_EQ(c.held_out_tasks.dim, 8);
  EXPECT_EQ(c.held_out_tasks.pairs, (std::vector<std::pair<int, int>>{{0, 6}, {2, 4}}));
  EXPECT_EQ(c.held_out_tasks.n_train, 300);
  EXPECT_EQ(c.held_out_tasks.n_test, 100);
  EXPECT_EQ(c.held_out_tasks.seed, 7u);

  const SearchSpace& space = e.compiled.space;
  EXPECT_EQ(space.ops[0], (std::vector<lang::Op>{lang::Op::kScalarConst, lang::Op::kVectorGaussian}));
  EXPECT_EQ(space.ops[1], (std::vector<lang::Op>{lang::Op::kVectorDot, lang::Op::kMatVec}));
  ASSERT_EQ(space.ops[2].size(), static_cast<size_t>(lang::kNumOps));  // "all"
  for (int i = 0; i < lang::kNumOps; ++i) EXPECT_EQ(space.ops[2][i], static_cast<lang::Op>(i));
  EXPECT_EQ(e.init_size, (std::array<int, 3>{3, 2, 5}));
  EXPECT_EQ(e.min_size, (std::array<int, 3>{1, 1, 2}));
  EXPECT_EQ(e.max_size, (std::array<int, 3>{7, 6, 30}));
  EXPECT_EQ(space.min_size, e.min_size);
  EXPECT_EQ(space.max_size, e.max_size);
  EXPECT_EQ(e.initial, "given");
  ASSERT_EQ(e.initial_programs.size(), 1u);
  EXPECT_EQ(lang::Print(e.initial_programs[0]),
            lang::Print(lang::Parse(
                "def setup():\n  s2 = 0.25\ndef predict():\n  s1 = dot(v0, v1)\n"
                "def learn():\n  s3 = s0 - s1\n  s3 = s2 * s3\n  v2 = s3 * v0\n  v1 = v1 + v2\n")));
  EXPECT_EQ(e.population, 321);
  EXPECT_EQ(e.tournament, 7);
  EXPECT_EQ(e.mutate_prob, 0.75);
  EXPECT_EQ(e.compiled.kinds, (std::vector<Mutation>{Mutation::kInsert, Mutation::kSwap, Mutation::kRemove}));
  EXPECT_EQ(e.max_individuals, 12345);
  EXPECT_EQ(e.max_experiments, 4);
  EXPECT_EQ(e.sufficient_fitness, 0.95);
  EXPECT_EQ(e.check_every, 500);
  EXPECT_EQ(e.batch, 8);
  EXPECT_FALSE(e.fec);
  EXPECT_EQ(e.fec_tasks, 2);
  EXPECT_EQ(e.fec_train, 15);
  EXPECT_EQ(e.fec_valid, 12);
  EXPECT_EQ(e.fec_capacity, 999u);
  EXPECT_EQ(e.limits.max_instructions, 5000000);
  EXPECT_EQ(e.limits.max_abs_prediction, 1e9);
  EXPECT_EQ(c.budget.max_evaluations, 77777);
  EXPECT_EQ(c.budget.max_seconds, 12.5);
  EXPECT_NO_THROW(e.Validate());
}

TEST(RunConfig, OpsSetsEveryComponentAndComponentKeysOverride) {
  const RunConfig c = ParseRunConfig(
      "[search]\nops = [\"scalar_add\", \"vector_dot\"]\nlearn_ops = [\"vector_add\"]\n", "ops.toml");
  const auto& ops = c.evolution.compiled.space.ops;
  EXPECT_EQ(ops[0], (std::vector<lang::Op>{lang::Op::kScalarAdd, lang::Op::kVectorDot}));
  EXPECT_EQ(ops[1], ops[0]);
  EXPECT_EQ(ops[2], (std::vector<lang::Op>{lang::Op::kVectorAdd}));
  // Without [tasks], the three default specs take the shape's dim.
  const RunConfig d = ParseRunConfig("[shape]\ndim = 6\n", "dim.toml");
  EXPECT_EQ(d.search_tasks.dim, 6);
  EXPECT_EQ(d.select_tasks.dim, 6);
  EXPECT_EQ(d.held_out_tasks.dim, 6);
  // An explicit task dim wins over the shape's.
  const RunConfig t = ParseRunConfig(
      "[shape]\ndim = 6\n[tasks.search]\ndim = 3\n[tasks.select]\n[tasks.held_out]\n", "dim.toml");
  EXPECT_EQ(t.search_tasks.dim, 3);
  EXPECT_EQ(t.select_tasks.dim, 6);
}

// ---- errors ----------------------------------------------------------------------------------

TEST(RunConfigErrors, UnknownKeysAreNamedWithTheirLocation) {
  ExpectErrorAt("seed = 1\n[search]\npopulation = 10\npopulaton = 20\n", 4, "unknown key 'populaton'");
  ExpectErrorAt("treads = 2\n", 1, "unknown key 'treads'");
  ExpectErrorAt("[shape]\nscalars = 4\nregisters = 9\n", 3, "unknown key 'registers'");
  ExpectErrorAt("[search.fec]\nenable = true\n", 2, "unknown key 'enable'");
  ExpectErrorAt("[tasks.search]\nfamily = \"linear\"\nsamples = 5\n[tasks.select]\n[tasks.held_out]\n", 3,
                "unknown key 'samples'");
  ExpectErrorAt("[limits]\nmax_instructions = 5\nmax_memory = 9\n", 3, "unknown key 'max_memory'");
  ExpectErrorAt("[budget]\nmax_hours = 1\n", 2, "unknown key 'max_hours'");
  // The message lists the keys that are allowed.
  EXPECT_NE(ParseError("[budget]\nmax_hours = 1\n").find("max_evals"), std::string::npos);
}

TEST(RunConfigErrors, WrongTypes) {
  ExpectErrorAt("[search]\npopulation = \"many\"\n", 2, "expected an integer");
  ExpectErrorAt("[search]\npopulation = 10.5\n", 2, "expected an integer");
  ExpectErrorAt("[search]\nmutate_prob = \"high\"\n", 2, "expected a number");
  ExpectErrorAt("[search]\ninitial = 3\n", 2, "expected a string");
  ExpectErrorAt("[search.fec]\nenabled = 1\n", 2, "expected true or false");
  ExpectErrorAt("[search]\nops = \"scalar_add\"\n", 2, "expected an array of strings");
  ExpectErrorAt("threads = true\n", 1, "expected an integer");
  ExpectErrorAt("seed = \"abc\"\n", 1, "seed");
  // A key that must be a table.
  const std::string msg = ParseError("shape = 4\n");
  EXPECT_NE(msg.find("expected a table"), std::string::npos) << msg;
}

// Found by fuzz_run_config (UBSan): a float where an integer belongs was converted to int64 before
// its type was checked, undefined behaviour when it is out of the int64 range.
TEST(RunConfigErrors, HugeFloatForAnIntegerIsATypeError) {
  ExpectErrorAt("[shape]\nscalars = 1e93\n", 2, "expected an integer");
  ExpectErrorAt("[search]\npopulation = -inf\n", 2, "expected an integer");
  ExpectErrorAt("[search.fec]\ntasks = nan\n", 2, "expected an integer");
}

TEST(RunConfigErrors, OutOfRangeValues) {
  ExpectErrorAt("[search]\npopulation = 0\n", 2, "out of range");
  ExpectErrorAt("[search]\nmutate_prob = 1.5\n", 2, "out of range");
  ExpectErrorAt("[shape]\ndim = 300\n", 2, "out of range");
  ExpectErrorAt("[shape]\nscalars = 1\n", 2, "out of range");
  ExpectErrorAt("threads = -1\n", 1, "out of range");
  ExpectErrorAt("[budget]\nmax_seconds = -5\n", 2, "out of range");
  ExpectErrorAt("seed = -3\n", 1, "non-negative");
  // Cross-field checks run after parsing and name the file.
  const std::string msg = ParseError("[search]\npopulation = 10\ntournament = 20\n");
  EXPECT_EQ(msg.rfind("cfg.toml: ", 0), 0u) << msg;
  EXPECT_NE(msg.find("tournament"), std::string::npos) << msg;
  // Task specs are checked by the task parser, located at their table.
  const std::string spec = ParseError(
      "[tasks.search]\nfamily = \"linear\"\ntasks = 0\n[tasks.select]\n[tasks.held_out]\n");
  EXPECT_NE(spec.find("tasks must be between 1"), std::string::npos) << spec;
  EXPECT_EQ(spec.rfind("cfg.toml:", 0), 0u) << spec;
}

TEST(RunConfigErrors, UnknownOpsAndMutations) {
  ExpectErrorAt("[search]\nops = [\"scalar_add\", \"scalar_frobnicate\"]\n", 2,
                "unknown operation 'scalar_frobnicate'");
  ExpectErrorAt("[search]\n\nlearn_ops = [\"dot\"]\n", 3, "unknown operation 'dot'");
  ExpectErrorAt("[search]\nmutations = [\"alter\", \"flip\"]\n", 2, "unknown mutation 'flip'");
  ExpectErrorAt("[tasks.search]\nfamily = \"bogus\"\n[tasks.select]\n[tasks.held_out]\n", 1, "unknown family 'bogus'");
}

TEST(RunConfigErrors, AllThreeTaskTablesAreRequired) {
  const std::string missing_held_out =
      "[tasks.search]\nfamily = \"linear\"\n[tasks.select]\nfamily = \"linear\"\n";
  EXPECT_NE(ParseError(missing_held_out).find("needs all three of [tasks.search], [tasks.select], [tasks.held_out]"),
            std::string::npos)
      << ParseError(missing_held_out);
  EXPECT_NE(ParseError("[tasks.select]\n[tasks.held_out]\n").find("needs all three"), std::string::npos);
  EXPECT_NE(ParseError("[tasks.search]\n[tasks.held_out]\n").find("needs all three"), std::string::npos);
  EXPECT_NE(ParseError("[tasks]\nsearch = 3\n").find("expected a table"), std::string::npos);
}

// A warmup: [tasks.warmup] with search.warmup_individuals, both or neither.
TEST(RunConfig, WarmupTasksAndIndividualsGoTogether) {
  const std::string tasks =
      "[tasks.search]\nfamily = \"linear\"\nseed = 1\n[tasks.select]\nfamily = \"linear\"\nseed = 2\n"
      "[tasks.held_out]\nfamily = \"linear\"\nseed = 3\n";
  const std::string warm = "[tasks.warmup]\nfamily = \"linear\"\ntrain = 20\nseed = 4\n";
  const RunConfig c = ParseRunConfig(tasks + warm + "[search]\nwarmup_individuals = 500\n", "w.toml");
  ASSERT_TRUE(c.warmup_tasks.has_value());
  EXPECT_EQ(c.warmup_tasks->n_train, 20);
  EXPECT_EQ(c.warmup_tasks->dim, 4);  // the shape's dim, like the other task tables
  EXPECT_EQ(c.evolution.warmup_individuals, 500);
  const nlohmann::json j = ToJson(c);
  EXPECT_EQ(j["tasks"]["warmup"], TaskSpecToString(*c.warmup_tasks));
  EXPECT_EQ(j["search"]["warmup_individuals"], 500);
  EXPECT_FALSE(ToJson(DefaultRunConfig())["tasks"].contains("warmup"));
  EXPECT_FALSE(DefaultRunConfig().warmup_tasks.has_value());

  EXPECT_TRUE(Contains(ParseError(tasks + warm),
                       "[tasks.warmup] and [search] warmup_individuals go together: set "
                       "warmup_individuals > 0, or drop [tasks.warmup]"))
      << ParseError(tasks + warm);
  EXPECT_TRUE(Contains(ParseError(tasks + "[search]\nwarmup_individuals = 5\n"),
                       "add a [tasks.warmup] table, or drop warmup_individuals"));
  EXPECT_TRUE(Contains(ParseError(tasks + warm + "[search]\nwarmup_individuals = -1\n"), "warmup_individuals"));
  EXPECT_TRUE(Contains(ParseError(tasks + warm + "[search]\nmax_individuals = 100\nwarmup_individuals = 100\n"),
                       "warmup_individuals (100) must be below max_individuals (100)"));
  EXPECT_TRUE(Contains(ParseError(tasks + "[tasks.warmup]\nfamily = \"linear\"\ntrane = 3\n"
                                          "[search]\nwarmup_individuals = 5\n"),
                       "trane"));

  // --task replaces the task sets, and the warmup chosen for the config's own sets goes too.
  RunConfig flagged = c;
  ApplyTaskFlag(flagged, tasks::ParseTaskSpec("linear:dim=3"));
  EXPECT_FALSE(flagged.warmup_tasks.has_value());
  EXPECT_EQ(flagged.evolution.warmup_individuals, 0);
}

TEST(RunConfigErrors, TomlSyntaxErrorsHaveLineAndColumn) {
  ExpectErrorAt("seed = 1\n[search]\npopulation = = 3\n", 3, "");
  ExpectErrorAt("[search\npopulation = 3\n", 1, "");
  ExpectErrorAt("seed = 1\nseed = 2\n", 2, "");  // redefinition
  const std::string msg = ParseError("seed = 1\n\n\nthreads = [1,\n");
  EXPECT_EQ(msg.rfind("cfg.toml:", 0), 0u) << msg;
}

TEST(RunConfigErrors, MissingFiles) {
  try {
    LoadRunConfig("/nonexistent/ouro.toml");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/ouro.toml"), std::string::npos) << e.what();
  }
  const std::string msg = ParseError("[search]\ninitial = \"given\"\ninitial_programs = [\"/nonexistent/p.ouro\"]\n");
  EXPECT_NE(msg.find("cannot read program file '/nonexistent/p.ouro'"), std::string::npos) << msg;
}

// Found reading the loader while fuzzing it: a directory given as an initial program was read as
// an empty program without complaint, and a device such as /dev/zero was read until memory ran out.
TEST(RunConfigErrors, InitialProgramsMustBeRegularFiles) {
  for (const std::string& path : {kSourceDir + "/programs", std::string("/dev/null")}) {
    const std::string msg =
        ParseError("[search]\ninitial = \"given\"\ninitial_programs = [\"" + path + "\"]\n");
    EXPECT_NE(msg.find("program file '" + path + "' is not a regular file"), std::string::npos) << msg;
  }
}

// ---- the --task flag -------------------------------------------------------------------------

TEST(ApplyTaskFlag, LinearGetsThreeInstanceSets) {
  RunConfig c = DefaultRunConfig();
  const tasks::TaskSpec spec = tasks::ParseTaskSpec("linear:dim=8,tasks=3,train=50,valid=20,seed=5");
  ApplyTaskFlag(c, spec);
  EXPECT_EQ(c.evolution.shape.dim, 8);
  EXPECT_EQ(TaskSpecToString(c.search_tasks), TaskSpecToString(spec));
  EXPECT_EQ(c.select_tasks.num_tasks, 10);
  EXPECT_EQ(c.held_out_tasks.num_tasks, 10);
  for (const auto* s : {&c.select_tasks, &c.held_out_tasks}) {
    EXPECT_EQ(s->family, "linear");
    EXPECT_EQ(s->dim, 8);
    EXPECT_EQ(s->n_train, 50);
  }
  // The partition accepts it and the three roles get different instances.
  const tasks::Partition p = tasks::MakePartition(c.search_tasks, c.select_tasks, c.held_out_tasks);
  ASSERT_EQ(p.search.size(), 3u);
  ASSERT_EQ(p.select.size(), 10u);
  EXPECT_NE(p.search[0].train.x, p.select[0].train.x);
  EXPECT_NE(p.select[0].train.x, p.held_out[0].train.x);
  EXPECT_EQ(p.search[0].dim, 8);

  // More tasks than 10 are kept for select and held-out.
  ApplyTaskFlag(c, tasks::ParseTaskSpec("nonlinear:dim=2,tasks=12"));
  EXPECT_EQ(c.select_tasks.num_tasks, 12);
  EXPECT_EQ(c.held_out_tasks.family, "nonlinear");
  EXPECT_EQ(c.evolution.shape.dim, 2);
}

std::set<std::pair<int, int>> Unordered(const std::vector<std::pair<int, int>>& pairs) {
  std::set<std::pair<int, int>> out;
  for (auto [a, b] : pairs) out.insert({std::min(a, b), std::max(a, b)});
  return out;
}

void ExpectDisjoint(const std::vector<std::pair<int, int>>& a, const std::vector<std::pair<int, int>>& b) {
  const auto sa = Unordered(a);
  for (auto p : Unordered(b)) EXPECT_EQ(sa.count(p), 0u) << p.first << "-" << p.second;
}

TEST(ApplyTaskFlag, FashionPairsAreSplitDisjoint) {
  RunConfig c = DefaultRunConfig();
  ApplyTaskFlag(c, tasks::ParseTaskSpec("fmnist:dim=16,train=100,valid=50,seed=3"));
  EXPECT_EQ(c.evolution.shape.dim, 16);
  EXPECT_EQ(c.search_tasks.pairs.size(), 5u);
  EXPECT_EQ(c.select_tasks.pairs.size(), 5u);
  EXPECT_EQ(c.held_out_tasks.pairs.size(), 35u);
  ExpectDisjoint(c.search_tasks.pairs, c.select_tasks.pairs);
  ExpectDisjoint(c.search_tasks.pairs, c.held_out_tasks.pairs);
  ExpectDisjoint(c.select_tasks.pairs, c.held_out_tasks.pairs);
  std::set<std::pair<int, int>> all = Unordered(c.search_tasks.pairs);
  for (const auto* s : {&c.select_tasks, &c.held_out_tasks})
    for (auto p : Unordered(s->pairs)) all.insert(p);
  EXPECT_EQ(all.size(), 45u);
  const tasks::PairSplit split = tasks::SplitPairs(3, 5, 5);
  EXPECT_EQ(c.search_tasks.pairs, split.search);
  EXPECT_EQ(c.select_tasks.n_train, 100);
  EXPECT_EQ(c.held_out_tasks.seed, 3u);

  // Given pairs are the search pairs (in either order); select and held-out get the others.
  ApplyTaskFlag(c, tasks::ParseTaskSpec("fmnist:dim=8,pairs=6-0;2-4,seed=1"));
  EXPECT_EQ(c.search_tasks.pairs, (std::vector<std::pair<int, int>>{{6, 0}, {2, 4}}));
  EXPECT_EQ(c.select_tasks.pairs.size(), 5u);
  EXPECT_EQ(c.held_out_tasks.pairs.size(), 38u);
  ExpectDisjoint(c.search_tasks.pairs, c.select_tasks.pairs);
  ExpectDisjoint(c.search_tasks.pairs, c.held_out_tasks.pairs);
  ExpectDisjoint(c.select_tasks.pairs, c.held_out_tasks.pairs);
  EXPECT_FALSE(c.held_out_tasks.pairs.empty()) << "an empty list would mean all 45 pairs";
  EXPECT_EQ(c.evolution.shape.dim, 8);

  // Select and held-out each need at least one pair of their own: an empty list would mean all
  // 45 (overlapping the search pairs).
  const auto pairs45 = tasks::AllFashionPairs();
  auto spec_with = [&](size_t n) {
    std::string text = "fmnist:pairs=";
    for (size_t i = 0; i < n; ++i)
      text += (i ? ";" : "") + std::to_string(pairs45[i].first) + "-" + std::to_string(pairs45[i].second);
    return tasks::ParseTaskSpec(text);
  };
  ApplyTaskFlag(c, spec_with(43));
  EXPECT_EQ(c.select_tasks.pairs, (std::vector<std::pair<int, int>>{pairs45[43]}));
  EXPECT_EQ(c.held_out_tasks.pairs, (std::vector<std::pair<int, int>>{pairs45[44]}));
  EXPECT_THROW(ApplyTaskFlag(c, spec_with(44)), Error);
  EXPECT_THROW(ApplyTaskFlag(c, spec_with(45)), Error);
}

// ---- JSON record -----------------------------------------------------------------------------

TEST(RunConfig, ToJsonHasTheResolvedFields) {
  const RunConfig c = ParseRunConfig(CustomConfig(), "custom.toml");
  const nlohmann::json j = ToJson(c);
  EXPECT_EQ(j["seed"], 123);
  EXPECT_EQ(j["threads"], 3);
  EXPECT_EQ(j["shape"]["scalars"], 6);
  EXPECT_EQ(j["shape"]["vectors"], 5);
  EXPECT_EQ(j["shape"]["matrices"], 2);
  EXPECT_EQ(j["shape"]["dim"], 8);
  EXPECT_EQ(j["tasks"]["search"], TaskSpecToString(c.search_tasks));
  EXPECT_EQ(j["tasks"]["select"], TaskSpecToString(c.select_tasks));
  EXPECT_EQ(j["tasks"]["held_out"], TaskSpecToString(c.held_out_tasks));
  EXPECT_NE(j["tasks"]["held_out"].get<std::string>().find("pairs=0-6;2-4"), std::string::npos);
  const auto& s = j["search"];
  EXPECT_EQ(s["setup_ops"], nlohmann::json({"scalar_const", "vector_gaussian"}));
  EXPECT_EQ(s["predict_ops"], nlohmann::json({"vector_dot", "matvec"}));
  EXPECT_EQ(s["learn_ops"].size(), static_cast<size_t>(lang::kNumOps));
  EXPECT_EQ(s["init_size"]["learn"], 5);
  EXPECT_EQ(s["min_size"]["learn"], 2);
  EXPECT_EQ(s["max_size"]["learn"], 30);
  EXPECT_EQ(s["initial"], "given");
  EXPECT_EQ(s["initial_programs"], 1);
  EXPECT_EQ(s["population"], 321);
  EXPECT_EQ(s["tournament"], 7);
  EXPECT_EQ(s["mutate_prob"], 0.75);
  EXPECT_EQ(s["mutations"], nlohmann::json({"insert", "swap", "remove"}));
  EXPECT_EQ(s["max_individuals"], 12345);
  EXPECT_EQ(s["max_experiments"], 4);
  EXPECT_EQ(s["sufficient_fitness"], 0.95);
  EXPECT_EQ(s["check_every"], 500);
  EXPECT_EQ(s["batch"], 8);
  EXPECT_EQ(s["fec"]["enabled"], false);
  EXPECT_EQ(s["fec"]["tasks"], 2);
  EXPECT_EQ(s["fec"]["train"], 15);
  EXPECT_EQ(s["fec"]["valid"], 12);
  EXPECT_EQ(s["fec"]["capacity"], 999);
  EXPECT_EQ(j["limits"]["max_instructions"], 5000000);
  EXPECT_EQ(j["limits"]["max_abs_prediction"], 1e9);
  EXPECT_EQ(j["budget"]["max_evals"], 77777);
  EXPECT_EQ(j["budget"]["max_seconds"], 12.5);

  const nlohmann::json d = ToJson(DefaultRunConfig());
  EXPECT_TRUE(d["seed"].is_null());
  EXPECT_EQ(d["search"]["mutations"], nlohmann::json({"alter", "randomize", "component"}));
  EXPECT_EQ(d["search"]["population"], 1000);
}

}  // namespace
}  // namespace ouro::search
