#include "lang/text.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>
#include <vector>

#include "core/error.h"

namespace ouro::lang {
namespace {

char TypeLetter(RegType t) {
  return t == RegType::kScalar ? 's' : t == RegType::kVector ? 'v' : 'm';
}

std::string Reg(RegType t, int i) { return TypeLetter(t) + std::to_string(i); }

std::string Num(double v) {
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, res.ptr);
}

// ---- tokenizer ------------------------------------------------------------------------------

enum class Tok { kReg, kIdent, kNum, kSym, kEnd };

struct Token {
  Tok kind;
  std::string text;
  int col;  // 1-based
  RegType reg_type = RegType::kNone;
  int reg = 0;
  double num = 0;
};

[[noreturn]] void Fail(int line, int col, const std::string& msg) {
  throw Error(std::to_string(line) + ":" + std::to_string(col) + ": " + msg);
}

std::vector<Token> Tokenize(std::string_view s, int line) {
  std::vector<Token> out;
  size_t i = 0;
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  auto is_alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  while (i < s.size()) {
    char c = s[i];
    const int col = static_cast<int>(i) + 1;
    if (c == ' ' || c == '\t' || c == '\r') { ++i; continue; }
    if (c == '#') break;
    // A number: digits, optionally signed when the previous token cannot end an operand.
    bool sign_ok = (c == '-' || c == '+') && i + 1 < s.size() &&
                   (is_digit(s[i + 1]) || s[i + 1] == '.') &&
                   (out.empty() || out.back().kind == Tok::kSym) &&
                   !(!out.empty() && out.back().text == ")") && !(!out.empty() && out.back().text == "]");
    if (is_digit(c) || c == '.' || sign_ok) {
      size_t j = i + 1;
      while (j < s.size() && (is_digit(s[j]) || s[j] == '.' || s[j] == 'e' || s[j] == 'E' ||
                              ((s[j] == '-' || s[j] == '+') && (s[j - 1] == 'e' || s[j - 1] == 'E'))))
        ++j;
      std::string_view numtext = s.substr(i, j - i);
      std::string_view parse = numtext;
      if (!parse.empty() && parse[0] == '+') parse.remove_prefix(1);
      Token t{Tok::kNum, std::string(numtext), col};
      auto res = std::from_chars(parse.data(), parse.data() + parse.size(), t.num);
      if (res.ec == std::errc::result_out_of_range)
        Fail(line, col, "constant out of range: '" + std::string(numtext) + "'");
      if (res.ec != std::errc() || res.ptr != parse.data() + parse.size())
        Fail(line, col, "bad number '" + std::string(numtext) + "'");
      if (!std::isfinite(t.num)) Fail(line, col, "constant is not finite: '" + std::string(numtext) + "'");
      out.push_back(std::move(t));
      i = j;
      continue;
    }
    if (is_alpha(c)) {
      size_t j = i + 1;
      while (j < s.size() && (is_alpha(s[j]) || is_digit(s[j]))) ++j;
      std::string word(s.substr(i, j - i));
      Token t{Tok::kIdent, word, col};
      if (word.size() >= 2 && (word[0] == 's' || word[0] == 'v' || word[0] == 'm') &&
          std::all_of(word.begin() + 1, word.end(), is_digit)) {
        t.kind = Tok::kReg;
        t.reg_type = word[0] == 's' ? RegType::kScalar : word[0] == 'v' ? RegType::kVector
                                                                         : RegType::kMatrix;
        if (word.size() > 4) Fail(line, col, "register index too large in '" + word + "'");
        t.reg = std::stoi(word.substr(1));
        if (t.reg >= kMaxRegisters)
          Fail(line, col, "register '" + word + "' exceeds the limit of " +
                              std::to_string(kMaxRegisters) + " per file");
      }
      out.push_back(std::move(t));
      i = j;
      continue;
    }
    if (std::string_view("=+-*/@(),[]:").find(c) != std::string_view::npos) {
      out.push_back(Token{Tok::kSym, std::string(1, c), col});
      ++i;
      continue;
    }
    Fail(line, col, std::string("unexpected character '") + c + "'");
  }
  out.push_back(Token{Tok::kEnd, "", static_cast<int>(s.size()) + 1});
  return out;
}

// ---- instruction parser ---------------------------------------------------------------------

class LineParser {
 public:
  LineParser(std::vector<Token> toks, int line) : t_(std::move(toks)), line_(line) {}

