// End-to-end tests of self-play through the ouro executable: `ouro selfplay` (the issue's JSON
// keys, what `show`, `plot` and `audit verify` make of the run), `ouro arena` with every kind of
// agent, a run killed with SIGKILL and resumed to the uninterrupted result, and bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include <nlohmann/json.hpp>

#include "child_process.h"
#include "cli_fixture.h"

namespace {

using nlohmann::json;

// Tic-tac-toe, small: a generation takes a fraction of a second.
std::string TinySelfplay(int generations, int games = 20, int simulations = 16) {
  return "seed = 5\n[selfplay]\ngame = \"tictactoe\"\ngenerations = " + std::to_string(generations) +
         "\ngames = " + std::to_string(games) + "\nwindow = " + std::to_string(3 * games) + R"(
max_seconds = 0
threads = 1
search_evaluations = 40
start_programs = ["value_linear"]
[selfplay.mcts]
simulations = )" + std::to_string(simulations) + R"(
[selfplay.match]
simulations = 16
[selfplay.gate]
openings = 9
opening_plies = 1
elo0 = -400
elo1 = -200
alpha = 0.35
beta = 0.35
alpha_budget = 10
[selfplay.ladder]
simulations = 16
openings = 9
opening_plies = 1
[search]
ops = ["scalar_const", "scalar_add", "scalar_sub", "scalar_mul", "vector_dot", "scalar_vector_mul", "vector_add"]
init_size = { setup = 2, predict = 2, learn = 3 }
population = 10
tournament = 3
check_every = 20
)";
}

class SelfplayCli : public ouro_test::CliFixture {
 protected:
  json Json(const std::string& args) {
    const ouro_test::Result r = Run(args);
    EXPECT_EQ(r.code, 0) << args << "\n" << r.out;
    return json::parse(r.last_line, nullptr, false);
  }
  // The stored generations and versions of run 1, without times.
  std::string Decisions(const std::string& db) {
    json j = Json("show 1 --json --db " + db)["selfplay"];
    for (json& g : j["generations"]) g.erase("seconds");
    return j["generations"].dump() + j["versions"].dump();
  }
};

TEST_F(SelfplayCli, ARunPrintsTheIssueKeysAndShowsItsLadder) {
  const std::string cfg = Write("c.toml", TinySelfplay(3));
  const json s = Json("selfplay --config " + cfg + " --db " + db_ + " --json --quiet");
  for (const char* key : {"run_id", "game", "generations", "adopted", "elo_vs_first", "elo_ci_low", "elo_ci_high", "seconds"})
    EXPECT_TRUE(s.contains(key)) << key << " in " << s.dump();
  EXPECT_EQ(s["game"], "tictactoe");
  EXPECT_EQ(s["generations"], 3);
  EXPECT_LE(s["elo_ci_low"].get<double>(), s["elo_vs_first"].get<double>());
  EXPECT_GE(s["score_vs_first"].get<double>(), 0.0);
  EXPECT_EQ(s["games_vs_first"].get<int>(), s["adopted"].get<int>() > 0 ? 18 : 0);  // 9 openings, both colours
  EXPECT_GE(s["elo_ci_high"].get<double>(), s["elo_vs_first"].get<double>());
  const json show = Json("show 1 --json --db " + db_);
  EXPECT_EQ(show["kind"], "selfplay");
  EXPECT_EQ(show["selfplay"]["generations"].size(), 3u);
  EXPECT_EQ(show["selfplay"]["versions"].size(), s["adopted"].get<size_t>() + 1);
  EXPECT_EQ(Run("audit verify 1 --db " + db_).code, 0);
  const json replay = Json("replay 1 --json --quiet --db " + db_);
  EXPECT_EQ(replay["reproduced"], true) << replay.dump();
  EXPECT_EQ(replay["generations"], 3);
  const ouro_test::Result text = Run("show 1 --db " + db_);
  EXPECT_NE(text.out.find("Elo against the first version"), std::string::npos) << text.out;
  if (s["adopted"].get<int>() > 0) {
    EXPECT_EQ(Run("plot 1 --kind elo --out " + (dir_ / "elo.svg").string() + " --db " + db_).code, 0);
    EXPECT_NE(ouro_test::Slurp(dir_ / "elo.svg").find("<svg"), std::string::npos);
  }
  // The same seed and config: the same generations, whatever the thread count.
  const std::string other = (dir_ / "other.db").string();
  Json("selfplay --config " + cfg + " --threads 2 --db " + other + " --json --quiet");
  EXPECT_EQ(Decisions(db_), Decisions(other));
}

