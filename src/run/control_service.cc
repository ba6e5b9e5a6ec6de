// run/control_service.cc — see control_service.h.
#include "run/control_service.h"

#include <nlohmann/json.hpp>

#include "store/lease.h"

namespace ouro::run {

using nlohmann::json;

std::string DescribeRun(const store::RunInfo& r) {
  std::string s = r.status;
  if (store::RunActive(r) && !store::OwnerLive(r))
    s += " (its process is gone: `ouro resume " + std::to_string(r.id) + "` continues it)";
  if (r.control != "run" && store::RunActive(r)) s += " [" + r.control + " requested]";
  return s;
}

store::RunInfo ControlService::GetRun(int64_t run) {
  auto r = db_.GetRun(run);
  if (!r) throw ControlError(ControlErrc::kNotFound, "no run " + std::to_string(run));
  return *r;
}

void ControlService::WriteControl(int64_t run, const char* control, const char* event, const std::string& actor,
                                  const std::string& note) {
  db_.SetControl(run, control);
  if (between_writes_) between_writes_();
  db_.AppendEvent(run, event, actor, json{{"note", note}}.dump());
}

void ControlService::Pause(int64_t run, const std::string& actor, const std::string& note) {
  store::Transaction t(db_);
  const store::RunInfo r = GetRun(run);
  if (!store::RunActive(r) || !store::OwnerLive(r))
    throw ControlError(ControlErrc::kConflict,
                       "run " + std::to_string(run) + " is not running (" + DescribeRun(r) + "); nothing to pause");
  WriteControl(run, "pause", "pause_requested", actor, note);
  t.Commit();
}

StopOutcome ControlService::Stop(int64_t run, const std::string& actor, const std::string& note) {
  store::Transaction t(db_);
  const store::RunInfo r = GetRun(run);
  if (!store::RunActive(r))
    throw ControlError(ControlErrc::kConflict, "run " + std::to_string(run) + " is " + r.status + "; nothing to stop");
  WriteControl(run, "stop", "stop_requested", actor, note);
  // Nobody is left to see the control word: the stop is complete now.
  const bool dead = !store::OwnerLive(r);
  if (dead) db_.SetRunStatus(run, "stopped");
  t.Commit();
  return dead ? StopOutcome::kMarkedStopped : StopOutcome::kRequested;
}

ControlService::Resumed ControlService::Resume(int64_t run, const std::string& actor, const std::string& note) {
  store::Transaction t(db_);
  const store::RunInfo r = GetRun(run);
  if (!store::RunActive(r) || !store::OwnerLive(r)) return {ResumeOutcome::kNoLiveProcess, r};
  if (r.control == "run") return {ResumeOutcome::kAlreadyRunning, r};
  WriteControl(run, "run", "resume_requested", actor, note);
  t.Commit();
  return {ResumeOutcome::kRequested, r};
}

store::ItemRow ControlService::Decide(int64_t run, int64_t item, bool approve, const std::string& actor,
                                      const std::string& note) {
  store::Transaction t(db_);
  GetRun(run);
  const auto it = db_.GetItem(run, item);
  const std::string what = "item " + std::to_string(item) + " of run " + std::to_string(run);
  if (!it) throw ControlError(ControlErrc::kNotFound, "run " + std::to_string(run) + " has no item " + std::to_string(item));
  if (it->status != "pending")
    throw ControlError(ControlErrc::kConflict,
                       what + " was already " + it->status + " by " + it->decided_by + " at " + it->decided_at);
  if (!approve && note.empty()) throw ControlError(ControlErrc::kBadRequest, "a rejection needs a reason (note)");
  db_.DecideItem(run, item, approve, actor, note);
  if (between_writes_) between_writes_();
  db_.AppendEvent(run, approve ? "approval" : "rejection", actor,
                  json{{"item", item}, {"key", it->key}, {"kind", it->kind}, {"note", note}}.dump());
  t.Commit();
  return *db_.GetItem(run, item);
}

}  // namespace ouro::run
