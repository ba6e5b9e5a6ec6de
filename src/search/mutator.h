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
//   macro      — insert a sequence from the macro library (instructions mined from good programs)
//   crossover  — one-point crossover of one component with a second parent (the mate)
// How operators, operations, constants and positions are drawn is set by a ProposalPolicy's
// weights (the improver spec of meta/ turns into one). The default policy draws everything
// uniformly, exactly
// as the engine always has: a default-policy Mutator makes the same draws as before policies
// existed, so lineages of old seeds are unchanged.
// Pure functions of (input, Rng state): deterministic. Thread-compatible (const methods).
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/rng.h"
#include "lang/program.h"

namespace ouro::search {

enum class Mutation : uint8_t { kNone, kAlter, kRandomize, kInsert, kRemove, kSwap, kComponent, kMacro, kCrossover };
inline constexpr int kNumMutations = 9;  // including kNone
std::string_view MutationName(Mutation m);
// Accepts the names above plus AutoML-Zero's ("alter_param", "randomize_instruction",
// "randomize_component", "insert_instruction", "remove_instruction"). Throws ouro::Error.
Mutation MutationFromName(std::string_view name);

struct SearchSpace;

// Where `insert` and `macro` put new instructions.
enum class InsertAt : uint8_t { kStart, kAnywhere, kEnd };

// A reusable instruction sequence for one component.
struct Macro {
  lang::Component component = lang::Component::kLearn;
  std::vector<lang::Instruction> code;
  bool operator==(const Macro&) const = default;
};

// Draw weights of the proposal distribution. Empty weight vectors mean uniform. Weights must be
// finite and >= 0 with at least one > 0 where a draw happens (Validate).
struct ProposalPolicy {
  std::vector<double> kind_weights;                              // parallel to the kinds
  std::array<std::vector<double>, lang::kNumComponents> op_weights;  // parallel to space.ops[c]
  double const_fresh_prob = 0.25;  // alter: redraw a constant in [-1, 1) with this probability,
  double const_sigma = 0.1;        // else multiply it by 1 + N(0, const_sigma)
  std::array<double, 3> insert_at{0, 1, 0};  // weights of InsertAt::kStart, kAnywhere, kEnd
  std::vector<Macro> macros;                 // the library offered by `macro`
  void Validate(const SearchSpace& space, size_t n_kinds) const;
  bool operator==(const ProposalPolicy&) const = default;
};

// What one mutation did, for credit assignment: the operator, the component, the position
// (relative, in [0, 1]) and the operation of the instruction it wrote or altered.
struct Edit {
  Mutation kind = Mutation::kNone;
  int component = -1;
  double position = 0;
  lang::Op op = lang::Op::kCount;  // kCount: none (remove, swap)
};

// Index drawn with probability proportional to weights; no draw at all when only one index is
// possible, and a plain uniform draw (rng.Below) when the weights are empty or all equal.
size_t WeightedIndex(Rng& rng, const std::vector<double>& weights, size_t n);

struct SearchSpace {
  lang::Shape shape;
  std::array<std::vector<lang::Op>, lang::kNumComponents> ops;  // allowed ops (empty = none)
  std::array<int, lang::kNumComponents> min_size{0, 1, 0};
  std::array<int, lang::kNumComponents> max_size{21, 21, 45};
  // Throws ouro::Error if inconsistent (min > max, a component needing ops has none, ...).
  void Validate() const;
  bool operator==(const SearchSpace&) const = default;
};

class Mutator {
 public:
  Mutator(SearchSpace space, std::vector<Mutation> kinds, ProposalPolicy policy = {});

  lang::Instruction RandomInstruction(Rng& rng, lang::Component c) const;
  lang::Program RandomProgram(Rng& rng, const std::array<int, lang::kNumComponents>& sizes) const;
  // Applies one operator drawn from the allowed kinds by the policy's kind weights (uniformly by
  // default); retries kinds that cannot apply
  // (e.g. remove on an empty component). Returns the kind applied (kNone if nothing could apply).
  // `mate` is the second parent for crossover (crossover cannot apply without one); `edit`, if
  // given, receives what was done.
  Mutation Mutate(Rng& rng, lang::Program& p, const lang::Program* mate = nullptr, Edit* edit = nullptr) const;
  // Applies a specific operator; false if it cannot apply to p.
  bool Apply(Mutation kind, Rng& rng, lang::Program& p, const lang::Program* mate = nullptr,
             Edit* edit = nullptr) const;
  bool HasKind(Mutation kind) const;

  const SearchSpace& space() const { return space_; }
  const ProposalPolicy& policy() const { return policy_; }

 private:
  size_t InsertPosition(Rng& rng, size_t n) const;
  void RandomizeArgs(Rng& rng, lang::Instruction& in) const;
  double RandomConstant(Rng& rng) const;
  // The operators with more than a few lines; each returns false if it cannot apply to fn
  // (component c) and records what it did in *edit.
  bool AlterOne(Rng& rng, std::vector<lang::Instruction>& fn, Edit* edit) const;
  bool InsertMacro(Rng& rng, std::vector<lang::Instruction>& fn, int c, Edit* edit) const;
  bool CrossOver(Rng& rng, std::vector<lang::Instruction>& fn, int c, const lang::Program* mate, Edit* edit) const;
  SearchSpace space_;
  std::vector<Mutation> kinds_;
  ProposalPolicy policy_;
  std::vector<double> insert_weights_;  // policy_.insert_at, as WeightedIndex takes it
};

}  // namespace ouro::search
