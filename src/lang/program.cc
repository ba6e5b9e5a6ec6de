#include "lang/program.h"

#include <string>

#include "core/error.h"
#include "core/hash.h"
#include "lang/text.h"

namespace ouro::lang {

void Shape::Validate() const {
  auto check = [](const char* what, int v, int lo, int hi) {
    if (v < lo || v > hi)
      throw Error(std::string("shape: ") + what + " = " + std::to_string(v) + " is out of range [" +
                  std::to_string(lo) + ", " + std::to_string(hi) + "]");
  };
  check("scalars", scalars, 2, kMaxRegisters);
  check("vectors", vectors, 1, kMaxRegisters);
  check("matrices", matrices, 0, kMaxRegisters);
  check("dim", dim, 1, kMaxDim);
}

void Program::Validate(const Shape& shape) const {
  for (int c = 0; c < kNumComponents; ++c) {
    for (size_t i = 0; i < fn[c].size(); ++i) {
      const Instruction& in = fn[c][i];
      if (static_cast<int>(in.op) >= kNumOps)
        throw Error(std::string(kComponentNames[c]) + "[" + std::to_string(i) + "]: bad op");
      const OpInfo& info = Info(in.op);
      auto check = [&](RegType t, int r) {
        if (t == RegType::kNone) return;
        if (r >= shape.Count(t))
          throw Error(std::string(kComponentNames[c]) + " instruction " + std::to_string(i + 1) +
                      " '" + PrintInstruction(in) + "': register " +
                      (t == RegType::kScalar ? "s" : t == RegType::kVector ? "v" : "m") +
                      std::to_string(r) + " does not exist (have " +
                      std::to_string(shape.Count(t)) + ")");
      };
      check(info.out, in.out);
      check(info.in1, in.in1);
      check(info.in2, in.in2);
    }
  }
}

uint64_t Program::Hash() const { return Hash64(Print(*this)); }

}  // namespace ouro::lang
