// Helpers shared by the lang tests: random valid instructions over every op.
#pragma once

#include <cmath>

#include "core/rng.h"
#include "lang/program.h"

namespace ouro::lang::testing {

inline int RandReg(Rng& r, RegType t, const Shape& s) {
  return t == RegType::kNone ? 0 : static_cast<int>(r.Below(static_cast<uint32_t>(s.Count(t))));
}

inline Instruction RandomInstruction(Rng& r, const Shape& s, Op op) {
  const OpInfo& info = Info(op);
  Instruction in;
  in.op = op;
  in.out = static_cast<uint8_t>(RandReg(r, info.out, s));
  in.in1 = static_cast<uint8_t>(RandReg(r, info.in1, s));
  in.in2 = static_cast<uint8_t>(RandReg(r, info.in2, s));
  if (op == Op::kVectorConst || op == Op::kMatrixConst) {
    in.row = static_cast<uint16_t>(r.Below(static_cast<uint32_t>(s.dim)));
    if (op == Op::kMatrixConst) in.col = static_cast<uint16_t>(r.Below(static_cast<uint32_t>(s.dim)));
  }
  if (info.form == Form::kConst || info.form == Form::kElemConst || info.form == Form::kRand2) {
    in.c1 = r.Gaussian();
    in.c2 = info.form == Form::kRand2 ? std::fabs(r.Gaussian()) + 0.01 : 0.0;
  }
  return in;
}

inline Program RandomProgram(Rng& r, const Shape& s, int size) {
  Program p;
  for (auto& fn : p.fn)
    for (int i = 0; i < size; ++i)
      fn.push_back(RandomInstruction(r, s, static_cast<Op>(r.Below(kNumOps))));
  return p;
}

}  // namespace ouro::lang::testing
