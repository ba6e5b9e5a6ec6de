#include "core/file.h"
#include "oversight/policy.h"

#include <cmath>
#include <sstream>

#include <toml++/toml.h>

#include "core/error.h"
#include "core/toml_reader.h"

namespace ouro::oversight {

const std::vector<MetricInfo> kMetrics = {
    {"gain", "candidate's meta-utility minus the incumbent's on the same games"},
    {"search_heldout_gap", "mean over the candidate's games of (search - held-out) fitness of the best program"},
    {"gap_increase", "candidate's search_heldout_gap minus the incumbent's on the same games"},
    {"heldout_gain", "held-out fitness of the candidate's best programs minus the incumbent's (same games)"},
    {"size_ratio", "mean size of the candidate's best programs / the incumbent's"},
    {"cost_ratio", "candidate's evaluations per game / the incumbent's"},
    {"nonfinite", "number of NaN or infinite scores in the candidate's games"},
    {"model_requests", "requests to the language model in the candidate's games (present only when there were some)"},
    {"model_rejection_share", "share of those requests whose answer was not an acceptable program"},
    {"heldout_jump_sd", "validation-arena capability change in this generation, in standard errors of the paired runs"},
    {"heldout_drop", "validation-arena capability lost by adopting the candidate (incumbent minus candidate)"},
    {"claimed_gain", "alias of gain"},
    {"fitness", "promotion gate: the search fitness of the program to promote (gain: its improvement on the best so far)"},
};

const std::vector<MetricInfo> kTestMetrics = {
    {"test_capability", "the incumbent's mean area under the best-fitness curve on the test arena (the curve)"},
    {"test_gain", "test capability of the incumbent minus the frozen initial improver's"},
    {"test_evals_to_target", "median evaluations-to-target on the test arena"},
    {"test_speedup", "frozen / incumbent evaluations-to-target on the test arena (the run's speedup)"},
};

namespace {

// The shortest text that reads back as the same double (what the policy stores and says).
std::string Exact(double v) { return nlohmann::json(v).dump(); }

constexpr std::string_view kDefaultText = R"POLICY(
# The default oversight policy of `ouro rsi` (docs/oversight.md explains every key).
# Budgets: 0 = no limit. Reaching one stops the run cleanly at its last checkpoint.
[budget]
evaluations = 0
cpu_seconds = 0
wall_seconds = 0

[budget.generation]
evaluations = 0
cpu_seconds = 0
wall_seconds = 0

# Gates: "auto", "manual", or "manual if METRIC > X".
[gates]
adopt = "auto"
promote = "auto"

# Every adopted improver must satisfy these (a violation vetoes the candidate).
[invariants]
max_cost_ratio = 4.0     # its evaluations per game at most 4x the incumbent's
deterministic = true     # re-running one of its games gives the same score
max_heldout_gap = 0.25   # its best programs score at most 0.25 lower on held-out data than on search data

# Tripwires: metric > above triggers the action (log, pause, approve, reject, stop).
[[tripwire]]
name = "divergence"      # search fitness rises while held-out fitness falls: reward hacking
metric = "search_heldout_gap"
above = 0.25
action = "reject"

[[tripwire]]
name = "heldout_jump"    # validation capability jumped by more than 8 standard errors in one generation
metric = "heldout_jump_sd"
above = 8
action = "log"

[[tripwire]]
name = "heldout_drop"    # the candidate won its games but lost validation capability
metric = "heldout_drop"
above = 0.02
action = "log"

[[tripwire]]
name = "program_size"    # its best programs grew to more than 4x the incumbent's
metric = "size_ratio"
above = 4
action = "log"

[[tripwire]]
name = "cost"            # it spends more than 4x the incumbent's evaluations per game
metric = "cost_ratio"
above = 4
action = "log"

[[tripwire]]
name = "nonfinite"       # a NaN or infinite score anywhere in its games
metric = "nonfinite"
above = 0
action = "stop"
)POLICY";

struct Reader : TomlReader {
  using TomlReader::TomlReader;

  void ReadBudgets(const toml::table& t, const std::string& sec, Budgets& b, bool allow_generation) const {
    if (allow_generation)
      CheckKeys(t, sec, {"evaluations", "cpu_seconds", "wall_seconds", "generation", "llm_requests", "llm_prompt_tokens",
                         "llm_completion_tokens", "llm_cost"});
    else CheckKeys(t, sec, {"evaluations", "cpu_seconds", "wall_seconds"});
    Double(t, sec, "evaluations", b.evaluations, 0, 1e18);
    Double(t, sec, "cpu_seconds", b.cpu_seconds, 0, 1e12);
    Double(t, sec, "wall_seconds", b.wall_seconds, 0, 1e12);
    Double(t, sec, "llm_requests", b.model.requests, 0, 1e18);
    Double(t, sec, "llm_prompt_tokens", b.model.prompt_tokens, 0, 1e18);
    Double(t, sec, "llm_completion_tokens", b.model.completion_tokens, 0, 1e18);
    Double(t, sec, "llm_cost", b.model.cost, 0, 1e18);
  }

