// lang/text.h — the readable text form of programs, with exact round trip.
//
//   def setup():
//     s2 = 0.01
//   def predict():
//     s1 = dot(v0, v1)
//   def learn():
//     s3 = s0 - s1
//     v1 = v1 + v2
//
// Print(Parse(t)) == t for every printed program, and Parse(Print(p)) == p bit for bit (constants
// are printed in the shortest form that reads back to the same double). The parser accepts
// comments (# ...), blank lines, `pass`, any indentation, and components in any order, each at
// most once; missing components are empty. Errors throw ouro::Error "LINE:COL: message".
#pragma once

#include <string>
#include <string_view>

#include "lang/program.h"

namespace ouro::lang {

std::string PrintInstruction(const Instruction& instr);
std::string Print(const Program& program);
// Parses program text; if shape is given, also checks register ranges against it.
Program Parse(std::string_view text);
Program Parse(std::string_view text, const Shape& shape);
// Smallest shape that fits the program (at least the default 4/3/1 register counts), at dim.
Shape MinimalShape(const Program& program, int dim);

}  // namespace ouro::lang
