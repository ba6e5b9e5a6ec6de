#include "selfplay/elo.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/rng.h"
#include "meta/stats.h"

namespace ouro::selfplay {

double ScoreToElo(double s, int64_t games) {
  if (games <= 0 || !(s >= 0 && s <= 1)) throw Error("elo: a score in [0, 1] over at least one game is needed");
  const double edge = 1.0 / (2.0 * static_cast<double>(games));
  s = std::clamp(s, edge, 1 - edge);
  return 400.0 * std::log10(s / (1 - s));
}

namespace {

double PairsElo(const std::vector<int>& points) {
  int64_t sum = 0;
  for (int p : points) sum += p;
  const int64_t games = 2 * static_cast<int64_t>(points.size());
  return ScoreToElo(static_cast<double>(sum) / (2.0 * static_cast<double>(games)), games);
}

}  // namespace

EloEstimate EloFromPairs(const std::vector<int>& pair_points, double confidence, int resamples, uint64_t seed) {
  if (pair_points.empty()) throw Error("elo: no games");
  for (int p : pair_points)
    if (p < 0 || p > 4) throw Error("elo: a pair's points must be in 0..4");
  if (!(confidence > 0 && confidence < 1) || resamples < 1) throw Error("elo: bad confidence or resamples");
  EloEstimate e;
  e.elo = PairsElo(pair_points);
  Rng rng(seed);
  std::vector<double> boot(static_cast<size_t>(resamples));
  std::vector<int> sample(pair_points.size());
  for (double& b : boot) {
    for (int& p : sample) p = pair_points[rng.Below(static_cast<uint32_t>(pair_points.size()))];
    b = PairsElo(sample);
  }
  std::sort(boot.begin(), boot.end());
  e.low = meta::SortedQuantile(boot, (1 - confidence) / 2);
  e.high = meta::SortedQuantile(boot, 1 - (1 - confidence) / 2);
  return e;
}

}  // namespace ouro::selfplay