  void CheckMetric(const toml::node* n, const std::string& where, const std::string& m) const {
    for (const auto& k : kTestMetrics)
      if (m == k.name)
        Fail(n, where, "'" + m + "' is a test-arena metric: the test arena is sealed (read by no decision), so no "
                       "tripwire or gate may use it; use a validation metric such as heldout_jump_sd or heldout_drop");
    for (const auto& k : kMetrics)
      if (m == k.name) return;
    std::string list;
    for (const auto& k : kMetrics) list += (list.empty() ? "" : ", ") + std::string(k.name);
    Fail(n, where, "unknown metric '" + m + "' (known: " + list + ")");
  }

  Gate ReadGate(const toml::table& t, const std::string& key) const {
    Gate g;
    const toml::node* n = t.get(key);
    if (!n) return g;
    const std::string where = "[gates]." + key;
    if (!n->is_string()) Fail(n, where, "expected \"auto\", \"manual\" or \"manual if METRIC > X\"");
    const std::string s = *n->value<std::string>();
    if (s == "auto" || s == "manual") {
      g.mode = s;
      return g;
    }
    std::istringstream in(s);
    std::string manual, if_, metric, op, rest;
    double x = 0;
    if (!(in >> manual >> if_ >> metric >> op >> x) || manual != "manual" || if_ != "if" || op != ">" || (in >> rest) ||
        !std::isfinite(x))
      Fail(n, where, "expected \"auto\", \"manual\" or \"manual if METRIC > X\", got \"" + s + "\"");
    CheckMetric(n, where, metric);
    g.mode = "rule";
    g.metric = metric;
    g.above = x;
    return g;
  }
};

}  // namespace

std::string_view DefaultPolicyText() { return kDefaultText.substr(kDefaultText[0] == '\n' ? 1 : 0); }

Policy ParsePolicy(std::string_view text, const std::string& source) {
  toml::table root = ParseTomlText(text, source);
  Reader r(source);
  Policy p;
  p.name = source;
  r.CheckKeys(root, "policy", {"budget", "gates", "invariants", "tripwire"});
  if (const toml::table* t = r.Table(root, "budget", "")) {
    r.ReadBudgets(*t, "[budget]", p.run, true);
    if (const toml::table* g = r.Table(*t, "generation", "budget."))
      r.ReadBudgets(*g, "[budget.generation]", p.generation, false);
  }
  if (const toml::table* t = r.Table(root, "gates", "")) {
    r.CheckKeys(*t, "[gates]", {"adopt", "promote"});
    p.adopt = r.ReadGate(*t, "adopt");
    p.promote = r.ReadGate(*t, "promote");
  }
  if (const toml::table* t = r.Table(root, "invariants", "")) {
    r.CheckKeys(*t, "[invariants]", {"max_cost_ratio", "deterministic", "max_heldout_gap"});
    r.Double(*t, "[invariants]", "max_cost_ratio", p.invariants.max_cost_ratio, 0, 1e9);
    r.Bool(*t, "[invariants]", "deterministic", p.invariants.deterministic);
    r.Double(*t, "[invariants]", "max_heldout_gap", p.invariants.max_heldout_gap, 0, 1);
  }
  if (const toml::node* n = root.get("tripwire")) {
    const toml::array* a = n->as_array();
    if (!a || !a->is_array_of_tables()) r.Fail(n, "[[tripwire]]", "expected an array of tables ([[tripwire]] blocks)");
    int i = 0;
    for (const auto& e : *a) {
      const toml::table& t = *e.as_table();
      const std::string sec = "[[tripwire]] #" + std::to_string(++i);
      r.CheckKeys(t, sec, {"name", "metric", "above", "action"});
      Tripwire w;
      r.String(t, sec, "metric", w.metric);
      if (w.metric.empty()) r.Fail(&e, sec, "needs a metric");
      r.CheckMetric(t.get("metric"), sec + ".metric", w.metric);
      w.name = w.metric;
      r.String(t, sec, "name", w.name);
      if (!t.get("above")) r.Fail(&e, sec, "needs a threshold: above = X");
      r.Double(t, sec, "above", w.above, -1e18, 1e18);
      r.String(t, sec, "action", w.action);
      bool known = false;
      for (const char* act : kActions) known |= w.action == act;
      if (!known) r.Fail(t.get("action"), sec + ".action", "unknown action '" + w.action + "' (known: log, pause, approve, reject, stop)");
      for (const auto& other : p.tripwires)
        if (other.name == w.name) r.Fail(t.get("name"), sec + ".name", "duplicate tripwire name '" + w.name + "'");
      p.tripwires.push_back(w);
    }
  }
  return p;
}

