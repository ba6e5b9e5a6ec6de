// search/strategy_toml.h — the strategy's TOML form: the keys of [search] that kStrategyFields
// names (search/strategy.h), read and written by the same table as the JSON form.
#pragma once

#include <toml++/toml.h>

#include "search/strategy.h"
#include "core/toml_reader.h"

namespace ouro::search {

// Reads the strategy keys present in [search] (the others keep their values in `s`); bounds from
// the table, errors located by `r`. Does not check unknown keys (the caller knows the rest).
void StrategyFromToml(const TomlReader& r, const toml::table& search, Strategy& s);
// Every field as [search] keys; StrategyFromToml(parse(StrategyToToml(s))) == s.
toml::table StrategyToToml(const Strategy& s);

}  // namespace ouro::search
