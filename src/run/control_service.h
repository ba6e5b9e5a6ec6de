// run/control_service.h — control of a run from outside its process: pause, resume, stop, and the
// decision on a pending approval item. The one implementation behind `ouro pause|resume|stop|
// approve|reject` (cli/cmd_control.cc) and the dashboard's POST endpoints (web/api.cc).
//
// run/ is the application layer: it owns what a run does from open to close and every change
// people make to it, above store / oversight / meta / search and below cli / web. It may include
// core, lang, tasks, eval, search, meta, oversight and store; never cli, web or anything above.
// Adapters (cli, web) parse input, call it, and print or map its results; they hold no SQL and
// no policy.
//
// Invariant: every change made here is written with its audit event in ONE store transaction
// (BEGIN IMMEDIATE, so the state check and the write are under the same write lock): a crash at
// any point leaves both or neither. Whether a run's process is alive is store/lease.h's rule.
// Thread-safety: a ControlService uses the Store it was given, from one thread at a time.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/error.h"
#include "store/store.h"

namespace ouro::run {

// Why an action was refused; adapters map it (the web API to 404 / 409 / 400).
enum class ControlErrc {
  kNotFound,    // no such run or item
  kConflict,    // the run's or item's state does not allow the action
  kBadRequest,  // the request itself is incomplete (a rejection without a reason)
};

class ControlError : public Error {
 public:
  ControlError(ControlErrc code, const std::string& message) : Error(message), code_(code) {}
  ControlErrc code() const { return code_; }

 private:
  ControlErrc code_;
};

// The run's state for people: its status, "(its process is gone: `ouro resume N` continues it)"
// when it is active with no live process, and "[pause requested]" for a pending control word.
std::string DescribeRun(const store::RunInfo& r);

enum class StopOutcome {
  kRequested,      // the live process stops within a second
  kMarkedStopped,  // its process was gone: the run is marked stopped (resumable)
};

enum class ResumeOutcome {
  kAlreadyRunning,  // live and not paused: nothing written
  kRequested,       // live and paused (or stopping): the control word is back to "run"
  kNoLiveProcess,   // nothing written; continuing it is a new process's work (`ouro resume`)
};

class ControlService {
 public:
  explicit ControlService(store::Store& db) : db_(db) {}

  // Each action takes the run id and the acting person (recorded as the event's actor) and a note
  // (recorded in the event). Unknown run: ControlError kNotFound "no run N".

  // Sets the control word to "pause" (event pause_requested).
  // kConflict unless the run is active with a live process.
  void Pause(int64_t run, const std::string& actor, const std::string& note);
  // Sets the control word to "stop" (event stop_requested); a run whose process is gone is marked
  // stopped in the same transaction. kConflict unless the run is active.
  StopOutcome Stop(int64_t run, const std::string& actor, const std::string& note);
  // Sets the control word back to "run" (event resume_requested) if a live process is paused.
  // Returns the outcome and the run as it was before the action.
  struct Resumed {
    ResumeOutcome outcome;
    store::RunInfo run;
  };
  Resumed Resume(int64_t run, const std::string& actor, const std::string& note);
  // Approves or rejects a pending item (event approval / rejection, with the item's key and kind)
  // and returns the decided item. kNotFound for an unknown item, kConflict for one already decided,
  // kBadRequest for a rejection with an empty note (its reason).
  store::ItemRow Decide(int64_t run, int64_t item, bool approve, const std::string& actor, const std::string& note);

  // Test seam: called inside the transaction after the change and before its audit event (a
  // fault-injection test exits the process there).
  void set_between_writes_hook(std::function<void()> hook) { between_writes_ = std::move(hook); }

 private:
  // REQUIRES: a transaction is open (the run is read under the write lock it holds).
  store::RunInfo GetRun(int64_t run);
  // REQUIRES: a transaction is open. The control word, [hook], its event.
  void WriteControl(int64_t run, const char* control, const char* event, const std::string& actor,
                    const std::string& note);

  store::Store& db_;
  std::function<void()> between_writes_;
};

}  // namespace ouro::run
