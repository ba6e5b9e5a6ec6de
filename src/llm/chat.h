// llm/chat.h — one exchange with a language model over the OpenAI chat-completions API
// (POST {base_url}/chat/completions), as plain data, and the backends that carry it out: a live
// HTTP client (any OpenAI-compatible server: llama.cpp's server, Ollama, vLLM, a hosted service),
// a cassette replay and a recorder (llm/cassette.h).
//
// The reply is untrusted data: a backend never throws for what a server does (an HTTP error, a
// timeout, a truncated or malformed body, a reply without a message); it returns a ChatOutcome
// with ok = false and the reason, after its retries. Only bad configuration is an ouro::Error.
// The API key comes from the environment variable OURO_LLM_API_KEY only; it is sent as a bearer
// token and never stored, logged or written to a cassette.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace ouro::llm {

inline constexpr const char* kApiKeyVariable = "OURO_LLM_API_KEY";

// How to reach the model (the `[llm]` section of a config, llm/config.h).
struct ServerConfig {
  std::string base_url = "http://127.0.0.1:8080/v1";  // scheme://host[:port][/path]
  std::string model = "default";
  double temperature = 0.7;
  int max_tokens = 1024;
  double timeout_seconds = 60;   // connect and each read
  int retries = 3;               // further attempts after a 429, a 5xx or a transport failure
  double backoff_seconds = 1;    // the first wait; doubled after each retry, Retry-After wins
  double max_backoff_seconds = 30;
  int64_t max_reply_bytes = 65536;  // a longer body is refused unread ("reply too long")
  void Validate() const;            // throws ouro::Error
};

struct ChatRequest {
  std::string system;  // the system message (may be empty: then none is sent)
  std::string user;    // the user message
  // What the exchange is part of, never sent: "" for a search run; in an rsi run the job (its arena,
  // family, seed and improver), so that the exchanges of jobs run in parallel have cassette keys
  // of their own, whatever order they happen in (cassette.h).
  std::string context;
  // The cassette key (llm/cassette.h RequestKey), set by a caller that numbers its own sendings
  // (LlmProposer); empty: a recording or replaying backend numbers them itself.
  std::string key;
  // The request's body as sent (model, messages, temperature, max_tokens), canonical: the same
  // request gives the same bytes.
  nlohmann::json Body(const ServerConfig& server) const;
};

struct ChatOutcome {
  bool ok = false;
  std::string content;    // the assistant's message (ok only)
  std::string error;      // why not ok, one line: "HTTP 500", "timeout", "invalid JSON: ..."
  int status = 0;         // the last HTTP status (0: none received)
  int attempts = 0;       // requests sent
  int64_t prompt_tokens = 0, completion_tokens = 0;  // as the server reported them (0: not)
  double seconds = 0;     // wall time of the exchange, waits included (not replayed)
  nlohmann::json ToJson() const;                       // what a cassette stores
  static ChatOutcome FromJson(const nlohmann::json&);  // throws ouro::Error
};

// Reads a chat-completions response body: the first choice's message content and the usage.
// Never throws: a body that is not what the API returns gives ok = false and the reason.
ChatOutcome ParseCompletion(const std::string& body);

class ChatBackend {
 public:
  virtual ~ChatBackend() = default;
  // One exchange, retried as the backend's config says; never throws for the server's faults.
  // `stop` (optional) ends waits between retries early (the outcome is then "stopped").
  virtual ChatOutcome Complete(const ChatRequest& request,
                               const std::atomic<bool>* stop = nullptr) = 0;
};

// The live client: cpp-httplib over HTTP or HTTPS. Throws ouro::Error for a base URL it cannot
// use. Thread-compatible: one exchange at a time per object.
class HttpBackend : public ChatBackend {
 public:
  explicit HttpBackend(ServerConfig server);
  ChatOutcome Complete(const ChatRequest& request, const std::atomic<bool>* stop) override;

 private:
  ServerConfig server_;
  std::string origin_, path_;  // "http://host:port" and "/v1/chat/completions"
};

}  // namespace ouro::llm
