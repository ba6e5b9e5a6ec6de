// cli/cmd_takeoff.cc — `ouro takeoff RUN [--json] [--db PATH]`: an rsi run's curve read as a
// takeoff (run/rsi_takeoff.h, meta/takeoff.h): how much each improvement lowered the cost of the
// next (f), the implied multiplier 1/(1-f), the returns r, and whether the run accelerated, held
// steady or hit diminishing returns.
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "cli/common.h"
#include "run/rsi_takeoff.h"
#include "store/store.h"

namespace ouro::cli {
namespace {

struct TakeoffArgs {
  std::string db = kDefaultDb, run = "latest";
  bool json = false;
};

int RunTakeoffCommand(const TakeoffArgs& a) {
  auto db = store::Store::OpenExisting(a.db);
  const int64_t id = ResolveRun(*db, a.run).id;
  const run::RunTakeoff t = run::LoadTakeoff(*db, id);
  if (a.json) {
    std::printf("%s\n", run::TakeoffJson(t).dump().c_str());
    return 0;
  }
  std::printf("run %lld as a takeoff: %s\n", static_cast<long long>(id), t.estimate.verdict.c_str());
  std::printf("%s", meta::TakeoffText(t.estimate, t.input, true).c_str());
  return 0;
}

}  // namespace

Action RegisterTakeoff(CLI::App& app) {
  auto a = std::make_shared<TakeoffArgs>();
  CLI::App* s = app.add_subcommand(
      "takeoff", "Read an rsi run as a takeoff: did each improvement make the next one cheaper?");
  s->add_option("RUN", a->run, "rsi run id or 'latest'")->capture_default_str();
  s->add_option("--db", a->db, "Run store (SQLite file)")->capture_default_str();
  s->add_flag("--json", a->json, "Print one JSON object");
  return [a] { return RunTakeoffCommand(*a); };
}

}  // namespace ouro::cli
