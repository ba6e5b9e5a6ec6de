// End-to-end tests of the `ouro` executable: real processes, real files, exit codes and output.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "cli_fixture.h"

namespace {

namespace fs = std::filesystem;

using ouro_test::Result;
using ouro_test::Slurp;
using Cli = ouro_test::CliFixture;

TEST_F(Cli, SearchJsonHasTheDocumentedFieldsAndIsStored) {
  const Result r = Run("search --task linear:dim=4,tasks=4,train=100,valid=100 --seed 4 --max-evals 3000 --db " + db_ + " --json --quiet");
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.last_line);
  for (const char* key : {"run_id", "seed", "individuals", "evaluations", "seconds", "fitness_select",
                          "fitness_final", "solved", "program"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["seed"], 4);
  EXPECT_LE(j["evaluations"].get<int64_t>(), 3000 + 64);  // stops at the first batch past the budget
  EXPECT_GE(j["individuals"].get<int64_t>(), j["evaluations"].get<int64_t>());
  EXPECT_NE(j["program"].get<std::string>().find("def predict():"), std::string::npos);

  const Result show = Run("show " + std::to_string(j["run_id"].get<int>()) + " --db " + db_);
  ASSERT_EQ(show.code, 0) << show.out;
  EXPECT_NE(show.out.find("def predict():"), std::string::npos);
  EXPECT_NE(show.out.find("fitness_final"), std::string::npos);
  const Result runs = Run("runs --db " + db_);
  ASSERT_EQ(runs.code, 0);
  EXPECT_NE(runs.out.find("search"), std::string::npos);
}

TEST_F(Cli, SameSeedSameProgramAcrossThreadCounts) {
  const std::string base = "search --task linear:dim=4,tasks=3,train=50,valid=50 --seed 9 --max-evals 2000 --json --quiet --db " + db_;
  const Result a = Run(base + " --threads 1");
  const Result b = Run(base + " --threads 2");
  ASSERT_EQ(a.code, 0) << a.out;
  ASSERT_EQ(b.code, 0) << b.out;
  const auto ja = nlohmann::json::parse(a.last_line), jb = nlohmann::json::parse(b.last_line);
  EXPECT_EQ(ja["program"], jb["program"]);
  EXPECT_EQ(ja["individuals"], jb["individuals"]);
  EXPECT_EQ(ja["fitness_select"], jb["fitness_select"]);
}

TEST_F(Cli, EvalReferenceProgramOnTaskAndCsv) {
  const std::string prog = std::string(OURO_SOURCE_DIR) + "/programs/linear_regression.ouro";
  Result r = Run("eval " + prog + " --task linear:dim=4,tasks=3,train=1000,valid=100 --json --db " + db_);
  ASSERT_EQ(r.code, 0) << r.out;
  auto j = nlohmann::json::parse(r.last_line);
  EXPECT_GT(j["fitness_valid"].get<double>(), 0.999);
  EXPECT_EQ(j["tasks"], 3);
  // A CSV whose label is exactly 2*a - b: linear regression must fit it.
  std::string csv = "y,a,b\n";
  for (int i = 0; i < 400; ++i) {
    const double a = ((i * 37) % 101) / 50.0 - 1, b = ((i * 53) % 97) / 48.0 - 1;
    csv += std::to_string(2 * a - b) + "," + std::to_string(a) + "," + std::to_string(b) + "\n";
  }
  // As the file has it (--no-standardize): centering would add an offset this bias-free program cannot fit.
  r = Run("eval " + prog + " --data " + Write("d.csv", csv) + " --json --no-store --no-standardize");
  ASSERT_EQ(r.code, 0) << r.out;
  j = nlohmann::json::parse(r.last_line);
  EXPECT_GT(j["fitness_test"].get<double>(), 0.99);
}

TEST_F(Cli, SearchOnUserCsv) {
  std::string csv = "label,x1,x2\n";
  for (int i = 0; i < 300; ++i) {
    const double a = ((i * 37) % 101) / 50.0 - 1, b = ((i * 53) % 97) / 48.0 - 1;
    csv += std::to_string(a + 0.5 * b) + "," + std::to_string(a) + "," + std::to_string(b) + "\n";
  }
  const std::string path = Write("u.csv", csv);
  const Result r = Run("search --data " + path + " --seed 3 --max-evals 2000 --json --quiet --db " + db_);
  ASSERT_EQ(r.code, 0) << r.out;
  const auto j = nlohmann::json::parse(r.last_line);
  EXPECT_GT(j["fitness_final"].get<double>(), 0.0);
  // --label picks the label column by name: here x1, so the features are label and x2.
  const Result l = Run("eval " + std::string(OURO_SOURCE_DIR) + "/programs/linear_regression.ouro --data " + path + " --label x1 --json --no-store");
  ASSERT_EQ(l.code, 0) << l.out;
  const Result missing = Run("eval " + std::string(OURO_SOURCE_DIR) + "/programs/linear_regression.ouro --data " + path + " --label nope --no-store");
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.out.find("label column 'nope'"), std::string::npos) << missing.out;
  const Result flagged = Run("search --data " + path + " --label x2 --seed 3 --max-evals 500 --json --quiet --db " + db_);
  ASSERT_EQ(flagged.code, 0) << flagged.out;
  const Result shown = Run("show " + std::to_string(nlohmann::json::parse(flagged.last_line)["run_id"].get<int>()) +
                           " --db " + db_);
  EXPECT_NE(shown.out.find("label=x2"), std::string::npos) << shown.out;  // the stored task spec
  // The same data as a task spec, with its own split; without held-out rows it is refused.
  const Result t = Run("search --task csv:path=" + path + ",train=0.5,valid=0.3,test=0.2 --seed 3 --max-evals 500 --json --quiet --db " + db_);
  ASSERT_EQ(t.code, 0) << t.out;
  const Result bad = Run("search --task csv:path=" + path + " --db " + db_);
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.out.find("held-out rows are needed"), std::string::npos) << bad.out;
}

