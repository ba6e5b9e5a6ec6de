// spec_test_util.h — helpers shared by the improver-spec tests (spec_test.cc, spec_json_test.cc,
// spec_meta_ops_test.cc): a spec using every part of the format, JSON round trips, meta-operator
// indices and the weights a spec gives an operator or an operation.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "lang/reference.h"
#include "lang/text.h"
#include "meta/spec.h"
#include "search/run_config.h"

namespace ouro::meta::test {

inline int MetaIdx(const std::string& name) {
  for (int i = 0; i < kNumMetaOperators; ++i)
    if (name == kMetaOperators[i]) return i;
  ADD_FAILURE() << "no meta-operator " << name;
  return 0;
}

// A spec that uses every part of the format: islands, weights, cascade, filter, macros, credit.
inline ImproverSpec RichSpec() {
  search::EvolutionConfig base = search::DefaultRunConfig().evolution;
  ImproverSpec s = PlainSpec(base);
  s.name = "rich";
  s.scheme = "islands";
  s.population = 60;
  s.tournament = 5;
  s.mutate_prob = 0.8;
  s.islands = 3;
  s.migrate_every = 250;
  for (auto& [m, w] : s.mutations) {
    if (m == search::Mutation::kAlter) w = 0.7;
    if (m == search::Mutation::kMacro) w = 0.3;
    if (m == search::Mutation::kSwap) w = 0;
  }
  s.operations[2][0].second = 0.123456789;
  s.operations[1][3].second = 0;
  s.const_fresh_prob = 0.3;
  s.const_sigma = 0.05;
  s.insert_at = {0.2, 1, 0.1 + 0.2};
  s.init_size = {3, 2, 4};
  s.max_size = {10, 8, 12};
  s.max_individuals = 5000;
  s.max_experiments = 2;
  s.cascade_tasks = 2;
  s.cascade_ratio = 0.85;
  search::FilterConfig f;
  f.program = lang::Parse(*lang::ReferenceProgram("logistic_regression"), search::kFilterShape);
  f.threshold = 0.4;
  f.warmup = 50;
  f.explore = 0.2;
  s.filter = f;
  const lang::Program learn = lang::Parse("def learn():\n  s3 = s0 - s1\n  v1 = v1 + v2\n");
  const lang::Program setup =
      lang::Parse("def setup():\n  s2 = 0.125\n  v1 = uniform(-0.5, 0.5)\n");
  s.macros = {{lang::Component::kLearn, learn[lang::Component::kLearn]},
              {lang::Component::kSetup, setup[lang::Component::kSetup]}};
  s.credit.kind[static_cast<int>(search::Mutation::kAlter)] = {120, 3.25};
  s.credit.kind[static_cast<int>(search::Mutation::kInsert)] = {33, 0.1 + 0.2};
  s.credit.op[2][static_cast<int>(lang::Op::kScalarSub)] = {40, 1.0 / 3};
  s.credit.op[0][static_cast<int>(lang::Op::kScalarConst)] = {5, 0};
  s.credit.position[1] = {7, 0.5};
  s.credit.position[3] = {2, 2};
  s.credit_runs = 6;
  s.meta_weights[MetaIdx("perturb_params")] = 0.3;
  s.meta_weights[MetaIdx("discover_filter")] = 2.5;
  s.meta_step = 0.7;
  return s;
}

inline Json RoundTripJson(const ImproverSpec& s) { return Json::parse(ToJson(s).dump()); }

inline double Weight(const ImproverSpec& s, search::Mutation m) {
  for (const auto& [k, w] : s.mutations)
    if (k == m) return w;
  return -1;
}

inline double OpWeight(const ImproverSpec& s, int c, lang::Op op) {
  for (const auto& [k, w] : s.operations[c])
    if (k == op) return w;
  return -1;
}

}  // namespace ouro::meta::test
