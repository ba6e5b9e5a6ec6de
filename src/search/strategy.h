// search/strategy.h — the search strategy: how the object-level search proposes and keeps programs.
//
// One struct, one field table. `Strategy` is the strategy part of both the run config ([search] in
// TOML; `struct EvolutionConfig : Strategy`, search/evolution.h) and the improver spec (meta/spec.h,
// `struct ImproverSpec : Strategy`, JSON). kStrategyFields lists every field once — its TOML key,
// its path in the spec JSON, its bounds and a one-line doc — and drives the TOML and JSON readers
// and writers, Validate (the single set of bounds), and the generated table in docs/config.md.
//
// The strategy keeps weighted lists (a weight of 0 switches an operator or operation off but keeps
// it, so a meta-operator may switch it back on) and the island parameters even when the scheme is
// regularized. What a strategy does on a given shape is EffectiveStrategy (enabled entries only,
// no island parameters under the regularized scheme, ...), which is also the improver spec of a
// config; the forms the hot path reads are derived from it in one place, CompileStrategy (run by
// EvolutionConfig::Compile).
// Pure data and pure functions: thread-compatible.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "lang/program.h"
#include "search/mutator.h"

namespace ouro::search {

using OpWeights = std::vector<std::pair<lang::Op, double>>;
using MutationWeights = std::vector<std::pair<Mutation, double>>;
using ComponentSizes = std::array<int, lang::kNumComponents>;

// The learned proposal filter: a program over kFilterShape, run on kFilterFeatures features.
inline const lang::Shape kFilterShape{8, 4, 1, 8};
inline constexpr int kFilterFeatures = 8;
struct FilterConfig {
  lang::Program program;
  double threshold = 0.5;  // drop when predicted P(gain) < threshold x observed gain rate
  int warmup = 200;        // lessons before the filter may drop anything
  double explore = 0.1;    // share of would-be-dropped proposals evaluated anyway
};

// Warm-start programs: the first round(share x population) members of every experiment's initial
// population (a restart too) are these programs, cycled; the rest are drawn per `initial`.
struct WarmStart {
  std::vector<lang::Program> programs;  // at least one
  double share = 0.1;                   // in (0, 1]
  bool operator==(const WarmStart&) const = default;
};

// Proposals from an outside proposer (search/proposer.h; a language model, llm/): each child is,
// with probability `share`, asked of the proposer instead of made by mutation; the proposer is
// shown the child's parent and the population's `history` best programs. An answer without an
// acceptable program falls back to a mutation. None by default — then no draw is made for it, so
// strategies without it keep the lineages they always had.
struct ModelProposals {
  double share = 0.01;  // in [0, 1]
  int history = 4;      // in [0, 16]
  bool operator==(const ModelProposals&) const = default;
};

// (Built by a function: GCC 12 flags an initializer-list default member as maybe-uninitialized.)
inline MutationWeights DefaultMutations() {
  return {{Mutation::kAlter, 1}, {Mutation::kRandomize, 1}, {Mutation::kComponent, 1}};
}

struct Strategy {
  // Selection.
  std::string scheme = "regularized";  // or "islands"
  int population = 1000;
  int tournament = 10;
  double mutate_prob = 0.9;
  int islands = 4;                     // used when scheme == "islands"
  int64_t migrate_every = 2000;        // likewise; individuals between migrations, 0 = never
  // Proposals.
  MutationWeights mutations = DefaultMutations();          // weight > 0: enabled
  std::array<OpWeights, lang::kNumComponents> operations;  // likewise
  double const_fresh_prob = 0.25;
  double const_sigma = 0.1;
  std::array<double, 3> insert_at{0, 1, 0};  // weights of InsertAt::kStart, kAnywhere, kEnd
  ComponentSizes init_size{10, 2, 8};
  ComponentSizes min_size{0, 1, 0};
  ComponentSizes max_size{21, 21, 45};
  std::string initial = "random";  // "random", "empty" or "given"
  // Restarts and evaluation.
  int64_t max_individuals = 1'000'000;
  int max_experiments = 0;
  int cascade_tasks = 0;
  double cascade_ratio = 0.9;
  // Learned components that are part of the strategy.
  std::optional<FilterConfig> filter;
  std::vector<Macro> macros;
  std::optional<WarmStart> warm_start;  // none by default
  std::optional<ModelProposals> model;  // none by default

