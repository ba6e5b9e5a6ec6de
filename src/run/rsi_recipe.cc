#include "run/rsi_recipe.h"

#include <algorithm>
#include <filesystem>
#include <optional>

#include "core/error.h"
#include "core/file.h"
#include "llm/cassette.h"
#include "llm/config.h"

namespace ouro::run {

using nlohmann::json;

json RecipeJson(const RsiRecipe& r) {
  json j = {{"config_text", r.config_text},
            {"config_source", r.config_source},
            {"policy_text", r.policy_text},
            {"policy_source", r.policy_source},
            {"seed", r.seed},
            {"threads", r.threads},
            {"max_seconds", r.max_seconds},
            {"ablate", r.ablate},
            {"gate_era", r.normal_gate_era ? "normal" : "exact"},
            {"meta_era", r.legacy_meta_era ? "seven" : "compound"},
            {"data_era", r.legacy_data_era ? "raw" : "standardized"}};
  if (r.null_control) j["null_control"] = true;  // absent otherwise: other recipes are unchanged
  if (!r.llm_replay.empty()) j["llm_replay"] = r.llm_replay;  // likewise
  return j;
}

RsiRecipe MakeRecipe(const RecipeRequest& a, const meta::RsiFileConfig& file) {
  RsiRecipe r;
  if (!a.config.empty()) {
    r.config_text = ReadTextFile(a.config, "config file");
    r.config_source = a.config;
  }
  std::string policy = a.policy.empty() ? file.policy : a.policy;
  if (a.policy.empty() && policy != "default" && policy != "off" && !a.config.empty() &&
      std::filesystem::path(policy).is_relative())
    policy = (std::filesystem::path(a.config).parent_path() / policy).string();
  r.policy_source = policy;
  if (policy == "default") r.policy_text = std::string(oversight::DefaultPolicyText());
  else if (policy != "off") r.policy_text = ReadTextFile(policy, "policy file");
  r.seed = a.seed;
  r.threads = a.threads;
  r.max_seconds = a.max_seconds;
  r.ablate = a.ablate;
  r.null_control = a.null_control;
  r.llm_replay = a.llm_replay;
  // The [llm] section is read here, before any run exists, so a bad one is refused up front.
  const std::optional<llm::LlmConfig> model =
      r.config_text.empty() ? std::nullopt : llm::ReadLlmConfig(r.config_text, r.config_source);
  if (!model && !r.llm_replay.empty()) throw Error("--llm-replay: the config has no [llm] section (no model to replay)");
  if (model && r.llm_replay.empty()) llm::CheckNewCassette(model->cassette);  // a live run records a new one
  return r;
}

RsiRecipe RecipeFromRun(const store::RunInfo& run) {
  if (run.kind != "rsi")
    throw Error("run " + std::to_string(run.id) + " is a '" + run.kind + "' run, not an rsi run");
  const json c = json::parse(run.config_json, nullptr, false);
  if (!c.is_object() || !c.contains("recipe"))
    throw Error("run " + std::to_string(run.id) +
                " has no stored recipe (made by an older ouro): it cannot be resumed or replayed");
  try {
    const json& j = c.at("recipe");
    RsiRecipe r;
    r.config_text = j.at("config_text").get<std::string>();
    r.config_source = j.at("config_source").get<std::string>();
    r.policy_text = j.at("policy_text").get<std::string>();
    r.policy_source = j.at("policy_source").get<std::string>();
    r.seed = j.at("seed").get<uint64_t>();
    r.threads = j.at("threads").get<int>();
    r.max_seconds = j.at("max_seconds").get<double>();
    r.ablate = j.at("ablate").get<std::vector<std::string>>();
    r.normal_gate_era = j.value("gate_era", "normal") == "normal";
    r.null_control = j.value("null_control", false);
    r.legacy_meta_era = j.value("meta_era", "seven") == "seven";
    r.legacy_data_era = j.value("data_era", "raw") == "raw";
    r.llm_replay = j.value("llm_replay", std::string());
    return r;
  } catch (const json::exception& e) {
    throw Error("run " + std::to_string(run.id) + ": malformed stored recipe: " + e.what());
  }
}

meta::RsiConfig BuildConfig(const RsiRecipe& r, const json* stored_initial) {
  meta::RsiFileConfig file = r.config_text.empty()
                                 ? meta::DefaultRsiConfig()
                                 : meta::ParseRsiConfig(r.config_text, r.config_source, /*stored=*/true);
  meta::RsiConfig cfg = file.rsi;
  cfg.seed = r.seed;
  if (r.threads >= 0) cfg.threads = r.threads;
  if (r.max_seconds >= 0) cfg.max_seconds = r.max_seconds;
  for (const auto& x : r.ablate)
    if (std::find(cfg.ablate.begin(), cfg.ablate.end(), x) == cfg.ablate.end())
      cfg.ablate.push_back(x);
  if (r.normal_gate_era) cfg.gate = meta::SprtTest::kNormal;  // as the run was recorded
  if (r.null_control) cfg.null_control = true;
  cfg.legacy_meta = r.legacy_meta_era;                          // likewise
  for (meta::Arena* arena : {&cfg.train, &cfg.validation, &cfg.test})
    for (tasks::TaskSpec& f : arena->families) f.legacy_user_data = r.legacy_data_era;
  if (stored_initial)
    cfg.initial = meta::SpecFromJson(meta::Json::parse(stored_initial->get<std::string>()));
  cfg.Validate();
  return cfg;
}

oversight::Policy BuildPolicy(const RsiRecipe& r) {
  if (r.policy_source == "off") return oversight::OffPolicy();
  if (r.policy_source == "default") return oversight::DefaultPolicy();
  return oversight::ParsePolicy(r.policy_text, r.policy_source);
}

meta::RsiConfig WithBudgets(meta::RsiConfig cfg, const oversight::Policy& policy) {
  cfg.run_budget = {policy.run.evaluations, policy.run.cpu_seconds, policy.run.wall_seconds};
  cfg.generation_budget = {policy.generation.evaluations, policy.generation.cpu_seconds,
                           policy.generation.wall_seconds};
  return cfg;
}

bool IsNullControl(const store::RunInfo& run) {
  const json c = json::parse(run.config_json, nullptr, false);
  return c.is_object() && c.contains("null_control") && c["null_control"] == true;
}

std::string SpecText(const meta::ImproverSpec& s) { return meta::ToJson(s).dump(); }

}  // namespace ouro::run
