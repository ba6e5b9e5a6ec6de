// store/runs.cc — the runs table. See runs.h.
#include "store/runs.h"

#include <bit>

#include "core/error.h"
#include "store/db.h"

namespace ouro::store {

namespace {

// The last column is the heartbeat's age in seconds, -1 without a (readable) heartbeat.
const std::string kRunColumns =
    "id, kind, status, created_at, finished_at, seed, config_json, summary_json, control, "
    "control_at, progress_json, owner_pid, owner_host, heartbeat_at, "
    "coalesce(max(0.0, (julianday('now') - julianday(heartbeat_at)) * 86400.0), -1.0)";

RunInfo ReadRun(const StmtUse& q) {
  RunInfo r;
  r.id = q.Int(0);
  r.kind = q.Text(1);
  r.status = q.Text(2);
  r.created_at = q.Text(3);
  r.finished_at = q.Text(4);
  r.seed = std::bit_cast<uint64_t>(q.Int(5));
  r.config_json = q.Text(6);
  r.summary_json = q.Text(7);
  r.control = q.Text(8);
  r.control_at = q.Text(9);
  r.progress_json = q.Text(10);
  r.owner_pid = q.Int(11);
  r.owner_host = q.Text(12);
  r.heartbeat_at = q.Text(13);
  r.heartbeat_age_seconds = q.Real(14);
  return r;
}

}  // namespace

RunsTable::RunsTable(Db& db)
    : db_(db),
      create_run_(db.Prepare("INSERT INTO runs(kind, status, created_at, seed, config_json) "
                             "VALUES(?, 'running', ?, ?, ?)")),
      finish_run_(db.Prepare(
          "UPDATE runs SET status = ?, finished_at = ?, summary_json = ? WHERE id = ?")),
      set_run_status_(db.Prepare("UPDATE runs SET status = ? WHERE id = ?")),
      reopen_run_(db.Prepare(
          "UPDATE runs SET status = 'running', finished_at = NULL, control = 'run', "
          "control_at = ? WHERE id = ?")),
      get_run_(db.Prepare("SELECT " + kRunColumns + " FROM runs WHERE id = ?")),
      list_runs_(db.Prepare("SELECT " + kRunColumns + " FROM runs ORDER BY id")),
      latest_run_(db.Prepare("SELECT " + kRunColumns + " FROM runs ORDER BY id DESC LIMIT 1")),
      set_control_(db.Prepare("UPDATE runs SET control = ?, control_at = ? WHERE id = ?")),
      get_control_(db.Prepare("SELECT control FROM runs WHERE id = ?")),
      set_progress_(db.Prepare("UPDATE runs SET progress_json = ? WHERE id = ?")) {}

int64_t RunsTable::CreateRun(const std::string& kind, uint64_t seed,
                             const std::string& config_json) {
  db_.ValidateJson(config_json, "run config");
  std::string now = Db::Now();
  StmtUse q(create_run_);
  q.BindAll(kind, now, std::bit_cast<int64_t>(seed), config_json);
  db_.Check(q.Step(), "create run");
  return sqlite3_last_insert_rowid(db_.handle());
}

void RunsTable::FinishRun(int64_t run_id, const std::string& status,
                          const std::string& summary_json) {
  db_.ValidateJson(summary_json, "run summary");
  std::string now = Db::Now();
  StmtUse q(finish_run_);
  q.BindAll(status, now, summary_json, run_id);
  db_.Check(q.Step(), "finish run");
  if (sqlite3_changes(db_.handle()) == 0)
    throw Error(db_.path() + ": finish run " + std::to_string(run_id) + ": no such run");
}

void RunsTable::SetRunStatus(int64_t run_id, const std::string& status) {
  StmtUse q(set_run_status_);
  q.BindAll(status, run_id);
  db_.Check(q.Step(), "set run status");
  if (sqlite3_changes(db_.handle()) == 0)
    throw Error(db_.path() + ": set run status " + std::to_string(run_id) + ": no such run");
}

void RunsTable::ReopenRun(int64_t run_id) {
  std::string now = Db::NowMillis();
  StmtUse q(reopen_run_);
  q.BindAll(now, run_id);
  db_.Check(q.Step(), "reopen run");
  if (sqlite3_changes(db_.handle()) == 0)
    throw Error(db_.path() + ": reopen run " + std::to_string(run_id) + ": no such run");
}

std::optional<RunInfo> RunsTable::GetRun(int64_t run_id) {
  StmtUse q(get_run_);
  q.Bind(1, run_id);
  int rc = q.Step();
  db_.Check(rc, "get run");
  if (rc != SQLITE_ROW) return std::nullopt;
  return ReadRun(q);
}

std::vector<RunInfo> RunsTable::ListRuns() {
  std::vector<RunInfo> out;
  StmtUse q(list_runs_);
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) out.push_back(ReadRun(q));
  db_.Check(rc, "list runs");
  return out;
}

std::optional<RunInfo> RunsTable::LatestRun() {
  StmtUse q(latest_run_);
  int rc = q.Step();
  db_.Check(rc, "latest run");
  if (rc != SQLITE_ROW) return std::nullopt;
  return ReadRun(q);
}

void RunsTable::SetControl(int64_t run_id, const std::string& control) {
  if (control != "run" && control != "pause" && control != "stop")
    throw Error(db_.path() + ": set control: '" + control + "' is not one of run, pause, stop");
  std::string now = Db::NowMillis();
  StmtUse q(set_control_);
  q.BindAll(control, now, run_id);
  db_.Check(q.Step(), "set control");
  if (sqlite3_changes(db_.handle()) == 0) db_.NoSuchRun("set control", run_id);
}

std::string RunsTable::GetControl(int64_t run_id) {
  StmtUse q(get_control_);
  q.Bind(1, run_id);
  int rc = q.Step();
  db_.Check(rc, "get control");
  if (rc != SQLITE_ROW) db_.NoSuchRun("get control", run_id);
  return q.Text(0);
}

void RunsTable::SetProgress(int64_t run_id, const std::string& json) {
  db_.ValidateJson(json, "run progress");
  StmtUse q(set_progress_);
  q.BindAll(StmtUse::OrNull{json}, run_id);
  db_.Check(q.Step(), "set progress");
  if (sqlite3_changes(db_.handle()) == 0) db_.NoSuchRun("set progress", run_id);
}

}  // namespace ouro::store
