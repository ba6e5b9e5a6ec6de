// store/store.h — the run store: SQLite (WAL) file holding runs, configs, programs, lineage,
// evaluations and metrics over time, and for recursive self-improvement ("rsi") runs the adopted
// improver specs, every proposed candidate and the incumbent's held-out curve.
//
// It is the only shared state between processes: a running search writes, `ouro show`/`ouro runs`
// (and later the dashboard) read from other processes at the same time. Writes are grouped in
// transactions by the caller (Begin/Commit or the Transaction guard) so a search can append
// thousands of rows per second. A Store object is used from one thread at a time.
// Every failure (cannot open, not a database, corrupt, locked past the busy timeout, disk full,
// schema from a newer version) throws ouro::Error with a one-line message naming the file and the
// problem; nothing already committed is lost.
// Schema version 2 (PRAGMA user_version). Opening a version-1 store upgrades it in place (adds the
// rsi tables under the write lock, keeping every row), so it needs that lock once: while another
// connection holds a write transaction open on a version-1 store, Open waits for it up to the busy
// timeout, then fails with an Error mentioning "locked" and leaves the store at version 1.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

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