  // One instruction: an element assignment, a constant, an infix operation or a call.
  Instruction Parse() {
    const Token& lhs = Expect(Tok::kReg, "a register");
    if (Peek().text == "[") return ParseElementConst(lhs);
    ExpectSym("=");
    Instruction in;
    in.out = static_cast<uint8_t>(lhs.reg);
    const Token& first = Next();
    if (first.kind == Tok::kNum) return ParseConst(in, lhs, first);
    if (first.kind == Tok::kReg) return ParseInfix(in, lhs, first);
    if (first.kind == Tok::kIdent) return ParseCall(in, lhs, first);
    Fail(line_, first.col, "expected a register, a constant or a function call");
  }

 private:
  // `v[i] = c` or `m[i, j] = c`, from the '[' after the register.
  Instruction ParseElementConst(const Token& lhs) {
    Instruction in;
    int idx_count = 0;
    int idx[2] = {0, 0};
    Next();
    idx[idx_count++] = Index();
    if (Peek().text == ",") {
      Next();
      idx[idx_count++] = Index();
    }
    ExpectSym("]");
    ExpectSym("=");
    const Token& n = Expect(Tok::kNum, "a constant");
    ExpectEnd();
    if (lhs.reg_type == RegType::kVector && idx_count == 1) {
      in.op = Op::kVectorConst;
    } else if (lhs.reg_type == RegType::kMatrix && idx_count == 2) {
      in.op = Op::kMatrixConst;
    } else {
      Fail(line_, lhs.col, "element assignment needs v[i] or m[i, j]");
    }
    in.out = static_cast<uint8_t>(lhs.reg);
    in.row = static_cast<uint16_t>(idx[0]);
    in.col = static_cast<uint16_t>(idx[1]);
    in.c1 = n.num;
    return in;
  }

  // `s = c`; `first` is the constant.
  Instruction ParseConst(Instruction in, const Token& lhs, const Token& first) {
    ExpectEnd();
    if (lhs.reg_type != RegType::kScalar)
      Fail(line_, first.col, "a constant can only be assigned to a scalar; use " +
                                 std::string(1, TypeLetter(lhs.reg_type)) + std::to_string(lhs.reg) +
                                 "[i] = c or bcast()");
    in.op = Op::kScalarConst;
    in.c1 = first.num;
    return in;
  }

  // `x = a op b`; `first` is a.
  Instruction ParseInfix(Instruction in, const Token& lhs, const Token& first) {
    const Token& sym = Next();
    if (sym.kind != Tok::kSym || std::string_view("+-*/@").find(sym.text) == std::string_view::npos)
      Fail(line_, sym.col, "expected an operator (+ - * / @) after '" + first.text + "'");
    const Token& second = Expect(Tok::kReg, "a register");
    ExpectEnd();
    Resolve(in, Form::kInfix, sym.text, lhs, {first.reg_type, second.reg_type}, first.col);
    in.in1 = static_cast<uint8_t>(first.reg);
    in.in2 = static_cast<uint8_t>(second.reg);
    return in;
  }

