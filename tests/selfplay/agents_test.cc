// tests/selfplay/agents_test.cc — evaluators and agents: a trained program evaluator gives the
// predictions the object-level evaluator gives and depends on the position only; MCTS and
// alpha-beta take immediate wins and block immediate losses; perfect play never loses.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.h"
#include "eval/evaluator.h"
#include "games/game.h"
#include "games/small_solver.h"
#include "lang/reference.h"
#include "lang/text.h"
#include "selfplay/agent.h"
#include "selfplay/match.h"

namespace ouro::selfplay {
namespace {

lang::Program Reference(const char* name) { return lang::Parse(*lang::ReferenceProgram(name)); }

// Positions of random connect4 games, labelled with a made-up linear target in [-1, 1].
tasks::Dataset RandomPositions(int n, uint64_t seed) {
  const games::Game& c4 = games::GetGame("connect4");
  tasks::Dataset d;
  d.dim = c4.observation_size();
  Rng rng(seed);
  std::vector<double> obs(static_cast<size_t>(d.dim));
  for (int i = 0; i < n; ++i) {
    auto s = c4.Initial();
    const int plies = static_cast<int>(rng.Below(12));
    for (int p = 0; p < plies && !s->Terminal(); ++p) {
      const auto legal = s->LegalMoves();
      s->Apply(legal[rng.Below(static_cast<uint32_t>(legal.size()))]);
    }
    s->Observe(obs.data());
    tasks::Split& to = i % 4 == 0 ? d.valid : d.train;
    to.x.insert(to.x.end(), obs.begin(), obs.end());
    to.y.push_back(std::tanh(0.3 * (obs[3] + obs[10] - obs[45] - obs[52])));
  }
  return d;
}

TEST(ProgramEvaluator, GivesTheObjectLevelPredictionsInAnyOrder) {
  const games::Game& c4 = games::GetGame("connect4");
  const lang::Shape shape = EvaluatorShape(c4, lang::Shape{4, 3, 1, 4});
  const tasks::Dataset d = RandomPositions(400, 3);
  const lang::Program p = Reference("linear_regression");
  const auto trained = Train(p, shape, d, 11);
  EXPECT_EQ(trained->examples, d.train.n());
  lang::Machine m;
  const lang::Executable exe = lang::Compile(p, shape);
  const eval::Predictions want = eval::Predict(exe, d, d.valid.x.data(), d.valid.n(), m, 11, eval::Limits{});
  ASSERT_FALSE(want.diverged);
  ProgramEvaluator ev(trained);
  double spread = 0;
  for (int i = d.valid.n() - 1; i >= 0; --i) {  // backwards: the order must not matter
    const double got = ev.Value(d.valid.row(i, d.dim));
    EXPECT_DOUBLE_EQ(got, std::clamp(want.values[static_cast<size_t>(i)], -1.0, 1.0));
    spread += std::fabs(got);
  }
  EXPECT_GT(spread, 0.1);  // it learned something
  // Its learned state round-trips through bytes; bytes of another program are refused.
  const std::string bytes = SaveState(*trained);
  ProgramEvaluator restored(RestoreTrained(p, shape, bytes, trained->examples, false));
  EXPECT_DOUBLE_EQ(restored.Value(d.valid.row(0, d.dim)), ev.Value(d.valid.row(0, d.dim)));
  EXPECT_THROW(RestoreTrained(Reference("neural_net"), shape, bytes, 0, false), Error);
  EXPECT_THROW(RestoreTrained(p, shape, bytes.substr(1), 0, false), Error);
}

TEST(ProgramEvaluator, RestoresWhatPredictWritesSoValuesDoNotDrift) {
  const games::Game& c4 = games::GetGame("connect4");
  const lang::Shape shape = EvaluatorShape(c4, lang::Shape{4, 3, 1, 4});
  // predict accumulates into s2 and v1: without the restore every call would return more.
  const lang::Program p = lang::Parse(
      "def setup():\n  s2 = 0.1\ndef predict():\n  s2 = s2 + s2\n  v1 = v1 + v0\n  s3 = dot(v1, v0)\n"
      "  s1 = s2 * s3\ndef learn():\n");
  tasks::Dataset none;
  none.dim = shape.dim;
  ProgramEvaluator ev(Train(p, shape, none, 1));
  auto s = c4.Parse("44");
  std::vector<double> priors(7, 1.0 / 7);
  Rng rng(1);
  const double first = ev.Evaluate(*s, priors, rng);
  EXPECT_DOUBLE_EQ(first, 0.4);  // 0.2 * 2 stones
  EXPECT_DOUBLE_EQ(ev.Evaluate(*s, priors, rng), first);
  EXPECT_DOUBLE_EQ(ev.Clone()->Evaluate(*s, priors, rng), first);
}

// Side to move (first player) wins by column 1 (index 0): three stones in column 1.
constexpr const char* kWinIn1 = "121212";
// The side to move (first player) must block column 2, where the opponent has three.
constexpr const char* kMustBlock = "121232";

int MoveOf(Agent& a, const char* pos, uint64_t seed = 1) {
  auto s = games::GetGame("connect4").Parse(pos);
  Rng rng(seed);
  return a.Move(*s, rng);
}

std::unique_ptr<Evaluator> Untrained() {
  const games::Game& c4 = games::GetGame("connect4");
  const lang::Shape shape = EvaluatorShape(c4, lang::Shape{4, 3, 1, 4});
  tasks::Dataset none;
  none.dim = shape.dim;
  return std::make_unique<ProgramEvaluator>(Train(Reference("linear_regression"), shape, none, 1));
}

TEST(Mcts, TakesTheWinAndBlocksTheLoss) {
  MctsParams params;
  params.simulations = 400;
  for (bool rollouts : {false, true}) {
    std::unique_ptr<Evaluator> ev = rollouts ? std::make_unique<RolloutEvaluator>() : Untrained();
    MctsAgent agent(std::move(ev), params, 7);
    EXPECT_EQ(MoveOf(agent, kWinIn1), 0) << rollouts;
    // A proven win keeps the only count.
    EXPECT_EQ(std::count(agent.visits().begin(), agent.visits().end(), 0), 6) << rollouts;
    EXPECT_EQ(agent.mcts().root_value(), 1.0);
    EXPECT_EQ(MoveOf(agent, kMustBlock), 1) << rollouts;
    // The other moves lose at once: those proven so (all of them with the flat evaluator, whose
    // search spreads evenly; most with rollouts) keep no count.
    EXPECT_GE(std::count(agent.visits().begin(), agent.visits().end(), 0), rollouts ? 4 : 6) << rollouts;
  }
}

TEST(Mcts, ProvesALostPositionAndStopsEarly) {
  // The second player has three in the bottom row with both ends open: every move loses.
  MctsParams params;
  params.simulations = 5000;
  MctsAgent agent(Untrained(), params, 7);
  MoveOf(agent, "727364");
  EXPECT_EQ(agent.mcts().root_value(), -1.0);
  EXPECT_LT(agent.mcts().simulations(), params.simulations);
  int total = 0;
  for (int v : agent.visits()) total += v;
  EXPECT_GT(total, 0);  // all moves lose: their counts are kept
}

TEST(Mcts, IsDeterministicForASeedAndNoisyInSelfplay) {
  MctsParams params;
  params.simulations = 200;
  MctsAgent a(std::make_unique<RolloutEvaluator>(), params, 7, true), b(std::make_unique<RolloutEvaluator>(), params, 7, true);
  MoveOf(a, "", 5);
  MoveOf(b, "", 5);
  EXPECT_EQ(a.visits(), b.visits());
  MoveOf(b, "", 6);
  EXPECT_NE(a.visits(), b.visits());
}

// Values for the side to move that make one move look good for the player who played it: the
// position after column `good` (1-based, as the text form) is bad for the opponent. Counts its calls.
class LikesOneMove : public Evaluator {
 public:
  explicit LikesOneMove(char good, int* calls) : good_(good), calls_(calls) {}
  double Evaluate(const games::State& s, std::span<double>, Rng&) override {
    ++*calls_;
    const std::string t = s.ToString();
    return !t.empty() && t.back() == good_ ? -0.8 : 0.8;
  }
  std::unique_ptr<Evaluator> Clone() const override { return std::make_unique<LikesOneMove>(good_, calls_); }

