// store/leases.cc — claims, heartbeats and releases of runs. See leases.h.
#include "store/leases.h"

#include <unistd.h>

#include <cstdio>

#include "core/error.h"
#include "store/db.h"

namespace ouro::store {

namespace {

std::string Seconds1(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", s);
  return buf;
}

}  // namespace

Leases::Leases(Db& db)
    : db_(db),
      get_owner_(db.Prepare(
          "SELECT owner_pid, owner_host, "
          "coalesce(max(0.0, (julianday('now') - julianday(heartbeat_at)) * 86400.0), -1.0) "
          "FROM runs WHERE id = ?")),
      set_owner_(db.Prepare(
          "UPDATE runs SET owner_pid = ?, owner_host = ?, heartbeat_at = ? WHERE id = ?")),
      heartbeat_(db.Prepare(
          "UPDATE runs SET heartbeat_at = ? WHERE id = ? AND owner_pid = ? AND owner_host = ?")),
      release_run_(db.Prepare(
          "UPDATE runs SET owner_pid = NULL, owner_host = NULL "
          "WHERE id = ? AND owner_pid = ? AND owner_host = ?")) {}

std::string Leases::HostName() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "unknown-host";
  return buf;
}

void Leases::RequireClaimable(int64_t run_id, double lease_seconds, int64_t me,
                              const std::string& host) {
  StmtUse q(get_owner_);
  q.Bind(1, run_id);
  int rc = q.Step();
  db_.Check(rc, "claim run");
  if (rc != SQLITE_ROW) db_.NoSuchRun("claim run", run_id);
  if (q.IsNull(0)) return;
  const int64_t pid = q.Int(0);
  const std::string owner_host = q.Text(1);
  const double age = q.Real(2);
  const bool us = pid == me && owner_host == host;
  const bool live = !us && OwnerAlive(pid, owner_host, age, lease_seconds);
  if (live)
    throw Error(db_.path() + ": run " + std::to_string(run_id) + " is being written by process " +
                std::to_string(pid) + " on host " + owner_host + " (heartbeat " + Seconds1(age) +
                " s ago); stop it first or wait");
}

void Leases::ClaimRun(int64_t run_id, double lease_seconds) {
  const int64_t me = ::getpid();
  const std::string host = HostName();
  WriteScope w(db_, "claim run");
  RequireClaimable(run_id, lease_seconds, me, host);
  {
    std::string now = Db::NowMillis();
    StmtUse q(set_owner_);
    q.BindAll(me, host, now, run_id);
    db_.Check(q.Step(), "claim run");
  }
  w.Commit("claim run");
}

void Leases::Heartbeat(int64_t run_id) {
  const int64_t me = ::getpid();
  const std::string host = HostName();
  {
    std::string now = Db::NowMillis();
    StmtUse q(heartbeat_);
    q.BindAll(now, run_id, me, host);
    db_.Check(q.Step(), "heartbeat");
    if (sqlite3_changes(db_.handle()) == 1) return;
  }
  StmtUse q(get_owner_);
  q.Bind(1, run_id);
  int rc = q.Step();
  db_.Check(rc, "heartbeat");
  const std::string run = "run " + std::to_string(run_id);
  if (rc != SQLITE_ROW) db_.NoSuchRun("heartbeat", run_id);
  if (q.IsNull(0))
    throw Error(db_.path() + ": " + run + " is no longer claimed by this process (it was released)");
  throw Error(db_.path() + ": " + run + " was taken over by process " + std::to_string(q.Int(0)) +
              " on host " + q.Text(1));
}

void Leases::ReleaseRun(int64_t run_id) {
  const int64_t me = ::getpid();
  const std::string host = HostName();
  StmtUse q(release_run_);
  q.BindAll(run_id, me, host);
  db_.Check(q.Step(), "release run");
  if (sqlite3_changes(db_.handle()) == 0) db_.RequireRun(run_id, "release run");
}

}  // namespace ouro::store
