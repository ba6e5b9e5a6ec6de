// meta/rsi_config.h — the config file of `ouro rsi` (TOML).
//
// The file is a run config (seed, threads, [shape], [search], [limits]: the object-level
// mechanics and the starting strategy; see docs/config.md) plus two tables read here:
//   [improver]  initial = "plain" | "config" | "PATH.json"  — the initial improver: every
//               operation and operator at uniform weight, the [search] strategy as is, or a spec
//   [rsi]       generations, candidates, max_games, max_seconds, filter_budget, ablate, gate,
//               null_control, null_adopt_rate (the null control: adoptions by a coin),
//               controls = ["null"] (what `ouro rsi` also runs after the loop; not part of the loop)
//   [rsi.sprt]  elo0, elo1, alpha, beta, alpha_run, alpha_share
//   [rsi.confirm] max_games (0: no confirmation stage), elo0, elo1, alpha, beta
//   [rsi.train] families (task specs), budget, target, stop_at    — meta-utility (the games)
//   [rsi.validation] families, seeds, budget, target, stop_at     — what oversight reads
//   [rsi.test] families, seeds, budget, target, stop_at           — the curve (read by no decision)
//   [oversight] policy = "default" | "off" | "PATH.toml"           — see oversight/policy.h
// The three arenas' families must be disjoint (tasks::FamiliesOverlap), and train and validation
// may not use a family of the kind and size of a sealed test arena (kSealedTestArenas).
// Unknown keys, wrong types and out-of-range values throw ouro::Error naming file and key; so does
// [rsi.held_out], the test arena's old name (rename it to [rsi.test]).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "meta/rsi.h"

namespace ouro::meta {

struct RsiFileConfig {
  RsiConfig rsi;
  bool seed_given = false;
  std::string initial = "plain";
  // [oversight] policy = "default" | "off" | "PATH.toml" (a relative path is relative to the
  // config file's directory)
  std::string policy = "default";
  // [rsi] controls: the control runs `ouro rsi` starts after the loop, each its own stored run
  // with the same config and budget ("null": the null control). Not part of the loop's config
  // (RsiConfig): the runs it starts are ordinary runs. Default: none.
  std::vector<std::string> controls;
};

// The project's sealed test arenas T1-T3 (issue 15; their exact config files are under
// configs/arenas/). None of them, nor a family of the same kind and size, may appear in
// [rsi.train] or [rsi.validation]: a family with this name and dim is refused there.
struct SealedArena {
  const char* name;
  const char* family;
  int dim;
  const char* what;
};
inline constexpr SealedArena kSealedTestArenas[] = {
    {"T1", "linear", 4, "the AutoML-Zero demo task, linear regression at 4 features"},
    {"T2", "fmnist", 16, "Fashion-MNIST class pairs at 16 features"},
    {"T3", "nonlinear", 4, "the nonlinear teacher family at 4 features"},
};
std::string SealedArenaText();  // "T1: ...; T2: ...; T3: ..."

// Throws ouro::Error (naming `source`, both tables and the family) when two arenas of `config`
// share a family (tasks::FamiliesOverlap) or train/validation use a sealed test arena's kind.
void CheckArenas(const RsiConfig& config, const std::string& source);

// `stored`: the text comes from a stored run's recipe. A run recorded before the three arenas (no
// [rsi.validation] or [rsi.test]) may have [rsi.held_out]: it is read as [rsi.test], the validation arena is the same arena (what oversight
// read then), the defaults are the ones it ran with, and CheckArenas is not applied, so the run
// resumes and replays as it ran.
RsiFileConfig ParseRsiConfig(std::string_view text, const std::string& source, bool stored = false);
RsiFileConfig LoadRsiConfig(const std::string& path);
// The embedded default: configs/rsi-demo.toml, compiled in at build time.
RsiFileConfig DefaultRsiConfig();
nlohmann::json ToJson(const RsiConfig& config);

}  // namespace ouro::meta
