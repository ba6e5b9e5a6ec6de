// store/leases.h — ownership of a run: the one process allowed to write it (runs.owner_pid,
// owner_host) and its heartbeat (runs.heartbeat_at). Whether a recorded owner is still alive is
// decided by the one liveness rule in store/lease.h; this file records claims, heartbeats and
// releases under that rule.
//
// Thread-safety and failure rules: those of Store (store.h); Leases is one of its parts.
#pragma once

#include <cstdint>
#include <string>

#include "store/lease.h"

struct sqlite3_stmt;

namespace ouro::store {

class Db;

class Leases {
 public:
  explicit Leases(Db& db);  // prepares the statements
  Leases(const Leases&) = delete;
  Leases& operator=(const Leases&) = delete;

  // Records this process (pid, HostName()) as the run's owner with a heartbeat of now, in one
  // atomic step. Error if another owner is recorded and live: its heartbeat is younger than
  // lease_seconds and it is on another host, or on this host with a pid that still exists (and is
  // not ours). A dead or silent owner is taken over. Error for an unknown run.
  void ClaimRun(int64_t run_id, double lease_seconds = kLeaseSeconds);
  // The owner's proof of life: sets heartbeat_at to now. Error if the run is no longer owned by
  // this process (taken over after a missed lease, or released), or unknown.
  void Heartbeat(int64_t run_id);
  // Clears the owner if it is this process (else does nothing). Error for an unknown run.
  void ReleaseRun(int64_t run_id);
  static std::string HostName();

 private:
  // Error if the run is unknown or owned by another live process.
  void RequireClaimable(int64_t run_id, double lease_seconds, int64_t me, const std::string& host);

  Db& db_;
  sqlite3_stmt* get_owner_;
  sqlite3_stmt* set_owner_;
  sqlite3_stmt* heartbeat_;
  sqlite3_stmt* release_run_;
};

}  // namespace ouro::store
