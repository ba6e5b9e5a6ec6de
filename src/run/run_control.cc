#include "run/run_control.h"

#include <chrono>
#include <memory>

#include "core/error.h"

namespace ouro::run {

using Clock = std::chrono::steady_clock;

Say OrSilent(Say say) {
  if (say) return say;
  return [](const std::string&) {};
}

RunControl::RunControl(store::Store& db, int64_t run_id, const std::atomic<bool>* interrupt,
                       Say say)
    : db_(db), run_(run_id), interrupt_(interrupt), say_(std::move(say)) {}

RunControl::~RunControl() { Finish(); }

void RunControl::Start() {
  db_.ClaimRun(run_);
  started_ = true;
  poller_ = std::thread([this] { Poll(); });
}

void RunControl::Finish() {
  done_ = true;
  if (poller_.joinable()) poller_.join();
  if (started_ && !released_) {
    released_ = true;
    try {
      db_.ReleaseRun(run_);
    } catch (const Error&) {
    }
  }
}

std::string RunControl::stop_reason() {
  std::lock_guard<std::mutex> l(mu_);
  return stop_reason_;
}

void RunControl::RequestStop(const std::string& why) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stop_reason_.empty()) stop_reason_ = why;
  }
  stop_ = true;
}

void RunControl::PausePoint() {
  if (!paused_ || stop_) return;
  db_.SetRunStatus(run_, "paused");
  db_.AppendEvent(run_, "paused", "ouro", nlohmann::json{{"by", "control"}}.dump());
  say_("paused: waiting for `ouro resume " + std::to_string(run_) + "`");
  while (paused_ && !stop_) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (!stop_) {
    db_.SetRunStatus(run_, "running");
    db_.AppendEvent(run_, "unpaused", "ouro", nlohmann::json::object().dump());
    say_("resumed");
  }
}

void RunControl::PauseNow() {
  db_.SetControl(run_, "pause");
  paused_ = true;
  PausePoint();
}

void RunControl::SetProgress(nlohmann::json progress) {
  std::lock_guard<std::mutex> l(mu_);
  progress_ = std::move(progress);
}

void RunControl::SetWaiting(int64_t item) {
  std::lock_guard<std::mutex> l(mu_);
  progress_["waiting_for_item"] = item ? nlohmann::json(item) : nlohmann::json(nullptr);
}

void RunControl::Poll() {
  std::unique_ptr<store::Store> db;
  try {
    db = store::Store::Open(db_.path());
  } catch (const Error& e) {
    RequestStop(std::string("cannot poll the store: ") + e.what());
    return;
  }
  auto last_beat = Clock::now() - std::chrono::seconds(10);
  while (!done_) {
    try {
      PollOnce(*db, last_beat);
    } catch (const Error& e) {
      // Lost ownership, or the store became unusable: stop rather than run unsupervised.
      RequestStop(std::string("supervision failed: ") + e.what());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void RunControl::PollOnce(store::Store& db, Clock::time_point& last_beat) {
  const std::string c = db.GetControl(run_);
  if (c == "stop") RequestStop("stop requested");
  paused_ = c == "pause";
  if (interrupt_ && interrupt_->load()) RequestStop("interrupted by a signal");
  if (Clock::now() - last_beat < std::chrono::seconds(1)) return;
  last_beat = Clock::now();
  db.Heartbeat(run_);
  nlohmann::json p;
  {
    std::lock_guard<std::mutex> l(mu_);
    p = progress_;
  }
  if (!p.is_null()) db.SetProgress(run_, p.dump());
}

}  // namespace ouro::run
