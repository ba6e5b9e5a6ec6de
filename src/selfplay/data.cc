#include "selfplay/data.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <optional>
#include <string>

#include "core/error.h"
#include "core/parallel.h"

namespace ouro::selfplay {
namespace {

// Plays a game from the start, each move chosen by `next`, recording every position.
template <typename Next>
GameRecord Record(const games::Game& game, Next&& next) {  // next(games::State&) -> move
  GameRecord r;
  std::unique_ptr<games::State> s = game.Initial();
  std::vector<int> sides;
  const size_t dim = static_cast<size_t>(game.observation_size());
  while (!s->Terminal()) {
    r.x.resize(r.x.size() + dim);
    s->Observe(r.x.data() + r.x.size() - dim);
    sides.push_back(s->ToMove());
    s->Apply(next(*s));
  }
  r.moves = s->ToString();
  r.result_first = s->Result(0);
  for (int side : sides) r.y.push_back(s->Result(side));
  return r;
}

double Quantize(double v) { return static_cast<double>(std::lround(v * 1e4)) / 1e4; }

}  // namespace

std::vector<int> RootValueCodes(const std::vector<double>& values) {
  std::vector<int> codes;
  for (double v : values) codes.push_back(static_cast<int>(std::lround(v * 1e4)));
  return codes;
}

std::vector<double> RootValuesFromCodes(const std::vector<int>& codes) {
  std::vector<double> values;
  for (int c : codes) {
    if (c < -10000 || c > 10000) throw Error("self-play: a stored root value is outside [-1, 1]");
    values.push_back(static_cast<double>(c) / 1e4);
  }
  return values;
}

std::vector<GameRecord> PlaySelfplay(const games::Game& game, const Agent& agent, int games, uint64_t seed,
                                     int threads, const std::atomic<bool>* stop) {
  if (games < 0) throw Error("self-play: games must be >= 0");
  PooledThreads pool(threads);
  std::vector<std::unique_ptr<Agent>> agents;
  for (int w = 0; w < pool->Size(); ++w) agents.push_back(agent.Clone());
  std::vector<GameRecord> out(static_cast<size_t>(games));
  std::vector<char> played(static_cast<size_t>(games), 0);
  pool->ParallelFor(games, [&](int64_t g, int w) {
    if (stop && stop->load(std::memory_order_relaxed)) return;
    Agent& agent = *agents[static_cast<size_t>(w)];
    Rng rng(DeriveSeed(seed, static_cast<uint64_t>(g)));
    std::vector<double> values;
    bool searched = true;
    GameRecord r = Record(game, [&](const games::State& s) {
      const int move = agent.Move(s, rng);
      const std::optional<double> v = agent.LastValue();
      searched = searched && v.has_value();
      values.push_back(v ? Quantize(std::clamp(*v, -1.0, 1.0)) : 0.0);
      return move;
    });
    if (searched) r.root_values = std::move(values);
    out[static_cast<size_t>(g)] = std::move(r);
    played[static_cast<size_t>(g)] = 1;
  });
  const size_t prefix = static_cast<size_t>(std::find(played.begin(), played.end(), 0) - played.begin());
  out.resize(prefix);
  return out;
}

GameRecord RecordFromMoves(const games::Game& game, const std::string& moves) {
  if (!game.Parse(moves)->Terminal()) throw Error("self-play record '" + moves + "' is not a finished game");
  // The game's text is its moves in order: at each position the move played is the legal move
  // whose text extends the position's text along `moves`.
  return Record(game, [&](games::State& s) {
    for (int m : s.LegalMoves()) {
      s.Apply(m);
      const std::string t = s.ToString();
      s.Undo();
      if (moves.compare(0, t.size(), t) == 0) return m;
    }
    throw Error("self-play record '" + moves + "' cannot be replayed");
  });
}

void Replay::Add(std::vector<GameRecord> records) {
  for (GameRecord& r : records) games_.push_back(std::move(r));
  while (static_cast<int>(games_.size()) > window_) games_.pop_front();
}

int64_t Replay::positions() const {
  int64_t n = 0;
  for (const GameRecord& g : games_) n += static_cast<int64_t>(g.y.size());
  return n;
}

tasks::Dataset Replay::ToDataset(int dim, int valid_every, int epochs, uint64_t seed, int64_t max_rows,
                                 double root_value_weight) const {
  if (epochs < 1) throw Error("self-play: epochs must be >= 1");
  if (!(root_value_weight >= 0 && root_value_weight <= 1)) throw Error("self-play: root_value_weight must be in [0, 1]");
  tasks::Dataset d;
  d.name = "selfplay";
  d.kind = tasks::Kind::kRegression;
  d.dim = dim;
  tasks::Split pool;
  for (size_t g = 0; g < games_.size(); ++g) {
    const GameRecord& r = games_[g];
    tasks::Split& to = valid_every > 0 && g % static_cast<size_t>(valid_every) == 0 ? d.valid : pool;
    to.x.insert(to.x.end(), r.x.begin(), r.x.end());
    if (root_value_weight == 0) {
      to.y.insert(to.y.end(), r.y.begin(), r.y.end());
      continue;
    }
    if (r.root_values.size() != r.y.size())
      throw Error("self-play: game '" + r.moves + "' has no root values to mix into its targets");
    for (size_t k = 0; k < r.y.size(); ++k)
      to.y.push_back((1 - root_value_weight) * r.y[k] + root_value_weight * r.root_values[k]);
  }
  Rng rng(seed);
  std::vector<int> order(static_cast<size_t>(pool.n()));
  for (int e = 0; e < epochs; ++e) {
    std::iota(order.begin(), order.end(), 0);
    std::shuffle(order.begin(), order.end(), rng);
    const size_t take = max_rows > 0 ? std::min(order.size(), static_cast<size_t>(max_rows)) : order.size();
    for (size_t k = 0; k < take; ++k) {
      const int i = order[k];
      const double* row = pool.row(i, dim);
      d.train.x.insert(d.train.x.end(), row, row + dim);
      d.train.y.push_back(pool.y[static_cast<size_t>(i)]);
    }
  }
  return d;
}

}  // namespace ouro::selfplay
