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
//   prompt = "prompts/program.txt"          # a template file (llm/prompt.h)
//   cassette = "runs/llm.cassette.jsonl"     # every exchange is appended here
//
// The API key is not a config key: it comes from OURO_LLM_API_KEY only (llm/chat.h). A config key
// named like a secret (api_key, key, token) is refused with a message saying so.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/toml_reader.h"
#include "llm/chat.h"

namespace ouro::llm {

struct LlmConfig {
  ServerConfig server;
  std::string prompt = "prompts/program.txt";
  std::string cassette = "runs/llm.cassette.jsonl";
  int64_t max_program_bytes = 16384;
  void Validate() const;  // throws ouro::Error
};

// Reads the `[llm]` table (its keys checked, every value in range). Throws ouro::Error naming
// FILE:LINE:COL through the reader.
LlmConfig ParseLlmSection(const toml::table& section, const TomlReader& reader);

// The config as stored with a run (every key above; never the API key).
nlohmann::json ToJson(const LlmConfig& c);
LlmConfig LlmConfigFromJson(const nlohmann::json& j);  // throws ouro::Error

}  // namespace ouro::llm