TEST_F(SelfplayCli, AnImproverFromAnRsiRunGovernsTheEvaluatorSearch) {
  ASSERT_EQ(Run("rsi --config " + Write("rsi.toml", ouro_test::TinyRsiConfig(3, 1)) + " --db " + db_ + " --quiet --no-controls").code, 0);
  const std::string spec = (dir_ / "S.json").string();
  ASSERT_EQ(Run("improver export 1 --db " + db_ + " --out " + spec).code, 0);
  const std::string cfg = Write("c.toml", TinySelfplay(1));
  const json s = Json("selfplay --config " + cfg + " --improver " + spec + " --db " + db_ + " --json --quiet");
  const json stored = Json("show " + std::to_string(s["run_id"].get<int>()) + " --json --db " + db_)["config"];
  EXPECT_TRUE(stored["overrides"].contains("improver"));
  EXPECT_EQ(stored["selfplay"]["search"]["population"], 20);  // the spec's, not the config's 10
  const ouro_test::Result bad = Run("selfplay --config " + cfg + " --improver " + Write("bad.json", "{\"selection\": 3}") + " --db " + db_);
  EXPECT_EQ(bad.code, 1) << bad.out;
}

TEST_F(SelfplayCli, ArenaPlaysEveryKindOfAgentAndCountsValuesLost) {
  const std::string cfg = Write("c.toml", TinySelfplay(1));
  Json("selfplay --config " + cfg + " --db " + db_ + " --json --quiet");
  const std::string value = Write("center.ouro", "def setup():\n  s2 = 0.5\ndef predict():\n  s1 = s2 + s3\ndef learn():\n");
  const json perfect = Json("arena perfect random --game tictactoe --all-openings --opening-plies 1 --check-values --json --db " + db_);
  EXPECT_EQ(perfect["games"], 18);
  EXPECT_EQ(perfect["below_value"], 0);  // the solver's own moves keep every value
  EXPECT_EQ(perfect["lost_not_lost"], 0);
  EXPECT_EQ(perfect["losses"], 0);
  const json versus = Json("arena 1:0 " + value + " --game tictactoe --games 8 --opening-plies 2 --simulations 8 --json --db " + db_);
  EXPECT_EQ(versus["games"], 8);
  EXPECT_EQ(versus["a"], "run 1 version 0 (generation 0)");
  EXPECT_TRUE(versus.contains("verdict"));
  const int newest = static_cast<int>(Json("show 1 --json --db " + db_)["selfplay"]["versions"].size()) - 1;
  const json latest = Json("arena latest random --game tictactoe --games 2 --simulations 4 --json --db " + db_);
  EXPECT_EQ(latest["a"].get<std::string>().rfind("run 1 version " + std::to_string(newest) + " ", 0), 0u) << latest["a"];
  const std::string record = (dir_ / "games.csv").string();
  const json rollout = Json("arena rollout random --game connect4 --games 4 --simulations 50 --json --record " + record);
  EXPECT_EQ(rollout["games"], 4);
  const std::string games = ouro_test::Slurp(record);
  EXPECT_EQ(games.rfind("opening,first,moves,result\n", 0), 0u);
  EXPECT_EQ(std::count(games.begin(), games.end(), '\n'), 5);
  EXPECT_NE(games.find(",A,"), std::string::npos);
  EXPECT_NE(games.find(",B,"), std::string::npos);
}

TEST_F(SelfplayCli, BestmoveWritesMovesAndScoresThemAgainstTheSolver) {
  // The side to move wins in column 1 (its only optimal move); must block column 2 in a position
  // that is lost whatever it plays (every move is optimal: it does not count in the second share).
  const std::string positions = Write("p.csv", "id,position\n1,121212\n2,121232\n");
  const std::string moves = (dir_ / "m.csv").string(), solved = (dir_ / "s.csv").string();
  ASSERT_EQ(Run("solve --game connect4 --positions " + positions + " --out " + solved).code, 0);
  const ouro_test::Result r = Run("bestmove --game connect4 --agent rollout --simulations 400 --positions " + positions +
                                  " --out " + moves + " --solved " + solved);
  ASSERT_EQ(r.code, 0) << r.out;
  const std::string out = ouro_test::Slurp(moves);
  EXPECT_EQ(out, "position,move\n121212,1\n121232,2\n");
  EXPECT_NE(r.out.find("optimal moves: 2 of 2 solved positions (100.0%); 1 of 1 (100.0%) where not every legal move is optimal"),
            std::string::npos) << r.out;
  const ouro_test::Result over = Run("bestmove --game connect4 --agent random --positions " +
                                     Write("o.csv", "position\n1212121\n") + " --out " + moves);
  EXPECT_EQ(over.code, 1);
  EXPECT_NE(over.out.find("o.csv:2: position '1212121' is over"), std::string::npos) << over.out;
  const ouro_test::Result nocol = Run("bestmove --game connect4 --agent random --positions " +
                                      Write("n.csv", "moves\n44\n") + " --out " + moves);
  EXPECT_EQ(nocol.code, 1);
  EXPECT_NE(nocol.out.find("position"), std::string::npos) << nocol.out;
}

TEST_F(SelfplayCli, PlayDrawsTheBoardAndTheAgentMoves) {
  const ouro_test::Result first = Run("play --game tictactoe --agent perfect");
  EXPECT_EQ(first.code, 0) << first.out;
  EXPECT_NE(first.out.find("1 2 3\n4 5 6\n7 8 9"), std::string::npos) << first.out;  // the empty board
  EXPECT_NE(first.out.find("stopped at"), std::string::npos) << first.out;           // end of input
  const ouro_test::Result second = Run("play --game connect4 --agent rollout --simulations 50 --second");
  EXPECT_EQ(second.code, 0) << second.out;
  EXPECT_NE(second.out.find("rollout plays "), std::string::npos) << second.out;
  EXPECT_NE(second.out.find(" 1 2 3 4 5 6 7"), std::string::npos) << second.out;
}

