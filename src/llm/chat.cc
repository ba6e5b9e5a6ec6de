#include "llm/chat.h"

#include <httplib.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <thread>

#include "core/error.h"

namespace ouro::llm {
namespace {

ChatOutcome Failed(std::string why) {
  ChatOutcome out;
  out.error = std::move(why);
  return out;
}

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Sleeps `seconds` in short slices; false if `stop` was set meanwhile.
bool Wait(double seconds, const std::atomic<bool>* stop) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    if (stop && stop->load()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return !(stop && stop->load());
}

// The wait before the next attempt: the server's Retry-After (seconds) if it sent one, else the
// doubling backoff; never more than max_backoff_seconds.
double NextWait(const ServerConfig& server, const std::string& retry_after, int retry) {
  double wait = server.backoff_seconds * std::pow(2.0, retry);
  if (!retry_after.empty()) {
    char* end = nullptr;
    const double s = std::strtod(retry_after.c_str(), &end);
    if (end != retry_after.c_str() && std::isfinite(s) && s >= 0) wait = s;
  }
  return std::min(wait, server.max_backoff_seconds);
}

bool Retryable(int status) { return status == 429 || status >= 500; }

std::string TransportError(httplib::Error e) {
  switch (e) {
    case httplib::Error::Connection: return "cannot connect to the server";
    case httplib::Error::ConnectionTimeout: return "timeout while connecting";
    case httplib::Error::Read: return "no complete reply (read failed or timed out)";
    case httplib::Error::Write: return "the request could not be sent";
    default: return "transport error: " + httplib::to_string(e);
  }
}

}  // namespace

void ServerConfig::Validate() const {
  const auto fail = [](const std::string& what) { throw Error("llm: " + what); };
  if (base_url.rfind("http://", 0) != 0 && base_url.rfind("https://", 0) != 0)
    fail("base_url '" + base_url + "' must start with http:// or https://");
  if (model.empty()) fail("model is empty");
  if (!(temperature >= 0 && temperature <= 2)) fail("temperature must be in [0, 2]");
  if (max_tokens < 1 || max_tokens > 1'000'000) fail("max_tokens must be in [1, 1000000]");
  if (!(timeout_seconds > 0 && timeout_seconds <= 3600)) fail("timeout_seconds must be in (0, 3600]");
  if (retries < 0 || retries > 20) fail("retries must be in [0, 20]");
  if (!(backoff_seconds >= 0 && max_backoff_seconds >= 0 && max_backoff_seconds <= 3600))
    fail("backoff_seconds and max_backoff_seconds must be in [0, 3600]");
  if (max_reply_bytes < 1) fail("max_reply_bytes must be at least 1");
}

nlohmann::json ChatRequest::Body(const ServerConfig& server) const {
  nlohmann::json messages = nlohmann::json::array();
  if (!system.empty()) messages.push_back({{"role", "system"}, {"content", system}});
  messages.push_back({{"role", "user"}, {"content", user}});
  return {{"model", server.model},
          {"messages", messages},
          {"temperature", server.temperature},
          {"max_tokens", server.max_tokens}};
}

nlohmann::json ChatOutcome::ToJson() const {
  nlohmann::json j = {{"ok", ok}, {"status", status}, {"attempts", attempts}};
  if (ok) j["content"] = content;
  else j["error"] = error;
  j["usage"] = {{"prompt_tokens", prompt_tokens}, {"completion_tokens", completion_tokens}};
  return j;
}

ChatOutcome ChatOutcome::FromJson(const nlohmann::json& j) {
  try {
    ChatOutcome o;
    o.ok = j.at("ok").get<bool>();
    o.status = j.at("status").get<int>();
    o.attempts = j.at("attempts").get<int>();
    if (o.ok) o.content = j.at("content").get<std::string>();
    else o.error = j.at("error").get<std::string>();
    o.prompt_tokens = j.at("usage").at("prompt_tokens").get<int64_t>();
    o.completion_tokens = j.at("usage").at("completion_tokens").get<int64_t>();
    return o;
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("not a stored exchange outcome: ") + e.what());
  }
}

