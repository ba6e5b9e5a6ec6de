// cli/commands.h — the `ouro` executable: one function per subcommand (one file each), wired to
// CLI11 in main.cc.
//
// Each Register* adds its subcommand and options to the app and returns the callback that runs it
// after parsing. Commands print results to stdout (with --json, the last stdout line is one JSON
// object), progress to stderr, and report user errors by throwing ouro::Error, which main turns
// into "ouro: <message>" and exit code 1 (2 for bad flags, from CLI11).
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include <CLI/CLI.hpp>

namespace ouro::cli {

inline constexpr const char* kDefaultDb = "runs/ouro.db";

using Action = std::function<int()>;

// Flag check: a number >= 0, with a short message (CLI11's own prints the whole double range).
inline const CLI::Validator kNonNegative(
    [](std::string& v) -> std::string {
      try {
        size_t used = 0;
        const double x = std::stod(v, &used);
        if (used == v.size() && x >= 0) return {};
      } catch (const std::exception&) {
      }
      return "must be a number >= 0, got '" + v + "'";
    },
    "NUMBER>=0");

Action RegisterSearch(CLI::App& app);
Action RegisterEval(CLI::App& app);
Action RegisterRuns(CLI::App& app);
Action RegisterShow(CLI::App& app);
Action RegisterBench(CLI::App& app);
Action RegisterRsi(CLI::App& app);
Action RegisterImprover(CLI::App& app);
Action RegisterAudit(CLI::App& app);
Action RegisterStatus(CLI::App& app);
Action RegisterPause(CLI::App& app);
Action RegisterResume(CLI::App& app);
Action RegisterStop(CLI::App& app);
Action RegisterApprove(CLI::App& app);
Action RegisterReject(CLI::App& app);
Action RegisterPending(CLI::App& app);
Action RegisterReplay(CLI::App& app);
Action RegisterDashboard(CLI::App& app);
Action RegisterPlot(CLI::App& app);
Action RegisterTakeoff(CLI::App& app);
Action RegisterEvidence(CLI::App& app);
Action RegisterPredict(CLI::App& app);
Action RegisterSolve(CLI::App& app);
Action RegisterSelfplay(CLI::App& app);
Action RegisterArena(CLI::App& app);
Action RegisterBestmove(CLI::App& app);
Action RegisterPlay(CLI::App& app);

// Set by SIGINT/SIGTERM: long-running commands stop cleanly and store what they have.
std::atomic<bool>& StopFlag();

}  // namespace ouro::cli
