#include "lang/interpreter.h"

#include <bit>

#include "core/hash.h"
#include "lang/prune.h"

namespace ouro::lang {

Executable Compile(const Program& program, const Shape& shape, bool prune) {
  Executable exe;
  CompileInto(program, shape, &exe, prune);
  return exe;
}

void CompileInto(const Program& program, const Shape& shape, Executable* out, bool prune) {
  shape.Validate();
  program.Validate(shape);
  Executable& exe = *out;
  for (auto& fn : exe.fn) fn.clear();
  exe.rng_streams.clear();
  exe.cost.fill(0);
  exe.shape = shape;
  const uint32_t d = static_cast<uint32_t>(shape.dim);
  exe.vector_base = static_cast<uint32_t>(shape.scalars);
  exe.matrix_base = exe.vector_base + static_cast<uint32_t>(shape.vectors) * d;
  exe.scratch = exe.matrix_base + static_cast<uint32_t>(shape.matrices) * d * d;
  exe.memory_doubles = exe.scratch + d * d;

  auto offset = [&](RegType t, int r) -> uint32_t {
    switch (t) {
      case RegType::kScalar: return static_cast<uint32_t>(r);
      case RegType::kVector: return exe.vector_base + static_cast<uint32_t>(r) * d;
      case RegType::kMatrix: return exe.matrix_base + static_cast<uint32_t>(r) * d * d;
      case RegType::kNone: return 0;
    }
    return 0;
  };
  thread_local std::array<std::vector<bool>, kNumComponents> live;  // reused: no allocation per call
  if (prune) LiveInstructions(program, &live);
  uint32_t position = 0;
  for (int c = 0; c < kNumComponents; ++c) {
    const auto& fn = program.fn[c];
    for (size_t i = 0; i < fn.size(); ++i, ++position) {
      if (prune && !live[c][i]) continue;
      const Instruction& in = fn[i];
      const OpInfo& info = Info(in.op);
      CompiledInstr ci{in.op, 0, offset(info.out, in.out), offset(info.in1, in.in1),
                       offset(info.in2, in.in2), in.c1, in.c2};
      if (in.op == Op::kVectorConst) ci.out += in.row % d;
      if (in.op == Op::kMatrixConst) ci.out += (in.row % d) * d + (in.col % d);
      if (info.random) {
        ci.rng_slot = static_cast<uint16_t>(exe.rng_streams.size());
        exe.rng_streams.push_back(position);
      }
      exe.fn[c].push_back(ci);
      exe.cost[c] += OpCost(in.op, shape.dim);
    }
  }
}

void Machine::Reset(const Executable& exe, uint64_t seed) {
  mem_.assign(exe.memory_doubles, 0.0);
  rng_.resize(exe.rng_streams.size());
  for (size_t i = 0; i < rng_.size(); ++i) rng_[i] = DeriveSeed(seed, exe.rng_streams[i]);
}

void Machine::Run(const Executable& exe, Component c) {
  const auto& fn = exe.fn[static_cast<int>(c)];
  DispatchDim(exe.shape.dim, [&]<int D>() {
    Execute<D>(fn.data(), fn.data() + fn.size(), mem_.data(), rng_.data(), exe.shape.dim, exe.scratch);
  });
}

// Each instruction's four words are mixed by independent multiplications (they pipeline), the
// result folded into the running hash, and the whole finished by SplitMix64's mixer.
uint64_t Hash(const Executable& exe) {
  uint64_t h = 0x65786521;  // "exe!"
  for (const auto& fn : exe.fn) {
    h = (std::rotl(h, 23) ^ fn.size()) * 0x9e3779b97f4a7c15ULL;
    for (const CompiledInstr& ci : fn) {
      const uint64_t w0 = static_cast<uint64_t>(ci.op) | static_cast<uint64_t>(ci.rng_slot) << 8 |
                          static_cast<uint64_t>(ci.out) << 32;
      const uint64_t w1 = static_cast<uint64_t>(ci.a) | static_cast<uint64_t>(ci.b) << 32;
      const uint64_t x = w0 * 0xbf58476d1ce4e5b9ULL ^ std::rotl(w1 * 0x94d049bb133111ebULL, 17) ^
                         std::rotl(std::bit_cast<uint64_t>(ci.c1) * 0xd6e8feb86659fd93ULL, 31) ^
                         std::rotl(std::bit_cast<uint64_t>(ci.c2) * 0xa0761d6478bd642fULL, 47);
      h = (std::rotl(h, 23) ^ x) * 0x9e3779b97f4a7c15ULL;
    }
  }
  for (uint32_t s : exe.rng_streams) h = (std::rotl(h, 23) ^ s) * 0x9e3779b97f4a7c15ULL;
  return SplitMix64(h);
}

}  // namespace ouro::lang
