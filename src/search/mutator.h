// search/mutator.h — random programs and the mutation operators of the object-level search.
//
// A Mutator knows the search space (shape, allowed ops per component, component size bounds) and
// turns an Rng into random instructions, random programs and mutated copies. Operators:
//   alter      — redraw one argument (output or input register) or perturb one constant
//   randomize  — replace one instruction by a random one
//   insert     — insert a random instruction (if the component is below its max size)
//   remove     — delete one instruction (if above its min size)
//   swap       — exchange two instructions of one component
//   component  — replace every instruction of one component by random ones (size kept)
// Pure functions of (input, Rng state): deterministic. Thread-compatible (const methods).
#pragma once

#include <array>
#include <string>
#include <string_view>
#include <vector>

#include "core/rng.h"
#include "lang/program.h"

namespace ouro::search {

enum class Mutation : uint8_t { kNone, kAlter, kRandomize, kInsert, kRemove, kSwap, kComponent };
std::string_view MutationName(Mutation m);
// Accepts the names above plus AutoML-Zero's ("alter_param", "randomize_instruction",
// "randomize_component", "insert_instruction", "remove_instruction"). Throws ouro::Error.
Mutation MutationFromName(std::string_view name);

struct SearchSpace {
  lang::Shape shape;
  std::array<std::vector<lang::Op>, lang::kNumComponents> ops;  // allowed ops (empty = none)
  std::array<int, lang::kNumComponents> min_size{0, 1, 0};
  std::array<int, lang::kNumComponents> max_size{21, 21, 45};
  // Throws ouro::Error if inconsistent (min > max, a component needing ops has none, ...).
  void Validate() const;
};

class Mutator {
 public:
  Mutator(SearchSpace space, std::vector<Mutation> kinds);

  lang::Instruction RandomInstruction(Rng& rng, lang::Component c) const;
  lang::Program RandomProgram(Rng& rng, const std::array<int, lang::kNumComponents>& sizes) const;
  // Applies one operator drawn uniformly from the allowed kinds; retries kinds that cannot apply
  // (e.g. remove on an empty component). Returns the kind applied (kNone if nothing could apply).
  Mutation Mutate(Rng& rng, lang::Program& p) const;
  // Applies a specific operator; false if it cannot apply to p.
  bool Apply(Mutation kind, Rng& rng, lang::Program& p) const;

  const SearchSpace& space() const { return space_; }

 private:
  void RandomizeArgs(Rng& rng, lang::Instruction& in) const;
  double RandomConstant(Rng& rng) const;
  SearchSpace space_;
  std::vector<Mutation> kinds_;
};

}  // namespace ouro::search
