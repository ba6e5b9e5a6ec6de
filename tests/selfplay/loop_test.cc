// tests/selfplay/loop_test.cc — the self-play loop on tic-tac-toe: generations that depend only
// on the seed (not on threads), a gate whose spending stays within the run's budget, and bad
// configs refused.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>

#include "core/error.h"
#include "games/game.h"
#include "lang/reference.h"
#include "lang/text.h"
#include "search/run_config.h"
#include "selfplay/config.h"
#include "selfplay/loop.h"

namespace ouro::selfplay {
namespace {

constexpr const char* kSearch = R"(
[shape]
scalars = 6
vectors = 4
matrices = 1
dim = 4
[search]
ops = ["scalar_const", "vector_dot", "scalar_sub", "scalar_add", "scalar_mul", "scalar_vector_mul", "vector_add"]
init_size = { setup = 2, predict = 2, learn = 4 }
population = 20
tournament = 4
check_every = 100
)";

SelfplayConfig TinyConfig(int threads) {
  SelfplayConfig c;
  c.game = "tictactoe";
  c.generations = 2;
  c.max_seconds = 0;
  c.threads = threads;
  c.games = 12;
  c.window = 24;
  c.selfplay_mcts.simulations = 24;
  c.match_mcts.simulations = 24;
  c.gate_openings = 9;
  c.opening_plies = 1;
  c.search_evaluations = 60;
  c.evolution = search::ParseRunConfig(kSearch, "<test>").evolution;
  c.start_programs = {lang::Parse(*lang::ReferenceProgram("linear_regression"))};
  return c;
}

TEST(SelfplayLoop, GenerationsDependOnTheSeedOnly) {
  SelfplayLoop one(TinyConfig(1), 42), two(TinyConfig(2), 42), other(TinyConfig(1), 43);
  for (int g = 1; g <= 2; ++g) {
    const GenerationReport a = one.RunGeneration(), b = two.RunGeneration();
    other.RunGeneration();
    EXPECT_EQ(a.generation, g);
    EXPECT_EQ(a.games, 12);
    EXPECT_EQ(a.positions, b.positions);
    EXPECT_GT(a.positions, 12 * 5 - 1);  // a tic-tac-toe game has at least 5 moves
    EXPECT_EQ(a.candidate_hash, b.candidate_hash);
    EXPECT_DOUBLE_EQ(a.search_fitness, b.search_fitness);
    EXPECT_EQ(a.gate.pair_points, b.gate.pair_points);
    EXPECT_EQ(a.adopted, b.adopted);
    EXPECT_GT(a.rung.alpha, 0);
  }
  EXPECT_LE(one.spent(), one.config().alpha_budget);
  EXPECT_EQ(one.versions().size(), two.versions().size());
  EXPECT_NE(lang::Print(one.versions()[0].evaluator->program), lang::Print(other.versions()[0].evaluator->program));
}

TEST(SelfplayLoop, AResumedRunGoesOnAsIfUninterrupted) {
  SelfplayLoop straight(TinyConfig(2), 7), first(TinyConfig(2), 7);
  straight.RunGeneration();
  first.RunGeneration();
  // The state as a store keeps it: moves for the replay, saved bytes for the versions.
  LoopState state = first.State();
  for (Version& v : state.versions) {
    const TrainedProgram& t = *v.evaluator;
    v.evaluator = RestoreTrained(t.program, t.exe.shape, SaveState(t), t.examples, t.diverged);
  }
  SelfplayLoop resumed(TinyConfig(2), 7, state);
  const GenerationReport a = straight.RunGeneration(), b = resumed.RunGeneration();
  EXPECT_EQ(b.generation, 2);
  EXPECT_EQ(a.positions, b.positions);
  EXPECT_EQ(a.candidate_hash, b.candidate_hash);
  EXPECT_EQ(a.gate.pair_points, b.gate.pair_points);
  EXPECT_DOUBLE_EQ(straight.spent(), resumed.spent());
}

// Trained on root values too: the checkpoint keeps them, and a resume without them is refused.
TEST(SelfplayLoop, AResumedRunKeepsItsRootValueTargets) {
  SelfplayConfig c = TinyConfig(2);
  c.root_value_weight = 0.5;
  SelfplayLoop straight(c, 9), first(c, 9);
  EXPECT_NE(straight.RunGeneration().search_fitness, SelfplayLoop(TinyConfig(2), 9).RunGeneration().search_fitness);
  first.RunGeneration();
  LoopState state = first.State();
  ASSERT_EQ(state.replay_values.size(), state.replay.size());
  const GenerationReport a = straight.RunGeneration(), b = SelfplayLoop(c, 9, state).RunGeneration();
  EXPECT_EQ(a.candidate_hash, b.candidate_hash);
  EXPECT_DOUBLE_EQ(a.search_fitness, b.search_fitness);
  EXPECT_EQ(a.gate.pair_points, b.gate.pair_points);
  state.replay_values.clear();
  EXPECT_THROW(SelfplayLoop(c, 9, state), Error);
  EXPECT_TRUE(SelfplayLoop(TinyConfig(2), 9).State().replay_values.empty());
}

TEST(SelfplayLoop, EveryGameOfTheRegistryCanBeLearned) {
  for (const std::string& name : games::GameNames()) {
    SelfplayConfig c = TinyConfig(1);
    c.game = name;
    c.games = 4;
    c.window = 8;
    c.gate_openings = 4;
    SelfplayLoop loop(c, 1);
    const GenerationReport r = loop.RunGeneration();
    EXPECT_EQ(r.games, 4) << name;
    EXPECT_FALSE(r.gate.pair_points.empty()) << name;
    EXPECT_EQ(loop.versions()[0].evaluator->exe.shape.dim, games::GetGame(name).observation_size()) << name;
  }
}

TEST(SelfplayLoop, AStoppedGenerationChangesNothing) {
  SelfplayLoop loop(TinyConfig(1), 3);
  std::atomic<bool> stop{true};
  const GenerationReport r = loop.RunGeneration(&stop);
  EXPECT_TRUE(r.stopped);
  EXPECT_EQ(loop.generation(), 0);
  EXPECT_TRUE(loop.State().replay.empty());
  EXPECT_EQ(loop.RunGeneration().generation, 1);
}

TEST(SelfplayData, ARecordIsRebuiltFromItsMoves) {
  const games::Game& c4 = games::GetGame("connect4");
  MctsParams p;
  p.simulations = 10;
  MctsAgent agent(std::make_unique<RolloutEvaluator>(), p, 7, true);
  const std::vector<GameRecord> played = PlaySelfplay(c4, agent, 3, 5, 2);
  ASSERT_EQ(played.size(), 3u);
  for (const GameRecord& g : played) {
    const GameRecord r = RecordFromMoves(c4, g.moves);
    EXPECT_EQ(r.x, g.x);
    EXPECT_EQ(r.y, g.y);
    EXPECT_EQ(r.result_first, g.result_first);
  }
  EXPECT_THROW(RecordFromMoves(c4, "44"), Error);  // not finished
  EXPECT_THROW(RecordFromMoves(c4, "48"), Error);
}

TEST(SelfplayLoop, RefusesBadConfigs) {
  auto bad = [](auto edit) {
    SelfplayConfig c = TinyConfig(1);
    edit(c);
    EXPECT_THROW(SelfplayLoop(c, 1), Error);
  };
  bad([](SelfplayConfig& c) { c.game = "chess"; });
  bad([](SelfplayConfig& c) { c.window = 1; });
  bad([](SelfplayConfig& c) { c.selfplay_mcts.simulations = 0; });
  bad([](SelfplayConfig& c) { c.gate.elo1 = -5; });
  bad([](SelfplayConfig& c) { c.generations = 0; });
}

TEST(SelfplayConfigFile, EveryShippedSelfplayConfigLoads) {
  int n = 0;
  for (const auto& f : std::filesystem::directory_iterator(std::string(OURO_SOURCE_DIR) + "/configs"))
    if (f.path().filename().string().rfind("selfplay", 0) == 0) {
      EXPECT_NO_THROW(SelfplayLoop(LoadSelfplayConfig(f.path().string()).config, 1)) << f.path();
      ++n;
    }
  EXPECT_GE(n, 2);
  EXPECT_EQ(ParseSelfplayConfig(DefaultSelfplayConfigText(), "default").config.game, "connect4");
}

TEST(SelfplayConfigFile, TheShippedConfigParsesAndBadKeysAreNamed) {
  const SelfplayFile f = LoadSelfplayConfig(std::string(OURO_SOURCE_DIR) + "/configs/selfplay.toml");
  EXPECT_EQ(f.config.game, "connect4");
  EXPECT_EQ(f.seed, 1u);
  EXPECT_EQ(f.config.start_programs.size(), 2u);
  EXPECT_EQ(f.config.ladder_mcts.simulations, 800);
  EXPECT_EQ(ToJson(f.config)["gate"]["elo1"], 50);
  SelfplayLoop loop(f.config, 1);  // the config is valid for the loop
  EXPECT_EQ(loop.versions().size(), 1u);
  auto error_of = [](const std::string& text) {
    try {
      ParseSelfplayConfig(text, "x.toml");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of("[selfplay]\ngame = \"chess\"\n").find("unknown game 'chess'"), std::string::npos);
  EXPECT_NE(error_of("[selfplay.mcts]\nsims = 3\n").find("unknown key 'sims'"), std::string::npos);
  const SelfplayConfig priors =
      ParseSelfplayConfig("[selfplay.mcts]\nprior_temperature = 0.2\n[selfplay.match]\nprior_temperature = 0.3\n"
                          "[selfplay.ladder]\nprior_temperature = 0.4\n", "p.toml").config;
  EXPECT_EQ(priors.selfplay_mcts.prior_temperature, 0.2);
  EXPECT_EQ(priors.match_mcts.prior_temperature, 0.3);
  EXPECT_EQ(priors.ladder_mcts.prior_temperature, 0.4);
  EXPECT_EQ(ToJson(priors)["ladder"]["mcts"]["prior_temperature"], 0.4);
  EXPECT_NE(error_of("[selfplay.match]\nprior_temperature = -1\n").find("prior_temperature"), std::string::npos);
  EXPECT_NE(error_of("[selfplay]\ngames = 0\n").find("x.toml:2:9: [selfplay].games"), std::string::npos);
  EXPECT_NE(error_of("[selfplay]\nstart_programs = [\"nope\"]\n").find("no program 'nope'"), std::string::npos);
  EXPECT_NE(error_of("[selfplay.gate]\nelo1 = -5\n").find("elo1"), std::string::npos);
}

}  // namespace
}  // namespace ouro::selfplay
