// lang/program.h — programs: three component functions of straight-line instructions.
//
// A Program is data (no code pointers), cheap to copy and hash. Register roles are fixed:
// s0 holds the label during learn (0 during predict), s1 is the prediction, v0 holds the features.
// A Shape gives the register-file sizes and the feature size, chosen at run time; a Program is
// valid for a Shape when every register index it uses fits (Validate). Element indices of
// vA[i] = c / mA[i, j] = c are taken modulo dim when executed, so a program stays valid at any dim.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "lang/ops.h"

namespace ouro::lang {

enum class Component : uint8_t { kSetup = 0, kPredict = 1, kLearn = 2 };
inline constexpr int kNumComponents = 3;
inline constexpr std::array<const char*, kNumComponents> kComponentNames = {"setup", "predict",
                                                                           "learn"};

inline constexpr int kLabelScalar = 0;       // s0
inline constexpr int kPredictionScalar = 1;  // s1
inline constexpr int kFeatureVector = 0;     // v0
inline constexpr int kMaxRegisters = 64;     // per register file
inline constexpr int kMaxDim = 256;

struct Shape {
  int scalars = 4;
  int vectors = 3;
  int matrices = 1;
  int dim = 4;
  // Throws ouro::Error when a count is out of range (scalars >= 2, vectors >= 1, matrices >= 0,
  // all <= kMaxRegisters, 1 <= dim <= kMaxDim).
  void Validate() const;
  bool operator==(const Shape&) const = default;
  int Count(RegType t) const {
    return t == RegType::kScalar ? scalars : t == RegType::kVector ? vectors : matrices;
  }
};

struct Instruction {
  Op op = Op::kScalarConst;
  uint8_t out = 0;
  uint8_t in1 = 0;
  uint8_t in2 = 0;
  uint16_t row = 0;   // element index for vector/matrix const set
  uint16_t col = 0;
  double c1 = 0.0;    // constant value, or lo / mean
  double c2 = 0.0;    // hi / stddev

  bool operator==(const Instruction&) const = default;
};

struct Program {
  std::array<std::vector<Instruction>, kNumComponents> fn;

  std::vector<Instruction>& operator[](Component c) { return fn[static_cast<int>(c)]; }
  const std::vector<Instruction>& operator[](Component c) const { return fn[static_cast<int>(c)]; }
  size_t Size() const { return fn[0].size() + fn[1].size() + fn[2].size(); }
  bool operator==(const Program&) const = default;

  // Throws ouro::Error naming the component and instruction index when a register is out of range
  // for shape.
  void Validate(const Shape& shape) const;
  // Stable identity: hash of the canonical text form.
  uint64_t Hash() const;
};

}  // namespace ouro::lang