  // `x = f(a)`, `x = f(a, b)` or `x = f(c1, c2)`; `first` is the name f.
  Instruction ParseCall(Instruction in, const Token& lhs, const Token& first) {
    ExpectSym("(");
    std::vector<Token> args;
    if (Peek().text != ")") {
      args.push_back(Next());
      while (Peek().text == ",") {
        Next();
        args.push_back(Next());
      }
    }
    ExpectSym(")");
    ExpectEnd();
    const bool numeric = !args.empty() && std::all_of(args.begin(), args.end(), [](const Token& a) {
      return a.kind == Tok::kNum;
    });
    if (numeric) {
      if (args.size() != 2) Fail(line_, first.col, "'" + first.text + "' takes two constants");
      Resolve(in, Form::kRand2, first.text, lhs, {}, first.col);
      in.c1 = args[0].num;
      in.c2 = args[1].num;
      return in;
    }
    for (const Token& a : args)
      if (a.kind != Tok::kReg) Fail(line_, a.col, "expected a register, got '" + a.text + "'");
    if (args.size() == 1) {
      Resolve(in, Form::kCall1, first.text, lhs, {args[0].reg_type, RegType::kNone}, first.col);
      in.in1 = static_cast<uint8_t>(args[0].reg);
    } else if (args.size() == 2) {
      Resolve(in, Form::kCall2, first.text, lhs, {args[0].reg_type, args[1].reg_type}, first.col);
      in.in1 = static_cast<uint8_t>(args[0].reg);
      in.in2 = static_cast<uint8_t>(args[1].reg);
    } else {
      Fail(line_, first.col, "'" + first.text + "' takes one or two arguments");
    }
    return in;
  }

  const Token& Peek() const { return t_[pos_]; }
  const Token& Next() {
    const Token& t = t_[pos_];
    if (pos_ + 1 < t_.size()) ++pos_;
    return t;
  }
  const Token& Expect(Tok kind, const char* what) {
    const Token& t = Next();
    if (t.kind != kind)
      Fail(line_, t.col, std::string("expected ") + what + ", got '" + (t.kind == Tok::kEnd ? "end of line" : t.text) + "'");
    return t;
  }
  void ExpectSym(const char* s) {
    const Token& t = Next();
    if (t.text != s || t.kind != Tok::kSym)
      Fail(line_, t.col, std::string("expected '") + s + "', got '" + (t.kind == Tok::kEnd ? "end of line" : t.text) + "'");
  }
  void ExpectEnd() {
    const Token& t = Peek();
    if (t.kind != Tok::kEnd) Fail(line_, t.col, "unexpected '" + t.text + "' at end of instruction");
  }
  int Index() {
    const Token& t = Expect(Tok::kNum, "an element index");
    if (t.num < 0 || t.num != std::floor(t.num) || t.num >= kMaxDim)
      Fail(line_, t.col, "element index must be an integer in [0, " + std::to_string(kMaxDim) + ")");
    return static_cast<int>(t.num);
  }
  void Resolve(Instruction& in, Form form, const std::string& name, const Token& lhs,
               std::pair<RegType, RegType> args, int col) {
    for (const OpInfo& info : kOpInfo) {
      if (info.form == form && info.name == name && info.out == lhs.reg_type &&
          (form == Form::kRand2 || (info.in1 == args.first && info.in2 == args.second))) {
        in.op = info.op;
        return;
      }
    }
    std::string sig = std::string(1, TypeLetter(lhs.reg_type)) + " = " + name;
    if (form == Form::kInfix) {
      sig = std::string(1, TypeLetter(lhs.reg_type)) + " = " + TypeLetter(args.first) + " " + name +
            " " + TypeLetter(args.second);
    } else if (form != Form::kRand2) {
      sig += std::string("(") + TypeLetter(args.first) +
             (args.second != RegType::kNone ? std::string(", ") + TypeLetter(args.second) : "") + ")";
    }
    bool known = std::any_of(kOpInfo.begin(), kOpInfo.end(), [&](const OpInfo& i) { return i.name == name; });
    Fail(line_, col, known ? "no operation matches '" + sig + "'" : "unknown operation '" + name + "'");
  }

  std::vector<Token> t_;
  size_t pos_ = 0;
  int line_;
};

}  // namespace

