#include "llm/config.h"

#include "core/error.h"

namespace ouro::llm {

void LlmConfig::Validate() const {
  server.Validate();
  if (cassette.empty()) throw Error("llm: cassette is empty");
  if (max_program_bytes < 1 || max_program_bytes > server.max_reply_bytes)
    throw Error("llm: max_program_bytes must be in [1, max_reply_bytes]");
}

LlmConfig ParseLlmSection(const toml::table& t, const TomlReader& r) {
  const std::string s = "llm";
  for (const char* secret : {"api_key", "key", "token"}) {
    if (t.contains(secret))
      r.Fail(t.get(secret), s + "." + secret,
             std::string("an API key is never written in a config: set the environment variable ") +
                 kApiKeyVariable);
  }
  r.CheckKeys(t, s,
              {"base_url", "model", "temperature", "max_tokens", "timeout_seconds", "retries",
               "backoff_seconds", "max_backoff_seconds", "max_reply_bytes", "max_program_bytes",
               "prompt", "cassette", "max_requests", "max_prompt_tokens", "max_completion_tokens", "max_cost",
               "cost_per_prompt_token", "cost_per_completion_token"});
  LlmConfig c;
  ServerConfig& v = c.server;
  r.String(t, s, "base_url", v.base_url);
  r.String(t, s, "model", v.model);
  r.Double(t, s, "temperature", v.temperature, 0, 2);
  r.Int(t, s, "max_tokens", v.max_tokens, 1, 1'000'000);
  r.Double(t, s, "timeout_seconds", v.timeout_seconds, 1e-3, 3600);
  r.Int(t, s, "retries", v.retries, 0, 20);
  r.Double(t, s, "backoff_seconds", v.backoff_seconds, 0, 3600);
  r.Double(t, s, "max_backoff_seconds", v.max_backoff_seconds, 0, 3600);
  r.Int(t, s, "max_reply_bytes", v.max_reply_bytes, 1, int64_t{1} << 30);
  r.Int(t, s, "max_program_bytes", c.max_program_bytes, 1, int64_t{1} << 30);
  r.String(t, s, "prompt", c.prompt);
  r.String(t, s, "cassette", c.cassette);
  LlmBudget& b = c.budget;
  r.Int(t, s, "max_requests", b.max_requests, 0, int64_t{1} << 50);
  r.Int(t, s, "max_prompt_tokens", b.max_prompt_tokens, 0, int64_t{1} << 50);
  r.Int(t, s, "max_completion_tokens", b.max_completion_tokens, 0, int64_t{1} << 50);
  r.Double(t, s, "max_cost", b.max_cost, 0, 1e15);
  r.Double(t, s, "cost_per_prompt_token", b.cost_per_prompt_token, 0, 1e6);
  r.Double(t, s, "cost_per_completion_token", b.cost_per_completion_token, 0, 1e6);
  try {
    c.Validate();
  } catch (const Error& e) {
    r.Fail(nullptr, s, e.what());
  }
  return c;
}

nlohmann::json ToJson(const LlmConfig& c) {
  const ServerConfig& v = c.server;
  return {{"base_url", v.base_url},
          {"model", v.model},
          {"temperature", v.temperature},
          {"max_tokens", v.max_tokens},
          {"timeout_seconds", v.timeout_seconds},
          {"retries", v.retries},
          {"backoff_seconds", v.backoff_seconds},
          {"max_backoff_seconds", v.max_backoff_seconds},
          {"max_reply_bytes", v.max_reply_bytes},
          {"max_program_bytes", c.max_program_bytes},
          {"prompt", c.prompt},
          {"cassette", c.cassette},
          {"max_requests", c.budget.max_requests},
          {"max_prompt_tokens", c.budget.max_prompt_tokens},
          {"max_completion_tokens", c.budget.max_completion_tokens},
          {"max_cost", c.budget.max_cost},
          {"cost_per_prompt_token", c.budget.cost_per_prompt_token},
          {"cost_per_completion_token", c.budget.cost_per_completion_token}};
}

std::optional<LlmConfig> ReadLlmConfig(std::string_view text, const std::string& source) {
  toml::table root = ParseTomlText(text, source);
  const toml::node* n = root.get("llm");
  if (!n) return std::nullopt;
  const TomlReader r(source);
  if (!n->is_table()) r.Fail(n, "llm", "expected a table");
  return ParseLlmSection(*n->as_table(), r);
}

LlmConfig LlmConfigFromJson(const nlohmann::json& j) {
  try {
    LlmConfig c;
    ServerConfig& v = c.server;
    v.base_url = j.at("base_url").get<std::string>();
    v.model = j.at("model").get<std::string>();
    v.temperature = j.at("temperature").get<double>();
    v.max_tokens = j.at("max_tokens").get<int>();
    v.timeout_seconds = j.at("timeout_seconds").get<double>();
    v.retries = j.at("retries").get<int>();
    v.backoff_seconds = j.at("backoff_seconds").get<double>();
    v.max_backoff_seconds = j.at("max_backoff_seconds").get<double>();
    v.max_reply_bytes = j.at("max_reply_bytes").get<int64_t>();
    c.max_program_bytes = j.at("max_program_bytes").get<int64_t>();
    c.prompt = j.at("prompt").get<std::string>();
    c.cassette = j.at("cassette").get<std::string>();
    LlmBudget& b = c.budget;
    b.max_requests = j.at("max_requests").get<int64_t>();
    b.max_prompt_tokens = j.at("max_prompt_tokens").get<int64_t>();
    b.max_completion_tokens = j.at("max_completion_tokens").get<int64_t>();
    b.max_cost = j.at("max_cost").get<double>();
    b.cost_per_prompt_token = j.at("cost_per_prompt_token").get<double>();
    b.cost_per_completion_token = j.at("cost_per_completion_token").get<double>();
    c.Validate();
    return c;
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("stored llm config: ") + e.what());
  }
}

}  // namespace ouro::llm