  // Every field within its table bounds (the filter's threshold and explore too, its program on
  // kFilterShape), plus the cross-field rules (tournament <= population, islands fit the
  // population, some operator enabled). Throws ouro::Error naming the field.
  // Size bounds against each other and against the allowed operations are checked by
  // EvolutionConfig::Validate on the compiled form (which zeroes components without operations).
  void Validate() const;
};

// ---- the field table ------------------------------------------------------------------------

using StrategyMember =
    std::variant<int Strategy::*, int64_t Strategy::*, double Strategy::*, std::string Strategy::*,
                 ComponentSizes Strategy::*, std::array<double, 3> Strategy::*, MutationWeights Strategy::*,
                 std::array<OpWeights, lang::kNumComponents> Strategy::*, std::optional<FilterConfig> Strategy::*,
                 std::vector<Macro> Strategy::*, std::optional<WarmStart> Strategy::*,
                 std::optional<ModelProposals> Strategy::*>;

struct StrategyField {
  const char* name;  // as in docs and error messages
  const char* toml;  // key under [search]
  const char* json;  // dotted path in the improver spec JSON
  StrategyMember member;
  double lo, hi;     // numbers: the value; sizes, weights: every element
  const char* doc;
};

inline constexpr double kInf = 1e308;  // "no upper bound" (weights must still be finite)

inline const StrategyField kStrategyFields[] = {
    {"scheme", "scheme", "selection.scheme", &Strategy::scheme, 0, 0,
     "`\"regularized\"`: one population; `\"islands\"`: `islands` sub-populations with migration."},
    {"population", "population", "selection.population", &Strategy::population, 2, 10'000'000,
     "Programs in the population (split among the islands)."},
    {"tournament", "tournament", "selection.tournament", &Strategy::tournament, 1, 10'000'000,
     "Parents are picked by tournament of this size, drawn with replacement; at most `population` "
     "(`population / islands` with islands)."},
    {"mutate_prob", "mutate_prob", "selection.mutate_prob", &Strategy::mutate_prob, 0, 1,
     "Probability that a child is mutated. Otherwise it is an exact copy."},
    {"islands", "islands", "selection.islands", &Strategy::islands, 2, 1'000'000,
     "Sub-populations when `scheme = \"islands\"` (kept, unused, otherwise)."},
    {"migrate_every", "migrate_every", "selection.migrate_every", &Strategy::migrate_every, 0, 9.2e18,
     "Individuals between migrations (each island's best copied to the next); 0: never."},
    {"mutations", "mutations", "mutations", &Strategy::mutations, 0, kInf,
     "Mutation operators with draw weights, in order: `[\"alter\", [\"insert\", 0.5]]` (a bare name "
     "has weight 1; weight 0 keeps it off). At least one weight > 0."},
    {"operations", "setup_ops, predict_ops, learn_ops", "operations", &Strategy::operations, 0, kInf,
     "Operations allowed per component with draw weights, written like `mutations`; `ops` sets all "
     "three, `\"all\"` stands for every operation."},
    {"const_fresh_prob", "const_fresh_prob", "constants.fresh_prob", &Strategy::const_fresh_prob, 0, 1,
     "`alter` redraws a constant from U(-1, 1) with this probability,"},
    {"const_sigma", "const_sigma", "constants.sigma", &Strategy::const_sigma, 0, kInf,
     "else multiplies it by 1 + N(0, const_sigma)."},
    {"insert_at", "insert_at", "insert_at", &Strategy::insert_at, 0, kInf,
     "Weights of the positions `insert` and `macro` use: `{ start, anywhere, end }`, one > 0."},
    {"init_size", "init_size", "sizes.init", &Strategy::init_size, 0, 10000,
     "Component sizes of random initial programs, within [`min_size`, `max_size`]."},
    {"min_size", "min_size", "sizes.min", &Strategy::min_size, 0, 10000,
     "`remove` never shrinks a component below this."},
    {"max_size", "max_size", "sizes.max", &Strategy::max_size, 0, 10000,
     "`insert` never grows a component past this; given programs must fit under it."},
    {"initial", "initial", "initial", &Strategy::initial, 0, 0,
     "`\"random\"` (programs of `init_size`), `\"empty\"` or `\"given\"` (`initial_programs`, cycled)."},
    {"max_individuals", "max_individuals", "restart.max_individuals", &Strategy::max_individuals, 1, 9.2e18,
     "Children per experiment before it is restarted."},
    {"max_experiments", "max_experiments", "restart.max_experiments", &Strategy::max_experiments, 0,
     1'000'000'000, "Experiments per run; 0: restart until solved or out of budget."},
    {"cascade_tasks", "cascade_tasks", "cascade.tasks", &Strategy::cascade_tasks, 0, 1'000'000,
     "Evaluation cascade: a child is first scored on this many search tasks; 0: no cascade."},
    {"cascade_ratio", "cascade_ratio", "cascade.ratio", &Strategy::cascade_ratio, 0, 1,
     "A child below this times its parent's fitness on those tasks keeps that partial score."},
    {"filter", "filter", "filter", &Strategy::filter, 0, 1,
     "Learned proposal filter: `{ program, threshold, warmup, explore }` (see improver.md); none by "
     "default."},
    {"macros", "macros", "macros", &Strategy::macros, 0, 0,
     "Macro library offered by `macro`: `[{ component, code }]`, code in the text form."},
    {"warm_start", "warm_start", "warm_start", &Strategy::warm_start, 0, 1,
     "Warm-start programs: `{ programs = [code, ...], share }`: the first round(share x population) "
     "members of every initial population (restarts too) are these programs, cycled; the rest follow "
     "`initial`. None by default (then absent from the spec JSON)."},
    {"model", "model", "model", &Strategy::model, 0, 1,
     "Proposals from a language model (docs/llm.md): `{ share, history }`: each child is asked of "
     "the model with probability `share` (0–1), shown its parent and the population's `history` "
     "(0–16) best programs; an answer that is not an acceptable program falls back to a mutation. "
     "None by default (then absent from the spec JSON)."},
};

// ---- reading and writing ----------------------------------------------------------------------

// Writes every field into `j` (an object) at its JSON path, in table order: the canonical form.
void StrategyToJson(const Strategy& s, nlohmann::ordered_json& j);
// Reads every field from `j` (all required); errors are "improver spec: PATH: message".
// `known_top` are further top-level keys the caller reads itself (they are not refused).
void StrategyFromJson(const nlohmann::ordered_json& j, Strategy& s, std::initializer_list<const char*> known_top);
// The JSON paths' top-level keys, in table order, without repeats.
std::vector<std::string> StrategyJsonTopKeys();

// TOML: search/strategy_toml.h (kept apart so that this header does not pull in toml++).

// The markdown table of the fields (key, default from `defaults`, bounds, doc), as generated into
// docs/config.md between kDocBegin and kDocEnd.
std::string StrategyDocTable(const Strategy& defaults);
inline constexpr const char* kDocBegin = "<!-- strategy-table: generated from src/search/strategy.h -->";
inline constexpr const char* kDocEnd = "<!-- end of strategy-table -->";

// ---- the strategy as it runs -----------------------------------------------------------------

// What `s` does on `shape`, as a strategy: enabled operators and operations only, each at weight 1
// when they are uniform (operators: all equal to the first listed one, switched off or not, as
// they always have been; operations: all equal to the first enabled one); islands and
// migrate_every at their defaults under the regularized scheme; sizes 0 for components without
// operations; macros whose registers do not exist in `shape` dropped. The improver spec of a
// config (meta::SpecFromConfig): which of two equivalent forms it holds is part of the recorded
// lineages, hence the exact rules.
Strategy EffectiveStrategy(const Strategy& s, const lang::Shape& shape);
// Initial members taken from the warm start: round(share x population) (0 without one).
int WarmCount(const Strategy& s);

// The strategy in the form the hot path reads.
struct CompiledStrategy {
  SearchSpace space;            // the shape, the enabled operations, the sizes (0 without operations)
  std::vector<Mutation> kinds;  // the enabled operators, in listed order
  ProposalPolicy policy;        // their weights and the operations', constants, positions, macros
  ComponentSizes init_size{};
  int islands = 1;              // 1 (one population) under the regularized scheme,
  int64_t migrate_every = 0;    // and no migration
  std::vector<lang::Program> warm_programs;  // the effective warm start (empty: none)
  int warm_count = 0;           // initial members taken from them: round(share x population)
  std::optional<ModelProposals> model;  // as in the strategy
  bool operator==(const CompiledStrategy&) const = default;
};

// The one derivation of the compiled form: EffectiveStrategy(s, shape), its weighted lists split
// into keys and weights. Does not validate `s`.
CompiledStrategy CompileStrategy(const Strategy& s, const lang::Shape& shape);

}  // namespace ouro::search
