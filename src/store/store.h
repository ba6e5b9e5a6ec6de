// store/store.h — the run store: SQLite (WAL) file holding runs, configs, programs, lineage,
// evaluations and metrics over time; for recursive self-improvement ("rsi") runs the adopted
// improver specs, every proposed candidate and the incumbent's held-out curve; and for oversight
// each run's hash-chained audit events, its approval items, its checkpoint, its control word
// (run/pause/stop, set by other processes) and its owner (the one process allowed to write it);
// the test-arena measurements of improvers; and for self-play runs each generation's report,
// every adopted version of the evaluator and every match played.
//
// The folder, one table group per file (store/ includes only core/ and oversight/audit.h):
//   db.h          the connection core: open, WAL, transactions, WriteScope, statements, errors
//   schema.h      the schema of each version, the table checks, the upgrades v1 → … → v5
//   runs.h        RunsTable: runs, their status, the control word and progress
//   lineage.h     LineageTable: programs, lineage, evaluations, metrics
//   rsi_tables.h  RsiTables: improvers, candidates, curve
//   audit_log.h   AuditLog: the audit events and each run's chain head
//   items.h       ApprovalItems: the questions put to people, decided once
//   leases.h      Leases: the run's owner (ClaimRun, Heartbeat, ReleaseRun)
//   lease.h       the one liveness rule of an owner (OwnerAlive, RunActive)
//   checkpoints.h Checkpoints: the state a run resumes from
//   evidence.h    EvidenceTables: improvers measured on the test arenas and one row per arena run
//   selfplay_tables.h  SelfplayTables: self-play generations, versions, matches
//   llm_tables.h       LlmTables: a run's exchanges with a language model
//   store.h       Store: all of the above over one connection
// A Store is every table group over one shared Db; each group prepares and knows only its own
// statements and tables. Callers use a Store (`db.AppendEvent(...)`); code that needs one group
// may take just that group (`AuditLog&`, `RunsTable&`), which a Store converts to.
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
// Schema version 5 (PRAGMA user_version). Opening a version-1, -2, -3 or -4 store upgrades it in
// place (adds the newer tables and columns under the write lock, keeping every row), so it needs
// that lock once: while another connection holds a write transaction open on an older store, Open
// waits for it up to the busy timeout, then fails with an Error mentioning "locked" and leaves the
// store at its version.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "store/audit_log.h"
#include "store/checkpoints.h"
#include "store/evidence.h"
#include "store/items.h"
#include "store/lease.h"
#include "store/leases.h"
#include "store/lineage.h"
#include "store/rsi_tables.h"
#include "store/runs.h"
#include "store/llm_tables.h"
#include "store/selfplay_tables.h"

namespace ouro::store {

class Db;

namespace internal {
// Owns the connection of a Store. Store's first base: the connection is open before the table
// groups prepare their statements and is closed only after they are gone.
class Connection {
 protected:
  explicit Connection(std::unique_ptr<Db> db);
  ~Connection();
  Db& conn() const { return *conn_; }

 private:
  std::unique_ptr<Db> conn_;
};
}  // namespace internal

class Store : private internal::Connection,
              public RunsTable,
              public LineageTable,
              public RsiTables,
              public AuditLog,
              public ApprovalItems,
              public Leases,
              public Checkpoints,
              public EvidenceTables,
              public SelfplayTables,
              public LlmTables {
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

  const std::string& path() const;

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

  // The rows, by table group: see runs.h, lineage.h, rsi_tables.h, audit_log.h, items.h,
  // leases.h, checkpoints.h, evidence.h, selfplay_tables.h and llm_tables.h.

 private:
  explicit Store(std::unique_ptr<Db> db);
  static std::unique_ptr<Store> OpenImpl(const std::string& path, int busy_timeout_ms, bool create);
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
