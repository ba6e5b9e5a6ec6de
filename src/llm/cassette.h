// llm/cassette.h — every exchange with the model written to a cassette, a JSON-lines file with one
// exchange per line: {"key", "request" (the body sent), "outcome" (ChatOutcome::ToJson)}. The key
// is the SHA-256 of the request's canonical body and of how many times the same body was sent
// before in the run (a run may ask the same question twice and get two answers) — within the
// request's context when it has one (ChatRequest::context: then the context is hashed too and
// stored on the line), so that parallel jobs' exchanges replay in any order. A run recorded
// this way replays bit for bit from its cassette without a server (ReplayBackend): the same
// requests in the same order find the same outcomes, failures included. The API key is never part
// of a request body, so never in a cassette.
#pragma once

#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "llm/chat.h"

namespace ouro::llm {

// The cassette key of the `occurrence`-th (0-based) sending of a request body in `context`.
std::string RequestKey(const nlohmann::json& body, int occurrence, const std::string& context = "");

// Throws ouro::Error if `path` holds exchanges already: a recorded run writes a new cassette.
void CheckNewCassette(const std::string& path);

// Counts the sendings of each body in each context, so that both recording and replay number them
// alike. Thread-safe.
class RequestCounter {
 public:
  std::string NextKey(const nlohmann::json& body, const std::string& context);

 private:
  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, int> sent_;  // (context, body text) -> times sent
};

// A cassette read into memory. Load throws ouro::Error naming FILE:LINE for a line that is not a
// stored exchange (a torn last line — a run killed while writing — is ignored, and counted).
class Cassette {
 public:
  static Cassette Load(const std::string& path);
  const ChatOutcome* Find(const std::string& key) const;
  size_t size() const { return by_key_.size(); }
  int torn_lines() const { return torn_; }
  const std::string& path() const { return path_; }

 private:
  friend class RecordingBackend;
  std::string path_;
  std::unordered_map<std::string, ChatOutcome> by_key_;
  int torn_ = 0;
};

// Sends through `inner` and appends each exchange to the cassette file, one flushed line per
// exchange. A request whose key the run has recorded already (the same job asking again, e.g. a
// re-run of a game, or work a resume repeats) gets the recorded outcome without a request. The file must be new (or empty): one cassette holds one run, whose keys number the
// sendings from 0. Throws ouro::Error if it exists or cannot be opened or written. Thread-safe:
// one exchange at a time (the server is asked by one thread at a time).
class RecordingBackend : public ChatBackend {
 public:
  // append: continue a cassette this run recorded before (a resumed run) instead.
  RecordingBackend(std::unique_ptr<ChatBackend> inner, const ServerConfig& server,
                   const std::string& path, bool append = false);
  ~RecordingBackend() override;
  ChatOutcome Complete(const ChatRequest& request, const std::atomic<bool>* stop) override;

 private:
  std::unique_ptr<ChatBackend> inner_;
  ServerConfig server_;
  std::string path_;
  std::FILE* file_ = nullptr;
  RequestCounter counter_;
  std::mutex mu_;
  std::unordered_map<std::string, ChatOutcome> recorded_;  // by key: this run's exchanges so far
};

// Answers from a cassette, never from a server. A request the cassette does not hold is an
// ouro::Error: the run is not the recorded one (another config, seed or program), and going on
// would not be a replay. Thread-safe.
class ReplayBackend : public ChatBackend {
 public:
  ReplayBackend(Cassette cassette, const ServerConfig& server);
  ChatOutcome Complete(const ChatRequest& request, const std::atomic<bool>* stop) override;

 private:
  Cassette cassette_;
  ServerConfig server_;
  RequestCounter counter_;
};

}  // namespace ouro::llm
