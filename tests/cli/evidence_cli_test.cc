// `ouro evidence measure|summary` and scripts/rsi-evidence end to end, on a tiny arena written by
// the test (runs capped at one second): resumability, labels, the summary's keys, bad input.
#include <nlohmann/json.hpp>

#include "cli_fixture.h"

namespace ouro_test {
namespace {

using nlohmann::json;

std::string TinyArena() {
  return R"(seed = 1
[arena]
name = "tiny"
seeds = [1, 2]
cap_seconds = 1
select_target = 0.9
final_target = 0.9

[shape]
dim = 2
[tasks.search]
family = "linear"
tasks = 2
train = 10
valid = 10
seed = 5
[tasks.select]
family = "linear"
tasks = 3
train = 10
valid = 10
seed = 5
[tasks.held_out]
family = "linear"
tasks = 3
train = 10
valid = 10
seed = 5
[search]
population = 20
tournament = 4
init_size = { setup = 3, predict = 1, learn = 3 }
batch = 8
check_every = 100
)";
}

std::string LastLine(std::string s) {
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s.substr(s.find_last_of('\n') == std::string::npos ? 0 : s.find_last_of('\n') + 1);
}

class EvidenceCli : public CliFixture {
 protected:
  // An rsi run (seed `seed`) in the store, and the improver of its generation 0 as a file.
  std::string PlainSpec(uint64_t seed) {
    const std::string config =
        Write("rsi" + std::to_string(seed) + ".toml", TinyRsiConfig(seed, 1));
    const Result rsi = Run("rsi --config " + config + " --db " + db_ + " --json");
    EXPECT_EQ(rsi.code, 0) << rsi.out;
    const std::string out = (dir_ / ("plain" + std::to_string(seed) + ".json")).string();
    const int64_t run = json::parse(rsi.last_line).value("run_id", int64_t{0});
    const Result ex = Run("improver export " + std::to_string(run) + " --generation 0 --out " +
                          out + " --db " + db_);
    EXPECT_EQ(ex.code, 0) << ex.out;
    return out;
  }
  Result Measure(const std::string& spec, const std::string& label, const std::string& arena) {
    return Run("evidence measure --improver " + spec + " --label " + label + " --arena " + arena +
               " --db " + db_ + " --json");
  }
};

TEST_F(EvidenceCli, MeasuresResumesAndSummarises) {
  const std::string spec = PlainSpec(1);
  const std::string arena = Write("tiny.toml", TinyArena());
  Result r = Measure(spec, "frozen", arena);
  ASSERT_EQ(r.code, 0) << r.out;
  json j = json::parse(r.last_line);
  EXPECT_EQ(j["added"], 2);
  EXPECT_EQ(j["skipped"], 0);
  EXPECT_EQ(j["arena"], "tiny");
  // Again: every seed is in the store, nothing runs.
  r = Measure(spec, "frozen", arena);
  ASSERT_EQ(r.code, 0) << r.out;
  j = json::parse(r.last_line);
  EXPECT_EQ(j["added"], 0);
  EXPECT_EQ(j["skipped"], 2);
  // The same improver under a loop seed's label shares the rows: its speedup is exactly 1.
  r = Measure(spec, "final:1", arena);
  ASSERT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(json::parse(r.last_line)["added"], 0);
  r = Run("evidence summary --json --db " + db_);
  ASSERT_EQ(r.code, 0) << r.out;
  const json s = json::parse(r.last_line);
  for (const char* key :
       {"speedup", "speedup_ci_low", "speedup_ci_high", "null_speedup", "null_speedup_ci_low",
        "null_speedup_ci_high", "wall_speedup", "t1_solved", "t1_seeds"})
    EXPECT_TRUE(s.contains(key)) << key;
  EXPECT_NEAR(s["wall_speedup"].get<double>(), 1, 1e-12);
  EXPECT_EQ(s["loop_seeds"], 1);
  EXPECT_TRUE(s["null_speedup"].is_null());
  EXPECT_EQ(s["improvers"].size(), 2u);
  EXPECT_EQ(s["per_arena"]["tiny"]["frozen"]["seeds"], 2);
  // Without --json: a readable table.
  r = Run("evidence summary --db " + db_);
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_NE(r.out.find("wall speedup"), std::string::npos) << r.out;
  // `ouro search` reads an arena file as a run config.
  r = Run("search --config " + arena + " --max-evals 200 --db " + db_ + " --json --quiet");
  EXPECT_EQ(r.code, 0) << r.out;
}

TEST_F(EvidenceCli, BadInputIsAClearError) {
  const std::string arena = Write("tiny.toml", TinyArena());
  const std::string spec = PlainSpec(1);
  const std::string plain = Write("plain.toml", "seed = 1\n[shape]\ndim = 2\n");
  Result r = Measure(spec, "frozen", plain);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("no [arena] table"), std::string::npos) << r.out;
  r = Measure(spec, "best", arena);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("expected 'frozen', 'final:RUN' or 'null:RUN'"), std::string::npos) << r.out;
  const std::string bad = Write("bad.json", "not json");
  r = Measure(bad, "frozen", arena);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("bad.json"), std::string::npos) << r.out;
  r = Measure((dir_ / "missing.json").string(), "frozen", arena);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("missing.json"), std::string::npos) << r.out;
  r = Run("evidence summary --json --db " + db_);  // nothing measured yet
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("frozen"), std::string::npos) << r.out;
  r = Run("evidence measure --improver " + spec + " --arena " + arena + " --db " +
          db_);  // no --label
  EXPECT_EQ(r.code, 2);
}

