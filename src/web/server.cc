// web/server.cc — the dashboard's HTTP server (see server.h).
#include "web/server.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <mutex>
#include <thread>

#include <httplib.h>

#include "core/error.h"
#include "core/hash.h"
#include "oversight/audit.h"
#include "store/store.h"
#include "web/api.h"
#include "web/assets.h"

namespace ouro::web {
namespace {

constexpr size_t kMaxBody = 4096;
constexpr size_t kMaxNote = 2000;

bool LoopbackAddress(const std::string& a) { return a == "127.0.0.1" || a == "localhost" || a == "::1"; }

// The host part of a Host header ("127.0.0.1:8765", "[::1]:8765", "localhost").
std::string HostOnly(const std::string& host) {
  if (!host.empty() && host[0] == '[') return host.substr(1, host.find(']') == std::string::npos ? 0 : host.find(']') - 1);
  return host.substr(0, host.find(':'));
}

// Equal strings compare in a time that does not depend on where they differ (both are hashed to
// a fixed length first, so the length of the expected token does not leak either).
bool SameSecret(const std::string& a, const std::string& b) {
  const std::string ha = oversight::Sha256Hex(a), hb = oversight::Sha256Hex(b);
  return CRYPTO_memcmp(ha.data(), hb.data(), ha.size()) == 0;
}

void SendJson(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_content(body.dump(), "application/json; charset=utf-8");
}

// A read's answer with an ETag (a hash of the body). A poll that sends the ETag it last saw in
// If-None-Match gets 304 and no body when nothing changed, so the page skips the transfer, the
// parse and the redraw. (Responses stay no-store: the page keeps its last body itself.)
void SendRead(const httplib::Request& req, httplib::Response& res, const json& body) {
  std::string text = body.dump();
  const std::string etag = "\"" + HexId(Hash64(text)) + "\"";
  res.set_header("Cache-Control", "no-store");
  res.set_header("ETag", etag);
  if (req.get_header_value("If-None-Match") == etag) {
    res.status = 304;
    return;
  }
  res.status = 200;
  res.set_content(std::move(text), "application/json; charset=utf-8");
}

void SendError(httplib::Response& res, int status, const std::string& message) {
  SendJson(res, status, json{{"error", message}, {"status", status}});
}

int QueryInt(const httplib::Request& req, const char* name, int def, int lo, int hi) {
  if (!req.has_param(name)) return def;
  const std::string v = req.get_param_value(name);
  const bool digits = !v.empty() && v.size() <= 9 && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
  const int x = digits ? std::stoi(v) : -1;
  if (x < lo || x > hi)
    throw HttpError(400, std::string(name) + " must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  return x;
}

}  // namespace

std::string NewToken() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw Error("cannot draw a random dashboard token (RAND_bytes failed)");
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) out += hex[b >> 4], out += hex[b & 15];
  return out;
}

std::string TokenId(const std::string& token) { return oversight::Sha256Hex(token).substr(0, 8); }

struct Server::Impl {
  ServerOptions opt;
  std::unique_ptr<store::Store> db;
  std::unique_ptr<Api> api;
  std::mutex mu;  // guards db and api
  httplib::Server http;
  std::thread thread;
  std::atomic<bool> thread_done{false};
  int port = 0;
  std::string actor;

  // Runs a handler body, turning errors into JSON responses.
  template <class F>
  void Guard(httplib::Response& res, F&& f) {
    try {
      f();
    } catch (const HttpError& e) {
      SendError(res, e.status(), e.what());
    } catch (const Error& e) {
      SendError(res, 503, e.what());  // the store: locked past the busy timeout, unreadable, ...
    } catch (const std::exception& e) {
      SendError(res, 500, std::string("internal error: ") + e.what());
    }
  }

  // 401 without a token in a header, 403 with a wrong one; true when the request may act.
  bool Authorized(const httplib::Request& req, httplib::Response& res) {
    std::string given;
    bool have = false;
    if (req.has_header("Authorization")) {
      const std::string v = req.get_header_value("Authorization");
      if (v.rfind("Bearer ", 0) == 0) given = v.substr(7), have = true;
    }
    if (!have && req.has_header("X-Ouro-Token")) given = req.get_header_value("X-Ouro-Token"), have = true;
    if (!have || given.empty()) {
      res.set_header("WWW-Authenticate", "Bearer realm=\"ouro dashboard\"");
      SendError(res, 401, "this action needs the dashboard token in an 'Authorization: Bearer' or 'X-Ouro-Token' header");
      return false;
    }
    if (!SameSecret(given, opt.token)) {
      SendError(res, 403, "wrong dashboard token");
      return false;
    }
    return true;
  }