// A config with a warmup: the header names the warmup tasks, progress lines say "(warmup)" until
// the switch and the first report after it is printed at once (not held back by the 5-s rate), the stored config records both, and --data / --task replace the tasks and drop the
// warmup with them (otherwise the search would refuse a warmup without warmup tasks).
TEST_F(Cli, SearchWithAWarmupShowsItAndDataOrTaskDropIt) {
  const std::string cfg = Write("warm.toml", R"(seed = 2
[tasks.search]
family = "linear"
tasks = 3
seed = 1
[tasks.select]
family = "linear"
tasks = 3
seed = 2
[tasks.held_out]
family = "linear"
tasks = 3
seed = 3
[tasks.warmup]
family = "linear"
tasks = 2
train = 20
valid = 20
seed = 4
[search]
population = 50
check_every = 100
max_individuals = 4000
warmup_individuals = 300
sufficient_fitness = 2.0
)");
  const Result r = Run("search --config " + cfg + " --max-evals 800 --max-seconds 0 --json --db " + db_);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("3 search / 3 select / 3 held-out tasks, after 300 individuals on 2 warmup tasks"),
            std::string::npos) << r.out;
  EXPECT_NE(r.out.find("exp 1 (warmup) |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\nexp 1 |"), std::string::npos) << "no progress line after the switch:\n" << r.out;
  const auto j = nlohmann::json::parse(r.last_line);
  const Result show = Run("show " + std::to_string(j["run_id"].get<int>()) + " --db " + db_ + " --json");
  ASSERT_EQ(show.code, 0) << show.out;
  const auto s = nlohmann::json::parse(show.last_line);
  EXPECT_EQ(s["config"]["search"]["warmup_individuals"], 300);
  EXPECT_EQ(s["config"]["tasks"]["warmup"], "linear:dim=4,tasks=2,train=20,valid=20,test=0,seed=4");

  std::string csv = "label,x1,x2\n";
  for (int i = 0; i < 200; ++i)
    csv += std::to_string(i % 7) + "," + std::to_string(i % 5) + "," + std::to_string(i % 3) + "\n";
  for (const std::string& tasks : {"--data " + Write("w.csv", csv), std::string("--task linear:dim=3")}) {
    const Result d = Run("search --config " + cfg + " " + tasks + " --max-evals 300 --json --db " + db_);
    ASSERT_EQ(d.code, 0) << tasks << "\n" << d.out;
    EXPECT_EQ(d.out.find("warmup"), std::string::npos) << tasks << "\n" << d.out;
  }
}

// Bad input: one line naming the problem, non-zero exit, nothing stored lost.
TEST_F(Cli, BadInputGivesOneLineErrors) {
  struct Case {
    std::string args, expect;
    int code;
  };
  const std::string bad_prog = Write("bad.ouro", "def predict():\n  s1 = dot(v0, s3)\n");
  const std::string bad_cfg = Write("bad.toml", "[search]\npopulaton = 10\n");
  const std::string bad_csv = Write("bad.csv", "y,a\n1,2\n3,abc\n");
  const std::string garbage_db = Write("garbage.db", std::string(4096, 'x'));
  const Case cases[] = {
      {"eval " + bad_prog + " --task linear --no-store", "bad.ouro:2:8: no operation matches", 1},
      {"eval /no/such/file.ouro --task linear --no-store", "cannot read program file", 1},
      {"search --config " + bad_cfg + " --db " + db_, "unknown key 'populaton'", 1},
      {"search --config /no/such.toml --db " + db_, "cannot read config file", 1},
      {"search --task nosuchfamily --db " + db_, "nosuchfamily", 1},
      {"search --data " + bad_csv + " --db " + db_, "not a number", 1},
      {"search --task fmnist:data_dir=/nonexistent --db " + db_, "dataset-fashion-mnist", 1},
      {"search --max-evals -5", "", 2},
      {"search --no-such-flag", "", 2},
      {"runs --db " + garbage_db, "not an ouro run store", 1},
      {"show 999 --db " + db_ + "_missing", "", 1},
      {"show abc --db " + garbage_db, "not an ouro run store", 1},
  };
  for (const Case& c : cases) {
    const Result r = Run(c.args);
    EXPECT_EQ(r.code, c.code) << c.args << "\n" << r.out;
    if (!c.expect.empty()) {
      EXPECT_NE(r.out.find(c.expect), std::string::npos) << c.args << "\n" << r.out;
    }
    if (c.code == 1) {
      EXPECT_EQ(r.out.rfind("ouro: ", 0), 0u) << r.out;
      EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
    }
  }
  EXPECT_EQ(Slurp(garbage_db), std::string(4096, 'x'));  // the file was not touched
}

TEST_F(Cli, FailedCommandsLoseNothingAlreadyStored) {
  ASSERT_EQ(Run("search --task linear:tasks=2,train=20,valid=20 --seed 1 --max-evals 500 --quiet --db " + db_).code, 0);
  EXPECT_EQ(Run("search --task linear:dim=0 --db " + db_).code, 1);
  EXPECT_EQ(Run("search --config /no/such.toml --db " + db_).code, 1);
  const Result r = Run("runs --db " + db_ + " --json");
  ASSERT_EQ(r.code, 0) << r.out;
  const auto runs = nlohmann::json::parse(r.last_line);
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0]["status"], "finished");
  EXPECT_TRUE(runs[0]["summary"].contains("program"));
}

}  // namespace
