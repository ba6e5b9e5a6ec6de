// tests/llm/fake_server.h — starts tests/llm/fake_llm_server as a child process with a script of
// replies, reads the port it listens on, and ends it (SIGTERM) when the test is done.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "llm/chat.h"

namespace ouro_test {

using Script = std::vector<nlohmann::json>;  // one reply per line

class FakeServer {
 public:
  // One script line per JSON object of `script`; the server's request log goes to log_path().
  explicit FakeServer(const Script& script) {
    dir_ = std::filesystem::temp_directory_path() /
           ("ouro_llm_" + std::to_string(getpid()) + "_" + std::to_string(counter_++));
    std::filesystem::create_directories(dir_);
    const std::string script_path = (dir_ / "script.jsonl").string();
    std::ofstream out(script_path);
    for (const nlohmann::json& line : script) out << line.dump() << "\n";
    out.close();
    int fds[2];
    if (pipe(fds) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], 1);
      close(fds[0]);
      const std::string bin = FAKE_LLM_SERVER, log = log_path();
      execl(bin.c_str(), bin.c_str(), "--script", script_path.c_str(), "--log", log.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
    close(fds[1]);
    std::FILE* in = fdopen(fds[0], "r");
    if (in && std::fscanf(in, "port %d", &port_) != 1) port_ = 0;
    if (in) std::fclose(in);
  }
  FakeServer(const FakeServer&) = delete;
  FakeServer& operator=(const FakeServer&) = delete;
  ~FakeServer() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v1"; }
  std::string log_path() const { return (dir_ / "requests.jsonl").string(); }
  std::filesystem::path dir() const { return dir_; }
  std::vector<nlohmann::json> Requests() const {  // what the server received, in order
    std::vector<nlohmann::json> out;
    std::ifstream in(log_path());
    for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
    return out;
  }

 private:
  static inline int counter_ = 0;
  std::filesystem::path dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// A client config for a test server at `url`: retries at once (the waits are not what the tests
// measure) and a short timeout.
inline ouro::llm::ServerConfig TestServerConfig(const std::string& url, int retries) {
  ouro::llm::ServerConfig c;
  c.base_url = url;
  c.retries = retries;
  c.backoff_seconds = 0;
  c.timeout_seconds = 5;
  return c;
}

}  // namespace ouro_test
