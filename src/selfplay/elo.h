// selfplay/elo.h — Elo differences from match results, with intervals.
//
// A match's score s (wins + draws/2 over games) is an Elo difference of 400·log10(s / (1 - s)),
// the inverse of meta::EloToScore. An all-win or all-loss match has no finite estimate: s is
// clamped to [1/(2N), 1 - 1/(2N)] for N games (as if half a game had gone the other way), so the
// estimate is large but finite and grows with N. The interval is the percentile bootstrap over
// the match's pairs (a pair of colour-swapped games is the resampled unit, as the gate counts it).
#pragma once

#include <cstdint>
#include <vector>

namespace ouro::selfplay {

// Elo difference of a score s in [0, 1] over `games` games (> 0), clamped as above.
double ScoreToElo(double s, int64_t games);

struct EloEstimate {
  double elo = 0, low = 0, high = 0;
};

// From per-pair points (half-points 0..4 of two games each): the estimate and its `confidence`
// bootstrap interval from `resamples` resamples drawn from Rng(seed). Throws ouro::Error on no
// pairs, a point outside 0..4 or a confidence outside (0, 1).
EloEstimate EloFromPairs(const std::vector<int>& pair_points, double confidence, int resamples, uint64_t seed);

}  // namespace ouro::selfplay
