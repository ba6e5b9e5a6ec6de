// store/store.h — the run store: SQLite (WAL) file holding runs, configs, programs, lineage,
// evaluations and metrics over time; for recursive self-improvement ("rsi") runs the adopted
// improver specs, every proposed candidate and the incumbent's held-out curve; and for oversight
// each run's hash-chained audit events, its approval items, its checkpoint, its control word
// (run/pause/stop, set by other processes) and its owner (the one process allowed to write it).
//
// It is the only shared state between processes: a running search writes, `ouro show`/`ouro runs`
// (and the dashboard, `ouro pause/stop/approve`) read or set control words from other processes at
// the same time. Writes are grouped in transactions by the caller (Begin/Commit or the Transaction
// guard) so a search can append thousands of rows per second. A Store object is used from one
// thread at a time. Readers never block the writer for long (WAL: a reader's open transaction does
// not stop commits), and writers are serialised by SQLite's write lock, waited for up to the busy
// timeout.
// Every failure (cannot open, not a database, corrupt, locked past the busy timeout, disk full or
// the size limit of SetMaxPages reached, schema from a newer version, run owned by another live
// process) throws ouro::Error with a one-line message naming the file and the problem; nothing
// already committed is lost, and the operations documented as atomic write all or nothing.
// Schema version 3 (PRAGMA user_version). Opening a version-1 or version-2 store upgrades it in
// place (adds the newer tables and columns under the write lock, keeping every row), so it needs
// that lock once: while another connection holds a write transaction open on an older store, Open
// waits for it up to the busy timeout, then fails with an Error mentioning "locked" and leaves the
// store at its version.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "oversight/audit.h"
#include "store/lease.h"

struct sqlite3;

namespace ouro::store {

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

struct MetricRow {
  double seconds = 0;
  int64_t individuals = 0;
  int64_t evaluations = 0;
  double best_fitness = 0;
  double cache_hit_rate = 0;
  int experiment = 0;
};

struct LineageRow {
  std::string child_hash;   // program hash (hex), program stored in `programs`
  std::string parent_hash;  // empty for an initial program
  int64_t individual = 0;   // index of the child in the run
  std::string mutation;     // mutation kind that produced it ("" for initial)
  double fitness = 0;
};

// rsi runs. An empty text field reads back empty; a NaN REAL reads back NaN.

// One adopted improver spec; generation 0 is the initial one.
struct ImproverRow {
  int generation = 0;
  std::string hash;
  std::string parent_hash;    // empty for generation 0
  std::string spec_json;      // must be valid JSON (not empty)
  double meta_utility = 0;
  std::string evidence_json;  // valid JSON or empty
};

// One candidate improver proposed in `generation`, and the verdict on it.
struct CandidateRow {
  int generation = 0;  // the generation it was proposed in
  int idx = 0;         // its index among that generation's candidates
  std::string hash;
  std::string meta_operator;
  std::string decision;  // "adopted", "rejected", "inconclusive", or any text
  double llr = 0;
  int64_t wins = 0, losses = 0, draws = 0;
  double meta_utility = 0;
  std::string spec_json;      // valid JSON or empty
  std::string evidence_json;  // valid JSON or empty
};

// One measurement of the incumbent on the held-out families.
struct CurveRow {
  int generation = 0;
  int64_t cumulative_evaluations = 0;
  double seconds = 0;
  std::string point_json;  // must be valid JSON (not empty)
};

// Oversight (schema v3).

using oversight::EventRow;  // one audit event; see oversight/audit.h

// One question put to a human (an approval gate): decided once, by one actor.
struct ItemRow {
  int64_t item = 0;           // 1, 2, ... within the run
  std::string kind;           // e.g. "adopt_improver"
  std::string key;            // unique within the run: the same question asked again finds it
  std::string summary;        // one line for people
  std::string evidence_json;  // valid JSON or empty
  std::string status;         // "pending", "approved" or "rejected"
  std::string created_at;     // ISO-8601 UTC
  std::string decided_by;     // empty while pending
  std::string decided_at;     // ISO-8601 UTC with milliseconds; empty while pending
  std::string note;
};

class Store {
 public:
  // Opens or creates the database at path (parent directories are created). ":memory:" works.
  static std::unique_ptr<Store> Open(const std::string& path);
  // Same, with an explicit busy timeout: how long a write waits for another connection's write
  // transaction before failing with an Error mentioning "locked". Open(path) uses 5000 ms.
  static std::unique_ptr<Store> Open(const std::string& path, int busy_timeout_ms);
  // For readers (`ouro show`, `ouro runs`): like Open, but a missing file is an Error instead of
  // being created (no directories are created either).
  static std::unique_ptr<Store> OpenExisting(const std::string& path);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::string& path() const { return path_; }