  // The "note" of an action's JSON body ({} or {"note": "..."}); anything else is a 400/413/415.
  static std::string Note(const httplib::Request& req) {
    if (req.body.size() > kMaxBody) throw HttpError(413, "the body is limited to 4096 bytes");
    if (req.body.empty()) return "";
    const std::string type = req.get_header_value("Content-Type");
    if (type.rfind("application/json", 0) != 0) throw HttpError(415, "the body must be JSON (Content-Type: application/json)");
    const json j = json::parse(req.body, nullptr, false);
    if (!j.is_object()) throw HttpError(400, "the body must be a JSON object such as {\"note\": \"...\"}");
    for (const auto& [k, v] : j.items())
      if (k != "note") throw HttpError(400, "unknown field '" + k.substr(0, 40) + "' (only \"note\" is accepted)");
    if (!j.contains("note")) return "";
    if (!j["note"].is_string()) throw HttpError(400, "\"note\" must be a string");
    std::string note = j["note"];
    if (note.size() > kMaxNote) throw HttpError(400, "\"note\" is limited to 2000 bytes");
    return note;
  }

  // Every route, in match order (cpp-httplib tries a method's routes in the order registered).
  void Routes() {
    SecureDefaults();
    ReadRoutes();
    ActionRoutes();
    AssetRoutes();
  }

