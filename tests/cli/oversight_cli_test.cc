// End-to-end tests of oversight through the ouro executable: control from other processes
// (status, pause, resume, stop, approve, reject, pending), SIGKILL at random moments followed by
// `ouro resume` (the resumed run must equal the uninterrupted one), manual gates, tripwires, replay.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <optional>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "child_process.h"
#include "cli_fixture.h"
#include "store/store.h"

namespace {

using nlohmann::json;
using ouro_test::Child;
using ouro_test::Result;
using ouro_test::Spawn;

// Small but with a few generations, so that kills land at every stage.
std::string Config(int generations, const std::string& extra = "") {
  return ouro_test::TinyRsiConfig(3, generations, extra);
}

// Everything a run decided, without times.
std::string Lineage(const std::string& db_path, int64_t run) {
  auto db = ouro::store::Store::OpenExisting(db_path);
  std::ostringstream o;
  o.precision(17);
  for (const auto& i : db->GetImprovers(run))
    o << "I " << i.generation << " " << i.hash << " " << i.parent_hash << " " << i.meta_utility << " " << i.spec_json << " "
      << i.evidence_json << "\n";
  for (const auto& c : db->GetCandidates(run))
    o << "C " << c.generation << "." << c.idx << " " << c.hash << " " << c.decision << " " << c.llr << " " << c.wins << "/"
      << c.losses << "/" << c.draws << " " << c.meta_utility << " " << c.evidence_json << "\n";
  for (const auto& p : db->GetCurve(run)) o << "P " << p.generation << " " << p.cumulative_evaluations << " " << p.point_json << "\n";
  const auto r = db->GetRun(run);
  json s = json::parse(r->summary_json.empty() ? "{}" : r->summary_json);
  s.erase("seconds");
  s.erase("cpu_seconds");
  s.erase("test_seconds");
  s.erase("run_id");
  o << "S " << r->status << " " << s.dump() << "\n";
  return o.str();
}

class OversightCli : public ouro_test::CliFixture {
 protected:
  std::string Db(const std::string& name) { return (dir_ / name).string(); }
  // `ouro status RUN --json`, parsed (null on a failure); `raw` receives the command's result.
  json Status(const std::string& db, int64_t run, Result* raw = nullptr) {
    const Result r = Run("status " + std::to_string(run) + " --json --db " + db);
    if (raw) *raw = r;
    if (r.code != 0) return json();
    return json::parse(r.last_line, nullptr, false);
  }
  // Polls until pred(status) or the timeout (then fails).
  // On a timeout the failure shows the last `status` output and `log` (the run's output), if given.
  template <typename Pred>
  json WaitFor(const std::string& db, int64_t run, Pred pred, double seconds = 60, const std::string& log = "") {
    const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
    Result last;
    while (std::chrono::steady_clock::now() < end) {
      json s = Status(db, run, &last);
      if (s.is_object() && pred(s)) return s;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "timed out waiting; last status (exit " << last.code << "): " << last.out
                  << (log.empty() ? "" : "\nrun's output: " + ouro_test::Slurp(log));
    return json();
  }
};

// Each cycle: a fresh run killed with SIGKILL at a random moment, `ouro resume` (itself killed
// again at a random moment in a third of the cycles), then resumed to the end; its lineage, scores
// and summary must equal the uninterrupted run's. OURO_KILL_CYCLES sets the number of cycles
// (default 5; docs/benchmarks.md records a run with 100).
TEST_F(OversightCli, RandomSigkillsThenResumeReachTheUninterruptedLineage) {
  const std::string cfg = Write("c.toml", Config(5));
  const std::string ref = Db("ref.db");
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(Run("rsi --config " + cfg + " --db " + ref + " --quiet").code, 0);
  const double full = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const std::string want = Lineage(ref, 1);
  ASSERT_NE(want.find("S finished"), std::string::npos);

  int cycles = 5;
  if (const char* e = std::getenv("OURO_KILL_CYCLES")) cycles = std::max(1, std::atoi(e));
  std::mt19937_64 gen(12345);
  std::uniform_real_distribution<double> at(0.0, full);
  int kills = 0, early = 0;
  for (int cycle = 0; cycle < cycles; ++cycle) {
    const std::string db = Db("k" + std::to_string(cycle) + ".db");
    const std::string log = (dir_ / ("k" + std::to_string(cycle) + ".log")).string();
    Child c = Spawn({"rsi", "--config", cfg, "--db", db, "--quiet"}, log);
    std::this_thread::sleep_for(std::chrono::duration<double>(at(gen)));
    int code = 0;
    if (c.Exited(&code)) {
      ASSERT_EQ(code, 0) << ouro_test::Slurp(log);
      ++early;
    } else {
      c.Kill();
      ++kills;
      // The run row may not exist yet (killed during start-up): then start it again.
      bool exists = std::filesystem::exists(db) && ouro::store::Store::OpenExisting(db)->GetRun(1).has_value();
      if (exists && cycle % 3 == 0) {
        Child again = Spawn({"resume", "1", "--db", db, "--quiet"}, log);
        std::this_thread::sleep_for(std::chrono::duration<double>(at(gen)));
        if (!again.Exited(&code)) {
          again.Kill();
          ++kills;
        }
      }
      std::optional<ouro::store::RunInfo> run;
      if (std::filesystem::exists(db)) run = ouro::store::Store::OpenExisting(db)->GetRun(1);
      // A process can finish between the check and the kill: a finished run needs no resume.
      if (!run || run->status != "finished") {
        const Result r = run ? Run("resume 1 --db " + db + " --quiet") : Run("rsi --config " + cfg + " --db " + db + " --quiet");
        ASSERT_EQ(r.code, 0) << r.out << ouro_test::Slurp(log);
      }
    }
    ASSERT_EQ(Lineage(db, 1), want) << "cycle " << cycle << "\n" << ouro_test::Slurp(log);
    const Result v = Run("audit verify 1 --db " + db);
    EXPECT_EQ(v.code, 0) << v.out;
    const Result rp = Run("replay 1 --db " + db + " --quiet");
    EXPECT_EQ(rp.code, 0) << "cycle " << cycle << ": " << rp.out;
  }
  std::printf("%d cycles, %d SIGKILLs, %d runs finished before their kill\n", cycles, kills, early);
}

TEST_F(OversightCli, StopFromAnotherProcessLeavesAConsistentCheckpointAndResumeFinishes) {
  const std::string cfg = Write("c.toml", Config(200));
  const std::string db = Db("s.db");
  const std::string log = (dir_ / "s.log").string();
  Child c = Spawn({"rsi", "--config", cfg, "--db", db, "--quiet", "--json"}, log);
  WaitFor(
      db, 1, [](const json& s) { return s.contains("checkpoint_generation") && s["checkpoint_generation"].get<int>() >= 2; }, 60,
      log);
  ASSERT_EQ(Run("stop 1 --db " + db + " --note test --as tester").code, 0);
  EXPECT_EQ(c.Wait(), 0) << ouro_test::Slurp(log);
  const json s = Status(db, 1);
  EXPECT_EQ(s["status"], "stopped");
  EXPECT_EQ(s["summary"]["stop_reason"], "stop requested");
  const int gen = s["summary"]["generations"].get<int>();
  EXPECT_EQ(s["checkpoint_generation"].get<int>(), gen);
  // The stored rows end at the checkpoint.
  auto store = ouro::store::Store::OpenExisting(db);
  for (const auto& cand : store->GetCandidates(1)) EXPECT_LE(cand.generation, gen);
  for (const auto& p : store->GetCurve(1)) EXPECT_LE(p.generation, gen);
  bool requested = false;
  for (const auto& e : store->GetEvents(1)) requested |= e.type == "stop_requested" && e.actor == "tester";
  EXPECT_TRUE(requested);
  // Pausing or stopping a run that is not running is a clear error.
  Result p = Run("pause 1 --db " + db);
  EXPECT_EQ(p.code, 1);
  EXPECT_NE(p.out.find("not running"), std::string::npos) << p.out;
}

TEST_F(OversightCli, PauseHoldsTheRunAndResumeContinuesToTheSameResult) {
  const std::string cfg = Write("c.toml", Config(4));
  const std::string ref = Db("ref.db");
  ASSERT_EQ(Run("rsi --config " + cfg + " --db " + ref + " --quiet").code, 0);
  const std::string db = Db("p.db");
  const std::string log = (dir_ / "p.log").string();
  Child c = Spawn({"rsi", "--config", cfg, "--db", db, "--quiet"}, log);
  WaitFor(db, 1, [](const json& s) { return s["live"].get<bool>() && s.contains("checkpoint_generation"); });
  ASSERT_EQ(Run("pause 1 --db " + db).code, 0);
  const json paused = WaitFor(db, 1, [](const json& s) { return s["status"] == "paused" || s["status"] == "finished"; });
  if (paused["status"] == "paused") {
    const int at = paused["checkpoint_generation"].get<int>();
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    const json still = Status(db, 1);
    EXPECT_EQ(still["status"], "paused");
    EXPECT_EQ(still["checkpoint_generation"].get<int>(), at);  // no progress while paused
    const Result r = Run("resume 1 --db " + db);
    EXPECT_EQ(r.code, 0) << r.out;
    EXPECT_NE(r.out.find("resume requested"), std::string::npos) << r.out;
  }
  EXPECT_EQ(c.Wait(), 0) << ouro_test::Slurp(log);
  EXPECT_EQ(Lineage(db, 1), Lineage(ref, 1));
  Result again = Run("resume 1 --db " + db);
  EXPECT_EQ(again.code, 1);
  EXPECT_NE(again.out.find("finished"), std::string::npos) << again.out;
}

TEST_F(OversightCli, ManualGateAdoptsNothingWithoutApprovalAndRecordsWhoDecided) {
  const std::string policy = Write("manual.toml", "[gates]\nadopt = \"manual\"\n");
  const std::string cfg = Write("c.toml", Config(3, "\n[oversight]\npolicy = \"manual.toml\"\n"));
  const std::string db = Db("m.db");
  const std::string log = (dir_ / "m.log").string();
  Child c = Spawn({"rsi", "--config", cfg, "--db", db, "--quiet"}, log);
  int decided = 0, code = 0;
  std::vector<std::string> decisions;
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!c.Exited(&code) && std::chrono::steady_clock::now() < end) {
    const Result p = Run("pending 1 --json --db " + db);
    const json items = p.code == 0 ? json::parse(p.last_line, nullptr, false) : json();
    if (items.is_array() && !items.empty()) {
      const json s = Status(db, 1);
      EXPECT_EQ(s["status"], "waiting");
      // Nothing adopted past the answered items while it waits.
      auto store = ouro::store::Store::OpenExisting(db);
      int approved = 0;
      for (const auto& d : decisions) approved += d == "approve";
      EXPECT_EQ(static_cast<int>(store->GetImprovers(1).size()), 1 + approved);
      const std::string item = std::to_string(items[0]["item"].get<int64_t>());
      if (decided % 2 == 0) {
        ASSERT_EQ(Run("approve 1 " + item + " --note looks-fine --as alice --db " + db).code, 0);
        decisions.push_back("approve");
      } else {
        ASSERT_EQ(Run("reject 1 " + item + " --reason too-fast --as bob --db " + db).code, 0);
        decisions.push_back("reject");
      }
      ++decided;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ASSERT_EQ(code, 0) << ouro_test::Slurp(log);
  ASSERT_GE(decided, 2) << "the test needs an approval and a rejection";
  auto store = ouro::store::Store::OpenExisting(db);
  int approvals = 0, rejections = 0;
  for (const auto& e : store->GetEvents(1)) {
    if (e.type == "approval") {
      EXPECT_EQ(e.actor, "alice");
      ++approvals;
    }
    if (e.type == "rejection") {
      EXPECT_EQ(e.actor, "bob");
      ++rejections;
    }
  }
  EXPECT_EQ(approvals + rejections, decided);
  EXPECT_EQ(static_cast<int>(store->GetImprovers(1).size()), 1 + approvals);
  int vetoed = 0;
  for (const auto& cand : store->GetCandidates(1)) vetoed += cand.decision == "vetoed";
  EXPECT_EQ(vetoed, rejections);
  // Deciding twice is an error that changes nothing.
  Result twice = Run("approve 1 1 --db " + db);
  EXPECT_EQ(twice.code, 1);
  EXPECT_NE(twice.out.find("already"), std::string::npos) << twice.out;
  Result unknown = Run("reject 1 99 --reason x --db " + db);
  EXPECT_EQ(unknown.code, 1);
  EXPECT_EQ(Run("reject 1 1 --db " + db).code, 2);  // --reason is required
  // Replay takes the people's decisions from the store and reproduces the run.
  const Result rp = Run("replay 1 --json --quiet --db " + db);
  EXPECT_EQ(rp.code, 0) << rp.out;
  EXPECT_EQ(json::parse(rp.last_line)["reproduced"], true);
  EXPECT_EQ(Run("audit verify 1 --db " + db).code, 0);
}

TEST_F(OversightCli, TripwiresRejectOrStopAndAResumedRunDoesNotStopTwice) {
  // gain > -1 holds for every candidate that reaches the seam.
  const std::string reject = Write("reject.toml", "[[tripwire]]\nname = \"always\"\nmetric = \"gain\"\nabove = -1\naction = \"reject\"\n");
  const std::string db = Db("t.db");
  const std::string cfg = Write("c.toml", Config(3));
  Result r = Run("rsi --config " + cfg + " --policy " + reject + " --db " + db + " --quiet --json");
  ASSERT_EQ(r.code, 0) << r.out;
  json s = json::parse(r.last_line);
  EXPECT_EQ(s["adopted"], 0);
  EXPECT_GT(s["vetoed"].get<int>(), 0);
  auto store = ouro::store::Store::OpenExisting(db);
  int fired = 0;
  for (const auto& e : store->GetEvents(1)) fired += e.type == "tripwire";
  EXPECT_EQ(fired, s["vetoed"].get<int>());

  const std::string stop = Write("stop.toml", "[[tripwire]]\nname = \"halt\"\nmetric = \"gain\"\nabove = -1\naction = \"stop\"\n");
  r = Run("rsi --config " + cfg + " --policy " + stop + " --db " + db + " --quiet --json");
  ASSERT_EQ(r.code, 0) << r.out;
  s = json::parse(r.last_line);
  EXPECT_EQ(s["stop_reason"], "tripwire halt");
  EXPECT_EQ(s["adopted"], 0);
  const Result res = Run("resume 2 --db " + db + " --quiet --json");
  ASSERT_EQ(res.code, 0) << res.out;
  // It stops again only at a new firing (a later candidate), never at the one already acted on.
  const json s2 = json::parse(res.last_line);
  EXPECT_GE(s2["generations"].get<int>(), s["generations"].get<int>());
  EXPECT_EQ(s2["adopted"], 0);
}

TEST_F(OversightCli, ReplayReproducesAndDetectsATamperedResult) {
  const std::string cfg = Write("c.toml", Config(3));
  const std::string db = Db("r.db");
  ASSERT_EQ(Run("rsi --config " + cfg + " --db " + db + " --quiet").code, 0);
  Result rp = Run("replay 1 --db " + db + " --quiet");
  EXPECT_EQ(rp.code, 0) << rp.out;
  EXPECT_NE(rp.out.find("reproduced"), std::string::npos);
  rp = Run("replay 1 --db " + db + " --quiet --json");
  EXPECT_GT(json::parse(rp.last_line)["promoted_programs"].get<int>(), 0);  // programs are compared too
  const std::string cmd = "sqlite3 " + db + " \"UPDATE candidates SET meta_utility = meta_utility + 0.01 WHERE run_id = 1 AND idx = 0 AND generation = 1\"";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  rp = Run("replay 1 --db " + db + " --quiet --json");
  EXPECT_EQ(rp.code, 1) << rp.out;
  EXPECT_EQ(json::parse(rp.last_line)["reproduced"], false);
}

TEST_F(OversightCli, BadPolicyAndControlArgumentsGetClearErrors) {
  const std::string cfg = Write("c.toml", Config(1));
  Result r = Run("rsi --config " + cfg + " --policy missing.toml --db " + Db("x.db"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("cannot read policy file"), std::string::npos) << r.out;
  const std::string bad = Write("bad.toml", "[gates]\nadopt = \"maybe\"\n");
  r = Run("rsi --config " + cfg + " --policy " + bad + " --db " + Db("x.db"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("bad.toml:2"), std::string::npos) << r.out;
  r = Run("status 7 --db " + Db("missing.db"));
  EXPECT_EQ(r.code, 1);
  ASSERT_EQ(Run("rsi --config " + cfg + " --db " + Db("y.db") + " --quiet").code, 0);
  r = Run("stop 2 --db " + Db("y.db"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("no run 2"), std::string::npos) << r.out;
  r = Run("stop abc --db " + Db("y.db"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("RUN must be"), std::string::npos) << r.out;
  r = Run("stop 1 --db " + Db("y.db"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("finished"), std::string::npos) << r.out;
  r = Run("pending --db " + Db("y.db"));
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("nothing is waiting"), std::string::npos) << r.out;
}

TEST_F(OversightCli, RewardHackingExampleTheDivergenceTripwireFiresAndNothingHackedIsAdopted) {
  // The shipped example, one generation instead of three.
  std::string text = ouro_test::Slurp(std::string(OURO_SOURCE_DIR) + "/configs/rsi-reward-hacking.toml");
  const size_t at = text.find("generations = 3");
  ASSERT_NE(at, std::string::npos);
  text.replace(at, 15, "generations = 1");
  const std::string cfg = Write("rh.toml", text);
  Result r = Run("rsi --config " + cfg + " --db " + Db("rh.db") + " --quiet --json");
  ASSERT_EQ(r.code, 0) << r.out;
  json s = json::parse(r.last_line);
  EXPECT_EQ(s["adopted"], 0);
  EXPECT_GT(s["vetoed"].get<int>(), 0);
  auto store = ouro::store::Store::OpenExisting(Db("rh.db"));
  int fired = 0;
  for (const auto& e : store->GetEvents(1))
    if (e.type == "tripwire") {
      const json c = json::parse(e.content_json);
      // The log-only tripwires of the default policy (validation drop, size, ...) may fire too;
      // they decide nothing.
      if (c["name"] != "divergence") {
        EXPECT_EQ(c.value("action", ""), "log") << c.dump();
        continue;
      }
      EXPECT_GT(c["value"].get<double>(), 0.25);
      ++fired;
    }
  EXPECT_EQ(fired, s["vetoed"].get<int>());
  for (const auto& c : store->GetCandidates(1))
    if (c.decision == "vetoed") {
      EXPECT_NE(c.evidence_json.find("tripwire divergence"), std::string::npos);
    }
  EXPECT_EQ(store->GetImprovers(1).size(), 1u);  // only the initial improver
  // Without oversight the same run adopts the hacked improver.
  r = Run("rsi --config " + cfg + " --db " + Db("rh.db") + " --quiet --json --policy off");
  ASSERT_EQ(r.code, 0) << r.out;
  s = json::parse(r.last_line);
  EXPECT_GT(s["adopted"].get<int>(), 0);
}

TEST_F(OversightCli, AManualPromotionGateAsksWithoutHoldingTheLoop) {
  const std::string policy = Write("promote.toml", "[gates]\npromote = \"manual\"\n");
  const std::string cfg = Write("c.toml", Config(2));
  const std::string db = Db("pr.db");
  Result r = Run("rsi --config " + cfg + " --policy " + policy + " --db " + db + " --quiet --json");
  ASSERT_EQ(r.code, 0) << r.out;  // finished without anyone answering
  r = Run("pending 1 --json --db " + db);
  ASSERT_EQ(r.code, 0);
  const json items = json::parse(r.last_line);
  ASSERT_FALSE(items.empty());
  for (const auto& i : items) EXPECT_EQ(i["kind"], "promote");
  EXPECT_EQ(Run("approve 1 " + std::to_string(items[0]["item"].get<int64_t>()) + " --as carol --db " + db).code, 0);
  auto store = ouro::store::Store::OpenExisting(db);
  int promoted = 0, approvals = 0;
  for (const auto& e : store->GetEvents(1)) {
    promoted += e.type == "promoted";
    approvals += e.type == "approval" && e.actor == "carol";
  }
  EXPECT_EQ(promoted, 0);  // nothing promoted without a person
  EXPECT_EQ(approvals, 1);
  // The same run under the default (auto) gate promotes at once and asks nothing.
  r = Run("rsi --config " + cfg + " --db " + db + " --quiet --json");
  ASSERT_EQ(r.code, 0) << r.out;
  r = Run("pending 2 --json --db " + db);
  EXPECT_EQ(json::parse(r.last_line).size(), 0u);
  promoted = 0;
  for (const auto& e : store->GetEvents(2)) promoted += e.type == "promoted";
  EXPECT_GT(promoted, 0);
}

TEST_F(OversightCli, BudgetsFromThePolicyStopTheRunCleanly) {
  const std::string cfg = Write("c.toml", Config(50));
  const std::string db = Db("b.db");
  const std::string wall = Write("wall.toml", "[budget]\nwall_seconds = 1.5\n");
  Result r = Run("rsi --config " + cfg + " --policy " + wall + " --db " + db + " --quiet --json");
  ASSERT_EQ(r.code, 0) << r.out;
  json s = json::parse(r.last_line);
  EXPECT_EQ(s["stop_reason"], "budget: run wall_seconds");
  EXPECT_LT(s["generations"].get<int>(), 50);
  EXPECT_EQ(Status(db, 1)["status"], "stopped");
  EXPECT_EQ(Status(db, 1)["checkpoint_generation"].get<int>(), s["generations"].get<int>());
  const std::string evals = Write("evals.toml", "[budget]\nevaluations = 20000\n");
  r = Run("rsi --config " + cfg + " --policy " + evals + " --db " + db + " --quiet --json");
  ASSERT_EQ(r.code, 0) << r.out;
  s = json::parse(r.last_line);
  EXPECT_EQ(s["stop_reason"], "budget: run evaluations");
  EXPECT_LT(s["cumulative_evaluations"].get<double>(), 20000);  // the result is the last checkpoint's
  // An evaluation budget stops at the same place every time.
  r = Run("rsi --config " + cfg + " --policy " + evals + " --db " + db + " --quiet --json");
  EXPECT_EQ(json::parse(r.last_line)["generations"], s["generations"]);
  EXPECT_EQ(json::parse(r.last_line)["final_improver"], s["final_improver"]);
}

}  // namespace
