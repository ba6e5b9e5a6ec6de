#include "meta/targets.h"

#include <charconv>
#include <cmath>

#include "core/error.h"
#include "eval/evaluator.h"
#include "lang/interpreter.h"
#include "lang/reference.h"
#include "lang/text.h"

namespace ouro::meta {

namespace {

double ParseFraction(std::string_view text, std::string_view what) {
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || !(v > 0 && v <= 1))
    throw Error("target '" + std::string(what) + "': expected a number in (0, 1]");
  return v;
}

}  // namespace

TargetSpec ParseTarget(std::string_view text) {
  constexpr std::string_view kRef = "reference:";
  TargetSpec t;
  if (text.substr(0, kRef.size()) == kRef) t.of_reference = ParseFraction(text.substr(kRef.size()), text);
  else t.fitness = ParseFraction(text, text);
  return t;
}

TargetSpec FitnessTarget(double fitness) {
  if (!(fitness > 0 && fitness <= 1)) throw Error("target: expected a fitness in (0, 1]");
  return {fitness, 0};
}

std::string TargetToString(const TargetSpec& t) {
  char buf[64];  // the shortest text that reads back as the same double
  const double v = t.of_reference > 0 ? t.of_reference : t.fitness;
  const auto res = std::to_chars(buf, buf + sizeof buf, v);
  const std::string number(buf, res.ptr);
  return t.of_reference > 0 ? "reference:" + number : number;
}

std::optional<std::string> ReferenceProgramName(const tasks::TaskSpec& family) {
  if (family.family == "linear") return "linear_regression";
  if (family.family == "nonlinear") return "neural_net";
  if (family.family == "fmnist") return "logistic_regression";
  return std::nullopt;
}

double ReferenceFitness(const tasks::TaskSpec& family, const std::vector<tasks::Dataset>& instances, uint64_t seed) {
  const std::optional<std::string> name = ReferenceProgramName(family);
  if (!name) throw Error("target: family '" + family.family + "' has no reference program (programs/)");
  if (instances.empty()) throw Error("target: no task instances to score the reference program on");
  const lang::Program program = lang::Parse(*lang::ReferenceProgram(*name));
  const lang::Executable exe = lang::Compile(program, lang::MinimalShape(program, instances[0].dim));
  lang::Machine m;
  return eval::EvaluateSet(exe, instances, m, eval::EvalSeed(seed), eval::Limits{}).fitness;
}

double TargetFitness(const TargetSpec& t, double reference_fitness) {
  return t.of_reference > 0 ? t.of_reference * reference_fitness : t.fitness;
}

Reach FirstReach(const std::vector<search::TracePoint>& trace, double target, double budget, double censor_seconds) {
  for (const auto& p : trace) {
    if (p.eval_cost > budget) break;
    if (p.best_fitness >= target) return {true, std::max(1.0, p.eval_cost), p.seconds};
  }
  return {false, budget, censor_seconds};
}

double BestAt(const std::vector<search::TracePoint>& trace, double evaluations) {
  double best = 0;
  for (const auto& p : trace) {
    if (p.eval_cost > evaluations) break;
    best = p.best_fitness;
  }
  return best;
}

}  // namespace ouro::meta
