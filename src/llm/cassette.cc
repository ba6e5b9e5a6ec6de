#include "llm/cassette.h"

#include <filesystem>
#include <sstream>

#include "core/error.h"
#include "core/file.h"
#include "oversight/audit.h"

namespace ouro::llm {
namespace {

// Without a context, the key of the cassettes recorded before contexts existed.
std::string KeyOf(const std::string& context, const std::string& body_text, int occurrence) {
  const std::string tail = body_text + "\n#" + std::to_string(occurrence);
  return oversight::Sha256Hex(context.empty() ? tail : "context " + context + "\n" + tail);
}

}  // namespace

void CheckNewCassette(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && std::filesystem::file_size(path, ec) > 0)
    throw Error(path + ": the cassette exists; a recorded run writes a new one (move it away, or "
                "replay it with --llm-replay)");
}

std::string RequestKey(const nlohmann::json& body, int occurrence, const std::string& context) {
  return KeyOf(context, body.dump(), occurrence);
}

std::string RequestCounter::NextKey(const nlohmann::json& body, const std::string& context) {
  const std::string text = body.dump();
  int n = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    n = sent_[{context, text}]++;
  }
  return KeyOf(context, text, n);
}

Cassette Cassette::Load(const std::string& path) {
  std::istringstream in(ReadTextFile(path, "cassette"));
  Cassette c;
  c.path_ = path;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    const nlohmann::json j = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() && in.peek() == std::char_traits<char>::eof()) {
      ++c.torn_;  // the last line, cut short by a run that was killed while writing it
      continue;
    }
    try {
      if (j.is_discarded()) throw Error("not JSON");
      c.by_key_[j.at("key").get<std::string>()] = ChatOutcome::FromJson(j.at("outcome"));
    } catch (const std::exception& e) {
      throw Error(path + ":" + std::to_string(number) + ": not a cassette line: " + e.what());
    }
  }
  return c;
}

const ChatOutcome* Cassette::Find(const std::string& key) const {
  const auto it = by_key_.find(key);
  return it == by_key_.end() ? nullptr : &it->second;
}

RecordingBackend::RecordingBackend(std::unique_ptr<ChatBackend> inner, const ServerConfig& server,
                                   const std::string& path, bool append)
    : inner_(std::move(inner)), server_(server), path_(path) {
  std::error_code ec;
  if (!append) CheckNewCassette(path);
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  if (append && std::filesystem::exists(path, ec)) recorded_ = Cassette::Load(path).by_key_;
  file_ = std::fopen(path.c_str(), "a");
  if (!file_) throw Error(path + ": cannot open the cassette for writing");
}

RecordingBackend::~RecordingBackend() {
  if (file_) std::fclose(file_);
}

ChatOutcome RecordingBackend::Complete(const ChatRequest& request,
                                       const std::atomic<bool>* stop) {
  std::lock_guard<std::mutex> lock(mu_);
  const nlohmann::json body = request.Body(server_);
  const std::string key = request.key.empty() ? counter_.NextKey(body, request.context) : request.key;
  if (const auto it = recorded_.find(key); it != recorded_.end()) return it->second;
  ChatOutcome out = inner_->Complete(request, stop);
  recorded_[key] = out;
  nlohmann::json entry = {{"key", key}, {"request", body}, {"outcome", out.ToJson()}};
  if (!request.context.empty()) entry["context"] = request.context;
  const std::string line = entry.dump() + "\n";
  if (std::fputs(line.c_str(), file_) < 0 || std::fflush(file_) != 0)
    throw Error(path_ + ": cannot write the cassette");
  return out;
}

ReplayBackend::ReplayBackend(Cassette cassette, const ServerConfig& server)
    : cassette_(std::move(cassette)), server_(server) {}

ChatOutcome ReplayBackend::Complete(const ChatRequest& request, const std::atomic<bool>*) {
  const std::string key =
      request.key.empty() ? counter_.NextKey(request.Body(server_), request.context) : request.key;
  const ChatOutcome* found = cassette_.Find(key);
  if (!found)
    throw Error(cassette_.path() + ": the cassette has no reply for request " + key.substr(0, 16) +
                ": this run asks what the recorded one did not (another config, seed or prompt)");
  return *found;
}

}  // namespace ouro::llm
