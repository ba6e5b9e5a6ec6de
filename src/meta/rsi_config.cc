#include "core/file.h"
#include "meta/rsi_config.h"

#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "core/error.h"
#include "core/toml_reader.h"
#include "meta/rsi_default_config.h"  // generated from configs/rsi-demo.toml
#include "search/run_config.h"

namespace ouro::meta {

namespace {

struct Reader : TomlReader {
  using TomlReader::TomlReader;
  // `seeds`: the table has a seeds key (validation, test); `frozen`: its target may be "frozen".
  void Arena(const toml::table& t, const std::string& sec, meta::Arena& a, int* seeds, bool frozen) const {
    if (seeds) CheckKeys(t, sec, {"families", "budget", "target", "targets", "budgets", "stop_at", "seeds"});
    else CheckKeys(t, sec, {"families", "budget", "target", "stop_at", "curriculum"});
    if (const toml::node* n = t.get("families")) {
      a.families.clear();
      for (const std::string& f : Strings(n, sec + ".families")) {
        try {
          a.families.push_back(tasks::ParseTaskSpec(f));
        } catch (const Error& e) {
          Fail(n, sec + ".families", e.what());
        }
        if (a.families.back().dim > lang::kMaxDim) Fail(n, sec + ".families", "dim too large");
      }
      if (a.families.empty()) Fail(n, sec + ".families", "needs at least one task family");
    }
    Int(t, sec, "budget", a.budget, 1, int64_t{1} << 40);
    if (const toml::node* n = t.get("target"); n && n->is_string()) {
      if (*n->value<std::string>() != "frozen") Fail(n, sec + ".target", "expected a fitness in (0, 1] or \"frozen\"");
      if (!frozen) Fail(n, sec + ".target", "\"frozen\" is for [rsi.test] only; give a fitness in (0, 1]");
      a.target = 0;
    } else {
      Double(t, sec, "target", a.target, 1e-9, 1.0);
    }
    Double(t, sec, "stop_at", a.stop_at, 0.0, 2.0);
    if (seeds) Int(t, sec, "seeds", *seeds, 1, 1000);
    if (seeds) Targets(t, sec, a);
  }

  // targets = ["reference:0.9", 0.9999, ...] (pre-registered, the first primary) and
  // budgets = [1000, 3000, ...] (capability read after that many evaluations, each <= budget).
  void Targets(const toml::table& t, const std::string& sec, meta::Arena& a) const {
    if (const toml::node* n = t.get("targets")) {
      const toml::array* arr = n->as_array();
      if (!arr || arr->empty()) Fail(n, sec + ".targets", "expected a non-empty list of targets");
      if (t.get("target")) Fail(n, sec + ".targets", "give either target or targets, not both");
      a.targets.clear();
      for (const toml::node& e : *arr) {
        try {
          if (e.is_string()) a.targets.push_back(ParseTarget(*e.value<std::string>()));
          else if (e.is_number()) a.targets.push_back(FitnessTarget(*e.value<double>()));
          else throw Error("expected \"reference:FRACTION\" or a fitness");
        } catch (const Error& err) {
          Fail(&e, sec + ".targets", err.what());
        }
        if (a.targets.back().of_reference > 0)
          for (const auto& f : a.families)
            if (!ReferenceProgramName(f))
              Fail(&e, sec + ".targets", "family '" + tasks::TaskSpecToString(f) + "' has no reference program");
      }
      a.target = 0;  // per family: the first target's level
    }
    if (const toml::node* n = t.get("budgets")) {
      const toml::array* arr = n->as_array();
      if (!arr) Fail(n, sec + ".budgets", "expected a list of evaluation counts");
      a.budgets.clear();
      for (const toml::node& e : *arr) {
        const std::optional<int64_t> b = e.value<int64_t>();
        if (!e.is_integer() || !b || *b < 1 || *b > a.budget)
          Fail(&e, sec + ".budgets", "expected whole evaluation counts in [1, budget]");
        a.budgets.push_back(*b);
      }
    }
  }