TEST_F(EvidenceCli, ScriptMeasuresFinalNullAndFrozenAndResumes) {
  PlainSpec(1);
  PlainSpec(2);
  Write("tiny.toml", TinyArena());
  const std::string script =
      std::string("/usr/bin/python3 ") + OURO_SOURCE_DIR + "/scripts/rsi-evidence";
  const std::string cmd = " --final 1 --null 2 --arenas tiny --arena-dir " + dir_.string() +
                          " --db " + db_ + " --ouro " + OURO_BIN;
  auto run_script = [&](const std::string& args) {
    const std::string out = (dir_ / "script.out").string();
    const int status = std::system((script + args + " >" + out + " 2>&1").c_str());
    std::string text = Slurp(out);
    return std::make_pair(WIFEXITED(status) ? WEXITSTATUS(status) : -1, text);
  };
  auto [code, out] = run_script(cmd);
  ASSERT_EQ(code, 0) << out;
  const json first = json::parse(LastLine(out));
  for (const char* key :
       {"speedup", "speedup_ci_low", "speedup_ci_high", "null_speedup", "null_speedup_ci_low",
        "null_speedup_ci_high", "wall_speedup", "t1_solved", "t1_seeds", "per_arena"})
    EXPECT_TRUE(first.contains(key)) << key;
  EXPECT_EQ(first["loop_seeds"], 1);
  EXPECT_EQ(first["null_loop_seeds"], 1);
  std::vector<std::string> labels;
  for (const auto& imp : first["improvers"]) labels.push_back(imp["label"]);
  EXPECT_EQ(labels, (std::vector<std::string>{"frozen", "final:1", "null:2"}));
  // Again: nothing left to measure, the same summary.
  auto [code2, out2] = run_script(cmd);
  ASSERT_EQ(code2, 0) << out2;
  EXPECT_EQ(json::parse(LastLine(out2)), first);
  // Bad arguments.
  auto [code3, out3] = run_script(" --final x --arena-dir " + dir_.string());
  EXPECT_EQ(code3, 2);
  EXPECT_NE(out3.find("--final"), std::string::npos) << out3;
}

// scripts/rsi-campaign: the loops and null controls it starts, then rsi-evidence and takeoff over
// them; run again, it reuses every finished run; it refuses a store holding another config's run.
TEST_F(EvidenceCli, CampaignRunsLoopsAndNullControlsThenMeasuresAndResumes) {
  Write("tiny.toml", TinyArena());
  const std::string config = Write("campaign.toml", TinyRsiConfig(1, 1));
  const std::string store = (dir_ / "campaign.db").string();
  auto run_script = [&](const std::string& cfg) {
    const std::string out = (dir_ / "campaign.out").string();
    const std::string cmd = std::string("/usr/bin/python3 ") + OURO_SOURCE_DIR + "/scripts/rsi-campaign --config " +
                            cfg + " --seeds 1,2 --null-seeds 1 --db " + store + " --arenas tiny --arena-dir " +
                            dir_.string() + " --ouro " + OURO_BIN + " >" + out + " 2>&1";
    const int status = std::system(cmd.c_str());
    return std::make_pair(WIFEXITED(status) ? WEXITSTATUS(status) : -1, Slurp(out));
  };
  auto [code, out] = run_script(config);
  ASSERT_EQ(code, 0) << out;
  const json first = json::parse(LastLine(out));
  EXPECT_EQ(first["loop_seeds"], 2);
  EXPECT_EQ(first["null_loop_seeds"], 1);
  EXPECT_EQ(first["runs"]["loop"].size(), 2u);
  EXPECT_EQ(first["runs"]["null"].size(), 1u);
  for (const auto& [seed, run] : first["runs"]["loop"].items()) {
    const json& t = first["takeoff"][std::to_string(run.get<int>())];
    EXPECT_TRUE(t.contains("verdict")) << t;
    EXPECT_TRUE(t.contains("f")) << t;
  }
  // Again: the same runs, nothing new started or measured.
  auto [code2, out2] = run_script(config);
  ASSERT_EQ(code2, 0) << out2;
  EXPECT_EQ(json::parse(LastLine(out2)), first);
  EXPECT_EQ(out2.find("starting"), std::string::npos) << out2;
  // Another config against the same store: refused.
  const std::string other = Write("other.toml", TinyRsiConfig(1, 2));
  auto [code3, out3] = run_script(other);
  EXPECT_EQ(code3, 1);
  EXPECT_NE(out3.find("another config"), std::string::npos) << out3;
}

}  // namespace
}  // namespace ouro_test