  // Headers on every response, and the Host check against DNS rebinding.
  void SecureDefaults() {
    http.set_payload_max_length(64 * 1024);
    http.set_default_headers({{"Content-Security-Policy",
                               "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
                               "frame-ancestors 'none'; form-action 'none'"},
                              {"X-Content-Type-Options", "nosniff"},
                              {"X-Frame-Options", "DENY"},
                              {"Referrer-Policy", "no-referrer"},
                              {"Cross-Origin-Opener-Policy", "same-origin"},
                              {"Cross-Origin-Resource-Policy", "same-origin"}});
    // On a loopback address, only loopback Host names (no DNS rebinding).
    http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (!LoopbackAddress(opt.bind)) return httplib::Server::HandlerResponse::Unhandled;
      if (LoopbackAddress(HostOnly(req.get_header_value("Host")))) return httplib::Server::HandlerResponse::Unhandled;
      SendError(res, 403, "the dashboard answers only to a loopback Host (127.0.0.1, localhost, [::1])");
      return httplib::Server::HandlerResponse::Handled;
    });
  }

  // A GET that answers f's JSON under the lock, with an ETag.
  void AddRead(const std::string& pattern, std::function<json(const httplib::Request&)> f) {
    http.Get(pattern, [this, f](const httplib::Request& req, httplib::Response& res) {
      Guard(res, [&] {
        std::lock_guard<std::mutex> lock(mu);
        SendRead(req, res, f(req));
      });
    });
  }

  // A POST that needs the token, passes the body's note to f and answers f's JSON under the lock.
  void AddAction(const std::string& pattern,
                 std::function<json(const httplib::Request&, const std::string&)> f) {
    http.Post(pattern, [this, f](const httplib::Request& req, httplib::Response& res) {
      if (!Authorized(req, res)) return;
      Guard(res, [&] {
        const std::string note = Note(req);
        std::lock_guard<std::mutex> lock(mu);
        SendJson(res, 200, f(req, note));
      });
    });
  }

  void ReadRoutes() {
    AddRead("/api/info", [this](const httplib::Request&) {
      return json{{"name", "ouro dashboard"}, {"db", opt.db_path}, {"actions_need_token", true}};
    });
    AddRead("/api/runs", [this](const httplib::Request&) { return api->Runs(); });
    AddRead(R"(/api/runs/([^/]+))", [this](const httplib::Request& req) { return api->Run(ParseId(req.matches[1], "run")); });
    AddRead(R"(/api/runs/([^/]+)/curve)", [this](const httplib::Request& req) {
      return api->Curve(ParseId(req.matches[1], "run"), QueryInt(req, "max", 400, 2, 5000));
    });
    AddRead(R"(/api/runs/([^/]+)/candidates)", [this](const httplib::Request& req) {
      return api->Candidates(ParseId(req.matches[1], "run"), QueryInt(req, "max", 1000, 2, 20000));
    });
    AddRead(R"(/api/runs/([^/]+)/lineage)", [this](const httplib::Request& req) {
      return api->Lineage(ParseId(req.matches[1], "run"), QueryInt(req, "limit", 300, 1, 5000));
    });
    AddRead(R"(/api/runs/([^/]+)/node/([^/]+))",
            [this](const httplib::Request& req) { return api->Node(ParseId(req.matches[1], "run"), req.matches[2]); });
    AddRead(R"(/api/runs/([^/]+)/items)", [this](const httplib::Request& req) { return api->Items(ParseId(req.matches[1], "run")); });
    AddRead(R"(/api/runs/([^/]+)/audit)", [this](const httplib::Request& req) {
      return api->Audit(ParseId(req.matches[1], "run"), QueryInt(req, "offset", 0, 0, 1'000'000'000),
                        QueryInt(req, "limit", 50, 1, 1000));
    });
    AddRead(R"(/api/runs/([^/]+)/takeoff)", [this](const httplib::Request& req) { return api->Takeoff(ParseId(req.matches[1], "run")); });
    AddRead(R"(/api/runs/([^/]+)/elo)", [this](const httplib::Request& req) { return api->Elo(ParseId(req.matches[1], "run")); });
    AddRead(R"(/api/runs/([^/]+)/llm)", [this](const httplib::Request& req) {
      return api->Llm(ParseId(req.matches[1], "run"), QueryInt(req, "offset", 0, 0, 1'000'000'000),
                      QueryInt(req, "limit", 20, 1, 500));
    });
    http.Get(R"(/api/.*)", [](const httplib::Request& req, httplib::Response& res) {
      SendError(res, 404, "no such endpoint: " + req.path.substr(0, 100));
    });
  }

  void ActionRoutes() {
    AddAction("/api/auth", [this](const httplib::Request&, const std::string&) {
      return json{{"ok", true}, {"actor", actor}};
    });
    AddAction(R"(/api/runs/([^/]+)/items/([^/]+)/(approve|reject))", [this](const httplib::Request& req, const std::string& note) {
      return api->Decide(ParseId(req.matches[1], "run"), ParseId(req.matches[2], "item"), req.matches[3] == "approve", actor,
                         note);
    });
    AddAction(R"(/api/runs/([^/]+)/(pause|resume|stop))", [this](const httplib::Request& req, const std::string& note) {
      return api->Control(ParseId(req.matches[1], "run"), req.matches[2], actor, note);
    });
    http.Post(R"(/.*)", [this](const httplib::Request& req, httplib::Response& res) {
      if (!Authorized(req, res)) return;
      SendError(res, 404, "no such action: " + req.path.substr(0, 100));
    });
  }

  // The page and its files; registered last so every /api/ route matches first.
  void AssetRoutes() {
    http.Get(R"(/.*)", [](const httplib::Request& req, httplib::Response& res) {
      const Asset* a = FindAsset(req.path == "/" ? "/index.html" : req.path);
      if (!a) {
        res.status = 404;
        res.set_content("not found\n", "text/plain; charset=utf-8");
        return;
      }
      res.set_header("Cache-Control", "no-cache");
      res.set_content(a->body.data(), a->body.size(), std::string(a->content_type).c_str());
    });
  }
};

Server::Server(const ServerOptions& options) : impl_(std::make_unique<Impl>()) {
  impl_->opt = options;
  if (impl_->opt.token.empty()) impl_->opt.token = NewToken();
  if (impl_->opt.token.size() < 16) throw Error("the dashboard token must have at least 16 characters");
  for (char c : impl_->opt.token)
    if (c <= ' ' || c > '~') throw Error("the dashboard token must be printable ASCII without spaces");
  impl_->actor = "dashboard:" + TokenId(impl_->opt.token);
  impl_->db = store::Store::OpenExisting(options.db_path);
  impl_->api = std::make_unique<Api>(*impl_->db);
  impl_->Routes();
}

Server::~Server() { Stop(); }

int Server::Start() {
  Impl& m = *impl_;
  // cpp-httplib sends without MSG_NOSIGNAL: a browser closing a connection mid-response would
  // raise SIGPIPE and end the process (and the rsi loop beside it). A failed send is an error
  // return instead.
  std::signal(SIGPIPE, SIG_IGN);
  if (m.opt.port < 0 || m.opt.port > 65535) throw Error("--port must be in [0, 65535]");
  if (m.opt.port == 0) {
    m.port = m.http.bind_to_any_port(m.opt.bind);
    if (m.port <= 0) throw Error("cannot bind the dashboard to " + m.opt.bind);
  } else {
    if (!m.http.bind_to_port(m.opt.bind, m.opt.port))
      throw Error("cannot bind the dashboard to " + m.opt.bind + ":" + std::to_string(m.opt.port) + " (in use?)");
    m.port = m.opt.port;
  }
  m.thread = std::thread([&m] {
    m.http.listen_after_bind();
    m.thread_done = true;
  });
  // httplib's stop() does nothing until the listening loop has started: wait for it, so that a
  // Stop() right after Start() (a run that ends at once) cannot leave the thread in accept().
  for (int i = 0; i < 5000 && !m.http.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return m.port;
}

void Server::Stop() {
  if (!impl_->thread.joinable()) return;
  while (!impl_->http.is_running() && !impl_->thread_done.load())  // see Start()
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  impl_->http.stop();
  impl_->thread.join();
}

void Server::Wait(const std::atomic<bool>* stop_flag) {
  while (impl_->thread.joinable() && !impl_->thread_done.load() && !(stop_flag && stop_flag->load()))
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
}

int Server::port() const { return impl_->port; }
const std::string& Server::token() const { return impl_->opt.token; }
std::string Server::url() const {
  const std::string host = impl_->opt.bind.find(':') != std::string::npos ? "[" + impl_->opt.bind + "]" : impl_->opt.bind;
  return "http://" + host + ":" + std::to_string(impl_->port) + "/";
}

}  // namespace ouro::web
