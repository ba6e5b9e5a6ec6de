// tests/llm/config_test.cc — the `[llm]` section: defaults, every key read, bad values and unknown
// keys refused with their place, an API key in the config refused, the JSON round trip.
#include "llm/config.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace ouro::llm {
namespace {

LlmConfig Parse(const std::string& text) {
  const toml::table root = toml::parse(std::string_view(text), std::string("c.toml"));
  return ParseLlmSection(*root["llm"].as_table(), TomlReader("c.toml"));
}

std::string Refusal(const std::string& text) {
  try {
    Parse(text);
  } catch (const Error& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(LlmConfig, ReadsEveryKeyAndRoundTrips) {
  const LlmConfig c = Parse(
      "[llm]\nbase_url = \"https://example.org/api/v1/\"\nmodel = \"m\"\ntemperature = 0.2\n"
      "max_tokens = 300\ntimeout_seconds = 9\nretries = 5\nbackoff_seconds = 0.5\n"
      "max_backoff_seconds = 4\nmax_reply_bytes = 9000\nmax_program_bytes = 800\n"
      "prompt = \"p.txt\"\ncassette = \"c.jsonl\"\nmax_requests = 40\nmax_prompt_tokens = 5000\n"
      "max_completion_tokens = 6000\nmax_cost = 2.5\ncost_per_prompt_token = 0.001\n"
      "cost_per_completion_token = 0.002\n");
  EXPECT_EQ(c.server.base_url, "https://example.org/api/v1/");
  EXPECT_EQ(c.server.model, "m");
  EXPECT_DOUBLE_EQ(c.server.temperature, 0.2);
  EXPECT_EQ(c.server.max_tokens, 300);
  EXPECT_DOUBLE_EQ(c.server.timeout_seconds, 9);
  EXPECT_EQ(c.server.retries, 5);
  EXPECT_DOUBLE_EQ(c.server.backoff_seconds, 0.5);
  EXPECT_DOUBLE_EQ(c.server.max_backoff_seconds, 4);
  EXPECT_EQ(c.server.max_reply_bytes, 9000);
  EXPECT_EQ(c.max_program_bytes, 800);
  EXPECT_EQ(c.prompt, "p.txt");
  EXPECT_EQ(c.cassette, "c.jsonl");
  EXPECT_EQ(c.budget.max_requests, 40);
  EXPECT_EQ(c.budget.max_prompt_tokens, 5000);
  EXPECT_EQ(c.budget.max_completion_tokens, 6000);
  EXPECT_DOUBLE_EQ(c.budget.max_cost, 2.5);
  EXPECT_DOUBLE_EQ(c.budget.cost_per_prompt_token, 0.001);
  EXPECT_DOUBLE_EQ(c.budget.cost_per_completion_token, 0.002);
  EXPECT_EQ(ToJson(LlmConfigFromJson(ToJson(c))), ToJson(c));
  const LlmConfig defaults;
  EXPECT_EQ(ToJson(Parse("[llm]\n")), ToJson(defaults));  // every key has a default
}

TEST(LlmConfig, BadValuesUnknownKeysAndSecretsAreRefused) {
  EXPECT_NE(Refusal("[llm]\napi_key = \"sk-1\"\n").find("set the environment variable OURO_LLM_API_KEY"),
            std::string::npos);
  EXPECT_NE(Refusal("[llm]\nmodle = \"m\"\n").find("c.toml:2:9: llm: unknown key 'modle'"),
            std::string::npos)
      << Refusal("[llm]\nmodle = \"m\"\n");
  EXPECT_NE(Refusal("[llm]\ntemperature = 3\n").find("llm.temperature"), std::string::npos);
  EXPECT_NE(Refusal("[llm]\nretries = \"two\"\n").find("expected an integer"), std::string::npos);
  EXPECT_NE(Refusal("[llm]\nbase_url = \"localhost:8080\"\n").find("must start with http://"),
            std::string::npos);
  EXPECT_NE(Refusal("[llm]\nmax_reply_bytes = 100\nmax_program_bytes = 200\n")
                .find("max_program_bytes must be in [1, max_reply_bytes]"),
            std::string::npos);
  EXPECT_THROW(LlmConfigFromJson(nlohmann::json{{"model", "m"}}), Error);
}

TEST(LlmConfig, ReadFromAConfigTextOnlyWhenItHasTheSection) {
  EXPECT_FALSE(ReadLlmConfig("seed = 3\n[search]\npopulation = 10\n", "a.toml"));
  const auto c = ReadLlmConfig("seed = 3\n[llm]\nmodel = \"x\"\nmax_requests = 7\n", "b.toml");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->server.model, "x");
  EXPECT_EQ(c->budget.max_requests, 7);
  try {
    ReadLlmConfig("[llm]\nmax_cost = -1\n", "c.toml");
    ADD_FAILURE() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("c.toml"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ReadLlmConfig("llm = 3\n", "d.toml"), Error);
  EXPECT_THROW(ReadLlmConfig("[llm\n", "e.toml"), Error);
}

}  // namespace
}  // namespace ouro::llm
