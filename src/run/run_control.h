// run/run_control.h — the live link between a running rsi run and the people controlling it from
// other processes: claims the run (one writing process per run), polls its control word from its
// own store connection every 20 ms on a background thread (pause / stop from `ouro pause|stop` or
// the dashboard, the process's signal flag), beats the heartbeat about every second
// (store/lease.h: the lease is store::kLeaseSeconds) and publishes the run's progress with it.
//
// Threads: the poller thread owns its connection; every other method is called from the thread
// running the loop, which owns `db`. stop() and the paused state are atomics; the stop reason and
// the progress are guarded by a mutex. Once a stop is requested it is never withdrawn. Finish()
// (also run by the destructor) joins the poller and releases the run; it is idempotent.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "store/store.h"

namespace ouro::run {

using Say = std::function<void(const std::string&)>;  // one progress line for people (no newline)
// say itself, or a sink that drops every line when say is empty.
Say OrSilent(Say say);

class RunControl {
 public:
  // interrupt: a flag set by the process's signal handler (may be null).
  RunControl(store::Store& db, int64_t run_id, const std::atomic<bool>* interrupt, Say say);
  ~RunControl();
  RunControl(const RunControl&) = delete;
  RunControl& operator=(const RunControl&) = delete;

  // Claims the run (Error if another live process owns it) and starts the poller.
  void Start();
  // Stops the poller and releases the run.
  void Finish();

  const std::atomic<bool>* stop() const { return &stop_; }
  bool stopping() const { return stop_; }
  std::string stop_reason();  // the first reason given; "" while none
  void RequestStop(const std::string& why);

  // Blocks while the run is paused (and not stopped): status "paused", events paused/unpaused.
  void PausePoint();
  // Pauses the run now (a tripwire's action): control word "pause", then PausePoint.
  void PauseNow();

  void SetProgress(nlohmann::json progress);
  // The approval item the run waits for (0: none), shown in the progress.
  void SetWaiting(int64_t item);

 private:
  void Poll();
  void PollOnce(store::Store& db, std::chrono::steady_clock::time_point& last_beat);

  store::Store& db_;
  const int64_t run_;
  const std::atomic<bool>* interrupt_;
  Say say_;
  std::atomic<bool> stop_{false}, paused_{false}, done_{false};
  bool started_ = false, released_ = false;
  std::mutex mu_;
  std::string stop_reason_;
  nlohmann::json progress_;
  std::thread poller_;
};

}  // namespace ouro::run
