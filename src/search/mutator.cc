#include "search/mutator.h"

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
    {Mutation::kComponent, "component"}, {Mutation::kAlter, "alter_param"},
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
              "' (known: alter, randomize, insert, remove, swap, component)");
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

Mutator::Mutator(SearchSpace space, std::vector<Mutation> kinds)
    : space_(std::move(space)), kinds_(std::move(kinds)) {
  space_.Validate();
  if (kinds_.empty()) throw Error("search: no mutation kinds allowed");
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
  in.op = ops[rng.Below(static_cast<uint32_t>(ops.size()))];
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

bool Mutator::Apply(Mutation kind, Rng& rng, Program& p) const {
  const int c = static_cast<int>(rng.Below(lang::kNumComponents));
  auto& fn = p.fn[c];
  const auto comp = static_cast<Component>(c);
  const uint32_t n = static_cast<uint32_t>(fn.size());
  switch (kind) {
    case Mutation::kAlter: {
      if (n == 0) return false;
      Instruction& in = fn[rng.Below(n)];
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
          if (rng.Bernoulli(0.25)) *constant = RandomConstant(rng);
          else *constant *= 1.0 + rng.Gaussian(0.0, 0.1);
          break;
      }
      return true;
    }
    case Mutation::kRandomize:
      if (n == 0 || space_.ops[c].empty()) return false;
      fn[rng.Below(n)] = RandomInstruction(rng, comp);
      return true;
    case Mutation::kInsert:
      if (static_cast<int>(n) >= space_.max_size[c] || space_.ops[c].empty()) return false;
      fn.insert(fn.begin() + rng.Below(n + 1), RandomInstruction(rng, comp));
      return true;
    case Mutation::kRemove:
      if (static_cast<int>(n) <= space_.min_size[c] || n == 0) return false;
      fn.erase(fn.begin() + rng.Below(n));
      return true;
    case Mutation::kSwap: {
      if (n < 2) return false;
      const uint32_t i = rng.Below(n);
      uint32_t j = rng.Below(n - 1);
      if (j >= i) ++j;
      std::swap(fn[i], fn[j]);
      return true;
    }
    case Mutation::kComponent:
      if (n == 0 || space_.ops[c].empty()) return false;
      for (auto& in : fn) in = RandomInstruction(rng, comp);
      return true;
    case Mutation::kNone:
      return false;
  }
  return false;
}

Mutation Mutator::Mutate(Rng& rng, Program& p) const {
  // Bounded retries: a program may be empty everywhere, so some kinds may never apply.
  for (int attempt = 0; attempt < 32; ++attempt) {
    const Mutation kind = kinds_[rng.Below(static_cast<uint32_t>(kinds_.size()))];
    if (Apply(kind, rng, p)) return kind;
  }
  return Mutation::kNone;
}

}  // namespace ouro::search
