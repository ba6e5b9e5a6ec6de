// llm/config.h — the `[llm]` section of a run config: how to reach the model (ServerConfig), the
// prompt template, where the cassette is written, and the size limit of a proposed program.
//
//   [llm]
//   base_url = "http://127.0.0.1:8080/v1"   # any OpenAI-compatible server
//   model = "qwen2.5-coder-7b-instruct"
//   temperature = 0.7
//   max_tokens = 1024
//   timeout_seconds = 60
//   retries = 3
//   backoff_seconds = 1
//   max_backoff_seconds = 30
//   max_reply_bytes = 65536
//   max_program_bytes = 16384
//   prompt = "my-prompt.txt"                # a template file (llm/prompt.h), relative to the
//                                            # config's directory; none: prompts/program.txt, built in
//   cassette = "runs/llm.cassette.jsonl"     # every exchange is appended here
//   max_requests = 0                         # budgets of the run (0: no limit): requests,
//   max_prompt_tokens = 0                    # tokens as the server reports them,
//   max_completion_tokens = 0
//   max_cost = 0                             # and their cost at the prices below
//   cost_per_prompt_token = 0
//   cost_per_completion_token = 0
//
// The API key is not a config key: it comes from OURO_LLM_API_KEY only (llm/chat.h). A config key
// named like a secret (api_key, key, token) is refused with a message saying so.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/toml_reader.h"
#include "llm/chat.h"

namespace ouro::llm {

// Limits of one run's use of the model; 0 = no limit.
struct LlmBudget {
  int64_t max_requests = 0;
  int64_t max_prompt_tokens = 0;
  int64_t max_completion_tokens = 0;
  double max_cost = 0;                   // in the unit of the prices below
  double cost_per_prompt_token = 0;
  double cost_per_completion_token = 0;
};

struct LlmConfig {
  ServerConfig server;
  std::string prompt;  // a template file; empty: the built-in one (prompts/program.txt)
  std::string cassette = "runs/llm.cassette.jsonl";
  int64_t max_program_bytes = 16384;
  LlmBudget budget;
  void Validate() const;  // throws ouro::Error
};

// The `[llm]` section of a config's text, if it has one (the rest of the file is not read).
// Throws ouro::Error naming SOURCE:LINE:COL.
std::optional<LlmConfig> ReadLlmConfig(std::string_view text, const std::string& source);

// Reads the `[llm]` table (its keys checked, every value in range). Throws ouro::Error naming
// FILE:LINE:COL through the reader.
LlmConfig ParseLlmSection(const toml::table& section, const TomlReader& reader);

// The config as stored with a run (every key above; never the API key).
nlohmann::json ToJson(const LlmConfig& c);
LlmConfig LlmConfigFromJson(const nlohmann::json& j);  // throws ouro::Error

}  // namespace ouro::llm
