// oversight/policy.h — what a person allows a self-improving run to do: the policy.
//
// A policy (TOML, referenced from the rsi config's [oversight] table, stored with the run) declares
// budgets for the run and per generation (evaluations, CPU-seconds, wall-seconds; reaching one
// stops the run cleanly at its last checkpoint), tripwires (a rule over a named metric with an
// action: log, pause, approve = require a person's approval, reject = veto the candidate, stop),
// gates for adopting a new improver and promoting a new best program (auto, manual, or manual when
// a metric exceeds a threshold), and invariants every adopted candidate must satisfy (bounded cost,
// deterministic re-evaluation, bounded search/held-out gap). This layer is pure: it parses and
// checks rules against metrics; oversight/judge.h turns them into one verdict, which the run
// layer (run/adoption_seam.h) carries out through the store. Metric names are listed in kMetrics
// and documented in docs/oversight.md.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace ouro::oversight {

// A language model's use by the run (issue 19; [budget] only): requests, tokens as the server
// reported them, and their cost at the run's [llm] prices; the sealed test arena's use is in none.
struct ModelBudgets {  // 0 = no limit
  double requests = 0;
  double prompt_tokens = 0;
  double completion_tokens = 0;
  double cost = 0;
  bool any() const { return requests > 0 || prompt_tokens > 0 || completion_tokens > 0 || cost > 0; }
};

struct Budgets {  // 0 = no limit
  double evaluations = 0;
  double cpu_seconds = 0;
  double wall_seconds = 0;
  ModelBudgets model;  // the run's only (keys llm_requests, llm_prompt_tokens, llm_completion_tokens, llm_cost)
  bool any() const { return evaluations > 0 || cpu_seconds > 0 || wall_seconds > 0 || model.any(); }
};

// Metrics a tripwire or gate rule may name (with what they mean, for errors and docs).
struct MetricInfo {
  const char* name;
  const char* meaning;
};
extern const std::vector<MetricInfo> kMetrics;
// What the loop records from the sealed test arena (rsi.h). The loader refuses a tripwire or gate
// on any of them (ouro::Error naming the metric): no decision may read the test arena.
extern const std::vector<MetricInfo> kTestMetrics;

inline constexpr const char* kActions[] = {"log", "pause", "approve", "reject", "stop"};

struct Tripwire {
  std::string name;
  std::string metric;
  double above = 0;  // fires when metric > above
  std::string action = "log";
};

struct Gate {
  std::string mode = "auto";  // "auto", "manual", "rule" (manual when metric > above)
  std::string metric;
  double above = 0;
};

struct Invariants {
  double max_cost_ratio = 0;   // candidate's evaluations per game <= this x incumbent's (0: off)
  bool deterministic = false;  // re-running one of its games gives the same score
  double max_heldout_gap = 0;  // mean (search - held-out) fitness of its games' best programs (0: off)
};

struct Policy {
  std::string name = "default";
  Budgets run, generation;
  std::vector<Tripwire> tripwires;
  Gate adopt, promote;
  Invariants invariants;
};

// Throws ouro::Error naming the source, the key and what is wrong.
Policy ParsePolicy(std::string_view text, const std::string& source);
Policy LoadPolicy(const std::string& path);
// The shipped default (configs/policies/default.toml holds the same text; a test keeps them equal).
Policy DefaultPolicy();
std::string_view DefaultPolicyText();
// No tripwires, auto gates, no invariants, no budgets: for measuring the price of oversight.
Policy OffPolicy();
nlohmann::json ToJson(const Policy& p);

struct Firing {
  std::string name, metric, action;
  double value = 0, threshold = 0;
};
// Tripwires whose metric is present in `metrics` and exceeds its threshold, in policy order.
std::vector<Firing> CheckTripwires(const Policy& p, const std::map<std::string, double>& metrics);

// "" when the gate lets it through automatically, else why a person must decide.
std::string GateReason(const Gate& g, const std::map<std::string, double>& metrics);

// Violated invariants (one line each). `rerun_equal` is whether the deterministic re-evaluation
// matched (ignored unless invariants.deterministic).
std::vector<std::string> InvariantViolations(const Invariants& inv, const std::map<std::string, double>& metrics,
                                             bool rerun_equal);

}  // namespace ouro::oversight
