// selfplay/config.h — the self-play config file (TOML): the loop's settings in [selfplay] and its
// sub-tables, and the evaluator search's [shape] / [search] / [limits] tables as in a run config
// (search/run_config.h; the shape's dim is the game's observation size, whatever the file says).
// Every key is checked: unknown keys, wrong types and out-of-range values throw ouro::Error
// "FILE:LINE:COL: where: message". docs/config.md lists the keys; configs/selfplay.toml is the
// default and is embedded in the binary.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "selfplay/loop.h"

namespace ouro::selfplay {

struct SelfplayFile {
  std::optional<uint64_t> seed;
  SelfplayConfig config;
};

// The text of configs/selfplay.toml, embedded at build time.
std::string_view DefaultSelfplayConfigText();

SelfplayFile ParseSelfplayConfig(std::string_view text, const std::string& source);
SelfplayFile LoadSelfplayConfig(const std::string& path);

// The resolved config, stored with a run.
nlohmann::json ToJson(const SelfplayConfig& c);

}  // namespace ouro::selfplay
