// run/selfplay_session.h — one self-play run (issue 16) from open to close, through the store:
// creates it (kind "selfplay"; the config file's text, the seed and the command's overrides, so a
// resume rebuilds exactly the same config), claims it and polls its control word (RunControl:
// `ouro pause|resume|stop` and the dashboard work on it as on any run), runs selfplay::SelfplayLoop
// a generation at a time and after each one writes, in one transaction, the generation's report,
// the gate's match, the adopted version with its learned state, the audit events ("selfplay_gate"
// with the match's evidence, "adopted") and the checkpoint; then plays the Elo ladder (each ladder
// version against the first) and closes the run as finished or stopped (resumable: `ouro resume`).
//
// Layer: run/ (see run/control_service.h). Used from one thread (the one owning `db`).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "run/rsi_session.h"
#include "run/run_control.h"
#include "selfplay/loop.h"
#include "store/store.h"

namespace ouro::run {

// A self-play run as asked for: a config text (a file's, or the embedded default) and overrides.
struct SelfplayPlan {
  std::string config_text;
  std::string source;                 // the file's name, for messages
  std::optional<uint64_t> seed;       // else the file's seed, else 1
  std::optional<std::string> game;
  std::optional<int> generations;
  std::optional<double> max_seconds;
  std::optional<int> threads;
  // An improver spec (its JSON text, e.g. exported from an rsi run): its strategy replaces the
  // evaluator search's (meta::ApplySpec), so the meta level's improvers govern how the game is
  // learned too.
  std::optional<std::string> improver;
  // The loop's config and seed: the text parsed, the overrides applied, checked (ouro::Error).
  selfplay::SelfplayConfig Config() const;
  uint64_t Seed() const;
  nlohmann::json ToJson() const;  // stored with the run
  static SelfplayPlan FromJson(const nlohmann::json& j);
};

struct SelfplayOutcome {
  nlohmann::json summary;  // as stored with the run; `ouro selfplay --json` prints it
  bool stopped = false;
};

class SelfplaySession {
 public:
  // Creates the run (config event by `actor`). Returns its id.
  static int64_t Create(store::Store& db, const SelfplayPlan& plan, const std::string& actor);
  // Takes over a stopped or killed self-play run: claims it, rebuilds its plan, reads its last
  // checkpoint (the versions from the store), reopens it, drops rows after the checkpoint and
  // appends "resumed" by `actor`. REQUIRES: kind "selfplay", not finished.
  struct Continuation {
    SelfplayPlan plan;
    std::optional<selfplay::LoopState> state;
    double seconds = 0;  // of the loop before the resume
  };
  static Continuation Reopen(store::Store& db, const store::RunInfo& run, const std::string& actor);

  SelfplaySession(store::Store& db, int64_t run_id, SelfplayPlan plan, SessionIo io);
  // Runs to the end (generations or max_seconds), from the start or from `resume`. Error (after
  // marking the run failed) when the loop fails.
  SelfplayOutcome Run(const Continuation* resume = nullptr);

 private:
  void Store(const selfplay::GenerationReport& r, const selfplay::SelfplayLoop& loop, double seconds);
  void StoreVersion(const selfplay::Version& v, int index);
  nlohmann::json Ladder(const selfplay::SelfplayLoop& loop);
  SelfplayOutcome Close(const selfplay::SelfplayLoop& loop, nlohmann::json ladder, double seconds, bool stopped);
  void Record(const std::string& type, const nlohmann::json& content);

  store::Store& db_;
  const int64_t run_;
  SelfplayPlan plan_;
  selfplay::SelfplayConfig config_;
  Say say_;
  RunControl control_;
  int matches_ = 0;  // match rows written (their next idx)
};

// `ouro replay` of a self-play run: the loop re-executed in this process from the stored config and
// seed for the stored generations, writing nothing, each generation compared with the stored one
// (games, positions, the candidate program, the gate's pair-by-pair points, the adoption) and
// each version with the stored one (program and learned state, byte for byte).
struct SelfplayReplayReport {
  int generations = 0;
  size_t versions = 0;
  std::vector<std::string> differences;
  bool reproduced() const { return differences.empty(); }
};
SelfplayReplayReport ReplaySelfplay(store::Store& db, int64_t run, const Say& say);

// JSON of a match for the store and the audit chain: counts, pentanomial, pair points, decision.
nlohmann::json MatchJson(const selfplay::MatchResult& m);

// A self-play run as stored, for `ouro show`, `ouro plot` and the dashboard: "generations" (each
// generation's report, without the pair-by-pair points), "versions" (version, generation,
// program) and "ladder" (each measured version's Elo against the first with its interval).
nlohmann::json SelfplayRunJson(store::Store& db, int64_t run);

}  // namespace ouro::run