std::string PrintInstruction(const Instruction& in) {
  const OpInfo& info = Info(in.op);
  const std::string out = Reg(info.out, in.out);
  switch (info.form) {
    case Form::kInfix:
      return out + " = " + Reg(info.in1, in.in1) + " " + std::string(info.name) + " " +
             Reg(info.in2, in.in2);
    case Form::kCall1:
      return out + " = " + std::string(info.name) + "(" + Reg(info.in1, in.in1) + ")";
    case Form::kCall2:
      return out + " = " + std::string(info.name) + "(" + Reg(info.in1, in.in1) + ", " +
             Reg(info.in2, in.in2) + ")";
    case Form::kConst:
      return out + " = " + Num(in.c1);
    case Form::kElemConst:
      if (info.out == RegType::kVector) return out + "[" + std::to_string(in.row) + "] = " + Num(in.c1);
      return out + "[" + std::to_string(in.row) + ", " + std::to_string(in.col) + "] = " + Num(in.c1);
    case Form::kRand2:
      return out + " = " + std::string(info.name) + "(" + Num(in.c1) + ", " + Num(in.c2) + ")";
  }
  return out;
}

std::string Print(const Program& program) {
  std::string s;
  for (int c = 0; c < kNumComponents; ++c) {
    s += "def ";
    s += kComponentNames[c];
    s += "():\n";
    for (const Instruction& in : program.fn[c]) {
      s += "  ";
      s += PrintInstruction(in);
      s += '\n';
    }
  }
  return s;
}

Program Parse(std::string_view text) {
  Program p;
  int current = -1;
  bool seen[kNumComponents] = {false, false, false};
  int line_no = 0;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    ++line_no;
    start = end + 1;
    size_t first = line.find_first_not_of(" \t\r");
    if (first == std::string_view::npos || line[first] == '#') {
      if (end == text.size()) break;
      continue;
    }
    std::string_view body = line.substr(first);
    const int col = static_cast<int>(first) + 1;
    if (body.substr(0, 4) == "def ") {
      size_t paren = body.find("():");
      std::string_view name = body.substr(4, paren == std::string_view::npos ? std::string_view::npos : paren - 4);
      int which = -1;
      for (int c = 0; c < kNumComponents; ++c)
        if (name == kComponentNames[c]) which = c;
      if (which < 0 || paren == std::string_view::npos)
        Fail(line_no, col, "expected 'def setup():', 'def predict():' or 'def learn():'");
      std::string_view rest = body.substr(paren + 3);
      size_t r = rest.find_first_not_of(" \t\r");
      if (r != std::string_view::npos && rest[r] != '#')
        Fail(line_no, col + static_cast<int>(paren + 3 + r), "unexpected text after 'def " + std::string(name) + "():'");
      if (seen[which]) Fail(line_no, col, "component '" + std::string(name) + "' defined twice");
      seen[which] = true;
      current = which;
    } else {
      if (current < 0) Fail(line_no, col, "instruction outside a component (start with 'def setup():')");
      std::string_view trimmed = body.substr(0, body.find('#'));
      trimmed = trimmed.substr(0, trimmed.find_last_not_of(" \t\r") + 1);
      if (trimmed != "pass") {
        std::string owned(line);
        Instruction in = LineParser(Tokenize(owned, line_no), line_no).Parse();
        p.fn[current].push_back(in);
      }
    }
    if (end == text.size()) break;
  }
  return p;
}

Program Parse(std::string_view text, const Shape& shape) {
  Program p = Parse(text);
  p.Validate(shape);
  return p;
}

Shape MinimalShape(const Program& program, int dim) {
  Shape s;
  s.dim = dim;
  for (const auto& fn : program.fn)
    for (const Instruction& in : fn) {
      const OpInfo& info = Info(in.op);
      auto grow = [&](RegType t, int r) {
        if (t == RegType::kScalar) s.scalars = std::max(s.scalars, r + 1);
        if (t == RegType::kVector) s.vectors = std::max(s.vectors, r + 1);
        if (t == RegType::kMatrix) s.matrices = std::max(s.matrices, r + 1);
      };
      grow(info.out, in.out);
      grow(info.in1, in.in1);
      grow(info.in2, in.in2);
    }
  return s;
}

}  // namespace ouro::lang
