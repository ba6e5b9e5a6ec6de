#include "search/mutator.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "core/error.h"

namespace ouro::search {

using lang::Component;
using lang::Instruction;
using lang::Op;
using lang::Program;
using lang::RegType;

namespace {
constexpr std::pair<Mutation, std::string_view> kNames[] = {
    {Mutation::kNone, "none"},          {Mutation::kAlter, "alter"},
    {Mutation::kRandomize, "randomize"}, {Mutation::kInsert, "insert"},
    {Mutation::kRemove, "remove"},       {Mutation::kSwap, "swap"},
    {Mutation::kComponent, "component"}, {Mutation::kMacro, "macro"},
    {Mutation::kCrossover, "crossover"}, {Mutation::kAlter, "alter_param"},
    {Mutation::kRandomize, "randomize_instruction"},
    {Mutation::kComponent, "randomize_component"},
    {Mutation::kInsert, "insert_instruction"}, {Mutation::kRemove, "remove_instruction"},
};
}  // namespace

std::string_view MutationName(Mutation m) {
  for (const auto& [k, name] : kNames)
    if (k == m) return name;
  return "?";
}

Mutation MutationFromName(std::string_view name) {
  for (const auto& [k, n] : kNames)
    if (n == name && k != Mutation::kNone) return k;
  throw Error("unknown mutation '" + std::string(name) +
              "' (known: alter, randomize, insert, remove, swap, component, macro, crossover)");
}

size_t WeightedIndex(Rng& rng, const std::vector<double>& weights, size_t n) {
  if (n <= 1) return 0;
  if (weights.empty()) return rng.Below(static_cast<uint32_t>(n));
  double total = 0;
  size_t nonzero = 0, last = 0;
  bool equal = true;
  for (size_t i = 0; i < n; ++i) {
    total += weights[i];
    if (weights[i] > 0) ++nonzero, last = i;
    if (weights[i] != weights[0]) equal = false;
  }
  if (equal) return rng.Below(static_cast<uint32_t>(n));
  if (nonzero == 1) return last;
  double u = rng.Uniform() * total;
  for (size_t i = 0; i < n; ++i) {
    if (weights[i] <= 0) continue;
    if (u < weights[i]) return i;
    u -= weights[i];
  }
  return last;
}

void ProposalPolicy::Validate(const SearchSpace& space, size_t n_kinds) const {
  auto check = [](const std::vector<double>& w, size_t n, const std::string& what) {
    if (w.empty()) return;
    if (w.size() != n)
      throw Error("proposal policy: " + what + " has " + std::to_string(w.size()) + " weights for " +
                  std::to_string(n) + " choices");
    double total = 0;
    for (double x : w) {
      if (!std::isfinite(x) || x < 0) throw Error("proposal policy: " + what + " weights must be finite and >= 0");
      total += x;
    }
    if (n > 0 && total <= 0) throw Error("proposal policy: " + what + " weights are all zero");
  };
  check(kind_weights, n_kinds, "mutation kind");
  for (int c = 0; c < lang::kNumComponents; ++c)
    check(op_weights[c], space.ops[c].size(), std::string(lang::kComponentNames[c]) + " operation");
  check(std::vector<double>(insert_at.begin(), insert_at.end()), 3, "insert position");
  if (!(const_fresh_prob >= 0 && const_fresh_prob <= 1))
    throw Error("proposal policy: const_fresh_prob must be in [0, 1]");
  if (!(const_sigma >= 0 && std::isfinite(const_sigma))) throw Error("proposal policy: const_sigma must be >= 0");
  for (const Macro& m : macros) {
    if (m.code.empty()) throw Error("proposal policy: empty macro");
    lang::Program p;
    p[m.component] = m.code;
    p.Validate(space.shape);  // registers and element indices must exist in this shape
  }
}

void SearchSpace::Validate() const {
  shape.Validate();
  for (int c = 0; c < lang::kNumComponents; ++c) {
    const std::string name = lang::kComponentNames[c];
    if (min_size[c] < 0 || min_size[c] > max_size[c])
      throw Error("search space: " + name + " size bounds [" + std::to_string(min_size[c]) + ", " +
                  std::to_string(max_size[c]) + "] are invalid");
    if (max_size[c] > 0 && ops[c].empty())
      throw Error("search space: " + name + " may hold instructions but allows no operations");
    for (Op op : ops[c]) {
      const lang::OpInfo& info = lang::Info(op);
      for (RegType t : {info.out, info.in1, info.in2})
        if (t == RegType::kMatrix && shape.matrices == 0)
          throw Error("search space: op '" + std::string(info.id) + "' needs a matrix register but matrices = 0");
    }
  }
}

Mutator::Mutator(SearchSpace space, std::vector<Mutation> kinds, ProposalPolicy policy)
    : space_(std::move(space)), kinds_(std::move(kinds)), policy_(std::move(policy)) {
  space_.Validate();
  if (kinds_.empty()) throw Error("search: no mutation kinds allowed");
  policy_.Validate(space_, kinds_.size());
  insert_weights_.assign(policy_.insert_at.begin(), policy_.insert_at.end());
}

bool Mutator::HasKind(Mutation kind) const {
  for (Mutation k : kinds_)
    if (k == kind) return true;
  return false;
}

size_t Mutator::InsertPosition(Rng& rng, size_t n) const {
  switch (static_cast<InsertAt>(WeightedIndex(rng, insert_weights_, 3))) {
    case InsertAt::kStart: return 0;
    case InsertAt::kEnd: return n;
    case InsertAt::kAnywhere: break;
  }
  return rng.Below(static_cast<uint32_t>(n + 1));
}

double Mutator::RandomConstant(Rng& rng) const { return rng.Uniform(-1.0, 1.0); }

void Mutator::RandomizeArgs(Rng& rng, Instruction& in) const {
  const lang::OpInfo& info = lang::Info(in.op);
  auto reg = [&](RegType t) -> uint8_t {
    return t == RegType::kNone ? 0 : static_cast<uint8_t>(rng.Below(static_cast<uint32_t>(space_.shape.Count(t))));
  };
  in.out = reg(info.out);
  in.in1 = reg(info.in1);
  in.in2 = reg(info.in2);
  in.row = in.col = 0;
  in.c1 = in.c2 = 0;
  switch (info.form) {
    case lang::Form::kConst:
      in.c1 = RandomConstant(rng);
      break;
    case lang::Form::kElemConst:
      in.c1 = RandomConstant(rng);
      in.row = static_cast<uint16_t>(rng.Below(static_cast<uint32_t>(space_.shape.dim)));
      if (in.op == Op::kMatrixConst) in.col = static_cast<uint16_t>(rng.Below(static_cast<uint32_t>(space_.shape.dim)));
      break;
    case lang::Form::kRand2:
      if (in.op == Op::kScalarGaussian || in.op == Op::kVectorGaussian || in.op == Op::kMatrixGaussian) {
        in.c1 = RandomConstant(rng) * 0.1;
        in.c2 = rng.Uniform(0.0, 1.0);
      } else {
        in.c1 = RandomConstant(rng);
        in.c2 = in.c1 + rng.Uniform(0.0, 1.0);
      }
      break;
    default:
      break;
  }
}

Instruction Mutator::RandomInstruction(Rng& rng, Component c) const {
  const auto& ops = space_.ops[static_cast<int>(c)];
  Instruction in;
  in.op = ops[WeightedIndex(rng, policy_.op_weights[static_cast<int>(c)], ops.size())];
  RandomizeArgs(rng, in);
  return in;
}

Program Mutator::RandomProgram(Rng& rng, const std::array<int, lang::kNumComponents>& sizes) const {
  Program p;
  for (int c = 0; c < lang::kNumComponents; ++c)
    for (int i = 0; i < sizes[c]; ++i)
      if (!space_.ops[c].empty()) p.fn[c].push_back(RandomInstruction(rng, static_cast<Component>(c)));
  return p;
}

namespace {
// Records in *e the relative position of fn[i] in a component of `size` and its operation.
void RecordAt(const std::vector<Instruction>& fn, size_t i, size_t size, Edit* e) {
  e->position = size > 1 ? std::min(1.0, static_cast<double>(i) / static_cast<double>(size - 1)) : 0.0;
  if (i < fn.size()) e->op = fn[i].op;
}
}  // namespace

bool Mutator::AlterOne(Rng& rng, std::vector<Instruction>& fn, Edit* edit) const {
  Edit& e = *edit;
  const uint32_t n = static_cast<uint32_t>(fn.size());
  auto at = [&](size_t i, size_t size) { RecordAt(fn, i, size, &e); };
  const uint32_t i = rng.Below(n);
  at(i, n);
  Instruction& in = fn[i];
  const lang::OpInfo& info = lang::Info(in.op);
  // Candidate parameters: registers that exist, then constants.
  int params[6];
  int np = 0;
  if (info.out != RegType::kNone) params[np++] = 0;
  if (info.in1 != RegType::kNone) params[np++] = 1;
  if (info.in2 != RegType::kNone) params[np++] = 2;
  if (info.form == lang::Form::kConst || info.form == lang::Form::kElemConst || info.form == lang::Form::kRand2)
    params[np++] = 3;
  if (info.form == lang::Form::kRand2) params[np++] = 4;
  if (info.form == lang::Form::kElemConst) params[np++] = 5;
  if (np == 0) return false;
  const int which = params[rng.Below(static_cast<uint32_t>(np))];
  auto reg = [&](RegType t) {
    return static_cast<uint8_t>(rng.Below(static_cast<uint32_t>(space_.shape.Count(t))));
  };
  double* constant = which == 3 ? &in.c1 : &in.c2;
  switch (which) {
    case 0: in.out = reg(info.out); break;
    case 1: in.in1 = reg(info.in1); break;
    case 2: in.in2 = reg(info.in2); break;
    case 5: {
      const auto dim = static_cast<uint32_t>(space_.shape.dim);
      in.row = static_cast<uint16_t>(rng.Below(dim));
      if (in.op == Op::kMatrixConst) in.col = static_cast<uint16_t>(rng.Below(dim));
      break;
    }
    default:
      // Mostly small multiplicative steps (they tune learning rates), sometimes a fresh draw.
      if (rng.Bernoulli(policy_.const_fresh_prob)) *constant = RandomConstant(rng);
      else *constant *= 1.0 + rng.Gaussian(0.0, policy_.const_sigma);
      break;
  }
  return true;
}

bool Mutator::InsertMacro(Rng& rng, std::vector<Instruction>& fn, int c, Edit* edit) const {
  Edit& e = *edit;
  const uint32_t n = static_cast<uint32_t>(fn.size());
  const auto comp = static_cast<Component>(c);
  auto at = [&](size_t i, size_t size) { RecordAt(fn, i, size, &e); };
  // Macros of this component that fit under its size bound.
  std::vector<size_t> fits;
  for (size_t m = 0; m < policy_.macros.size(); ++m)
    if (policy_.macros[m].component == comp &&
        static_cast<int>(n + policy_.macros[m].code.size()) <= space_.max_size[c])
      fits.push_back(m);
  if (fits.empty()) return false;
  const auto& code = policy_.macros[fits[rng.Below(static_cast<uint32_t>(fits.size()))]].code;
  const size_t i = InsertPosition(rng, n);
  fn.insert(fn.begin() + static_cast<std::ptrdiff_t>(i), code.begin(), code.end());
  at(i, n + code.size());
  return true;
}

bool Mutator::CrossOver(Rng& rng, std::vector<Instruction>& fn, int c, const Program* mate, Edit* edit) const {
  Edit& e = *edit;
  const uint32_t n = static_cast<uint32_t>(fn.size());
  auto at = [&](size_t i, size_t size) { RecordAt(fn, i, size, &e); };
  // One-point: the head of this component up to a cut, then the mate's tail from its cut.
  if (!mate) return false;
  const auto& other = mate->fn[c];
  const uint32_t i = rng.Below(n + 1);
  const uint32_t j = rng.Below(static_cast<uint32_t>(other.size()) + 1);
  std::vector<Instruction> out(fn.begin(), fn.begin() + i);
  out.insert(out.end(), other.begin() + j, other.end());
  if (static_cast<int>(out.size()) < space_.min_size[c] || static_cast<int>(out.size()) > space_.max_size[c] ||
      out == fn)
    return false;
  fn = std::move(out);
  at(i, fn.size());
  return true;
}

bool Mutator::Apply(Mutation kind, Rng& rng, Program& p, const Program* mate, Edit* edit) const {
  const int c = static_cast<int>(rng.Below(lang::kNumComponents));
  auto& fn = p.fn[c];
  const auto comp = static_cast<Component>(c);
  const uint32_t n = static_cast<uint32_t>(fn.size());
  Edit local;
  Edit& e = edit ? *edit : local;
  e = Edit{kind, c, 0.0, Op::kCount};
  auto at = [&](size_t i, size_t size) { RecordAt(fn, i, size, &e); };
  switch (kind) {
    case Mutation::kAlter:
      if (n == 0) return false;
      return AlterOne(rng, fn, &e);
    case Mutation::kRandomize: {
      if (n == 0 || space_.ops[c].empty()) return false;
      // The instruction is drawn before its position (the engine's original draw order).
      Instruction in = RandomInstruction(rng, comp);
      const uint32_t i = rng.Below(n);
      fn[i] = in;
      at(i, n);
      return true;
    }
    case Mutation::kInsert: {
      if (static_cast<int>(n) >= space_.max_size[c] || space_.ops[c].empty()) return false;
      Instruction in = RandomInstruction(rng, comp);  // drawn before its position, as always
      const size_t i = InsertPosition(rng, n);
      fn.insert(fn.begin() + static_cast<std::ptrdiff_t>(i), in);
      at(i, n + 1);
      return true;
    }
    case Mutation::kRemove: {
      if (static_cast<int>(n) <= space_.min_size[c] || n == 0) return false;
      const uint32_t i = rng.Below(n);
      at(i, n);
      e.op = Op::kCount;  // nothing was written
      fn.erase(fn.begin() + i);
      return true;
    }
    case Mutation::kSwap: {
      if (n < 2) return false;
      const uint32_t i = rng.Below(n);
      uint32_t j = rng.Below(n - 1);
      if (j >= i) ++j;
      std::swap(fn[i], fn[j]);
      at(i, n);
      e.op = Op::kCount;
      return true;
    }
    case Mutation::kComponent:
      if (n == 0 || space_.ops[c].empty()) return false;
      for (auto& in : fn) in = RandomInstruction(rng, comp);
      at(0, n);
      return true;
    case Mutation::kMacro:
      return InsertMacro(rng, fn, c, &e);
    case Mutation::kCrossover:
      return CrossOver(rng, fn, c, mate, &e);
    case Mutation::kNone:
      return false;
  }
  return false;
}

Mutation Mutator::Mutate(Rng& rng, Program& p, const Program* mate, Edit* edit) const {
  // Bounded retries: a program may be empty everywhere, so some kinds may never apply.
  for (int attempt = 0; attempt < 32; ++attempt) {
    const Mutation kind = kinds_[WeightedIndex(rng, policy_.kind_weights, kinds_.size())];
    if (Apply(kind, rng, p, mate, edit)) return kind;
  }
  if (edit) *edit = Edit{};
  return Mutation::kNone;
}

}  // namespace ouro::search
