#include "games/connect4.h"

#include <bit>
#include <memory>

#include "core/error.h"
#include "core/rng.h"

namespace ouro::games {

void Connect4::Play(int col) {
  mine_ ^= mask_;  // the side to move changes: the opponent's stones become "mine"
  mask_ |= mask_ + BottomBit(col);
  history_[static_cast<size_t>(moves_++)] = static_cast<uint8_t>(col);
}

void Connect4::Undo() {
  const int col = history_[static_cast<size_t>(--moves_)];
  mask_ &= ~std::bit_floor(mask_ & ColumnMask(col));  // the column's top stone
  mine_ ^= mask_;  // the mover's stones are the rest of the board
}

int Connect4::Height(int col) const { return std::popcount(mask_ & ColumnMask(col)); }

bool Connect4::Aligned(uint64_t s) {
  for (const int d : {1, kHeight + 1, kHeight, kHeight + 2}) {  // vertical, horizontal, two diagonals
    const uint64_t pairs = s & (s >> d);
    if (pairs & (pairs >> (2 * d))) return true;
  }
  return false;
}

uint64_t Connect4::WinningCells(uint64_t s, uint64_t mask) {
  // Vertical: three stones right below the cell.
  uint64_t out = (s << 1) & (s << 2) & (s << 3);
  for (const int d : {kHeight + 1, kHeight, kHeight + 2}) {  // horizontal, the two diagonals
    const uint64_t before2 = (s << d) & (s << 2 * d), after2 = (s >> d) & (s >> 2 * d);
    out |= before2 & (s << 3 * d);  // three stones on one side of the cell
    out |= before2 & (s >> d);      // two on one side, one on the other
    out |= after2 & (s << d);
    out |= after2 & (s >> 3 * d);
  }
  return out & (kBoard ^ mask);
}

uint64_t Connect4::Mirror(uint64_t bits) {
  constexpr uint64_t kColumn = (uint64_t{1} << (kHeight + 1)) - 1;
  uint64_t out = 0;
  for (int c = 0; c < kWidth; ++c) out |= ((bits >> (c * (kHeight + 1))) & kColumn) << ((kWidth - 1 - c) * (kHeight + 1));
  return out;
}

std::string Connect4::Moves() const {
  std::string out;
  for (int i = 0; i < moves_; ++i) out += static_cast<char>('1' + history_[static_cast<size_t>(i)]);
  return out;
}

namespace {

class Connect4State : public State {
 public:
  std::unique_ptr<State> Clone() const override { return std::make_unique<Connect4State>(*this); }
  int ToMove() const override { return b_.ToMove(); }
  std::vector<int> LegalMoves() const override {
    std::vector<int> out;
    if (b_.Over()) return out;
    for (int c = 0; c < Connect4::kWidth; ++c)
      if (b_.CanPlay(c)) out.push_back(c);
    return out;
  }
  void Apply(int move) override {
    if (b_.Over()) throw Error("connect4: no move after the end of the game (" + ToString() + ")");
    if (!b_.CanPlay(move)) throw Error("connect4: column " + std::to_string(move + 1) + " cannot be played");
    b_.Play(move);
  }
  void Undo() override {
    if (b_.MovesPlayed() == 0) throw Error("connect4: no move to take back");
    b_.Undo();
  }
  bool Terminal() const override { return b_.Over(); }
  int Result(int player) const override {
    if (!b_.Over()) throw Error("connect4: the game is not over");
    if (!b_.LastMoverWon()) return 0;
    return player == 1 - b_.ToMove() ? 1 : -1;
  }
  uint64_t Hash() const override { return SplitMix64(b_.Key()); }
  std::string ToString() const override { return b_.Moves(); }
  std::string Render() const override {
    std::string out;
    for (int row = Connect4::kHeight - 1; row >= 0; --row) {
      for (int col = 0; col < Connect4::kWidth; ++col) {
        const uint64_t cell = Connect4::Cell(col, row);
        out += (b_.Stones(0) & cell) ? " X" : (b_.Stones(1) & cell) ? " O" : " .";
      }
      out += "\n";
    }
    return out + " 1 2 3 4 5 6 7";
  }
  int MovesPlayed() const override { return b_.MovesPlayed(); }
  // Four 6×7 planes from the side to move's point of view: its stones, the opponent's, then the
  // empty cells where it would complete four, and those where the opponent would (its threats,
  // playable now or not).
  void Observe(double* out) const override {
    const int me = b_.ToMove();
    const uint64_t mask = b_.mask();
    const uint64_t mine = b_.Stones(me), theirs = b_.Stones(1 - me);
    for (const uint64_t plane : {mine, theirs, Connect4::WinningCells(mine, mask),
                                 Connect4::WinningCells(theirs, mask)}) {
      for (int row = 0; row < Connect4::kHeight; ++row)
        for (int col = 0; col < Connect4::kWidth; ++col)
          *out++ = (plane & Connect4::Cell(col, row)) ? 1.0 : 0.0;
    }
  }

 private:
  Connect4 b_;
};

class Connect4Rules : public Game {
 public:
  std::string name() const override { return "connect4"; }
  int num_actions() const override { return Connect4::kWidth; }
  int observation_size() const override { return 4 * Connect4::kCells; }
  std::string MoveName(int move) const override { return std::to_string(move + 1); }
  std::unique_ptr<State> Initial() const override { return std::make_unique<Connect4State>(); }
  std::unique_ptr<State> Parse(std::string_view text) const override {
    auto s = std::make_unique<Connect4State>();
    for (size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      if (c < '1' || c > '7')
        throw Error("connect4 position '" + std::string(text) + "': move " + std::to_string(i + 1) + " is '" +
                    std::string(1, c) + "', not a column 1-7");
      try {
        s->Apply(c - '1');
      } catch (const Error& e) {
        throw Error("connect4 position '" + std::string(text) + "': move " + std::to_string(i + 1) + ": " + e.what());
      }
    }
    return s;
  }
};

}  // namespace

const Game& Connect4Game() {
  static const Connect4Rules rules;
  return rules;
}

}  // namespace ouro::games