  void Begin();
  void Commit();
  void Rollback();
  bool in_transaction() const;
  void SetBusyTimeout(int ms);
  // Limits the database file to `pages` pages (of 4096 bytes) for this connection, like a full
  // disk: a write that needs more fails with an Error mentioning "full", and the operation's rows
  // are not written (the caller rolls back its transaction; everything committed stays). SQLite
  // never sets the limit below the current size; returns the limit now in force.
  int64_t SetMaxPages(int64_t pages);

  // config_json / summary_json must be valid JSON (or empty), else Error. FinishRun and
  // SetRunStatus throw Error for an unknown run id. Lineage, evaluation and metric rows must name
  // an existing run (foreign key), else Error.
  int64_t CreateRun(const std::string& kind, uint64_t seed, const std::string& config_json);
  void FinishRun(int64_t run_id, const std::string& status, const std::string& summary_json);
  std::optional<RunInfo> GetRun(int64_t run_id);
  std::vector<RunInfo> ListRuns();  // ordered by id
  std::optional<RunInfo> LatestRun();  // highest id, nullopt for an empty store
  // Sets the status alone (e.g. "stopped" after an interrupt); finished_at is left as is.
  void SetRunStatus(int64_t run_id, const std::string& status);

  // Programs are content-addressed: PutProgram is idempotent for the same hash.
  void PutProgram(const std::string& hash, const std::string& text);
  std::optional<std::string> GetProgram(const std::string& hash);

  void AddLineage(int64_t run_id, const LineageRow& row);
  std::vector<LineageRow> GetLineage(int64_t run_id);

  // One evaluation of a program on a named task set ("search", "select", "held_out", a task name).
  void AddEvaluation(int64_t run_id, const std::string& program_hash, const std::string& task_set,
                     double fitness, const std::string& detail_json);

  // (program_hash, fitness) of every evaluation of run_id on task_set, in insertion order.
  std::vector<std::pair<std::string, double>> GetEvaluations(int64_t run_id,
                                                             const std::string& task_set);

  void AddMetric(int64_t run_id, const MetricRow& row);
  std::vector<MetricRow> GetMetrics(int64_t run_id);

  // rsi rows. Each Add throws Error for an unknown run ("no such run"), for a row whose key is
  // already taken ("already has ...": (run, generation) for improvers and curve points,
  // (run, generation, idx) for candidates) and for a JSON field that is not valid JSON. A failed
  // Add leaves an open transaction open, with nothing of that row written.
  void AddImprover(int64_t run_id, const ImproverRow& row);
  std::vector<ImproverRow> GetImprovers(int64_t run_id);  // ordered by generation
  void AddCandidate(int64_t run_id, const CandidateRow& row);
  std::vector<CandidateRow> GetCandidates(int64_t run_id);  // ordered by generation, idx
  void AddCurvePoint(int64_t run_id, const CurveRow& row);
  std::vector<CurveRow> GetCurve(int64_t run_id);  // ordered by generation

  // Resume of an rsi run: deletes improvers, curve points and candidates of generations after
  // after_generation (events, items and the checkpoint are kept). Error for an unknown run.
  void TruncateRsiRows(int64_t run_id, int after_generation);
  // Sets status "running", clears finished_at and sets control back to "run" (a stop request that
  // ended the run must not end its resumption). Error for an unknown run.
  void ReopenRun(int64_t run_id);