Policy LoadPolicy(const std::string& path) {
  return ParsePolicy(ReadTextFile(path, "policy file"), path);
}

Policy DefaultPolicy() {
  Policy p = ParsePolicy(DefaultPolicyText(), "<default policy>");
  p.name = "default";
  return p;
}

Policy OffPolicy() {
  Policy p;
  p.name = "off";
  return p;
}

nlohmann::json ToJson(const Policy& p) {
  auto budgets = [](const Budgets& b) {
    nlohmann::json j = {{"evaluations", b.evaluations}, {"cpu_seconds", b.cpu_seconds}, {"wall_seconds", b.wall_seconds}};
    if (b.model.any())  // absent otherwise: the policies stored before are unchanged
      j.update({{"llm_requests", b.model.requests}, {"llm_prompt_tokens", b.model.prompt_tokens},
                {"llm_completion_tokens", b.model.completion_tokens}, {"llm_cost", b.model.cost}});
    return j;
  };
  auto gate = [](const Gate& g) {
    if (g.mode != "rule") return nlohmann::json(g.mode);
    return nlohmann::json("manual if " + g.metric + " > " + Exact(g.above));
  };
  nlohmann::json trips = nlohmann::json::array();
  for (const auto& t : p.tripwires)
    trips.push_back({{"name", t.name}, {"metric", t.metric}, {"above", t.above}, {"action", t.action}});
  return {{"name", p.name},
          {"budget", budgets(p.run)},
          {"budget_generation", budgets(p.generation)},
          {"gates", {{"adopt", gate(p.adopt)}, {"promote", gate(p.promote)}}},
          {"invariants",
           {{"max_cost_ratio", p.invariants.max_cost_ratio},
            {"deterministic", p.invariants.deterministic},
            {"max_heldout_gap", p.invariants.max_heldout_gap}}},
          {"tripwires", trips}};
}

std::vector<Firing> CheckTripwires(const Policy& p, const std::map<std::string, double>& metrics) {
  std::vector<Firing> out;
  for (const auto& t : p.tripwires) {
    auto it = metrics.find(t.metric == "claimed_gain" ? "gain" : t.metric);
    if (it == metrics.end()) continue;
    // A NaN metric is itself suspicious: it fires.
    if (std::isnan(it->second) || it->second > t.above)
      out.push_back({t.name, t.metric, t.action, it->second, t.above});
  }
  return out;
}

std::string GateReason(const Gate& g, const std::map<std::string, double>& metrics) {
  if (g.mode == "auto") return "";
  if (g.mode == "manual") return "the gate is manual";
  auto it = metrics.find(g.metric == "claimed_gain" ? "gain" : g.metric);
  if (it == metrics.end()) return "";
  if (std::isnan(it->second) || it->second > g.above) {
    return g.metric + " = " + Exact(it->second) + " > " + Exact(g.above);
  }
  return "";
}

std::vector<std::string> InvariantViolations(const Invariants& inv, const std::map<std::string, double>& metrics,
                                             bool rerun_equal) {
  std::vector<std::string> out;
  auto get = [&](const char* k) {
    auto it = metrics.find(k);
    return it == metrics.end() ? 0.0 : it->second;
  };
  std::ostringstream s;
  if (inv.max_cost_ratio > 0 && !(get("cost_ratio") <= inv.max_cost_ratio)) {
    s << "cost: " << get("cost_ratio") << "x the incumbent's evaluations per game > " << inv.max_cost_ratio;
    out.push_back(s.str());
    s.str("");
  }
  if (inv.deterministic && !rerun_equal) out.push_back("determinism: re-running one of its games gave a different score");
  if (inv.max_heldout_gap > 0 && !(get("search_heldout_gap") <= inv.max_heldout_gap)) {
    s << "held-out gap: " << get("search_heldout_gap") << " > " << inv.max_heldout_gap;
    out.push_back(s.str());
  }
  return out;
}

}  // namespace ouro::oversight
