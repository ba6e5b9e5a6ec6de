// cli/main.cc — entry point of the `ouro` executable.
#include <csignal>
#include <cstdio>
#include <map>

#include "cli/commands.h"
#include "core/error.h"

namespace ouro::cli {

std::atomic<bool>& StopFlag() {
  static std::atomic<bool> flag{false};
  return flag;
}

namespace {
extern "C" void OnSignal(int sig) {
  StopFlag().store(true);
  std::signal(sig, SIG_DFL);  // a second Ctrl-C ends the process at once
}
}  // namespace

}  // namespace ouro::cli

int main(int argc, char** argv) {
  using namespace ouro::cli;
  CLI::App app{"Ouro: an engine for recursive self-improvement of learning algorithms"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "ouro 0.1.0");
  std::map<CLI::App*, Action> actions;
  for (auto reg : {RegisterSearch, RegisterEval, RegisterRuns, RegisterShow, RegisterBench, RegisterRsi, RegisterImprover, RegisterAudit,
                    RegisterStatus, RegisterPause, RegisterResume, RegisterStop, RegisterApprove, RegisterReject,
                    RegisterPending, RegisterReplay, RegisterDashboard, RegisterPlot, RegisterTakeoff, RegisterEvidence, RegisterPredict,
                    RegisterSolve, RegisterSelfplay, RegisterArena, RegisterBestmove, RegisterPlay}) {
    const size_t before = app.get_subcommands({}).size();
    Action a = reg(app);
    actions[app.get_subcommands({})[before]] = std::move(a);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Help and version are successes; every other parse error is a usage error: exit code 2.
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  try {
    for (auto& [sub, action] : actions)
      if (sub->parsed()) return action();
  } catch (const ouro::Error& e) {
    std::fprintf(stderr, "ouro: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ouro: internal error: %s\n", e.what());
    return 70;
  }
  return 0;
}