 private:
  char good_;
  int* calls_;
};

TEST(Mcts, ChildPriorsComeFromTheChildrensValues) {
  for (double t : {0.0, 0.05}) {
    MctsParams params;
    params.simulations = 1;
    params.prior_temperature = t;
    int calls = 0;
    MctsAgent one(std::make_unique<LikesOneMove>('3', &calls), params, 7);
    MoveOf(one, "");
    // The root's expansion and one leaf's: one evaluation each, plus one per child with child priors.
    EXPECT_EQ(calls, t > 0 ? 16 : 2) << t;
    params.simulations = 8;
    MctsAgent agent(std::make_unique<LikesOneMove>('3', &calls), params, 7);
    EXPECT_EQ(MoveOf(agent, ""), 2) << t;
    const std::vector<int>& v = agent.visits();
    const int total = std::accumulate(v.begin(), v.end(), 0);
    if (t > 0) EXPECT_EQ(v[2], total) << "every simulation follows the prior";
    else EXPECT_GE(std::count_if(v.begin(), v.end(), [](int x) { return x > 0; }), 3) << "uniform priors spread";
  }
  // Found by a self-play run: sharp priors spend both simulations on a move that loses at once
  // (column 5 leaves the opponent's three in column 7); once it is proven lost no visited move is
  // left, and the move played must still be a legal one (column 1 is full), not index 0.
  MctsParams two;
  two.simulations = 2;
  two.prior_temperature = 0.05;
  int sharp_calls = 0;
  MctsAgent sharp(std::make_unique<LikesOneMove>('5', &sharp_calls), two, 7);
  const int m = MoveOf(sharp, "111111375737");
  EXPECT_NE(m, 0);
  EXPECT_NE(m, 4);
  EXPECT_EQ(std::accumulate(sharp.visits().begin(), sharp.visits().end(), 0), 1);
  MctsParams bad;
  bad.prior_temperature = -1;
  EXPECT_THROW(bad.Validate(), Error);
}

TEST(AlphaBeta, TakesTheWinAndBlocksTheLoss) {
  AlphaBetaAgent agent(Untrained(), 4, 7);
  EXPECT_EQ(MoveOf(agent, kWinIn1), 0);
  EXPECT_EQ(MoveOf(agent, kMustBlock), 1);
  EXPECT_GT(agent.nodes(), 0);
  EXPECT_THROW(AlphaBetaAgent(Untrained(), 0, 7), Error);
}

TEST(PerfectAgent, KeepsTheValueOfEveryTicTacToeOpening) {
  const games::Game& ttt = games::GetGame("tictactoe");
  auto perfect = MakePerfectAgent(ttt);
  RandomAgent random;
  games::SmallSolver solver;
  int wins = 0;
  for (const std::string& o : RandomOpenings(ttt, 72, 2, 9)) {  // every two-move opening
    const int value = solver.Value(*ttt.Parse(o));  // for the side to move
    for (uint64_t seed : {1, 2}) {
      EXPECT_GE(PlayGame(ttt, o, *perfect, random, seed), value) << o;
      EXPECT_GE(-PlayGame(ttt, o, random, *perfect, seed), -value) << o;
      wins += PlayGame(ttt, o, *perfect, random, seed) > value;
    }
  }
  EXPECT_GT(wins, 0);  // it also wins what random play gives away
}

}  // namespace
}  // namespace ouro::selfplay
