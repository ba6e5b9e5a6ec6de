// tests/llm/fake_llm_server.cc — the project's own small OpenAI-compatible test server, a separate
// process on a loopback port (not an in-process mock): it answers POST /v1/chat/completions from a
// script, one JSON line per request in order (the last line repeats):
//   {"content": "..."}                  a normal reply with that message (and token usage)
//   {"status": 429, "retry_after": "0"} an error status, with a Retry-After header if given
//   {"body": "..."}                     this raw body with status 200 (e.g. invalid JSON)
//   {"delay_ms": 1500, ...}             wait first (a slow reply)
//   {"truncate": true, "content": ...}  announce the whole body but send half, then hang up
// It prints "port N" on stdout once it listens, and appends one JSON line per request to --log:
// {"body": the request body, "authorized": whether a bearer token came}. Tests end it with SIGTERM.
//
// usage: fake_llm_server --script FILE [--log FILE]
#include <httplib.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace {

std::string CompletionBody(const std::string& content) {
  return nlohmann::json{{"id", "fake"},
                        {"object", "chat.completion"},
                        {"choices", {{{"index", 0},
                                      {"message", {{"role", "assistant"}, {"content", content}}},
                                      {"finish_reason", "stop"}}}},
                        {"usage", {{"prompt_tokens", 11}, {"completion_tokens", 7}}}}
      .dump();
}

void Answer(const nlohmann::json& step, httplib::Response& res) {
  if (const int delay = step.value("delay_ms", 0); delay > 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(delay));
  const int status = step.value("status", 200);
  if (status != 200) {
    res.status = status;
    if (step.contains("retry_after"))
      res.set_header("Retry-After", step["retry_after"].get<std::string>());
    res.set_content("{\"error\": \"scripted\"}", "application/json");
    return;
  }
  const std::string body =
      step.contains("body") ? step["body"].get<std::string>() : CompletionBody(step.value("content", ""));
  if (!step.value("truncate", false)) {
    res.set_content(body, "application/json");
    return;
  }
  res.set_content_provider(body.size(), "application/json",
                           [body](size_t, size_t, httplib::DataSink& sink) {
                             sink.write(body.data(), body.size() / 2);
                             return false;  // cut the connection: the body ends early
                           });
}

}  // namespace

int main(int argc, char** argv) {
  std::string script_path, log_path;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--script") script_path = argv[i + 1];
    else if (flag == "--log") log_path = argv[i + 1];
  }
  std::vector<nlohmann::json> script;
  std::ifstream in(script_path);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) script.push_back(nlohmann::json::parse(line));
  if (script.empty()) {
    std::fprintf(stderr, "fake_llm_server: no script lines in '%s'\n", script_path.c_str());
    return 2;
  }
  std::mutex mu;
  size_t next = 0;
  httplib::Server server;
  server.Post("/v1/chat/completions", [&](const httplib::Request& req, httplib::Response& res) {
    nlohmann::json step;
    {
      std::lock_guard<std::mutex> lock(mu);
      step = script[std::min(next++, script.size() - 1)];
      if (!log_path.empty()) {
        std::ofstream log(log_path, std::ios::app);
        log << nlohmann::json{{"body", req.body},
                              {"authorized", req.get_header_value("Authorization").rfind("Bearer ", 0) == 0}}
                   .dump()
            << "\n";
      }
    }
    Answer(step, res);
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  if (port <= 0) return 1;
  std::printf("port %d\n", port);
  std::fflush(stdout);
  server.listen_after_bind();
  return 0;
}
