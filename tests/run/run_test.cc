// Tests of the run layer: AdoptionSeam carries out oversight::Judge's verdicts in order through a
// gate (a fake one here: what it is asked to record and do); ReplayGate answers from the stored
// items; an RsiSession writes a run that verifies and that run::ReplayRsi reproduces, also one of
// the normal gate that runs recorded before the exact gate used (rsi_recipe.h).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"
#include "meta/rsi_config.h"
#include "oversight/audit.h"
#include "run/adoption_gate.h"
#include "run/adoption_seam.h"
#include "run/rsi_records.h"
#include "run/rsi_replay.h"
#include "run/rsi_session.h"
#include "run/rsi_takeoff.h"
#include "search/run_config.h"
#include "tasks/task_spec.h"

namespace ouro::run {
namespace {

using nlohmann::json;

// Records what the seam asks of it, as "type" / "pause" / "stop:why" / "ask:reason" lines.
class FakeGate : public AdoptionGate {
 public:
  void Record(const std::string& type, const json&) override { calls.push_back(type); }
  void Pause() override { calls.push_back("pause"); }
  void Stop(const std::string& why) override { calls.push_back("stop:" + why); }
  bool stopping() const override { return false; }
  Answer Ask(const Question& q) override {
    calls.push_back("ask:" + q.reason);
    return answer;
  }
  void Promote(const PromotionCall& p) override { calls.push_back("promote:" + p.ask_reason); }
  std::vector<std::string> calls;
  Answer answer{false, "rejected by alice: no"};
};

oversight::Policy Policy(const std::string& extra) {
  return oversight::ParsePolicy(extra + R"(
[[tripwire]]
name = "slow"
metric = "cost_ratio"
above = 4
action = "pause"
[[tripwire]]
name = "nan"
metric = "nonfinite"
above = 0
action = "stop"
)",
                                "p.toml");
}

struct SeamCase {
  const char* name;
  std::string policy;
  std::map<std::string, double> metrics;
  double rerun_score;  // the first game scored 0.5
  bool adopted;
  std::vector<std::string> calls;
  int reruns;
  std::string note;
};

TEST(AdoptionSeam, CarriesOutTheVerdictInOrder) {
  const std::vector<SeamCase> cases = {
      {"adopt", "", {{"gain", 0.1}}, 0.5, true, {}, 0, ""},
      {"pause, then adopt", "", {{"cost_ratio", 5}}, 0.5, true, {"tripwire", "pause"}, 0, ""},
      {"stop vetoes without a rerun",
       "[invariants]\ndeterministic = true\n",
       {{"nonfinite", 1}},
       0.5,
       false,
       {"tripwire", "stop:tripwire nan"},
       0,
       "tripwire nan: nonfinite = 1"},
      {"rerun equal", "[invariants]\ndeterministic = true\n", {}, 0.5, true, {}, 1, ""},
      {"rerun differs",
       "[invariants]\ndeterministic = true\n",
       {},
       0.25,
       false,
       {"invariant"},
       1,
       "invariant: determinism: re-running one of its games gave a different score"},
      {"manual gate asks, the answer's note stays",
       "[gates]\nadopt = \"manual\"\n",
       {},
       0.5,
       false,
       {"ask:the gate is manual"},
       0,
       "rejected by alice: no"},
  };
  meta::RsiConfig cfg;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    const oversight::Policy policy = Policy(c.policy);
    FakeGate gate;
    AdoptionSeam seam(policy, cfg, gate, nullptr, {}, -1);
    meta::CandidateReport report;
    report.metrics = c.metrics;
    report.games = {{0.4, 0.5, 1}};
    meta::ImproverSpec incumbent;
    int reruns = 0;
    meta::Adoption a;
    a.incumbent = &incumbent;
    a.candidate = &report;
    a.rerun_first_game = [&] { return ++reruns, c.rerun_score; };
    EXPECT_EQ(seam.Adopt(a), c.adopted);
    EXPECT_EQ(gate.calls, c.calls);
    EXPECT_EQ(reruns, c.reruns);
    EXPECT_EQ(report.note, c.note);
  }
}