TEST_F(SelfplayCli, BadInputIsRefusedClearly) {
  const std::string cfg = Write("c.toml", TinySelfplay(1));
  Json("selfplay --config " + cfg + " --db " + db_ + " --json --quiet");
  auto refused = [&](const std::string& args, const std::string& message) {
    const ouro_test::Result r = Run(args);
    EXPECT_EQ(r.code, 1) << args << "\n" << r.out;
    EXPECT_NE(r.out.find(message), std::string::npos) << args << "\n" << r.out;
  };
  refused("selfplay --game chess --db " + db_, "unknown game 'chess'");
  refused("selfplay --config " + Write("bad.toml", "[selfplay]\ngames = -1\n") + " --db " + db_, "[selfplay].games");
  refused("arena 1 random --game connect4 --db " + db_, "plays tictactoe, not connect4");
  refused("arena 7 random --game tictactoe --db " + db_, "no run 7");
  refused("arena 1:x random --game tictactoe --db " + db_, "GEN must be a generation number");
  refused("arena nope random --game tictactoe --db " + db_, "expected RUN[:GEN]");
  refused("arena random random --game tictactoe --games 3", "--games must be an even number");
  refused("arena missing.ouro random --game tictactoe", "missing.ouro");
  refused("arena perfect random --game connect4 --check-values --all-openings --opening-plies 9", "openings");
  EXPECT_EQ(Run("arena random random --game tictactoe --simulations 0").code, 2);
}

// With root values in the targets (root_value_weight): the checkpoint keeps them.
TEST_F(SelfplayCli, AKilledRunResumesToTheUninterruptedResult) {
  std::string text = TinySelfplay(6, 300, 300);  // a few tenths of a second a generation
  text.replace(text.find("threads = 1\n"), 12, "threads = 1\nroot_value_weight = 0.5\n");
  const std::string cfg = Write("c.toml", text);
  const std::string ref = (dir_ / "ref.db").string();
  Json("selfplay --config " + cfg + " --db " + ref + " --json --quiet");
  const std::string log = (dir_ / "run.log").string();
  ouro_test::Child c = ouro_test::Spawn({"selfplay", "--config", cfg, "--db", db_, "--quiet"}, log);
  // Kill it once it has checkpointed a generation (or let it finish if it is that quick).
  for (int i = 0; i < 3000; ++i) {
    const ouro_test::Result st = Run("status 1 --json --db " + db_);
    const json s = json::parse(st.last_line, nullptr, false);
    if (s.is_object() && (s.value("checkpoint_generation", 0) >= 2 || s.value("status", "") == "finished")) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  c.Kill();
  EXPECT_EQ(Json("status 1 --json --db " + db_)["status"], "running");  // killed mid-run: nobody closed it
  const ouro_test::Result resumed = Run("resume 1 --quiet --json --db " + db_);
  if (resumed.code == 1) EXPECT_NE(resumed.out.find("finished"), std::string::npos) << resumed.out;
  else EXPECT_EQ(resumed.code, 0) << resumed.out;
  EXPECT_EQ(Decisions(db_), Decisions(ref));
  EXPECT_EQ(Run("audit verify 1 --db " + db_).code, 0);
}

TEST_F(SelfplayCli, AStopEndsTheRunAtOnceAndAResumeFinishesIt) {
  const std::string cfg = Write("c.toml", TinySelfplay(8, 300, 300));  // a few tenths of a second a generation
  const std::string log = (dir_ / "run.log").string();
  ouro_test::Child c = ouro_test::Spawn({"selfplay", "--config", cfg, "--db", db_, "--quiet", "--json"}, log);
  for (int i = 0; i < 3000; ++i) {
    const json s = json::parse(Run("status 1 --json --db " + db_).last_line, nullptr, false);
    if (s.is_object() && s.value("checkpoint_generation", 0) >= 1) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const ouro_test::Result stop = Run("stop 1 --note test --db " + db_);
  EXPECT_EQ(stop.code, 0) << stop.out;
  EXPECT_EQ(c.Wait(), 0) << ouro_test::Slurp(log);
  const json stopped = Json("show 1 --json --db " + db_);
  if (stopped["status"] == "stopped") {  // (a run that finished first has nothing to resume)
    EXPECT_EQ(stopped["summary"]["status"], "stopped");
    EXPECT_LT(stopped["summary"]["generations"].get<int>(), 8);
    const json resumed = Json("resume 1 --json --quiet --db " + db_);
    EXPECT_EQ(resumed["generations"], 8);
  }
  EXPECT_EQ(Json("show 1 --json --db " + db_)["status"], "finished");
  EXPECT_EQ(Run("audit verify 1 --db " + db_).code, 0);
}

}  // namespace
