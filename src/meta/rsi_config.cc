#include "meta/rsi_config.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <toml++/toml.h>

#include "core/error.h"
#include "core/toml_reader.h"
#include "meta/rsi_default_config.h"  // generated from configs/rsi-demo.toml
#include "search/run_config.h"

namespace ouro::meta {

namespace {

struct Reader : TomlReader {
  using TomlReader::TomlReader;
  void Arena(const toml::table& t, const std::string& sec, meta::Arena& a, int* seeds) const {
    if (seeds) CheckKeys(t, sec, {"families", "budget", "target", "stop_at", "seeds"});
    else CheckKeys(t, sec, {"families", "budget", "target", "stop_at"});
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
      if (!seeds) Fail(n, sec + ".target", "\"frozen\" is for [rsi.held_out] only");
      a.target = 0;
    } else {
      Double(t, sec, "target", a.target, 1e-9, 1.0);
    }
    Double(t, sec, "stop_at", a.stop_at, 0.0, 2.0);
    if (seeds) Int(t, sec, "seeds", *seeds, 1, 1000);
  }
};

}  // namespace

RsiFileConfig ParseRsiConfig(std::string_view text, const std::string& source) {
  const search::RunConfig run = search::ParseRunConfig(text, source, {"improver", "rsi", "oversight"});
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
  c.train.base = base;
  c.held_out.base = base;
  c.train.families = {tasks::ParseTaskSpec("linear:dim=4,tasks=5,train=50,valid=50")};
  c.held_out.families = {tasks::ParseTaskSpec("linear:dim=8,tasks=5,train=50,valid=50")};
  if (const toml::table* t = r.Table(root, "rsi", "")) {
    r.CheckKeys(*t, "[rsi]", {"generations", "candidates", "max_games", "max_seconds", "filter_budget", "ablate", "gate",
                         "sprt", "train", "held_out", "null_control", "null_adopt_rate"});
    r.Int(*t, "[rsi]", "generations", c.generations, 0, 100000);
    r.Int(*t, "[rsi]", "candidates", c.candidates, 1, 1000);
    r.Int(*t, "[rsi]", "max_games", c.max_games, 1, 100000);
    r.Double(*t, "[rsi]", "max_seconds", c.max_seconds, 0, 1e9);
    r.Int(*t, "[rsi]", "filter_budget", c.filter_budget, 1, 100000000);
    if (const toml::node* n = t->get("ablate")) c.ablate = r.Strings(n, "[rsi].ablate");
    r.Bool(*t, "[rsi]", "null_control", c.null_control);
    r.Double(*t, "[rsi]", "null_adopt_rate", c.null_adopt_rate, 0, 1);
    if (const toml::node* n = t->get("gate")) {
      if (!n->is_string()) r.Fail(n, "[rsi].gate", "expected \"exact\" or \"normal\"");
      try {
        c.gate = SprtTestFromName(*n->value<std::string>());
      } catch (const Error& e) {
        r.Fail(n, "[rsi].gate", e.what());
      }
    }
    if (const toml::table* s = r.Table(*t, "sprt", "rsi.")) {
      r.CheckKeys(*s, "[rsi.sprt]", {"elo0", "elo1", "alpha", "beta", "alpha_run"});
      r.Double(*s, "[rsi.sprt]", "elo0", c.sprt.elo0, -2000, 2000);
      r.Double(*s, "[rsi.sprt]", "elo1", c.sprt.elo1, -2000, 2000);
      r.Double(*s, "[rsi.sprt]", "alpha", c.sprt.alpha, 1e-9, 0.5);
      r.Double(*s, "[rsi.sprt]", "beta", c.sprt.beta, 1e-9, 0.5);
      r.Double(*s, "[rsi.sprt]", "alpha_run", c.alpha_run, 1e-9, 1e6);
    }
    if (const toml::table* s = r.Table(*t, "train", "rsi.")) r.Arena(*s, "[rsi.train]", c.train, nullptr);
    if (const toml::table* s = r.Table(*t, "held_out", "rsi."))
      r.Arena(*s, "[rsi.held_out]", c.held_out, &c.held_out_seeds);
  }
  // Held-out families must not be training families (the curve would not be honest).
  for (const auto& h : c.held_out.families)
    for (const auto& tr : c.train.families)
      if (h.family == tr.family && h.dim == tr.dim && h.hidden == tr.hidden && h.pairs == tr.pairs &&
          h.path == tr.path && h.project_dim == tr.project_dim)
        throw Error(source + ": [rsi.held_out] family '" + tasks::TaskSpecToString(h) +
                    "' is also a training family; held-out families must differ (family, dim, hidden size, pairs or file)");
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
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec))
    throw Error("config file '" + path + "' is not a regular file");
  std::ifstream f(path);
  if (!f) throw Error("cannot read config file '" + path + "'");
  std::stringstream ss;
  ss << f.rdbuf();
  return ParseRsiConfig(ss.str(), path);
}

RsiFileConfig DefaultRsiConfig() { return ParseRsiConfig(internal::kDefaultRsiConfig, "<default rsi config>"); }

namespace {

nlohmann::json CoreJson(const RsiConfig& c) {
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
          {"held_out",
           {{"families", families(c.held_out)}, {"seeds", c.held_out_seeds}, {"budget", c.held_out.budget},
            {"target", c.held_out.target > 0 ? nlohmann::json(c.held_out.target) : nlohmann::json("frozen")},
            {"stop_at", c.held_out.stop_at}}},
          {"shape", {{"scalars", c.train.base.shape.scalars}, {"vectors", c.train.base.shape.vectors},
                     {"matrices", c.train.base.shape.matrices}}},
          {"initial_improver", nlohmann::json::parse(ToJson(c.initial).dump())}};
}

}  // namespace

nlohmann::json ToJson(const RsiConfig& c) {
  nlohmann::json j = CoreJson(c);
  // Only in null-control runs, so the stored config of every other run is as before.
  if (c.null_control) j.update({{"null_control", true}, {"null_adopt_rate", c.null_adopt_rate}});
  return j;
}

}  // namespace ouro::meta