  void Sprt(const toml::table& s, RsiConfig& c) const {
    CheckKeys(s, "[rsi.sprt]", {"elo0", "elo1", "alpha", "beta", "alpha_run", "alpha_share"});
    Double(s, "[rsi.sprt]", "elo0", c.sprt.elo0, -2000, 2000);
    Double(s, "[rsi.sprt]", "elo1", c.sprt.elo1, -2000, 2000);
    Double(s, "[rsi.sprt]", "alpha", c.sprt.alpha, 1e-9, 0.5);
    Double(s, "[rsi.sprt]", "beta", c.sprt.beta, 1e-9, 0.5);
    Double(s, "[rsi.sprt]", "alpha_run", c.alpha_run, 1e-9, 1e6);
    Double(s, "[rsi.sprt]", "alpha_share", c.alpha_share, 1e-6, 1);
  }

  // [rsi] gate, [rsi.sprt] and [rsi.confirm] of the [rsi] table `t`.
  void Gate(const toml::table& t, RsiConfig& c) const {
    if (const toml::node* n = t.get("gate")) {
      if (!n->is_string()) Fail(n, "[rsi].gate", "expected \"exact\" or \"normal\"");
      try {
        c.gate = SprtTestFromName(*n->value<std::string>());
      } catch (const Error& e) {
        Fail(n, "[rsi].gate", e.what());
      }
    }
    if (const toml::table* s = Table(t, "sprt", "rsi.")) Sprt(*s, c);
    if (const toml::table* s = Table(t, "confirm", "rsi.")) Confirm(*s, c);
  }

  void Confirm(const toml::table& s, RsiConfig& c) const {
    CheckKeys(s, "[rsi.confirm]", {"max_games", "elo0", "elo1", "alpha", "beta"});
    Int(s, "[rsi.confirm]", "max_games", c.confirm_games, 0, 100000);
    Double(s, "[rsi.confirm]", "elo0", c.confirm.elo0, -2000, 2000);
    Double(s, "[rsi.confirm]", "elo1", c.confirm.elo1, -2000, 2000);
    Double(s, "[rsi.confirm]", "alpha", c.confirm.alpha, 1e-9, 0.5);
    Double(s, "[rsi.confirm]", "beta", c.confirm.beta, 1e-9, 0.5);
  }

