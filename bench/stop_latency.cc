// bench/stop_latency.cc — how long `ouro stop` takes to end a running rsi loop.
//
// Each trial starts `ouro rsi` on a small config that runs for a long time, waits until the run
// has its first checkpoint plus a random delay (so the stop lands at a random moment: inside an
// evaluation, a game, a held-out measurement, a filter discovery), writes the stop request to the
// store as `ouro stop` does, and measures the time until the process has exited (its final rows,
// checkpoint and summary written). It also checks that the run ended "stopped" with a summary at
// its checkpoint. Prints the median, 90th percentile and worst over the trials.
//
//   build/release/bench/stop_latency [TRIALS=50] [SEED=1]     (OURO_BIN=path overrides the binary)
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/store.h"

namespace {

constexpr const char* kConfig = R"(seed = 1
threads = 2
[shape]
dim = 4
[search]
population = 50
tournament = 5
init_size = { setup = 3, predict = 2, learn = 3 }
batch = 16
check_every = 500
[improver]
initial = "plain"
[rsi]
generations = 100000
candidates = 3
max_games = 8
filter_budget = 1000
[rsi.sprt]
elo0 = 0
elo1 = 150
[rsi.train]
families = ["linear:dim=2,tasks=5,train=50,valid=50"]
budget = 3000
target = 0.9
[rsi.validation]
families = ["linear:dim=3,tasks=5,train=50,valid=50"]
seeds = 2
budget = 1000
target = 0.9
[rsi.test]
families = ["linear:dim=8,tasks=5,train=50,valid=50"]
seeds = 2
budget = 1000
target = "frozen"
)";

double Percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const size_t i = static_cast<size_t>(pos);
  const double f = pos - static_cast<double>(i);
  return i + 1 < v.size() ? v[i] * (1 - f) + v[i + 1] * f : v[i];
}

}  // namespace

int main(int argc, char** argv) {
  const int trials = argc > 1 ? std::max(1, std::atoi(argv[1])) : 50;
  const uint64_t seed = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1;
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("ouro_stop_latency_" + std::to_string(getpid()));
  fs::create_directories(dir);
  const std::string cfg = (dir / "c.toml").string();
  std::ofstream(cfg) << kConfig;
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> delay(0.0, 3.0);
  std::vector<double> ms;
  int bad = 0;
  for (int t = 0; t < trials; ++t) {
    const std::string db_path = (dir / ("t" + std::to_string(t) + ".db")).string();
    const pid_t pid = fork();
    if (pid == 0) {
      const int fd = open((dir / "log.txt").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      dup2(fd, 1);
      dup2(fd, 2);
      const char* bin = std::getenv("OURO_BIN") ? std::getenv("OURO_BIN") : OURO_BIN;
      execl(bin, bin, "rsi", "--config", cfg.c_str(), "--db", db_path.c_str(), "--quiet", (char*)nullptr);
      _exit(127);
    }
    // Wait for the first checkpoint, then a random moment.
    std::unique_ptr<ouro::store::Store> db;
    for (;;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      try {
        if (!db && fs::exists(db_path)) db = ouro::store::Store::OpenExisting(db_path);
        if (db && db->GetRun(1) && db->GetCheckpoint(1)) break;
      } catch (const std::exception&) {
        db.reset();
      }
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(delay(rng)));
    const auto t0 = std::chrono::steady_clock::now();
    db->SetControl(1, "stop");
    int status = 0;
    waitpid(pid, &status, 0);
    const double elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    ms.push_back(elapsed);
    const auto run = db->GetRun(1);
    const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && run && run->status == "stopped" &&
                    !run->summary_json.empty();
    if (!ok) ++bad;
    std::printf("trial %2d: %7.1f ms%s\n", t, elapsed, ok ? "" : "  (did not end as a clean stop)");
    std::fflush(stdout);
    db.reset();
    fs::remove(db_path);
    fs::remove(db_path + "-wal");
    fs::remove(db_path + "-shm");
  }
  std::printf("stop latency over %d stops: median %.1f ms, p90 %.1f ms, worst %.1f ms; %d not clean\n", trials,
              Percentile(ms, 0.5), Percentile(ms, 0.9), *std::max_element(ms.begin(), ms.end()), bad);
  fs::remove_all(dir);
  return bad == 0 ? 0 : 1;
}
