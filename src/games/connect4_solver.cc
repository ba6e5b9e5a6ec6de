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

void Connect4Solver::SetNodeLimit(uint64_t limit) {
  stop_after_ = NodeStop(nodes_, limit);
}

int Connect4Solver::Search(Connect4& b, int alpha, int beta) {
  if (++nodes_ > stop_after_) throw NodeLimit{};
  const uint64_t mask = b.mask(), mine = b.mine();
  uint64_t moves = Connect4::Playable(mask);
  if (moves & Connect4::WinningCells(mine, mask)) return 1;
  const uint64_t threats = Connect4::WinningCells(mine ^ mask, mask);
  if (const uint64_t forced = moves & threats) {
    if (forced & (forced - 1)) return -1;  // two open threats: one cannot block both
    moves = forced;
  }
  moves &= ~(threats >> 1);  // a stone just below the opponent's winning cell lets it win there
  if (!moves) return -1;
  // Two cells left, neither side winning with them (a threat of the opponent there would have
  // been forced or refused above): a draw.
  if (b.MovesPlayed() >= Connect4::kCells - 2) return 0;
  const uint64_t key = std::min(b.Key(), Connect4::Mirror(b.Key()));
  Entry* e = Slot(key);
  int lower = -1, upper = 1;  // what the table knows of this position
  if (e && e->bits && e->key() == key) {
    lower = e->lower();
    upper = e->upper();
    if (lower >= beta || lower == upper) return lower;
    if (upper <= alpha) return upper;
    alpha = std::max(alpha, lower);
    beta = std::min(beta, upper);
  }
  // The moves, most threats after the move first; ties keep the centre-first order.
  int cols[Connect4::kWidth], scores[Connect4::kWidth], n = 0;
  for (const int c : kOrder) {
    const uint64_t move = moves & Connect4::ColumnMask(c);
    if (!move) continue;
    const int score = std::popcount(Connect4::WinningCells(mine | move, mask | move));
    int i = n++;
    for (; i > 0 && scores[i - 1] < score; --i) cols[i] = cols[i - 1], scores[i] = scores[i - 1];
    cols[i] = c;
    scores[i] = score;
  }
  const int alpha0 = alpha;
  int best = -1;
  for (int i = 0; i < n; ++i) {
    b.Play(cols[i]);
    const int v = -Search(b, -beta, -alpha);
    b.Undo();
    best = std::max(best, v);
    alpha = std::max(alpha, v);
    if (alpha >= beta) break;
  }
  if (e) {  // what this search proved, joined with what the table knew of the position
    if (best <= alpha0) upper = std::min(upper, best);       // failed low: an upper bound
    else if (best >= beta) lower = std::max(lower, best);    // failed high: a lower bound
    else lower = upper = best;
    *e = Entry::Of(key, lower, upper);
  }
  return best;
}

int Connect4Solver::Value(const Connect4& b) {
  Connect4 work = b;
  if (Search(work, 0, 1) >= 1) return 1;  // null windows: a win? else, a draw or a loss?
  return Search(work, -1, 0) >= 0 ? 0 : -1;
}

std::vector<int> Connect4Solver::OptimalMoves(const Connect4& b) {
  const int value = Value(b);
  std::vector<int> out;
  for (int c = 0; c < Connect4::kWidth; ++c) {
    if (!b.CanPlay(c)) continue;
    Connect4 next = b;
    next.Play(c);
    bool keeps;
    if (next.LastMoverWon()) keeps = value == 1;
    else if (next.Full()) keeps = value == 0;
    else if (value == -1) keeps = true;  // in a lost position every move loses
    // Every child is worth at most the value to the mover (at least -value to the opponent), so
    // one null window decides: a win needs a child the opponent loses, a draw one it does not win.
    else if (value == 1) keeps = Search(next, -1, 0) < 0;
    else keeps = Search(next, 0, 1) <= 0;
    if (keeps) out.push_back(c);
  }
  return out;
}

}  // namespace ouro::games