ChatOutcome ParseCompletion(const std::string& body) {
  ChatOutcome out;
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    out.error = "invalid JSON in the reply";
    return out;
  }
  const auto choices = j.find("choices");
  if (!j.is_object() || choices == j.end() || !choices->is_array() || choices->empty() ||
      !(*choices)[0].is_object()) {
    out.error = "the reply has no choices";
    return out;
  }
  const nlohmann::json& choice = (*choices)[0];
  const auto message = choice.find("message");
  if (message == choice.end() || !message->is_object() || !message->contains("content") ||
      !(*message)["content"].is_string()) {
    out.error = "the reply's first choice has no message content";
    return out;
  }
  out.ok = true;
  out.content = (*message)["content"].get<std::string>();
  if (const auto usage = j.find("usage"); usage != j.end() && usage->is_object()) {
    const auto count = [&](const char* key) -> int64_t {
      const auto it = usage->find(key);
      return it != usage->end() && it->is_number_integer() ? it->get<int64_t>() : 0;
    };
    out.prompt_tokens = count("prompt_tokens");
    out.completion_tokens = count("completion_tokens");
  }
  return out;
}

HttpBackend::HttpBackend(ServerConfig server) : server_(std::move(server)) {
  server_.Validate();
  const std::string& url = server_.base_url;
  const size_t host = url.find("://") + 3;
  const size_t slash = url.find('/', host);
  origin_ = url.substr(0, slash);
  std::string prefix = slash == std::string::npos ? "" : url.substr(slash);
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  path_ = prefix + "/chat/completions";
  if (origin_.size() == host) throw Error("llm: base_url '" + url + "' has no host");
  if (!httplib::Client(origin_).is_valid())
    throw Error("llm: cannot use base_url '" + url + "' (an https URL needs a TLS-enabled build)");
}

ChatOutcome HttpBackend::Complete(const ChatRequest& request, const std::atomic<bool>* stop) {
  const auto t0 = std::chrono::steady_clock::now();
  const std::string body = request.Body(server_).dump();
  httplib::Headers headers;
  if (const char* key = std::getenv(kApiKeyVariable); key && *key)
    headers.emplace("Authorization", std::string("Bearer ") + key);
  const auto whole = static_cast<time_t>(server_.timeout_seconds);
  const auto micros = static_cast<time_t>((server_.timeout_seconds - whole) * 1e6);
  ChatOutcome out;
  for (int attempt = 0;; ++attempt) {
    httplib::Client client(origin_);
    client.set_connection_timeout(whole, micros);
    client.set_read_timeout(whole, micros);
    client.set_write_timeout(whole, micros);
    const httplib::Result res = client.Post(path_, headers, body, "application/json");
    std::string retry_after;
    if (!res) {
      out = Failed(TransportError(res.error()));
    } else if (static_cast<int64_t>(res->body.size()) > server_.max_reply_bytes) {
      out = Failed("reply too long (" + std::to_string(res->body.size()) + " bytes; max_reply_bytes " +
                   std::to_string(server_.max_reply_bytes) + ")");
    } else if (res->status != 200) {
      out = Failed("HTTP " + std::to_string(res->status));
      retry_after = res->get_header_value("Retry-After");
    } else {
      out = ParseCompletion(res->body);
    }
    out.status = res ? res->status : 0;
    out.attempts = attempt + 1;
    // Retried: transport failures, 429 and 5xx; a bad 200 reply or another status is final.
    const bool retry = !out.ok && (!res || Retryable(out.status)) && attempt < server_.retries;
    if (!retry) break;
    if (!Wait(NextWait(server_, retry_after, attempt), stop)) {
      out.error = "stopped while waiting to retry (" + out.error + ")";
      break;
    }
  }
  out.seconds = Since(t0);
  return out;
}

}  // namespace ouro::llm