TEST(AdoptionSeam, ATripwireActsOnceForTheSameKey) {
  const oversight::Policy policy = Policy("");
  FakeGate gate;
  meta::RsiConfig cfg;
  AdoptionSeam seam(policy, cfg, gate, nullptr, {}, -1);
  meta::CandidateReport report;
  report.metrics = {{"cost_ratio", 9}};
  meta::ImproverSpec incumbent;
  meta::Adoption a;
  a.incumbent = &incumbent;
  a.candidate = &report;
  seam.Adopt(a);
  seam.Adopt(a);  // the same candidate again (as after a resume)
  EXPECT_EQ(gate.calls, (std::vector<std::string>{"tripwire", "pause", "tripwire"}));
}

TEST(AdoptionSeam, PromotesOnlyBetterPrograms) {
  const oversight::Policy policy =
      oversight::ParsePolicy("[gates]\npromote = \"manual if fitness > 0.8\"\n", "p.toml");
  FakeGate gate;
  meta::RsiConfig cfg;
  AdoptionSeam seam(policy, cfg, gate, nullptr, {}, 0.3);
  meta::CandidateReport r;
  for (double f : {0.2, 0.5, 0.5, 0.9}) {
    r.best_fitness = f;
    seam.Promote(r);
  }
  EXPECT_EQ(gate.calls, (std::vector<std::string>{"promote:", "promote:fitness = 0.9 > 0.8"}));
}

class StoreFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("ouro_run_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    db_ = store::Store::Open((dir_ / "runs.db").string());
  }
  void TearDown() override {
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::filesystem::path dir_;
  std::unique_ptr<store::Store> db_;
};

TEST_F(StoreFile, ReplayGateAnswersFromTheStoredItems) {
  const int64_t run = db_->CreateRun("rsi", 1, "{}");
  db_->AddItem(run, "adopt", "yes", "s", "");
  db_->DecideItem(run, 1, true, "bob", "");
  db_->AddItem(run, "adopt", "no", "s", "");
  db_->DecideItem(run, 2, false, "alice", "too big");
  db_->AddItem(run, "adopt", "open", "s", "");
  ReplayGate gate(*db_, run);
  EXPECT_TRUE(gate.Ask({"adopt", "yes", "", "", json()}).approved);
  const Answer no = gate.Ask({"adopt", "no", "", "", json()});
  EXPECT_FALSE(no.approved);
  EXPECT_EQ(no.note, "rejected by alice: too big");
  EXPECT_TRUE(gate.problems().empty());
  EXPECT_EQ(gate.Ask({"adopt", "open", "", "", json()}).note, "undecided in the store");
  EXPECT_EQ(gate.Ask({"adopt", "missing", "", "", json()}).note, "undecided in the store");
  EXPECT_EQ(gate.problems().size(), 2u);
}

// A small run: two generations of two candidates on tiny linear tasks, one thread.
RsiRecipe TinyRecipe() {
  RsiRecipe r;
  r.config_source = "tiny.toml";
  r.config_text = R"(threads = 1
[search]
population = 20
tournament = 4
init_size = { setup = 3, predict = 1, learn = 3 }
batch = 8
check_every = 100
[improver]
initial = "plain"
[rsi]
generations = 2
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
)";
  r.policy_source = "default";
  r.policy_text = std::string(oversight::DefaultPolicyText());
  r.seed = 1;
  r.threads = 1;
  return r;
}

