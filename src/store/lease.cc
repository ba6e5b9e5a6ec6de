// store/lease.cc — see lease.h.
#include "store/lease.h"

#include <signal.h>

#include <cerrno>
#include <climits>

#include "store/store.h"

namespace ouro::store {

bool OwnerAlive(int64_t pid, const std::string& host, double age_seconds, double lease_seconds) {
  if (pid <= 0 || age_seconds < 0 || age_seconds >= lease_seconds) return false;
  if (host != Store::HostName()) return true;
  if (pid > INT_MAX) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

bool OwnerLive(const RunInfo& run) {
  return OwnerAlive(run.owner_pid, run.owner_host, run.heartbeat_age_seconds);
}

bool RunActive(const RunInfo& run) {
  return run.status == "running" || run.status == "paused" || run.status == "waiting";
}

}  // namespace ouro::store
