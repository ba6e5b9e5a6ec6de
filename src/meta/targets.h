// meta/targets.h — pre-registered targets and what a run's best-fitness trace says about them.
//
// A target is fixed in the config before a run and does not depend on the improvers compared: a
// fitness ("0.9999") or a fraction of what the family's shipped reference program reaches on the
// same task instances ("reference:0.99"; programs/: linear -> linear_regression, nonlinear ->
// neural_net, fmnist -> logistic_regression). The reference program is scored exactly as the
// search scores its programs (trained on each instance's train split, mean fitness on the valid
// split), so "0.99 of the reference" compares like with like.
// From a trace (search::TracePoint: evaluations, seconds, best fitness so far) a run yields, per
// target, the evaluations and wall seconds at which it first reached it (censored at the budget),
// and its capability at fixed budgets (best fitness after b evaluations).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "search/evolution.h"
#include "tasks/task_spec.h"

namespace ouro::meta {

struct TargetSpec {
  double fitness = 0;       // > 0: this fitness
  double of_reference = 0;  // > 0: this fraction of the reference program's fitness
  bool operator==(const TargetSpec&) const = default;
};

// "0.9999" or "reference:0.99" (fractions and fitnesses in (0, 1]); throws ouro::Error otherwise.
TargetSpec ParseTarget(std::string_view text);
std::string TargetToString(const TargetSpec& t);
// A plain fitness target; throws ouro::Error outside (0, 1].
TargetSpec FitnessTarget(double fitness);

// The name of the family's reference program in programs/, or nullopt when it has none.
std::optional<std::string> ReferenceProgramName(const tasks::TaskSpec& family);

// The reference program's mean valid fitness on `instances` (what the search's fitness means on
// them), evaluated with eval seed `seed`. Throws ouro::Error when the family has no reference.
double ReferenceFitness(const tasks::TaskSpec& family, const std::vector<tasks::Dataset>& instances, uint64_t seed);

// The fitness a target stands for, given the reference fitness (ignored for a plain fitness).
double TargetFitness(const TargetSpec& t, double reference_fitness);

// When a run first reached `target` within `budget` evaluations.
struct Reach {
  bool reached = false;
  double evaluations = 0;  // of the first trace point at or above the target; budget if never
  double seconds = 0;      // wall seconds of that point; `censor_seconds` if never
};
Reach FirstReach(const std::vector<search::TracePoint>& trace, double target, double budget, double censor_seconds);

// Best fitness the run had after `evaluations` (0 before its first point).
double BestAt(const std::vector<search::TracePoint>& trace, double evaluations);

}  // namespace ouro::meta