TEST_F(StoreFile, ASessionWritesARunThatVerifiesAndReplays) {
  const RsiRecipe recipe = TinyRecipe();
  const meta::RsiConfig cfg = BuildConfig(recipe);
  const oversight::Policy policy = BuildPolicy(recipe);
  const int64_t run = RsiSession::Create(*db_, recipe, cfg, policy, "tester");
  RsiOutcome out = RsiSession(*db_, run, cfg, policy, {}).Run();
  EXPECT_FALSE(out.stopped);
  EXPECT_EQ(out.result.generations, 2);
  EXPECT_EQ(out.capability.size(), out.result.curve.size());
  const auto info = db_->GetRun(run);
  EXPECT_EQ(info->status, "finished");
  EXPECT_EQ(json::parse(info->summary_json), out.summary);
  EXPECT_EQ(db_->GetImprovers(run).size(), static_cast<size_t>(out.result.adopted + 1));
  const auto events = db_->GetEvents(run);
  EXPECT_TRUE(oversight::VerifyChain(run, events, db_->GetAuditHead(run)).ok);
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events[0].type, "config");
  EXPECT_EQ(events[1].type, "policy");
  EXPECT_EQ(events.back().type, "finished");
  const ReplayReport replay = ReplayRsi(*db_, run, {});
  EXPECT_TRUE(replay.reproduced()) << (replay.differences.empty() ? "" : replay.differences[0]);
  EXPECT_EQ(replay.generations, 2);
  EXPECT_EQ(db_->GetEvents(run).size(), events.size());  // a replay writes nothing
  // Read as a takeoff: one cost per adoption, which with the compute after the last adoption add
  // up to the run's compute; the returns are the summary's.
  const RunTakeoff t = LoadTakeoff(*db_, run);
  EXPECT_EQ(t.input.costs.size(), static_cast<size_t>(out.result.adopted));
  double total = t.input.since_last_adoption;
  for (double c : t.input.costs) total += c;
  EXPECT_DOUBLE_EQ(total, out.summary["cumulative_evaluations"].get<double>());
  EXPECT_EQ(TakeoffJson(t)["returns_r"], out.summary["returns_r"]);
}

// A recipe stored before the exact gate has no "gate_era": its run used the normal gate, and the
// config rebuilt from it does too, so that it resumes and replays as it ran.
TEST(Recipe, RunsRecordedBeforeTheExactGateKeepTheNormalGate) {
  store::RunInfo run;
  run.id = 7;
  run.kind = "rsi";
  json recipe = RecipeJson(TinyRecipe());
  EXPECT_EQ(recipe["gate_era"], "exact");
  run.config_json = json{{"recipe", recipe}}.dump();
  EXPECT_FALSE(RecipeFromRun(run).normal_gate_era);
  EXPECT_EQ(BuildConfig(RecipeFromRun(run)).gate, meta::SprtTest::kExact);
  recipe.erase("gate_era");
  run.config_json = json{{"recipe", recipe}}.dump();
  EXPECT_TRUE(RecipeFromRun(run).normal_gate_era);
  EXPECT_EQ(BuildConfig(RecipeFromRun(run)).gate, meta::SprtTest::kNormal);
}

// Likewise "meta_era": a recipe without it ran the first seven meta-operators only, no archive.
TEST(Recipe, RunsRecordedBeforeTheCompoundOperatorsKeepTheSevenOperatorSet) {
  store::RunInfo run;
  run.id = 8;
  run.kind = "rsi";
  json recipe = RecipeJson(TinyRecipe());
  EXPECT_EQ(recipe["meta_era"], "compound");
  run.config_json = json{{"recipe", recipe}}.dump();
  EXPECT_FALSE(BuildConfig(RecipeFromRun(run)).legacy_meta);
  recipe.erase("meta_era");
  run.config_json = json{{"recipe", recipe}}.dump();
  EXPECT_TRUE(RecipeFromRun(run).legacy_meta_era);
  EXPECT_TRUE(BuildConfig(RecipeFromRun(run)).legacy_meta);
}

TEST_F(StoreFile, ARunOfTheSevenOperatorEraReplays) {
  RsiRecipe recipe = TinyRecipe();
  recipe.legacy_meta_era = true;
  const meta::RsiConfig cfg = BuildConfig(recipe);
  ASSERT_TRUE(cfg.legacy_meta);
  const oversight::Policy policy = BuildPolicy(recipe);
  const int64_t run = RsiSession::Create(*db_, recipe, cfg, policy, "tester");
  RsiSession(*db_, run, cfg, policy, {}).Run();
  for (const auto& c : db_->GetCandidates(run)) EXPECT_LT(meta::MetaIndex(c.meta_operator), meta::kNumLegacyMetaOperators);
  const ReplayReport replay = ReplayRsi(*db_, run, {});
  EXPECT_TRUE(replay.reproduced()) << (replay.differences.empty() ? "" : replay.differences[0]);
}