  // [rsi.train], [rsi.validation], [rsi.test] of the [rsi] table `t`; `legacy`: a stored recipe
  // from before the three arenas, whose [rsi.held_out] is the test arena.
  void Arenas(const toml::table& t, RsiConfig& c, bool legacy) const {
    if (const toml::node* n = t.get("held_out"); n && !legacy)
      Fail(n, "[rsi.held_out]",
           "the held-out arena is now [rsi.test] (the curve's arena, read by no decision): rename the table to "
           "[rsi.test] and give a [rsi.validation] arena for oversight (docs/config.md)");
    if (const toml::table* s = Table(t, "train", "rsi.")) {
      Arena(*s, "[rsi.train]", c.train, nullptr, false);
      Bool(*s, "[rsi.train]", "curriculum", c.curriculum);
    }
    if (const toml::table* s = Table(t, "validation", "rsi."))
      Arena(*s, "[rsi.validation]", c.validation, &c.validation_seeds, false);
    if (const toml::table* s = Table(t, "test", "rsi.")) Arena(*s, "[rsi.test]", c.test, &c.test_seeds, true);
    if (const toml::table* s = legacy ? Table(t, "held_out", "rsi.") : nullptr)
      Arena(*s, "[rsi.held_out]", c.test, &c.test_seeds, true);
  }
};

}  // namespace

void CheckArenas(const RsiConfig& c, const std::string& source) {
  const std::vector<std::pair<const char*, const meta::Arena*>> arenas = {
      {"[rsi.train]", &c.train}, {"[rsi.validation]", &c.validation}, {"[rsi.test]", &c.test}};
  for (size_t i = 0; i < arenas.size(); ++i)
    for (size_t j = i + 1; j < arenas.size(); ++j)
      for (const auto& a : arenas[i].second->families)
        for (const auto& b : arenas[j].second->families)
          if (tasks::FamiliesOverlap(a, b))
            throw Error(source + ": " + arenas[j].first + " family '" + tasks::TaskSpecToString(b) + "' overlaps " +
                        arenas[i].first + " family '" + tasks::TaskSpecToString(a) +
                        "'; the arenas' families must be disjoint (same family and dim, and hidden size for "
                        "nonlinear; a shared fmnist class pair, in either order; the same data file)");
  for (size_t i = 0; i < 2; ++i)
    for (const auto& f : arenas[i].second->families)
      for (const SealedArena& t : kSealedTestArenas)
        if (f.family == t.family && f.dim == t.dim)
          throw Error(source + ": " + arenas[i].first + " family '" + tasks::TaskSpecToString(f) +
                      "' is of the same kind and size as the sealed test arena " + t.name + " (" + t.what +
                      ", configs/arenas/); train and validation may not use " + t.family + " families at dim " +
                      std::to_string(t.dim));
}

RsiFileConfig ParseRsiConfig(std::string_view text, const std::string& source, bool stored) {
  const search::RunConfig run = search::ParseRunConfig(text, source, {"improver", "rsi", "oversight", "llm"});
  Reader r(source);
  toml::table root = toml::parse(text, source);  // already parsed once without error
  RsiFileConfig out;
  RsiConfig& c = out.rsi;
  out.seed_given = run.seed.has_value();
  c.seed = run.seed.value_or(1);
  c.threads = run.threads;
  search::EvolutionConfig base = run.evolution;
  base.max_experiments = 0;
  if (const toml::table* t = r.Table(root, "improver", "")) {
    r.CheckKeys(*t, "[improver]", {"initial"});
    if (const toml::node* n = t->get("initial")) {
      if (!n->is_string()) r.Fail(n, "[improver].initial", "expected \"plain\", \"config\" or a spec file path");
      out.initial = *n->value<std::string>();
    }
  }
  if (const toml::table* t = r.Table(root, "oversight", "")) {
    r.CheckKeys(*t, "[oversight]", {"policy"});
    r.String(*t, "[oversight]", "policy", out.policy);
    if (out.policy.empty()) r.Fail(t->get("policy"), "[oversight].policy", "expected \"default\", \"off\" or a policy file path");
  }
  c.train.base = c.validation.base = c.test.base = base;
  // A stored run recorded before the three arenas: it has neither [rsi.validation] nor [rsi.test]
  // and keeps the defaults it ran with.
  const toml::table* rsi = root.get("rsi") ? root.get("rsi")->as_table() : nullptr;
  const bool legacy = stored && !(rsi && (rsi->contains("validation") || rsi->contains("test")));
  c.train.families = {tasks::ParseTaskSpec(legacy ? "linear:dim=4,tasks=5,train=50,valid=50"
                                                  : "linear:dim=2,tasks=3,train=50,valid=50")};
  c.validation.families = {tasks::ParseTaskSpec("linear:dim=3,tasks=3,train=50,valid=50")};
  c.test.families = {tasks::ParseTaskSpec("linear:dim=8,tasks=5,train=50,valid=50")};
  if (const toml::table* t = r.Table(root, "rsi", "")) {
    r.Arenas(*t, c, legacy);  // first: it names the old [rsi.held_out] table
    std::vector<std::string_view> keys = {"generations", "candidates", "max_games", "max_seconds", "filter_budget",
                                          "ablate", "gate", "sprt", "confirm", "train", "validation", "test",
                                          "null_control", "null_adopt_rate", "controls"};
    if (legacy) keys.push_back("held_out");
    r.CheckKeys(*t, "[rsi]", keys);
    r.Int(*t, "[rsi]", "generations", c.generations, 0, 100000);
    r.Int(*t, "[rsi]", "candidates", c.candidates, 1, 1000);
    r.Int(*t, "[rsi]", "max_games", c.max_games, 1, 100000);
    r.Double(*t, "[rsi]", "max_seconds", c.max_seconds, 0, 1e9);
    r.Int(*t, "[rsi]", "filter_budget", c.filter_budget, 1, 100000000);
    if (const toml::node* n = t->get("ablate")) c.ablate = r.Strings(n, "[rsi].ablate");
    r.Bool(*t, "[rsi]", "null_control", c.null_control);
    r.Double(*t, "[rsi]", "null_adopt_rate", c.null_adopt_rate, 0, 1);
    if (const toml::node* n = t->get("controls")) {
      out.controls = r.Strings(n, "[rsi].controls");
      for (const std::string& k : out.controls)
        if (k != "null") r.Fail(n, "[rsi].controls", "unknown control '" + k + "' (expected \"null\")");
    }
    r.Gate(*t, c);
  }
  if (legacy) {
    // Recorded before the validation arena: oversight read the held-out arena, now the test one.
    c.validation = c.test;
    c.validation_seeds = c.test_seeds;
  } else {
    CheckArenas(c, source);
  }
  try {
    if (out.initial == "plain") c.initial = PlainSpec(base);
    else if (out.initial == "config") c.initial = SpecFromConfig(base);
    else c.initial = LoadSpec(out.initial);
    c.initial.name = "initial";
    c.Validate();
  } catch (const Error& e) {
    throw Error(source + ": " + e.what());
  }
  return out;
}

RsiFileConfig LoadRsiConfig(const std::string& path) {
  return ParseRsiConfig(ReadTextFile(path, "config file"), path);
}

RsiFileConfig DefaultRsiConfig() { return ParseRsiConfig(internal::kDefaultRsiConfig, "<default rsi config>"); }

std::string SealedArenaText() {
  std::string s;
  for (const SealedArena& t : kSealedTestArenas)
    s += (s.empty() ? "" : "; ") + std::string(t.name) + ": " + t.what;
  return s;
}

namespace {

nlohmann::json TestJson(const RsiConfig& c) {
  nlohmann::json f = nlohmann::json::array();
  for (const auto& s : c.test.families) f.push_back(tasks::TaskSpecToString(s));
  nlohmann::json j = {{"families", f}, {"seeds", c.test_seeds}, {"budget", c.test.budget},
                      {"target", c.test.target > 0 ? nlohmann::json(c.test.target) : nlohmann::json("frozen")},
                      {"stop_at", c.test.stop_at}};
  if (c.test.targets.empty()) return j;  // the form of runs stored before pre-registered targets
  j["target"] = TargetToString(c.test.targets[0]);
  j["targets"] = nlohmann::json::array();
  for (const TargetSpec& t : c.test.targets) j["targets"].push_back(TargetToString(t));
  j["budgets"] = c.test.budgets;
  return j;
}

nlohmann::json ConfigJson(const RsiConfig& c) {
  auto families = [](const Arena& a) {
    nlohmann::json f = nlohmann::json::array();
    for (const auto& s : a.families) f.push_back(tasks::TaskSpecToString(s));
    return f;
  };
  return {{"seed", c.seed},
          {"threads", c.threads},
          {"generations", c.generations},
          {"candidates", c.candidates},
          {"max_games", c.max_games},
          {"max_seconds", c.max_seconds},
          {"filter_budget", c.filter_budget},
          {"ablate", c.ablate},
          {"gate", SprtTestName(c.gate)},
          {"sprt", {{"elo0", c.sprt.elo0}, {"elo1", c.sprt.elo1}, {"alpha", c.sprt.alpha}, {"beta", c.sprt.beta},
                    {"alpha_run", c.alpha_run}}},
          {"train", {{"families", families(c.train)}, {"budget", c.train.budget}, {"target", c.train.target}, {"stop_at", c.train.stop_at}}},
          {"validation",
           {{"families", families(c.validation)}, {"seeds", c.validation_seeds}, {"budget", c.validation.budget},
            {"target", c.validation.target > 0 ? nlohmann::json(c.validation.target) : nlohmann::json("frozen")},
            {"stop_at", c.validation.stop_at}}},
          {"test", TestJson(c)},
          {"shape", {{"scalars", c.train.base.shape.scalars}, {"vectors", c.train.base.shape.vectors},
                     {"matrices", c.train.base.shape.matrices}}},
          {"initial_improver", nlohmann::json::parse(ToJson(c.initial).dump())}};
}

}  // namespace

nlohmann::json ToJson(const RsiConfig& c) {
  nlohmann::json j = ConfigJson(c);
  if (c.curriculum) j["train"]["curriculum"] = true;  // absent otherwise: earlier configs unchanged
  j["held_out"] = j["test"];  // the test arena's key before validation existed, kept for readers
  // Only in null-control runs, so the stored config of every other run is as before.
  if (c.null_control) j.update({{"null_control", true}, {"null_adopt_rate", c.null_adopt_rate}});
  // Likewise only when used: a share below 1, a confirmation stage.
  if (c.alpha_share != 1) j["sprt"]["alpha_share"] = c.alpha_share;
  if (c.confirm_games > 0)
    j["confirm"] = {{"max_games", c.confirm_games}, {"elo0", c.confirm.elo0}, {"elo1", c.confirm.elo1},
                    {"alpha", c.confirm.alpha}, {"beta", c.confirm.beta}};
  return j;
}

}  // namespace ouro::meta
