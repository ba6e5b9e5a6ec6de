// rsi_test_util.h — the tiny self-application config shared by the rsi tests (rsi_test.cc,
// rsi_config_test.cc, rsi_checkpoint_test.cc): 2 small linear tasks, budgets of a few hundred
// evaluations, population 20, so a whole loop takes a fraction of a second.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "meta/rsi.h"
#include "meta/rsi_config.h"
#include "search/run_config.h"
#include "tasks/task_spec.h"

namespace ouro::meta::test {

// The SPRT bounds are permissive on purpose (H0: 400 Elo weaker, H1: 200 Elo weaker, alpha = beta
// = 0.35), and the run's false-adoption budget never binds (alpha_run = 1000): a candidate is
// adopted at its first win, so the loop's adoption plumbing is exercised whatever the engine's
// draws (the tests that need an adoption say so if that ever stops). Strict() has real bounds and
// the default budget. One thread: results do not depend on it, and on a loaded 2-core machine spinning
// workers cost more than these tiny batches.
inline RsiConfig Tiny(uint64_t seed) {
  RsiConfig c;
  c.seed = seed;
  c.threads = 1;
  search::EvolutionConfig base = search::DefaultRunConfig().evolution;
  base.batch = 8;
  base.check_every = 100;
  c.initial = PlainSpec(base);
  c.initial.name = "initial";
  c.initial.population = 20;
  c.initial.tournament = 4;
  c.initial.init_size = {3, 1, 3};
  c.train.base = base;
  c.train.families = {tasks::ParseTaskSpec("linear:dim=2,tasks=2,train=10,valid=10")};
  c.train.budget = 300;
  c.train.target = 0.9;
  c.validation.base = base;
  c.validation.families = {tasks::ParseTaskSpec("linear:dim=1,tasks=2,train=10,valid=10")};
  c.validation.budget = 300;
  c.validation.target = 0.9;
  c.validation_seeds = 2;
  c.test.base = base;
  c.test.families = {tasks::ParseTaskSpec("linear:dim=3,tasks=2,train=10,valid=10")};
  c.test.budget = 300;
  c.test.target = 0;  // the frozen improver's median best
  c.test_seeds = 2;
  c.generations = 2;
  c.candidates = 2;
  c.max_games = 4;
  c.sprt = {-400, -200, 0.35, 0.35};  // permissive: see above
  c.alpha_run = 1000;
  c.filter_budget = 200;
  return c;
}

inline RsiConfig Strict(uint64_t seed) {
  RsiConfig c = Tiny(seed);
  c.sprt = {0, 150, 0.3, 0.3};
  c.alpha_run = RsiConfig{}.alpha_run;
  return c;
}

// Expects ParseRsiConfig(text, "t.toml") to fail with every fragment in the message.
inline void ExpectParseError(const std::string& text, const std::vector<std::string>& fragments) {
  try {
    ParseRsiConfig(text, "t.toml");
    ADD_FAILURE() << "accepted:\n" << text;
  } catch (const Error& e) {
    for (const auto& f : fragments) EXPECT_NE(std::string(e.what()).find(f), std::string::npos) << e.what();
  }
}

}  // namespace ouro::meta::test
