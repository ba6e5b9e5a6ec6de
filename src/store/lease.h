// store/lease.h — the one liveness rule of a run's writing process (its owner), used by the store
// when a process claims a run and by everyone who asks whether a run is still being written
// (`ouro status`, the control commands, the dashboard).
//
// An owner is alive while its heartbeat is younger than the lease (kLeaseSeconds unless a caller
// says otherwise) and, on this host, its process still exists; an owner on another host is taken
// at its heartbeat's word. Pure functions of the row plus one kill(pid, 0); thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace ouro::store {

struct RunInfo;

// How long a heartbeat keeps its owner alive. The owner beats about every second.
inline constexpr double kLeaseSeconds = 5;

// Whether an owner recorded as (pid, host) with a heartbeat `age_seconds` old is alive. pid 0 or a
// negative age (no heartbeat) is no owner.
bool OwnerAlive(int64_t pid, const std::string& host, double age_seconds, double lease_seconds = kLeaseSeconds);
// The same for a run's recorded owner.
bool OwnerLive(const RunInfo& run);
// Whether the run is in a state a process may still be writing: running, paused or waiting.
bool RunActive(const RunInfo& run);

}  // namespace ouro::store
