#include "games/tictactoe.h"

#include <memory>

#include "core/error.h"
#include "core/rng.h"

namespace ouro::games {
namespace {

constexpr uint16_t kLines[] = {0007, 0070, 0700, 0111, 0222, 0444, 0421, 0124};  // rows, columns, diagonals

}  // namespace

void TicTacToe::Play(int cell) {
  (ToMove() == 0 ? x_ : o_) |= static_cast<uint16_t>(1u << cell);
  history_[moves_++] = cell;
}

void TicTacToe::Undo() {
  const int cell = history_[--moves_];
  (ToMove() == 0 ? x_ : o_) &= static_cast<uint16_t>(~(1u << cell));
}

bool TicTacToe::Won(int player) const {
  const uint16_t s = Stones(player);
  for (const uint16_t line : kLines)
    if ((s & line) == line) return true;
  return false;
}

namespace {

class TicTacToeState : public State {
 public:
  std::unique_ptr<State> Clone() const override { return std::make_unique<TicTacToeState>(*this); }
  int ToMove() const override { return b_.ToMove(); }
  std::vector<int> LegalMoves() const override {
    std::vector<int> out;
    if (b_.Over()) return out;
    for (int c = 0; c < 9; ++c)
      if (b_.CanPlay(c)) out.push_back(c);
    return out;
  }
  void Apply(int move) override {
    if (b_.Over()) throw Error("tictactoe: no move after the end of the game (" + ToString() + ")");
    if (!b_.CanPlay(move)) throw Error("tictactoe: cell " + std::to_string(move + 1) + " cannot be played");
    b_.Play(move);
  }
  void Undo() override {
    if (b_.MovesPlayed() == 0) throw Error("tictactoe: no move to take back");
    b_.Undo();
  }
  bool Terminal() const override { return b_.Over(); }
  int Result(int player) const override {
    if (!b_.Over()) throw Error("tictactoe: the game is not over");
    if (b_.Won(player)) return 1;
    return b_.Won(1 - player) ? -1 : 0;
  }
  uint64_t Hash() const override { return SplitMix64(uint64_t{b_.Stones(0)} | uint64_t{b_.Stones(1)} << 9); }
  std::string ToString() const override {
    std::string out;
    for (int i = 0; i < b_.MovesPlayed(); ++i) out += static_cast<char>('1' + b_.history(i));
    return out;
  }
  int MovesPlayed() const override { return b_.MovesPlayed(); }
  std::string Render() const override {  // empty cells show their number
    std::string out;
    for (int c = 0; c < 9; ++c) {
      out += (b_.Stones(0) >> c & 1) ? 'X' : (b_.Stones(1) >> c & 1) ? 'O' : static_cast<char>('1' + c);
      out += c % 3 == 2 ? (c < 8 ? "\n" : "") : " ";
    }
    return out;
  }
  void Observe(double* out) const override {
    const int me = b_.ToMove();
    for (int plane = 0; plane < 2; ++plane)
      for (int c = 0; c < 9; ++c) *out++ = (b_.Stones(plane == 0 ? me : 1 - me) >> c & 1) ? 1.0 : 0.0;
  }

 private:
  TicTacToe b_;
};

class TicTacToeRules : public Game {
 public:
  std::string name() const override { return "tictactoe"; }
  int num_actions() const override { return 9; }
  int observation_size() const override { return 18; }
  std::string MoveName(int move) const override { return std::to_string(move + 1); }
  std::unique_ptr<State> Initial() const override { return std::make_unique<TicTacToeState>(); }
  std::unique_ptr<State> Parse(std::string_view text) const override {
    auto s = std::make_unique<TicTacToeState>();
    for (size_t i = 0; i < text.size(); ++i) {
      const char c = text[i];
      if (c < '1' || c > '9')
        throw Error("tictactoe position '" + std::string(text) + "': move " + std::to_string(i + 1) + " is '" +
                    std::string(1, c) + "', not a cell 1-9");
      try {
        s->Apply(c - '1');
      } catch (const Error& e) {
        throw Error("tictactoe position '" + std::string(text) + "': move " + std::to_string(i + 1) + ": " + e.what());
      }
    }
    return s;
  }
};

}  // namespace

const Game& TicTacToeGame() {
  static const TicTacToeRules rules;
  return rules;
}

}  // namespace ouro::games
