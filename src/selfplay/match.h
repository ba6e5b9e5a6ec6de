// selfplay/match.h — games between two agents, and matches on paired openings with colours
// swapped, decided by the project's exact sequential test.
//
// A match plays, for each opening in order, a pair of games: the candidate moves first after the
// opening, then the incumbent does. The pair is the unit of evidence: the candidate wins the pair
// (scores more than 1 of its 2 points), loses it or ties it. With a gate, the exact SPRT of the rsi
// loop (meta::ExactSprtLlr) is applied to pair wins against pair losses, ties being its draws,
// after every pair, and the match stops when the test decides. Under the null hypothesis (the two
// agents are the same player) a pair is won as often as it is lost whatever the draw rate — the
// two games of a pair are exchangeable — so the test's false-acceptance rate is exactly
// meta::FalseAcceptRate(kExact, params, number of openings), however correlated the two games of
// a pair are. Pentanomial counts (how often the candidate scored 0, ½, 1, 1½, 2 in a pair) are
// kept for reports. Pairs run on `threads` threads in batches; the outcome depends only on the
// seed (each game has its own stream) and the decision is taken in opening order, so extra pairs
// of a batch after the decision are discarded, never counted.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "games/game.h"
#include "meta/stats.h"
#include "selfplay/agent.h"

namespace ouro::selfplay {

// `count` distinct openings of `plies` uniformly random moves each (positions that are not over),
// drawn from Rng(seed); fewer if the game has fewer such positions. Throws on plies < 0.
std::vector<std::string> RandomOpenings(const games::Game& game, int count, int plies, uint64_t seed);

// Every distinct position (by hash) after exactly `plies` moves that is not over, in the order of
// their texts. Throws when there are more than `limit`.
std::vector<std::string> AllOpenings(const games::Game& game, int plies, size_t limit = 100000);

// Plays from `opening` to the end: `first` moves first (from the opening's side to move), then
// `second`, alternately. Returns the result for `first`: +1, 0 or -1. The moves are appended to
// *moves when given.
int PlayGame(const games::Game& game, const std::string& opening, Agent& first, Agent& second, uint64_t seed,
             std::string* moves = nullptr);

// The sequential test on pairs. max_pairs is the number of openings.
struct MatchGate {
  meta::SprtParams params;  // elo0, elo1, alpha, beta (alpha 0: the closed gate, meta::GateBounds)
};

struct MatchStats {
  int64_t wins = 0, losses = 0, draws = 0;   // games, for the candidate
  int64_t pair_wins = 0, pair_losses = 0, pair_ties = 0;
  std::array<int64_t, 5> pentanomial{};     // pairs in which the candidate scored 0, ½, 1, 1½, 2
  int64_t games() const { return wins + losses + draws; }
  double score() const { return games() ? (wins + 0.5 * draws) / static_cast<double>(games()) : 0.5; }
};

struct MatchResult {
  MatchStats stats;
  std::vector<int> pair_points;  // per pair played, the candidate's points ×2 (0..4)
  // Per pair played, the candidate's results (+1, 0, -1) in its two games: moving first from the
  // opening, then second.
  std::vector<std::array<int, 2>> results;
  std::vector<std::array<std::string, 2>> games;  // per pair played, the two games' moves (text)
  meta::SprtDecision decision = meta::SprtDecision::kContinue;  // kContinue: no gate, or undecided
  double llr = 0;
  bool stopped = false;  // *stop ended it before the test decided or the openings ran out
};

// Plays a match of candidate against incumbent on the openings (two games each), until the gate
// decides (when given), the openings are used up or *stop becomes true (checked between batches
// of pairs). Throws ouro::Error on no openings.
MatchResult PlayMatch(const games::Game& game, const Agent& candidate, const Agent& incumbent,
                      const std::vector<std::string>& openings, uint64_t seed, int threads,
                      const MatchGate* gate = nullptr, const std::atomic<bool>* stop = nullptr);

}  // namespace ouro::selfplay
