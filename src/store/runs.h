// store/runs.h — the runs table: one row per run (its kind, status, seed, resolved config and
// final summary), and the columns other processes use to steer a running run: the control word
// (run/pause/stop) and the running process's progress. The audit head columns belong to
// AuditLog, the owner columns to Leases.
//
// Thread-safety and failure rules: those of Store (store.h); a RunsTable is one of its parts.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

struct sqlite3_stmt;

namespace ouro::store {

class Db;

struct RunInfo {
  int64_t id = 0;
  std::string kind;         // "search", "eval", ...
  std::string status;       // "running", "finished", "failed", "stopped"
  std::string created_at;   // ISO-8601 UTC
  std::string finished_at;  // empty while running
  uint64_t seed = 0;
  std::string config_json;  // the full resolved config
  std::string summary_json; // final result object (empty until finished)
  // Control of a running run from other processes (schema v3).
  std::string control;        // "run", "pause" or "stop"
  std::string control_at;     // when control was last set (empty: never)
  std::string progress_json;  // the running process's last SetProgress (empty: none)
  // The process writing the run (ClaimRun); 0 / empty when nobody has claimed it.
  int64_t owner_pid = 0;
  std::string owner_host;
  std::string heartbeat_at;            // the owner's last heartbeat (kept after ReleaseRun)
  double heartbeat_age_seconds = -1;   // seconds since heartbeat_at (>= 0), < 0 if none
};

class RunsTable {
 public:
  explicit RunsTable(Db& db);  // prepares the statements
  RunsTable(const RunsTable&) = delete;
  RunsTable& operator=(const RunsTable&) = delete;

  // config_json / summary_json must be valid JSON (or empty), else Error. FinishRun and
  // SetRunStatus throw Error for an unknown run id.
  int64_t CreateRun(const std::string& kind, uint64_t seed, const std::string& config_json);
  void FinishRun(int64_t run_id, const std::string& status, const std::string& summary_json);
  std::optional<RunInfo> GetRun(int64_t run_id);
  std::vector<RunInfo> ListRuns();  // ordered by id
  std::optional<RunInfo> LatestRun();  // highest id, nullopt for an empty store
  // Sets the status alone (e.g. "stopped" after an interrupt); finished_at is left as is.
  void SetRunStatus(int64_t run_id, const std::string& status);
  // Sets status "running", clears finished_at and sets control back to "run" (a stop request that
  // ended the run must not end its resumption). Error for an unknown run.
  void ReopenRun(int64_t run_id);

  // ---- control from other processes ----
  // control is "run", "pause" or "stop" (else Error); control_at is set to now. Error for an
  // unknown run.
  void SetControl(int64_t run_id, const std::string& control);
  // The run's control word. Cheap (one cached statement, no write): meant to be polled every few
  // milliseconds by the running process. Error for an unknown run.
  std::string GetControl(int64_t run_id);
  // The running process's progress for readers: valid JSON, or empty to clear. Error for an
  // unknown run.
  void SetProgress(int64_t run_id, const std::string& json);

 private:
  Db& db_;
  sqlite3_stmt* create_run_;
  sqlite3_stmt* finish_run_;
  sqlite3_stmt* set_run_status_;
  sqlite3_stmt* reopen_run_;
  sqlite3_stmt* get_run_;
  sqlite3_stmt* list_runs_;
  sqlite3_stmt* latest_run_;
  sqlite3_stmt* set_control_;
  sqlite3_stmt* get_control_;
  sqlite3_stmt* set_progress_;
};

}  // namespace ouro::store
