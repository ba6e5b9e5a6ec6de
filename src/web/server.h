// web/server.h — the dashboard's HTTP server: the embedded front end (web/assets.h) and the JSON
// API (web/api.h) over its OWN connection to a run store, on a background thread, so it can run
// beside an rsi loop in the same process without sharing the loop's connection or blocking it
// (WAL readers never block the writer; an action takes the write lock for one short transaction).
//
// Security: it binds 127.0.0.1 unless told otherwise and, on a loopback address, answers only
// requests whose Host header names a loopback host (a DNS-rebinding page cannot read it). Reads
// need no credentials. Every state-changing action is a POST that must carry the start-up token in
// `Authorization: Bearer <token>` or `X-Ouro-Token: <token>` — never a query string or a cookie:
// none → 401, wrong → 403, both before anything is read or written; the comparison takes the same
// time whatever the token. The audit chain names the credential as "dashboard:<TokenId>". Every
// response carries a strict Content-Security-Policy (default-src 'self'), nosniff, DENY framing and
// no-referrer; API responses are not cached. Bodies are limited to 4 KiB of JSON.
// Thread-safety: Start/Stop from one thread; requests are served by the server's own threads and
// serialised on the store connection by a mutex.
#pragma once

#include <atomic>
#include <memory>
#include <string>

namespace ouro::web {

struct ServerOptions {
  std::string db_path;
  std::string bind = "127.0.0.1";
  int port = 8765;     // 0: any free port (see Server::port())
  std::string token;   // empty: a random one (see Server::token())
};

// 32 random bytes as 64 hex characters (OpenSSL's RAND_bytes).
std::string NewToken();
// A short, non-secret name for a token: the first 8 hex characters of its SHA-256.
std::string TokenId(const std::string& token);

class Server {
 public:
  // Opens the store (it must exist: Error otherwise). REQUIRES: options.token is empty or at least
  // 16 characters (else Error).
  explicit Server(const ServerOptions& options);
  ~Server();  // stops the server
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts serving on a background thread; returns the port. Error if it cannot bind.
  // Ignores SIGPIPE process-wide (a client that goes away must not end the process).
  int Start();
  // Stops serving and joins the thread (in-flight requests finish). Idempotent.
  void Stop();
  // Blocks until Stop() is called from another thread or the stop flag becomes true.
  void Wait(const std::atomic<bool>* stop_flag);

  int port() const;
  const std::string& token() const;
  std::string url() const;  // "http://ADDR:PORT/"

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ouro::web
