// cli/cmd_dashboard.cc — `ouro dashboard`: serves the web dashboard (web/server.h) for a store
// until Ctrl-C; and StartDashboard, which `ouro rsi --dashboard` uses to serve it beside a run.
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "cli/commands.h"
#include "core/error.h"
#include "web/server.h"

namespace ouro::cli {
namespace {

struct DashboardArgs {
  std::string db = kDefaultDb, bind = "127.0.0.1";
  int port = 8765;
};

}  // namespace

std::unique_ptr<web::Server> StartDashboard(const std::string& db, const std::string& bind, int port) {
  web::ServerOptions o;
  o.db_path = db;
  o.bind = bind;
  o.port = port;
  const char* env = std::getenv("OURO_DASHBOARD_TOKEN");
  if (env && *env) o.token = env;
  auto server = std::make_unique<web::Server>(o);
  server->Start();
  // stderr: stdout belongs to the command's results (and its --json line).
  std::fprintf(stderr, "dashboard: %s (db %s)\n", server->url().c_str(), db.c_str());
  if (env && *env)
    std::fprintf(stderr, "dashboard: actions need the token from $OURO_DASHBOARD_TOKEN (id %s)\n",
                 web::TokenId(server->token()).c_str());
  else
    std::fprintf(stderr, "dashboard: actions need this token (id %s): %s\n", web::TokenId(server->token()).c_str(),
                 server->token().c_str());
  std::fflush(stderr);
  return server;
}

Action RegisterDashboard(CLI::App& app) {
  auto a = std::make_shared<DashboardArgs>();
  CLI::App* s = app.add_subcommand("dashboard", "Serve the web dashboard of a run store (until Ctrl-C)");
  s->add_option("--db", a->db, "Run store (SQLite file, must exist)")->capture_default_str();
  s->add_option("--port", a->port, "TCP port; 0 picks a free one")->check(CLI::Range(0, 65535))->capture_default_str();
  s->add_option("--bind", a->bind, "Address to listen on")->capture_default_str();
  return [a] {
    auto server = StartDashboard(a->db, a->bind, a->port);
    server->Wait(&StopFlag());
    server->Stop();
    return 0;
  };
}

}  // namespace ouro::cli
