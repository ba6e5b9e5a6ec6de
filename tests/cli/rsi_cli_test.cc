// End-to-end tests of `ouro rsi`, `ouro improver export`, the rsi part of `ouro show` and
// `ouro search --improver`: real processes, real files, exit codes and output. A tiny rsi config
// (2 small linear tasks, budgets of 300 evaluations, population 20, one thread) keeps a whole
// self-improvement run well under a second.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli_fixture.h"

namespace {

namespace fs = std::filesystem;

using ouro_test::Result;
using ouro_test::Slurp;

const std::string kTinyRsi = ouro_test::TinyRsiConfig(1, 2);

class RsiCli : public ouro_test::CliFixture {
 protected:
  void SetUp() override {
    CliFixture::SetUp();
    config_ = Write("tiny.toml", kTinyRsi);
  }

  // `ouro rsi` on the tiny config; the parsed JSON summary.
  nlohmann::json Rsi(int seed, const std::string& extra = "") {
    const Result r = Run("rsi --config " + config_ + " --db " + db_ + " --json --seed " + std::to_string(seed) + extra);
    EXPECT_EQ(r.code, 0) << r.out;
    try {
      return nlohmann::json::parse(r.last_line);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "last line is not JSON: " << r.last_line << "\n" << r.out;
      return nlohmann::json::object();
    }
  }
  // Expects a one-line "ouro: ..." error with exit code 1 containing every fragment.
  void ExpectError(const std::string& args, const std::vector<std::string>& fragments) {
    const Result r = Run(args);
    EXPECT_EQ(r.code, 1) << args << "\n" << r.out;
    EXPECT_EQ(r.out.rfind("ouro: ", 0), 0u) << args << "\n" << r.out;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << args << "\n" << r.out;
    for (const auto& f : fragments) EXPECT_NE(r.out.find(f), std::string::npos) << args << "\n" << r.out;
  }

