// cli_fixture.h — shared fixture of the end-to-end tests: runs the built `ouro` in a fresh
// temporary directory and captures exit code, output and the last stdout line.
#pragma once

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace ouro_test {

namespace fs = std::filesystem;

struct Result {
  int code = -1;
  std::string out;        // stdout + stderr
  std::string last_line;  // last line of stdout
};

inline std::string Slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

class CliFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ouro_cli_test_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->test_suite_name() + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    db_ = (dir_ / "runs.db").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  Result Run(const std::string& args) {
    const std::string out_file = (dir_ / "stdout.txt").string();
    const std::string err_file = (dir_ / "stderr.txt").string();
    const std::string cmd = std::string(OURO_BIN) + " " + args + " >" + out_file + " 2>" + err_file + " </dev/null";
    Result r;
    const int status = std::system(cmd.c_str());
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    const std::string out = Slurp(out_file);
    r.out = out + Slurp(err_file);
    std::string s = out;
    while (!s.empty() && s.back() == '\n') s.pop_back();
    r.last_line = s.substr(s.find_last_of('\n') == std::string::npos ? 0 : s.find_last_of('\n') + 1);
    return r;
  }
  std::string Write(const std::string& name, const std::string& text) {
    const fs::path p = dir_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }

  fs::path dir_;
  std::string db_;
};

// A small rsi config: a run takes well under a second. Permissive SPRT bounds (H0: 400 Elo weaker,
// H1: 200 Elo weaker, alpha = beta = 0.35) and a false-adoption budget that never binds
// (alpha_run = 1000): a candidate is adopted at its first win, so the adoption path is exercised
// whatever the engine's draws.
inline std::string TinyRsiConfig(uint64_t seed, int generations, const std::string& extra = "") {
  return "seed = " + std::to_string(seed) + R"(
threads = 1

[shape]
dim = 2

[search]
population = 20
tournament = 4
init_size = { setup = 3, predict = 1, learn = 3 }
batch = 8
check_every = 100

[improver]
initial = "plain"

[rsi]
generations = )" + std::to_string(generations) + R"(
candidates = 2
max_games = 4
filter_budget = 200

[rsi.sprt]
elo0 = -400
elo1 = -200
alpha = 0.35
beta = 0.35
alpha_run = 1000

[rsi.train]
families = ["linear:dim=2,tasks=2,train=10,valid=10"]
budget = 300
target = 0.9

[rsi.validation]
families = ["linear:dim=1,tasks=2,train=10,valid=10"]
seeds = 2
budget = 300
target = 0.9

[rsi.test]
families = ["linear:dim=3,tasks=2,train=10,valid=10"]
seeds = 2
budget = 300
target = "frozen"
)" + extra;
}

}  // namespace ouro_test
