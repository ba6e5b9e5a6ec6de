#include "games/connect4_solver.h"

#include <algorithm>
#include <bit>

namespace ouro::games {
namespace {

constexpr int kOrder[Connect4::kWidth] = {3, 2, 4, 1, 5, 0, 6};  // the centre first

}  // namespace

Connect4Solver::Connect4Solver(int table_bits) {
  if (table_bits > 0) table_.resize(size_t{1} << table_bits);
}

Connect4Solver::Entry* Connect4Solver::Slot(uint64_t key) {
  if (table_.empty()) return nullptr;
  return &table_[(key * 0x9e3779b97f4a7c15ULL) >> (64 - std::countr_zero(table_.size()))];
}

int Connect4Solver::Search(Connect4& b, int alpha, int beta) {
  ++nodes_;
  for (int c = 0; c < Connect4::kWidth; ++c)
    if (b.CanPlay(c) && b.WinsBy(c)) return 1;
  if (b.MovesPlayed() == Connect4::kCells - 1) return 0;  // the last cell, and it does not win: a draw
  // The opponent's immediate wins: one must be blocked; two cannot be.
  int forced = -1, threats = 0;
  for (int c = 0; c < Connect4::kWidth; ++c) {
    if (!b.CanPlay(c)) continue;
    const uint64_t theirs = b.mine() ^ b.mask();
    if (Connect4::Aligned(theirs | ((b.mask() + Connect4::BottomBit(c)) & Connect4::ColumnMask(c)))) {
      forced = c;
      ++threats;
    }
  }
  if (threats > 1) return -1;
  Entry* e = Slot(b.Key());
  if (e && e->key == b.Key()) {
    if (e->lower >= beta) return e->lower;
    if (e->upper <= alpha) return e->upper;
    if (e->lower == e->upper) return e->lower;
    alpha = std::max<int>(alpha, e->lower);
    beta = std::min<int>(beta, e->upper);
  }
  const int alpha0 = alpha;
  int best = -1;
  for (const int c : kOrder) {
    if (!b.CanPlay(c) || (forced >= 0 && c != forced)) continue;
    b.Play(c);
    const int v = -Search(b, -beta, -alpha);
    b.Undo();
    best = std::max(best, v);
    alpha = std::max(alpha, v);
    if (alpha >= beta) break;
  }
  if (e) {  // what this search proved, joined with what the entry knew of the same position
    Entry fresh{b.Key(), -1, 1};
    if (e->key == b.Key()) fresh = *e;
    const int8_t v = static_cast<int8_t>(best);
    if (best <= alpha0) fresh.upper = std::min(fresh.upper, v);       // failed low: an upper bound
    else if (best >= beta) fresh.lower = std::max(fresh.lower, v);    // failed high: a lower bound
    else fresh.lower = fresh.upper = v;
    *e = fresh;
  }
  return best;
}

int Connect4Solver::Value(const Connect4& b) {
  Connect4 work = b;
  return Search(work, -1, 1);
}

std::vector<int> Connect4Solver::OptimalMoves(const Connect4& b) {
  const int value = Value(b);
  std::vector<int> out;
  for (int c = 0; c < Connect4::kWidth; ++c) {
    if (!b.CanPlay(c)) continue;
    Connect4 next = b;
    next.Play(c);
    const int v = next.LastMoverWon() ? 1 : next.Full() ? 0 : -Value(next);
    if (v == value) out.push_back(c);
  }
  return out;
}

}  // namespace ouro::games
