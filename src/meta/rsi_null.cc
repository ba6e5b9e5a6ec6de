// The null control's adoption rule (rsi_loop.h: NullDecision): a coin, not the gate, decides.
// Everything else in a null run (proposals, games and their stopping rule, credit, the adoption
// seam) is the loop's own, so the run spends the compute of the real loop while its adoptions
// ignore meta-utility.
#include <cstdio>
#include <string>

#include "core/rng.h"
#include "meta/rsi_loop.h"

namespace ouro::meta {

bool NullCoin(uint64_t seed, int generation, int index, double rate) {
  Rng coin(DeriveSeed(DeriveSeed(seed, 0x4e011c0u),
                      (static_cast<uint64_t>(generation) << 20) + static_cast<uint64_t>(index)));
  return coin.Uniform() < rate;  // Uniform() is in [0, 1): rate 0 never adopts, rate 1 always
}

namespace rsi_loop {

void NullDecision(const Loop& loop, CandidateReport& rep) {
  const bool heads = NullCoin(loop.cfg.seed, rep.generation, rep.index, loop.cfg.null_adopt_rate);
  char rate[32];
  std::snprintf(rate, sizeof rate, "%g", loop.cfg.null_adopt_rate);
  rep.metrics["null_coin"] = heads ? 1 : 0;
  rep.note = std::string("null control: coin ") + (heads ? "heads" : "tails") + " (p " + rate +
             "); the gate said " + rep.decision;
  rep.decision = heads ? "adopted" : "rejected";
}

}  // namespace rsi_loop
}  // namespace ouro::meta