  std::string config_;
};

// ---- tests ---------------------------------------------------------------------------------------

TEST_F(RsiCli, RsiJsonShowExportAndSearchWithTheImprover) {
  const nlohmann::json j = Rsi(3);
  for (const char* key : {"run_id", "seed", "generations", "adopted", "rejected", "inconclusive", "identical",
                          "expected_false_adoptions", "evals_to_target_frozen", "evals_to_target_final", "speedup", "speedup_ci_low",
                          "speedup_ci_high", "returns_r", "returns_verdict", "capability_frozen", "capability_final",
                          "final_improver", "stop_reason", "seconds", "validation_capability_frozen",
                          "validation_capability_final", "test_evaluations", "test_seconds"})
    EXPECT_TRUE(j.contains(key)) << key << " missing from " << j.dump();
  ASSERT_TRUE(j.contains("run_id"));
  EXPECT_EQ(j["seed"], 3);
  EXPECT_EQ(j["generations"], 2);
  EXPECT_EQ(j["stop_reason"], "generations");
  // 2 generations of at most 2 candidates; a generation ends at its adoption.
  const int decided = j["adopted"].get<int>() + j["rejected"].get<int>() + j["inconclusive"].get<int>() +
                      j.value("vetoed", 0) + j["identical"].get<int>();
  // The config's budget never binds (alpha_run = 1000); the sum is what the permissive gate risks.
  EXPECT_GT(j["expected_false_adoptions"].get<double>(), 0.0) << j.dump();
  EXPECT_LE(j["expected_false_adoptions"].get<double>(), 4.0) << j.dump();
  EXPECT_GE(decided, 2) << j.dump();
  EXPECT_LE(decided, 4) << j.dump();
  EXPECT_LE(j["adopted"].get<int>(), 2) << j.dump();
  EXPECT_LE(j["speedup_ci_low"].get<double>(), j["speedup"].get<double>());
  EXPECT_GE(j["speedup_ci_high"].get<double>(), j["speedup"].get<double>());
  EXPECT_GT(j["evals_to_target_frozen"].get<double>(), 0);
  EXPECT_LE(j["evals_to_target_frozen"].get<double>(), 300);
  EXPECT_EQ(j["final_improver"].get<std::string>().size(), 16u);
  const std::string run = std::to_string(j["run_id"].get<int>());

  const Result show = Run("show " + run + " --db " + db_);
  ASSERT_EQ(show.code, 0) << show.out;
  EXPECT_NE(show.out.find("improver lineage"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("gen 0"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("candidates: " + std::to_string(decided)), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("test capability"), std::string::npos) << show.out;
  const Result runs = Run("runs --db " + db_);
  ASSERT_EQ(runs.code, 0) << runs.out;
  EXPECT_NE(runs.out.find("rsi"), std::string::npos) << runs.out;

  const std::string spec = (dir_ / "S.json").string();
  const Result ex = Run("improver export " + run + " --db " + db_ + " --out " + spec);
  ASSERT_EQ(ex.code, 0) << ex.out;
  EXPECT_NE(ex.out.find("wrote improver"), std::string::npos) << ex.out;
  const nlohmann::json s = nlohmann::json::parse(Slurp(spec));
  EXPECT_TRUE(s.contains("selection")) << s.dump();
  EXPECT_EQ(s["selection"]["population"], 20);
  EXPECT_TRUE(s.contains("mutations"));
  EXPECT_TRUE(s.contains("learned"));

  const Result search = Run("search --improver " + spec +
                            " --task linear:dim=2,tasks=2,train=10,valid=10 --max-evals 300 --seed 2 --db " + db_ +
                            " --json --quiet");
  ASSERT_EQ(search.code, 0) << search.out;
  const nlohmann::json sj = nlohmann::json::parse(search.last_line);
  EXPECT_LE(sj["evaluations"].get<int64_t>(), 300 + 8);
  EXPECT_NE(sj["program"].get<std::string>().find("def predict():"), std::string::npos);
  // The improver is stored with the search run.
  const Result show_search = Run("show " + std::to_string(sj["run_id"].get<int>()) + " --db " + db_);
  ASSERT_EQ(show_search.code, 0) << show_search.out;
}

TEST_F(RsiCli, SameSeedSameRun) {
  const nlohmann::json a = Rsi(1), b = Rsi(1);
  ASSERT_TRUE(a.contains("adopted") && b.contains("adopted"));
  EXPECT_EQ(a["adopted"], b["adopted"]);
  EXPECT_EQ(a["final_improver"], b["final_improver"]);
  EXPECT_EQ(a["rejected"], b["rejected"]);
  EXPECT_EQ(a["cumulative_evaluations"], b["cumulative_evaluations"]);
  EXPECT_EQ(a["capability_final"], b["capability_final"]);
  EXPECT_NE(a["run_id"], b["run_id"]);
  // An adoption: the lineage shows the new improver with its evidence and what changed, and any
  // improver of it can be exported by generation.
  ASSERT_GE(a["adopted"].get<int>(), 1) << a.dump();
  const std::string run = std::to_string(a["run_id"].get<int>());
  const Result show = Run("show " + run + " --db " + db_);
  ASSERT_EQ(show.code, 0) << show.out;
  EXPECT_NE(show.out.find("improver lineage (" + std::to_string(a["adopted"].get<int>()) + " adopted"), std::string::npos)
      << show.out;
  EXPECT_NE(show.out.find("LLR"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("W/L/D"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("/learned: credit from 0 runs"), std::string::npos) << show.out;
  const std::string g0 = (dir_ / "g0.json").string(), last = (dir_ / "last.json").string();
  ASSERT_EQ(Run("improver export " + run + " --generation 0 --db " + db_ + " --out " + g0).code, 0);
  ASSERT_EQ(Run("improver export " + run + " --db " + db_ + " --out " + last).code, 0);  // the last adopted
  const nlohmann::json s0 = nlohmann::json::parse(Slurp(g0)), s1 = nlohmann::json::parse(Slurp(last));
  EXPECT_EQ(s0["name"], "initial");
  EXPECT_EQ(s1["name"].get<std::string>().substr(0, 1), "g");
  EXPECT_GT(s1["learned"]["credit_runs"].get<int>(), 0);
  // The improver show command prints the same spec.
  const Result sh = Run("improver show " + run + " --db " + db_);
  ASSERT_EQ(sh.code, 0) << sh.out;
  EXPECT_EQ(nlohmann::json::parse(sh.out), s1);
}

// "final_improver" names a stored improver: it is in the lineage `ouro show` prints and it is what
// `ouro improver export` writes by default (it once was the hash of a spec never stored).
TEST_F(RsiCli, FinalImproverIsInTheStoredLineage) {
  const nlohmann::json a = Rsi(1);
  ASSERT_TRUE(a.contains("final_improver"));
  const Result show = Run("show " + std::to_string(a["run_id"].get<int>()) + " --db " + db_);
  ASSERT_EQ(show.code, 0) << show.out;
  EXPECT_NE(show.out.find(a["final_improver"].get<std::string>()), std::string::npos) << a.dump() << "\n" << show.out;
  const std::string last = (dir_ / "last.json").string();
  const Result ex = Run("improver export " + std::to_string(a["run_id"].get<int>()) + " --db " + db_ + " --out " + last);
  ASSERT_EQ(ex.code, 0) << ex.out;
  EXPECT_NE(ex.out.find("wrote improver " + a["final_improver"].get<std::string>()), std::string::npos) << ex.out;
}

// `ouro improver compare` replays the rsi curve's measurement: the final improver of a run, compared
// on the run's config and seed, gives the run's own final figures; the initial improver compared
// with itself gives exactly 1x on identical runs.
TEST_F(RsiCli, ImproverCompareReproducesTheRunsFinalMeasurement) {
  const nlohmann::json j = Rsi(1);
  ASSERT_GE(j["adopted"].get<int>(), 1) << j.dump();
  const std::string run = std::to_string(j["run_id"].get<int>());
  const std::string g0 = (dir_ / "g0.json").string(), last = (dir_ / "last.json").string();
  ASSERT_EQ(Run("improver export " + run + " --generation 0 --db " + db_ + " --out " + g0).code, 0);
  ASSERT_EQ(Run("improver export " + run + " --db " + db_ + " --out " + last).code, 0);

  const Result c = Run("improver compare " + last + " --config " + config_ + " --seed 1 --json");
  ASSERT_EQ(c.code, 0) << c.out;
  const nlohmann::json cj = nlohmann::json::parse(c.last_line);
  EXPECT_EQ(cj["evals_to_target_initial"], j["evals_to_target_frozen"]) << cj.dump();
  EXPECT_EQ(cj["evals_to_target_spec"], j["evals_to_target_final"]) << cj.dump();
  EXPECT_EQ(cj["speedup"], j["speedup"]) << cj.dump();
  EXPECT_EQ(cj["speedup_ci_low"], j["speedup_ci_low"]) << cj.dump();
  EXPECT_EQ(cj["speedup_ci_high"], j["speedup_ci_high"]) << cj.dump();
  EXPECT_EQ(cj["initial"]["capability"], j["capability_frozen"]) << cj.dump();
  EXPECT_EQ(cj["spec"]["capability"], j["capability_final"]) << cj.dump();

  const Result self = Run("improver compare " + g0 + " --config " + config_ + " --seed 1 --json");
  ASSERT_EQ(self.code, 0) << self.out;
  const nlohmann::json sj = nlohmann::json::parse(self.last_line);
  EXPECT_EQ(sj["initial"]["evals_to_target"], sj["spec"]["evals_to_target"]) << sj.dump();
  EXPECT_EQ(sj["speedup"], 1.0);
  EXPECT_EQ(sj["speedup_ci_low"], 1.0);
  EXPECT_EQ(sj["speedup_ci_high"], 1.0);

  // The text form: one row per test run (2 families x seeds) and the figure.
  const Result text = Run("improver compare " + last + " --config " + config_ + " --seed 1");
  ASSERT_EQ(text.code, 0) << text.out;
  EXPECT_NE(text.out.find("speedup (median of paired ratios)"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("censored at"), std::string::npos) << text.out;

  ExpectError("improver compare " + (dir_ / "missing.json").string() + " --config " + config_, {"missing.json"});
  ExpectError("improver compare " + last + " --config " + (dir_ / "nope.toml").string(), {"nope.toml"});
  EXPECT_EQ(Run("improver compare --config " + config_).code, 2);  // SPEC is required
}

TEST_F(RsiCli, ExportErrors) {
  const nlohmann::json j = Rsi(3);
  ASSERT_TRUE(j.contains("run_id"));
  const std::string run = std::to_string(j["run_id"].get<int>());
  const std::string out = (dir_ / "x.json").string();
  ExpectError("improver export " + run + " --generation 7 --db " + db_ + " --out " + out,
              {"adopted no improver at generation 7", "generations with an improver: 0"});
  EXPECT_FALSE(fs::exists(out));
  // A search run has no improvers.
  const Result s = Run("search --task linear:dim=2,tasks=2,train=10,valid=10 --max-evals 100 --seed 1 --quiet --json --db " + db_);
  ASSERT_EQ(s.code, 0) << s.out;
  const std::string search_run = std::to_string(nlohmann::json::parse(s.last_line)["run_id"].get<int>());
  ExpectError("improver export " + search_run + " --db " + db_ + " --out " + out, {"has no improvers", "search"});
  ExpectError("improver export 999 --db " + db_ + " --out " + out, {"no run 999"});
  EXPECT_FALSE(fs::exists(out));
  // Usage errors.
  EXPECT_EQ(Run("improver export --db " + db_ + " --out " + out).code, 2);
  EXPECT_EQ(Run("improver export " + run + " --db " + db_).code, 2);  // --out is required
}

TEST_F(RsiCli, BadConfigsAndSpecsGiveOneLineErrors) {
  ExpectError("rsi --config " + (dir_ / "missing.toml").string() + " --db " + db_, {"missing.toml"});
  const std::string bad_key = Write("bad_key.toml", std::string(kTinyRsi) + "\n[rsi.turbo]\nboost = 1\n");
  ExpectError("rsi --config " + bad_key + " --db " + db_, {"bad_key.toml:", "turbo"});
  const std::string bad_type = Write("bad_type.toml", "[rsi]\ngenerations = \"many\"\n");
  ExpectError("rsi --config " + bad_type + " --db " + db_, {"bad_type.toml:2", "generations"});
  const std::string same = Write("same.toml", "[rsi.train]\nfamilies = [\"linear:dim=2\"]\n[rsi.test]\nfamilies = [\"linear:dim=2\"]\n");
  ExpectError("rsi --config " + same + " --db " + db_, {"same.toml", "[rsi.test]", "[rsi.train]", "disjoint"});
  const std::string old = Write("old.toml", "[rsi.held_out]\nfamilies = [\"linear:dim=8\"]\n");
  ExpectError("rsi --config " + old + " --db " + db_, {"old.toml:1", "rename the table to [rsi.test]"});
  // Refused before the store is opened: nothing was created.
  EXPECT_FALSE(fs::exists(db_));

  const std::string bad_json = Write("bad.json", "{\"name\": \"x\", ");
  ExpectError("search --improver " + bad_json + " --task linear:dim=2,tasks=2,train=10,valid=10 --db " + db_,
              {"bad.json", "JSON"});
  const std::string missing_field = Write("missing_field.json", "{\"name\": \"x\"}");
  ExpectError("search --improver " + missing_field + " --task linear:dim=2 --db " + db_,
              {"missing_field.json", "selection"});
  ExpectError("search --improver " + (dir_ / "nope.json").string() + " --task linear:dim=2 --db " + db_, {"nope.json"});
  EXPECT_EQ(Run("rsi --config " + config_ + " --ablate memory --db " + db_).code, 2);
}

TEST_F(RsiCli, AblationsFromTheCommandLine) {
  // An initial improver that prefers the three learning channels, with credit enough to use it.
  nlohmann::json spec;
  {
    const nlohmann::json j = Rsi(1);
    ASSERT_TRUE(j.contains("run_id"));
    const std::string g0 = (dir_ / "g0.json").string();
    ASSERT_EQ(Run("improver export " + std::to_string(j["run_id"].get<int>()) + " --generation 0 --db " + db_ +
                  " --out " + g0).code, 0);
    spec = nlohmann::json::parse(Slurp(g0));
  }
  for (const char* op : {"credit_weights", "mine_macros", "discover_filter"}) spec["meta"]["weights"][op] = 50.0;
  spec["learned"]["kinds"]["alter"] = {300.0, 5.0};
  spec["learned"]["kinds"]["insert"] = {300.0, 9.0};
  const std::string init = Write("init.json", spec.dump());
  std::string text = kTinyRsi;
  text.replace(text.find("initial = \"plain\""), std::string("initial = \"plain\"").size(), "initial = \"" + init + "\"");
  const std::string cfg = Write("channels.toml", text);
  const std::string base = "rsi --config " + cfg + " --db " + db_ + " --json --seed 5";
  const Result open = Run(base);
  ASSERT_EQ(open.code, 0) << open.out;
  EXPECT_TRUE(open.out.find("[credit_weights]") != std::string::npos || open.out.find("[mine_macros]") != std::string::npos ||
              open.out.find("[discover_filter]") != std::string::npos)
      << "the control run never used a learning channel:\n" << open.out;
  const Result ablated = Run(base + " --ablate credit --ablate macros --ablate filter");
  ASSERT_EQ(ablated.code, 0) << ablated.out;
  EXPECT_NE(ablated.out.find("cand 0 ["), std::string::npos) << ablated.out;
  for (const char* op : {"[credit_weights]", "[mine_macros]", "[discover_filter]"})
    EXPECT_EQ(ablated.out.find(op), std::string::npos) << op << "\n" << ablated.out;
  // The ablations are stored with the run's config.
  EXPECT_NO_THROW(nlohmann::json::parse(ablated.last_line));
}

// `ouro rsi --null-control`: its own run, labelled as a null control wherever a run is shown, with
// adoptions by the coin; the config key does the same; a bad rate is a one-line error.
TEST_F(RsiCli, NullControlRunIsStoredLabelledAndReplays) {
  const nlohmann::json real = Rsi(1);
  EXPECT_EQ(real["null_control"], false) << real.dump();
  const nlohmann::json j = Rsi(1, " --null-control");
  EXPECT_EQ(j["null_control"], true) << j.dump();
  ASSERT_TRUE(j.contains("run_id"));
  EXPECT_NE(j["run_id"], real["run_id"]);
  const std::string run = std::to_string(j["run_id"].get<int>());
  const Result show = Run("show " + run + " --db " + db_);
  ASSERT_EQ(show.code, 0) << show.out;
  EXPECT_NE(show.out.find("(rsi-null, finished)"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("null control: adoptions by a coin of probability 0.5"), std::string::npos) << show.out;
  const Result show_json = Run("show " + run + " --db " + db_ + " --json");
  ASSERT_EQ(show_json.code, 0) << show_json.out;
  const nlohmann::json sj = nlohmann::json::parse(show_json.last_line);
  EXPECT_EQ(sj["config"]["null_control"], true);
  EXPECT_EQ(sj["config"]["recipe"]["null_control"], true);
  EXPECT_EQ(sj["summary"]["null_control"], true);
  const Result runs = Run("runs --db " + db_ + " --json");
  ASSERT_EQ(runs.code, 0) << runs.out;
  const nlohmann::json list = nlohmann::json::parse(runs.last_line);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0]["null_control"], false);
  EXPECT_EQ(list[1]["null_control"], true);
  EXPECT_NE(Run("runs --db " + db_).out.find("rsi-null"), std::string::npos);
  // The replay rebuilds the null loop from the stored recipe and reproduces it.
  const Result replay = Run("replay " + run + " --db " + db_ + " --json");
  ASSERT_EQ(replay.code, 0) << replay.out;
  EXPECT_EQ(nlohmann::json::parse(replay.last_line)["reproduced"], true) << replay.out;
  // A played candidate's decision is its coin's, and the log says what the gate said.
  EXPECT_NE(replay.out.find("(null control: coin "), std::string::npos) << replay.out;
}

TEST_F(RsiCli, NullControlFromTheConfigAndBadRates) {
  auto with = [this](const std::string& name, const std::string& keys) {
    std::string text = kTinyRsi;
    text.replace(text.find("filter_budget = 200"), 19, "filter_budget = 200\n" + keys);
    return Write(name, text);
  };
  const Result never = Run("rsi --config " + with("never.toml", "null_control = true\nnull_adopt_rate = 0") +
                           " --db " + db_ + " --json");
  ASSERT_EQ(never.code, 0) << never.out;
  const nlohmann::json n = nlohmann::json::parse(never.last_line);
  EXPECT_EQ(n["null_control"], true);
  EXPECT_EQ(n["adopted"], 0);
  EXPECT_GT(n["rejected"].get<int>(), 0);
  for (const auto& [value, fragment] : std::vector<std::pair<std::string, std::string>>{
           {"1.5", "value out of range [0, 1]"}, {"-1", "value out of range [0, 1]"}, {"\"half\"", "expected a number"}}) {
    const std::string cfg = with("bad.toml", "null_adopt_rate = " + value);
    ExpectError("rsi --null-control --config " + cfg + " --db " + db_, {"bad.toml:", "null_adopt_rate", fragment});
  }
  ExpectError("rsi --config " + with("flag.toml", "null_control = \"yes\"") + " --db " + db_,
              {"null_control", "expected true or false"});
}

}  // namespace
