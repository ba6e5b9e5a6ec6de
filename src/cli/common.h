// cli/common.h — pieces shared by several subcommands: task selection flags, the progress line,
// reading files, run summaries as JSON.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/file.h"  // ReadTextFile, used by the commands
#include "lang/program.h"
#include "search/evolution.h"
#include "search/run_config.h"
#include "tasks/task_spec.h"

namespace ouro::store {
class Store;
struct RunInfo;
}  // namespace ouro::store

namespace ouro::cli {

// RUN as the commands take it: a run id (a positive integer) or "latest" (the highest id). Error for
// anything else, an empty store or an unknown run.
store::RunInfo ResolveRun(store::Store& db, const std::string& arg);

// The rsi part of `ouro show`: improver lineage with evidence and diffs, candidates, the curve.
void PrintRsiRun(store::Store& db, const store::RunInfo& run);

// A program file (text form), parsed; errors name the file and line.
lang::Program ReadProgram(const std::string& path);

// Seed from the flag, else the config, else a fresh one from the clock (it is printed and stored).
uint64_t ResolveSeed(int64_t flag, const std::optional<uint64_t>& from_config);

// Live progress on stderr: a rewritten line on a terminal, a line every few seconds otherwise.
class ProgressLine {
 public:
  explicit ProgressLine(bool enabled, const search::Budget& budget, int64_t max_individuals);
  void Update(const search::Progress& p);
  void Done();

 private:
  bool enabled_, tty_;
  search::Budget budget_;
  int64_t max_individuals_;
  double last_print_ = -1e9;
  bool printed_ = false;
  bool last_warmup_ = false;  // a report that leaves (or enters) warmup is always printed
};

}  // namespace ouro::cli
