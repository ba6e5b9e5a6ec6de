// meta/rsi_config.h — the config file of `ouro rsi` (TOML).
//
// The file is a run config (seed, threads, [shape], [search], [limits]: the object-level
// mechanics and the starting strategy; see docs/config.md) plus two tables read here:
//   [improver]  initial = "plain" | "config" | "PATH.json"  — the initial improver: every
//               operation and operator at uniform weight, the [search] strategy as is, or a spec
//   [rsi]       generations, candidates, max_games, max_seconds, filter_budget, ablate, gate,
//               null_control, null_adopt_rate (the null control: adoptions by a coin)
//   [rsi.sprt]  elo0, elo1, alpha, beta, alpha_run
//   [rsi.train] families (task specs), budget, target, stop_at    — meta-utility
//   [rsi.held_out] families, seeds, budget, target, stop_at       — the curve (never trained on)
//   [oversight] policy = "default" | "off" | "PATH.toml"           — see oversight/policy.h
// Unknown keys, wrong types and out-of-range values throw ouro::Error naming file and key.
#pragma once

#include <string>
#include <string_view>

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
};

RsiFileConfig ParseRsiConfig(std::string_view text, const std::string& source);
RsiFileConfig LoadRsiConfig(const std::string& path);
// The embedded default: configs/rsi-demo.toml, compiled in at build time.
RsiFileConfig DefaultRsiConfig();
nlohmann::json ToJson(const RsiConfig& config);

}  // namespace ouro::meta
