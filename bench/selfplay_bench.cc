// bench/selfplay_bench.cc — MCTS throughput on Connect Four, single-threaded (simulations per second
// per core): with a program evaluator (programs/value_linear.ouro and value_net.ouro, as self-play
// runs use them, trained on random positions) against the plain baseline, MCTS whose leaves are
// valued by one uniformly random rollout. Each iteration is one 800-simulation search from one of
// eight fixed positions (openings of 4 random moves, seed 1), so both sides search the same trees'
// roots. Compare the ratio of runs made in the same session (docs/benchmarks.md).
#include <benchmark/benchmark.h>

#include "games/game.h"
#include "lang/reference.h"
#include "lang/text.h"
#include "selfplay/evaluator.h"
#include "selfplay/match.h"
#include "selfplay/mcts.h"

namespace {

using namespace ouro;
using namespace ouro::selfplay;

std::unique_ptr<Evaluator> ProgramNamed(const char* name) {
  const games::Game& c4 = games::GetGame("connect4");
  const lang::Shape shape = EvaluatorShape(c4, lang::Shape{8, 8, 2, 4});
  tasks::Dataset d;
  d.dim = shape.dim;
  for (const std::string& o : RandomOpenings(c4, 200, 6, 3)) {  // a few positions to learn from
    d.train.x.resize(d.train.x.size() + static_cast<size_t>(d.dim));
    c4.Parse(o)->Observe(d.train.x.data() + d.train.x.size() - static_cast<size_t>(d.dim));
    d.train.y.push_back(o[0] == '4' ? 0.5 : -0.5);
  }
  return std::make_unique<ProgramEvaluator>(Train(lang::Parse(*lang::ReferenceProgram(name)), shape, d, 1));
}

void Search(benchmark::State& state, std::unique_ptr<Evaluator> ev) {
  const games::Game& c4 = games::GetGame("connect4");
  const std::vector<std::string> roots = RandomOpenings(c4, 8, 4, 1);
  MctsParams params;
  params.simulations = 800;
  Mcts mcts(*ev, params, c4.num_actions());
  Rng rng(1);
  size_t i = 0;
  for (auto _ : state) {
    auto s = c4.Parse(roots[i++ % roots.size()]);
    benchmark::DoNotOptimize(mcts.Search(*s, rng, false));
  }
  state.SetItemsProcessed(mcts.simulations());
}

void BM_MctsRollouts(benchmark::State& state) { Search(state, std::make_unique<RolloutEvaluator>()); }
void BM_MctsValueLinear(benchmark::State& state) { Search(state, ProgramNamed("value_linear")); }
void BM_MctsValueNet(benchmark::State& state) { Search(state, ProgramNamed("value_net")); }

BENCHMARK(BM_MctsRollouts)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MctsValueLinear)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MctsValueNet)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
