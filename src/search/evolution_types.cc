// search/evolution_types.cc — the plain data of evolution.h that is not the search loop: the
// config's validation, credit statistics and the individual's iterative destructor.
#include <algorithm>
#include <string>

#include "core/error.h"
#include "search/evolution.h"

namespace ouro::search {

Individual::~Individual() {
  // Unlink the chain while we hold the only reference, so destruction does not recurse.
  std::shared_ptr<const Individual> p = std::move(parent);
  while (p && p.use_count() == 1) {
    std::shared_ptr<const Individual> next = std::move(const_cast<Individual&>(*p).parent);
    p = std::move(next);
  }
}

void EvolutionConfig::Validate() const {
  Strategy::Validate();
  if (!(compiled == CompileStrategy(*this, shape)))
    throw Error("search: the strategy or the shape changed after Compile(); compile the config again");
  if (warmup_individuals < 0) throw Error("search: warmup_individuals must be >= 0");
  if (warmup_individuals > 0 && warmup_individuals >= max_individuals)
    throw Error("search: warmup_individuals (" + std::to_string(warmup_individuals) +
                ") must be below max_individuals (" + std::to_string(max_individuals) + ")");
  const SearchSpace& space = compiled.space;
  space.Validate();
  if (batch < 1) throw Error("search: batch must be >= 1");
  if (check_every < 1) throw Error("search: check_every must be >= 1");
  if (select_top < 1) throw Error("search: select_top must be >= 1");
  if (!(held_out_target >= 0 && held_out_target <= 2)) throw Error("search: held_out_target must be in [0, 2]");
  if (initial == "given" && initial_programs.empty())
    throw Error("search: initial = 'given' but no initial programs");
  for (const auto& p : initial_programs) p.Validate(shape);
  compiled.policy.Validate(space, compiled.kinds.size());
  // Random initial programs must respect the size bounds; empty and given ones need only fit
  // under max_size (min_size only stops `remove` from shrinking a component further).
  for (int c = 0; c < lang::kNumComponents; ++c) {
    const std::string name = lang::kComponentNames[c];
    const int init = compiled.init_size[c];
    if (initial == "random" && (init < space.min_size[c] || init > space.max_size[c]))
      throw Error("search: init_size." + name + " = " + std::to_string(init) + " is outside [min_size, max_size] = [" +
                  std::to_string(space.min_size[c]) + ", " + std::to_string(space.max_size[c]) + "]");
    for (const auto& p : initial_programs)
      if (initial == "given" && static_cast<int>(p.fn[c].size()) > space.max_size[c])
        throw Error("search: an initial program's " + name + " has " + std::to_string(p.fn[c].size()) +
                    " instructions, more than max_size." + name + " = " + std::to_string(space.max_size[c]));
  }
}

void CreditStats::Record(const Edit& e, double gain, double trials) {
  auto bump = [&](CreditCounts& c) {
    c.trials += trials;
    c.gains += std::clamp(gain, 0.0, 1.0);
  };
  bump(kind[static_cast<int>(e.kind)]);
  if (e.component >= 0 && e.op != lang::Op::kCount) bump(op[e.component][static_cast<int>(e.op)]);
  bump(position[std::min(3, static_cast<int>(e.position * 4))]);
}

void CreditStats::Add(const CreditStats& o) {
  auto add = [](CreditCounts& a, const CreditCounts& b) {
    a.trials += b.trials;
    a.gains += b.gains;
  };
  for (size_t i = 0; i < kind.size(); ++i) add(kind[i], o.kind[i]);
  for (size_t c = 0; c < op.size(); ++c)
    for (size_t i = 0; i < op[c].size(); ++i) add(op[c][i], o.op[c][i]);
  for (size_t i = 0; i < position.size(); ++i) add(position[i], o.position[i]);
}

}  // namespace ouro::search
