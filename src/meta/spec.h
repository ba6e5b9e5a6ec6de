// meta/spec.h — the improver spec: everything that decides how the object-level search proposes
// and keeps programs, as data (JSON), plus what the improver has learned and its meta-operators.
//
// A spec holds the strategy (selection scheme: regularized evolution or islands; population,
// tournament, mutation probability; mutation operators and their weights; per-component operation
// weights; constant perturbation; insertion positions; crossover as a weighted operator; restart
// policy; evaluation cascade; the learned proposal filter program; the macro library) and the
// learned knowledge (credit counts per operator / operation / position, accumulated over the runs
// the improver has made). ApplySpec puts a spec's strategy into a base config (which keeps the
// shape, task mechanics, cache and limits) and compiles it; SpecFromConfig gives the strategy a
// config runs (search::EffectiveStrategy), so the spec of the engine's default config behaves
// exactly like it.
// Meta-operators are the spec's own way of proposing a changed spec (ProposeCandidate); their
// weights live in the spec, so they are subject to change like everything else. ToJson writes a
// canonical form (fixed key order) whose hash identifies the spec; DiffText shows what changed.
#pragma once

#include <array>
#include <functional>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/rng.h"
#include "search/evolution.h"
#include "search/strategy.h"

namespace ouro::meta {

using Json = nlohmann::ordered_json;

// Meta-operator names, in canonical order. The first kNumLegacyMetaOperators are the set of runs
// recorded before the compound operators (RsiConfig::legacy_meta replays them with that set only).
inline constexpr const char* kMetaOperators[] = {
    "credit_weights",   // operation and operator weights from the learned credit (and learner counts)
    "perturb_kinds",    // one operator weight scaled by exp(N(0, step))
    "perturb_ops",      // a few operation weights scaled, switched off or back on
    "perturb_params",   // one numeric strategy parameter nudged
    "toggle_scheme",    // regularized <-> islands
    "mine_macros",      // the macro library from the best programs seen, offered by `macro`
    "discover_filter",  // a proposal filter discovered by the level-0 search on the run's history
    "warm_start",       // the warm start set to the archive's best program(s), or dropped
    "perturb_sizes",    // one component's init, min or max size scaled (min <= init <= max kept)
    "toggle_initial",   // initial "random" <-> "empty"
    "perturb_restart",  // max_individuals scaled, or max_experiments switched between 0 and a few
    "perturb_filter",   // the filter's threshold, warmup or explore nudged
};
inline constexpr int kNumMetaOperators = 12;
inline constexpr int kNumLegacyMetaOperators = 7;
inline constexpr std::array<double, kNumMetaOperators> kDefaultMetaWeights{1, 1, 1, 1, 0.25, 1, 0.5,
                                                                          1, 0.5, 0.25, 0.5, 0.25};
// The meta-operators' own weights are learned, not proposed: the rsi loop scales the weight of the
// operator behind each candidate by how its games went (meta-level credit, rsi.h). A candidate
// differing only in meta weights would play the very same games as the incumbent.

// The strategy (search/strategy.h: its fields, bounds and JSON form are one table there) plus what
// the improver has learned and its meta level.
struct ImproverSpec : search::Strategy {
  std::string name = "default";
  // Learned knowledge.
  search::CreditStats credit;
  int64_t credit_runs = 0;  // runs whose credit is in `credit`
  // Learner counts: per component and operation, how often it appears in the live code of the
  // best programs of games that found a learner (IsLearner, meta/archive.h), over learner_runs
  // such games. ApplyCredit counts each appearance as one trial with gain 1.
  std::array<std::array<double, lang::kNumOps>, lang::kNumComponents> learner_ops{};
  int64_t learner_runs = 0;
  // Meta level.
  std::array<double, kNumMetaOperators> meta_weights = kDefaultMetaWeights;
  double meta_step = 0.5;

  void Validate() const;  // the strategy's bounds and the meta level's; throws ouro::Error
};

// The index of a meta-operator in kMetaOperators, -1 if there is none of that name.
int MetaIndex(std::string_view name);

// The strategy a config runs, as a spec: search::EffectiveStrategy(config, config.shape), learned
// parts empty.
ImproverSpec SpecFromConfig(const search::EvolutionConfig& config);
// The "plain" improver: the base config's strategy with every operation enabled in every
// component at uniform weight and every operator but macro/crossover at uniform weight.
ImproverSpec PlainSpec(const search::EvolutionConfig& base);
// base with its strategy replaced by the spec's (shape, cache, limits, batch, select stay),
// compiled and validated.
search::EvolutionConfig ApplySpec(const ImproverSpec& spec, const search::EvolutionConfig& base);

Json ToJson(const ImproverSpec& spec);
ImproverSpec SpecFromJson(const Json& j);          // throws ouro::Error naming the bad field
ImproverSpec LoadSpec(const std::string& path);    // JSON file
std::string SpecHash(const ImproverSpec& spec);    // 16 hex digits of the canonical JSON
// "field: old -> new" lines, one per changed leaf (learned credit summarised).
std::string DiffText(const ImproverSpec& from, const ImproverSpec& to);

// What a meta-operator may draw on besides the spec.
struct ProposalContext {
  lang::Shape shape;                                  // of the runs the programs come from
  std::vector<lang::Program> good_programs;           // for mine_macros
  std::optional<lang::Program> discovered_filter;     // for discover_filter
  std::vector<lang::Program> archive;                 // for warm_start: the run's best, best first
  std::array<bool, kNumMetaOperators> disabled{};     // ablations
  int operators = kNumMetaOperators;                  // draw among the first `operators` only
  // When set, a candidate it throws ouro::Error on is redrawn (e.g. one no training base accepts).
  std::function<void(const ImproverSpec&)> check;
};

// One candidate: the spec changed by one meta-operator drawn by the spec's own meta weights
// (operators that cannot apply are redrawn). Returns the operator's name in `op_name`.
ImproverSpec ProposeCandidate(const ImproverSpec& spec, Rng& rng, const ProposalContext& context,
                              std::string* op_name);

// Operation and operator weights from credit: per component, the gain rate of each operation
// (its learner count L added as L trials with gain 1: rate = (gains + L + prior x mean) /
// (trials + L + prior), the mean over the component taken the same way)
// shrunk toward the component's mean rate (prior of `prior` trials), relative to that mean,
// raised to `strength`, scaled so the largest weight is 1, floored at `floor`.
void ApplyCredit(ImproverSpec& spec, double strength, double prior = 20, double floor = 0.02);

// Frequent instruction pairs and triples in the live code of programs, most frequent first, at
// most `max_macros`, each seen in at least `min_count` programs. Sequences count as the same when
// their operations and registers are (constants and element indices may differ); a macro carries
// the constants of the first program it was seen in.
std::vector<search::Macro> MineMacros(const std::vector<lang::Program>& programs, const lang::Shape& shape,
                                      int max_macros = 8, int min_count = 2);

}  // namespace ouro::meta
