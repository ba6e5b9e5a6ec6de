#include "selfplay/match.h"

#include <algorithm>
#include <unordered_set>

#include "core/error.h"
#include "core/parallel.h"

namespace ouro::selfplay {

std::vector<std::string> RandomOpenings(const games::Game& game, int count, int plies, uint64_t seed) {
  if (plies < 0 || count < 0) throw Error("openings: count and plies must be >= 0");
  Rng rng(seed);
  std::vector<std::string> out;
  std::unordered_set<uint64_t> seen;
  for (int tries = 0; static_cast<int>(out.size()) < count && tries < 50 * count + 100; ++tries) {
    std::unique_ptr<games::State> s = game.Initial();
    for (int p = 0; p < plies && !s->Terminal(); ++p) {
      const std::vector<int> legal = s->LegalMoves();
      s->Apply(legal[rng.Below(static_cast<uint32_t>(legal.size()))]);
    }
    if (s->Terminal() || !seen.insert(s->Hash()).second) continue;
    out.push_back(s->ToString());
  }
  return out;
}

namespace {

void Expand(games::State& s, int plies, std::unordered_set<uint64_t>& seen, std::vector<std::string>& out,
            size_t limit) {
  if (s.Terminal()) return;
  if (plies == 0) {
    if (seen.insert(s.Hash()).second) out.push_back(s.ToString());
    if (out.size() > limit) throw Error("openings: more than " + std::to_string(limit) + " positions");
    return;
  }
  for (int m : s.LegalMoves()) {
    s.Apply(m);
    Expand(s, plies - 1, seen, out, limit);
    s.Undo();
  }
}

}  // namespace

std::vector<std::string> AllOpenings(const games::Game& game, int plies, size_t limit) {
  if (plies < 0) throw Error("openings: plies must be >= 0");
  std::unordered_set<uint64_t> seen;
  std::vector<std::string> out;
  std::unique_ptr<games::State> s = game.Initial();
  Expand(*s, plies, seen, out, limit);
  std::sort(out.begin(), out.end());
  return out;
}

int PlayGame(const games::Game& game, const std::string& opening, Agent& first, Agent& second, uint64_t seed,
             std::string* moves) {
  std::unique_ptr<games::State> s = game.Parse(opening);
  const int first_side = s->ToMove();
  Rng rng(seed);
  while (!s->Terminal()) {
    Agent& a = s->ToMove() == first_side ? first : second;
    s->Apply(a.Move(*s, rng));
  }
  if (moves) *moves = s->ToString();
  return s->Result(first_side);
}

namespace {

void Count(MatchStats& st, int r) {
  (r > 0 ? st.wins : r < 0 ? st.losses : st.draws) += 1;
}

}  // namespace

MatchResult PlayMatch(const games::Game& game, const Agent& candidate, const Agent& incumbent,
                      const std::vector<std::string>& openings, uint64_t seed, int threads,
                      const MatchGate* gate, const std::atomic<bool>* stop) {
  if (openings.empty()) throw Error("a match needs at least one opening");
  PooledThreads pool(threads);
  const int width = pool->Size();
  std::vector<std::unique_ptr<Agent>> cand(static_cast<size_t>(width)), inc(static_cast<size_t>(width));
  for (int w = 0; w < width; ++w) {
    cand[static_cast<size_t>(w)] = candidate.Clone();
    inc[static_cast<size_t>(w)] = incumbent.Clone();
  }
  const meta::SprtBounds bounds =
      gate ? meta::GateBounds(gate->params.alpha, gate->params.beta) : meta::SprtBounds{-1e300, 1e300};
  MatchResult out;
  const int64_t n = static_cast<int64_t>(openings.size());
  for (int64_t begin = 0; begin < n && out.decision == meta::SprtDecision::kContinue; begin += width) {
    if (stop && stop->load()) {
      out.stopped = true;
      break;
    }
    const int64_t end = std::min(n, begin + width);
    std::vector<std::array<int, 2>> results(static_cast<size_t>(end - begin));
    std::vector<std::array<std::string, 2>> texts(static_cast<size_t>(end - begin));
    pool->ParallelFor(end - begin, [&](int64_t i, int w) {
      const std::string& o = openings[static_cast<size_t>(begin + i)];
      const uint64_t game_seed = DeriveSeed(seed, static_cast<uint64_t>(begin + i));
      Agent& c = *cand[static_cast<size_t>(w)];
      Agent& b = *inc[static_cast<size_t>(w)];
      auto& t = texts[static_cast<size_t>(i)];
      results[static_cast<size_t>(i)] = {PlayGame(game, o, c, b, DeriveSeed(game_seed, 0), &t[0]),
                                         -PlayGame(game, o, b, c, DeriveSeed(game_seed, 1), &t[1])};
    });
    for (size_t k = 0; k < results.size(); ++k) {
      if (out.decision != meta::SprtDecision::kContinue) break;
      const auto [g1, g2] = results[k];
      out.games.push_back(std::move(texts[k]));
      MatchStats& st = out.stats;
      Count(st, g1);
      Count(st, g2);
      const int points = (g1 + 1) + (g2 + 1);  // 0..4 half-points
      out.pair_points.push_back(points);
      out.results.push_back({g1, g2});
      st.pentanomial[static_cast<size_t>(points)] += 1;
      (points > 2 ? st.pair_wins : points < 2 ? st.pair_losses : st.pair_ties) += 1;
      if (!gate) continue;
      out.llr = meta::ExactSprtLlr(st.pair_wins, st.pair_losses, st.pair_ties, gate->params.elo0, gate->params.elo1);
      out.decision = meta::SprtDecide(out.llr, bounds);
    }
  }
  return out;
}

}  // namespace ouro::selfplay