  // ---- audit chain (see oversight/audit.h) ----
  // Appends one event: seq = the run's event count + 1, at = now, prev_hash = the run's head (or
  // kGenesisHash), hash = EventHash; the run's head (count, hash) is updated with it. Atomic: in
  // the caller's transaction if one is open (all or nothing within it), else in its own
  // BEGIN IMMEDIATE transaction, so processes appending to the same run are serialised by the
  // write lock and never fork the chain. Error for an unknown run or content that is not JSON.
  EventRow AppendEvent(int64_t run_id, const std::string& type, const std::string& actor,
                       const std::string& content_json);
  std::vector<EventRow> GetEvents(int64_t run_id);  // ordered by seq; empty for an unknown run
  // (event count, hash of the last event) as recorded with the run; (0, kGenesisHash) before the
  // first event; nullopt for an unknown run.
  std::optional<std::pair<int64_t, std::string>> GetAuditHead(int64_t run_id);

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

  // ---- ownership: one writing process per run ----
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

  // ---- approval items ----
  // Adds a pending item numbered 1, 2, ... within the run and returns its number. Idempotent by
  // key: if the run already has an item with this key, returns its number and changes nothing
  // (a resumed run asks the same question again and finds the earlier answer). Atomic like
  // AppendEvent. Error for an unknown run or evidence that is not JSON (empty is allowed).
  int64_t AddItem(int64_t run_id, const std::string& kind, const std::string& key,
                  const std::string& summary, const std::string& evidence_json);
  std::optional<ItemRow> GetItem(int64_t run_id, int64_t item);
  std::optional<ItemRow> FindItem(int64_t run_id, const std::string& key);
  std::vector<ItemRow> GetItems(int64_t run_id, bool pending_only);  // ordered by item
  // Every pending item of every run as (run id, item), ordered by run and item.
  std::vector<std::pair<int64_t, ItemRow>> GetPendingItemsAllRuns();
  // Approves or rejects a pending item. Error for an unknown run or item, or an item that is no
  // longer pending ("item 3 of run 1 was already approved by alice at ..."). Atomic like
  // AppendEvent, so a caller that opened a transaction can append the matching event with it.
  void DecideItem(int64_t run_id, int64_t item, bool approve, const std::string& actor,
                  const std::string& note);

  // ---- checkpoint: the state a run resumes from (one per run) ----
  // Replaces the run's checkpoint. state_json must be valid JSON. Error for an unknown run.
  void PutCheckpoint(int64_t run_id, int generation, const std::string& state_json);
  std::optional<std::pair<int, std::string>> GetCheckpoint(int64_t run_id);  // (generation, state)

 private:
  Store() = default;
  static std::unique_ptr<Store> OpenImpl(const std::string& path, int busy_timeout_ms, bool create);
  [[noreturn]] void Fail(const std::string& what) const;  // throws Error("<path>: <what>: <errmsg>")
  void Check(int rc, const char* what) const;              // Fail unless rc is OK/ROW/DONE
  // Check for an insert keyed by run: primary-key and foreign-key failures get their own message.
  void CheckInsert(int rc, const char* what, int64_t run_id, const std::string& key) const;
  void Exec(const char* sql, const char* what);
  std::string QueryText(const char* sql, const char* what);  // first column of the first row
  int64_t QueryInt(const char* sql, const char* what);
  void RequireRun(int64_t run_id, const char* what);  // Error "<what>: no such run N" if absent
  class WriteScope;  // BEGIN IMMEDIATE ... COMMIT, or a savepoint inside the caller's transaction
  std::string path_;
  sqlite3* db_ = nullptr;
  struct Statements;
  std::unique_ptr<Statements> stmts_;
};

// RAII transaction: Begin on construction, Rollback on destruction unless Commit() was called.
class Transaction {
 public:
  explicit Transaction(Store& s) : s_(s) { s_.Begin(); }
  ~Transaction() {
    if (!done_) try { s_.Rollback(); } catch (...) {}
  }
  void Commit() { s_.Commit(); done_ = true; }
 private:
  Store& s_;
  bool done_ = false;
};

}  // namespace ouro::store
