#include "selfplay/config.h"

#include "core/file.h"
#include "core/toml_reader.h"
#include "lang/reference.h"
#include "lang/text.h"
#include "search/run_config.h"
#include "selfplay/default_config.h"

namespace ouro::selfplay {
namespace {

class Reader : public TomlReader {
 public:
  using TomlReader::TomlReader;

  void Mcts(const toml::table& root, std::string_view key, MctsParams& p, bool selfplay) const {
    const std::string where = "[selfplay." + std::string(key) + "]";
    const toml::table* t = Table(root, key, "[selfplay.");
    if (!t) return;
    if (selfplay)
      CheckKeys(*t, where,
                {"simulations", "c_puct", "dirichlet_alpha", "dirichlet_epsilon", "temperature_moves", "prior_temperature"});
    else
      CheckKeys(*t, where, {"simulations", "c_puct", "prior_temperature"});
    Int(*t, where, "simulations", p.simulations, 1, 1'000'000);
    Double(*t, where, "c_puct", p.c_puct, 1e-6, 100);
    Double(*t, where, "dirichlet_alpha", p.dirichlet_alpha, 1e-6, 10);
    Double(*t, where, "dirichlet_epsilon", p.dirichlet_epsilon, 0, 1);
    Int(*t, where, "temperature_moves", p.temperature_moves, 0, 1000);
    Double(*t, where, "prior_temperature", p.prior_temperature, 0, 100);
  }

  void Loop(const toml::table& t, SelfplayConfig& c) const {
    const std::string w = "[selfplay]";
    CheckKeys(t, w, {"game", "generations", "max_seconds", "threads", "games", "window", "valid_every", "epochs",
                     "root_value_weight", "search_evaluations", "search_rows", "warm_share", "start_programs", "mcts", "match", "gate", "ladder"});
    String(t, w, "game", c.game);
    Int(t, w, "generations", c.generations, 0, 1'000'000);
    Double(t, w, "max_seconds", c.max_seconds, 0, 1e9);
    Int(t, w, "threads", c.threads, 1, 256);
    Int(t, w, "games", c.games, 1, 100000);
    Int(t, w, "window", c.window, 1, 10'000'000);
    Int(t, w, "valid_every", c.valid_every, 2, 1000);
    Int(t, w, "epochs", c.epochs, 1, 100);
    Double(t, w, "root_value_weight", c.root_value_weight, 0, 1);
    Int(t, w, "search_evaluations", c.search_evaluations, 1, INT64_MAX);
    Int(t, w, "search_rows", c.search_rows, 0, INT64_MAX);
    Double(t, w, "warm_share", c.warm_share, 1e-9, 1);
    if (const toml::node* n = t.get("start_programs")) {
      c.start_programs.clear();
      for (const std::string& name : Strings(n, w + ".start_programs")) {
        const auto text = lang::ReferenceProgram(name);
        if (!text) Fail(n, w + ".start_programs", "no program '" + name + "' in programs/");
        c.start_programs.push_back(lang::Parse(*text));
      }
    }
    Mcts(t, "mcts", c.selfplay_mcts, true);
    Mcts(t, "match", c.match_mcts, false);
    if (const toml::table* g = Table(t, "gate", "[selfplay.")) {
      const std::string gw = "[selfplay.gate]";
      CheckKeys(*g, gw, {"openings", "opening_plies", "elo0", "elo1", "alpha", "beta", "alpha_budget", "alpha_share"});
      Int(*g, gw, "openings", c.gate_openings, 1, 100000);
      Int(*g, gw, "opening_plies", c.opening_plies, 0, 20);
      Double(*g, gw, "elo0", c.gate.elo0, -2000, 2000);
      Double(*g, gw, "elo1", c.gate.elo1, -2000, 2000);
      Double(*g, gw, "alpha", c.gate.alpha, 1e-9, 0.5);
      Double(*g, gw, "beta", c.gate.beta, 1e-9, 0.5);
      Double(*g, gw, "alpha_budget", c.alpha_budget, 1e-9, 10);
      Double(*g, gw, "alpha_share", c.alpha_share, 1e-9, 1);
    }
    if (const toml::table* l = Table(t, "ladder", "[selfplay.")) {
      const std::string lw = "[selfplay.ladder]";
      CheckKeys(*l, lw, {"simulations", "c_puct", "prior_temperature", "openings", "opening_plies"});
      Int(*l, lw, "simulations", c.ladder_mcts.simulations, 1, 1'000'000);
      Double(*l, lw, "c_puct", c.ladder_mcts.c_puct, 1e-6, 100);
      Double(*l, lw, "prior_temperature", c.ladder_mcts.prior_temperature, 0, 100);
      Int(*l, lw, "openings", c.ladder_openings, 1, 100000);
      Int(*l, lw, "opening_plies", c.ladder_plies, 0, 20);
    }
  }
};

}  // namespace

std::string_view DefaultSelfplayConfigText() { return internal::kDefaultSelfplayConfig; }

SelfplayFile ParseSelfplayConfig(std::string_view text, const std::string& source) {
  Reader r(source);
  toml::table root = ParseTomlText(text, source);
  SelfplayFile f;
  const search::RunConfig rc = search::ParseRunConfig(text, source, {"selfplay"});
  f.seed = rc.seed;
  f.config.evolution = rc.evolution;
  if (const toml::table* t = r.Table(root, "selfplay", "")) r.Loop(*t, f.config);
  try {
    f.config.Validate();
  } catch (const Error& e) {
    throw Error(source + ": " + e.what());
  }
  return f;
}

SelfplayFile LoadSelfplayConfig(const std::string& path) { return ParseSelfplayConfig(ReadTextFile(path, "self-play config"), path); }

nlohmann::json ToJson(const SelfplayConfig& c) {
  auto mcts = [](const MctsParams& p) {
    return nlohmann::json{{"simulations", p.simulations}, {"c_puct", p.c_puct}, {"dirichlet_alpha", p.dirichlet_alpha},
                          {"dirichlet_epsilon", p.dirichlet_epsilon}, {"temperature_moves", p.temperature_moves},
                          {"prior_temperature", p.prior_temperature}};
  };
  search::RunConfig rc;
  rc.evolution = c.evolution;
  const nlohmann::json search_json = search::ToJson(rc);
  nlohmann::json starts = nlohmann::json::array();
  for (const lang::Program& p : c.start_programs) starts.push_back(lang::Print(p));
  return {{"game", c.game}, {"generations", c.generations}, {"max_seconds", c.max_seconds},
          {"threads", c.threads}, {"games", c.games}, {"window", c.window}, {"valid_every", c.valid_every},
          {"epochs", c.epochs}, {"root_value_weight", c.root_value_weight}, {"search_evaluations", c.search_evaluations}, {"search_rows", c.search_rows}, {"warm_share", c.warm_share},
          {"start_programs", starts}, {"mcts", mcts(c.selfplay_mcts)}, {"match", mcts(c.match_mcts)},
          {"gate", {{"openings", c.gate_openings}, {"opening_plies", c.opening_plies}, {"elo0", c.gate.elo0},
                    {"elo1", c.gate.elo1}, {"alpha", c.gate.alpha}, {"beta", c.gate.beta},
                    {"alpha_budget", c.alpha_budget}, {"alpha_share", c.alpha_share}}},
          {"ladder", {{"mcts", mcts(c.ladder_mcts)}, {"openings", c.ladder_openings}, {"opening_plies", c.ladder_plies}}},
          {"shape", search_json["shape"]}, {"search", search_json["search"]}, {"limits", search_json["limits"]}};
}

}  // namespace ouro::selfplay
