#include "games/hex.h"

#include <memory>

#include "core/error.h"
#include "core/rng.h"

namespace ouro::games {
namespace {

constexpr uint32_t ColumnBits(int c) {
  uint32_t out = 0;
  for (int r = 0; r < Hex::kSize; ++r) out |= uint32_t{1} << (r * Hex::kSize + c);
  return out;
}

constexpr uint32_t kTopRow = (uint32_t{1} << Hex::kSize) - 1;
constexpr uint32_t kBottomRow = kTopRow << (Hex::kCells - Hex::kSize);
constexpr uint32_t kNotLeft = Hex::kAll & ~ColumnBits(0);
constexpr uint32_t kNotRight = Hex::kAll & ~ColumnBits(Hex::kSize - 1);

// The cells touching `x` (and x itself): (r, c±1), (r±1, c), (r-1, c+1), (r+1, c-1).
uint32_t Grow(uint32_t x) {
  const uint32_t right = x & kNotRight, left = x & kNotLeft;
  return (x | right << 1 | left >> 1 | x >> Hex::kSize | x << Hex::kSize |
          right >> (Hex::kSize - 1) | left << (Hex::kSize - 1)) &
         Hex::kAll;
}

}  // namespace

void Hex::Play(int cell) {
  stones_[static_cast<size_t>(ToMove())] |= uint32_t{1} << cell;
  history_[static_cast<size_t>(moves_++)] = static_cast<uint8_t>(cell);
}

void Hex::Undo() {
  const int cell = history_[static_cast<size_t>(--moves_)];
  stones_[static_cast<size_t>(ToMove())] &= ~(uint32_t{1} << cell);
}

bool Hex::JoinsTopBottom(uint32_t stones) {
  uint32_t reached = stones & kTopRow;
  while (reached) {
    if (reached & kBottomRow) return true;
    const uint32_t next = Grow(reached) & stones;
    if (next == reached) return false;
    reached = next;
  }
  return false;
}

uint32_t Hex::Transpose(uint32_t cells) {
  uint32_t out = 0;
  for (int r = 0; r < kSize; ++r)
    for (int c = 0; c < kSize; ++c)
      if ((cells >> (r * kSize + c)) & 1) out |= uint32_t{1} << (c * kSize + r);
  return out;
}

std::string Hex::CellName(int cell) {
  return std::string(1, static_cast<char>('a' + cell % kSize)) +
         static_cast<char>('1' + cell / kSize);
}

int Hex::ParseCell(std::string_view name) {
  if (name.size() != 2 || name[0] < 'a' || name[0] >= 'a' + kSize || name[1] < '1' ||
      name[1] >= '1' + kSize)
    return -1;
  return (name[1] - '1') * kSize + (name[0] - 'a');
}

std::string Hex::Moves() const {
  std::string out;
  for (int i = 0; i < moves_; ++i) out += CellName(history(i));
  return out;
}

namespace {

class HexState : public State {
 public:
  std::unique_ptr<State> Clone() const override { return std::make_unique<HexState>(*this); }
  int ToMove() const override { return b_.ToMove(); }
  std::vector<int> LegalMoves() const override {
    std::vector<int> out;
    if (b_.Over()) return out;
    for (int c = 0; c < Hex::kCells; ++c)
      if (b_.CanPlay(c)) out.push_back(c);
    return out;
  }
  void Apply(int move) override {
    if (b_.Over()) throw Error("hex5: no move after the end of the game (" + ToString() + ")");
    if (!b_.CanPlay(move))
      throw Error("hex5: " + (move >= 0 && move < Hex::kCells
                                  ? "cell " + Hex::CellName(move) + " is taken"
                                  : "no cell " + std::to_string(move)));
    b_.Play(move);
  }
  void Undo() override {
    if (b_.MovesPlayed() == 0) throw Error("hex5: no move to take back");
    b_.Undo();
  }
  bool Terminal() const override { return b_.Over(); }
  int Result(int player) const override {
    if (!b_.Over()) throw Error("hex5: the game is not over");
    return player == 1 - b_.ToMove() ? 1 : -1;
  }
  uint64_t Hash() const override { return SplitMix64(b_.Key()); }
  std::string ToString() const override { return b_.Moves(); }
  std::string Render() const override {  // X joins top and bottom, O left and right
    std::string out = "   a b c d e\n";
    for (int row = 0; row < Hex::kSize; ++row) {
      out += std::string(static_cast<size_t>(row), ' ') + std::to_string(row + 1) + " ";
      for (int col = 0; col < Hex::kSize; ++col) {
        const uint32_t cell = uint32_t{1} << (row * Hex::kSize + col);
        out += (b_.Stones(0) & cell) ? " X" : (b_.Stones(1) & cell) ? " O" : " .";
      }
      if (row + 1 < Hex::kSize) out += "\n";
    }
    return out;
  }
  int MovesPlayed() const override { return b_.MovesPlayed(); }
  void Observe(double* out) const override {
    const int me = b_.ToMove();
    for (int plane = 0; plane < 2; ++plane) {
      uint32_t stones = b_.Stones(plane == 0 ? me : 1 - me);
      if (me == 1) stones = Hex::Transpose(stones);  // the side to move joins top to bottom
      for (int cell = 0; cell < Hex::kCells; ++cell) *out++ = ((stones >> cell) & 1) ? 1.0 : 0.0;
    }
  }

 private:
  Hex b_;
};

class HexRules : public Game {
 public:
  std::string name() const override { return "hex5"; }
  int num_actions() const override { return Hex::kCells; }
  int observation_size() const override { return 2 * Hex::kCells; }
  std::string MoveName(int move) const override { return Hex::CellName(move); }
  std::unique_ptr<State> Initial() const override { return std::make_unique<HexState>(); }
  std::unique_ptr<State> Parse(std::string_view text) const override {
    auto s = std::make_unique<HexState>();
    for (size_t i = 0; i < text.size(); i += 2) {
      const std::string_view move = text.substr(i, 2);
      const std::string where =
          "hex5 position '" + std::string(text) + "': move " + std::to_string(i / 2 + 1);
      const int cell = Hex::ParseCell(move);
      if (cell < 0) throw Error(where + " is '" + std::string(move) + "', not a cell a1-e5");
      try {
        s->Apply(cell);
      } catch (const Error& e) {
        throw Error(where + ": " + e.what());
      }
    }
    return s;
  }
};

}  // namespace

const Game& HexGame() {
  static const HexRules rules;
  return rules;
}

}  // namespace ouro::games
