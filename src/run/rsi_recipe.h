// run/rsi_recipe.h — what an rsi run is made of (config text, policy text, seed, flags), as stored
// in its config_json, and how the config and the policy are rebuilt from it: enough to start,
// resume or replay the run. Pure functions of their arguments; ouro::Error on a malformed recipe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "meta/rsi.h"
#include "meta/rsi_config.h"
#include "oversight/policy.h"
#include "store/store.h"

namespace ouro::run {

struct RsiRecipe {
  std::string config_text, config_source;  // the TOML (empty text: the embedded default)
  std::string policy_text, policy_source;  // the policy TOML ("default" / "off" built in)
  uint64_t seed = 1;
  int threads = -1;
  double max_seconds = -1;
  std::vector<std::string> ablate;
  // Recipes written before the exact gate lack "gate_era": their runs used the normal gate, which
  // BuildConfig puts back so that they resume and replay as they ran.
  bool normal_gate_era = false;
  // `ouro rsi --null-control` (or the config's [rsi] null_control); stored only when set.
  bool null_control = false;
  // Recipes written before the compound meta-operators lack "meta_era": their runs used the first
  // seven meta-operators only (RsiConfig::legacy_meta), which BuildConfig puts back.
  bool legacy_meta_era = false;
  // Recipes written before user data was standardized and multi-class lack "data_era": BuildConfig
  // marks their csv and idx families tasks::TaskSpec::legacy_user_data, so they read as they did.
  bool legacy_data_era = false;
  // `--llm-replay FILE`: the config's [llm] model answers from this cassette, never a server (and
  // so does a resume of the run); stored only when set.
  std::string llm_replay;
};
nlohmann::json RecipeJson(const RsiRecipe& r);

// What `ouro rsi` and the Python module ask for, as a recipe: the config file's text (empty path:
// the embedded default), the policy ("" = the config's, "default", "off" or a file, relative to the
// config's folder when the config names it), the seed and the overrides.
struct RecipeRequest {
  std::string config, policy;
  uint64_t seed = 1;
  int threads = -1;
  double max_seconds = -1;
  std::vector<std::string> ablate;
  bool null_control = false;
  std::string llm_replay;
};
// Error for a config whose [llm] section is bad, an llm_replay without one, or a live model whose
// cassette holds exchanges already (llm::CheckNewCassette).
RsiRecipe MakeRecipe(const RecipeRequest& request, const meta::RsiFileConfig& file);
// Rebuilds the recipe of a stored rsi run (Error for another kind of run or an older store).
RsiRecipe RecipeFromRun(const store::RunInfo& run);
// The run's config; stored_initial (a JSON string holding the spec's text) replaces the initial
// improver, so a resume or replay starts from the spec as stored, not a file that may have changed.
meta::RsiConfig BuildConfig(const RsiRecipe& r, const nlohmann::json* stored_initial = nullptr);
oversight::Policy BuildPolicy(const RsiRecipe& r);

// The config with the policy's budgets (run and per generation) in force.
meta::RsiConfig WithBudgets(meta::RsiConfig cfg, const oversight::Policy& policy);

// Whether a stored run is a null control (its config says null_control = true).
bool IsNullControl(const store::RunInfo& run);

// A spec as stored (its canonical JSON text: the key order is part of it).
std::string SpecText(const meta::ImproverSpec& s);

}  // namespace ouro::run