TEST_F(StoreFile, ARunOfTheNormalGateEraReplays) {
  RsiRecipe recipe = TinyRecipe();
  recipe.normal_gate_era = true;
  const meta::RsiConfig cfg = BuildConfig(recipe);
  ASSERT_EQ(cfg.gate, meta::SprtTest::kNormal);
  const oversight::Policy policy = BuildPolicy(recipe);
  const int64_t run = RsiSession::Create(*db_, recipe, cfg, policy, "tester");
  const RsiOutcome out = RsiSession(*db_, run, cfg, policy, {}).Run();
  for (const auto& c : db_->GetCandidates(run)) EXPECT_EQ(json::parse(c.evidence_json)["gate"], "normal");
  EXPECT_GT(out.summary["expected_false_adoptions"].get<double>(), 0.0);
  const ReplayReport replay = ReplayRsi(*db_, run, {});
  EXPECT_TRUE(replay.reproduced()) << (replay.differences.empty() ? "" : replay.differences[0]);
}

// The stored lineage (every improver row and candidate row, with their specs and evidence) of a
// run does not depend on its sealed test arena; the stored curve does.
TEST_F(StoreFile, TheStoredLineageDoesNotDependOnTheTestArena) {
  auto lineage = [this](const std::string& test_families, int64_t& run) {
    RsiRecipe recipe = TinyRecipe();
    std::string& text = recipe.config_text;
    const size_t at = text.find("families", text.find("[rsi.test]"));
    text.replace(at, text.find('\n', at) - at, "families = [" + test_families + "]");
    const meta::RsiConfig cfg = BuildConfig(recipe);
    const oversight::Policy policy = BuildPolicy(recipe);
    run = RsiSession::Create(*db_, recipe, cfg, policy, "tester");
    RsiSession(*db_, run, cfg, policy, {}).Run();
    std::string out;
    for (const auto& i : db_->GetImprovers(run))
      out += std::to_string(i.generation) + " " + i.hash + " " + i.parent_hash + " " + i.spec_json + " " + i.evidence_json + "\n";
    for (const auto& c : db_->GetCandidates(run))
      out += std::to_string(c.generation) + "." + std::to_string(c.idx) + " " + c.decision + " " + c.spec_json + " " +
             c.evidence_json + "\n";
    return out;
  };
  int64_t a = 0, b = 0;
  const std::string la = lineage(R"("linear:dim=3,tasks=2,train=10,valid=10")", a);
  const std::string lb = lineage(R"("nonlinear:dim=6,tasks=3,train=12,valid=12,hidden=2")", b);
  EXPECT_EQ(la, lb);
  EXPECT_NE(db_->GetCurve(a).front().point_json, db_->GetCurve(b).front().point_json);
}

// A run stored before the three arenas: its recipe has [rsi.held_out] (an error in a new config).
// It is read as the test arena, and the validation arena is the same, as oversight read it then;
// the run still runs, and replays.
TEST_F(StoreFile, ARunRecordedWithAHeldOutArenaStillLoadsAndReplays) {
  RsiRecipe recipe = TinyRecipe();
  std::string& text = recipe.config_text;
  text.erase(text.find("[rsi.validation]"), text.find("[rsi.test]") - text.find("[rsi.validation]"));
  text.replace(text.find("[rsi.test]"), 10, "[rsi.held_out]");
  EXPECT_THROW(meta::ParseRsiConfig(text, "new.toml"), Error);
  const meta::RsiConfig cfg = BuildConfig(recipe);
  EXPECT_EQ(meta::ToJson(cfg)["validation"], meta::ToJson(cfg)["test"]);
  EXPECT_EQ(cfg.test.families[0].dim, 3);
  const oversight::Policy policy = BuildPolicy(recipe);
  const int64_t run = RsiSession::Create(*db_, recipe, cfg, policy, "tester");
  const RsiOutcome out = RsiSession(*db_, run, cfg, policy, {}).Run();
  EXPECT_EQ(out.result.frozen_validation.auc, out.result.frozen.auc);
  const ReplayReport replay = ReplayRsi(*db_, run, {});
  EXPECT_TRUE(replay.reproduced()) << (replay.differences.empty() ? "" : replay.differences[0]);
}

}  // namespace
}  // namespace ouro::run
