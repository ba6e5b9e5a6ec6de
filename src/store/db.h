// store/db.h — the run store's connection core, shared by every table group: one SQLite
// connection, its transactions, its prepared statements and the one way its failures become
// ouro::Error. Internal to store/ (it includes sqlite3.h); everyone else uses store/store.h.
//
// A Db is used from one thread at a time (SQLITE_OPEN_NOMUTEX), like the Store that owns it.
// Every statement a table group prepares with Prepare is owned here and finalized before the
// connection closes, so a group may keep raw sqlite3_stmt pointers for as long as its Db lives.
// Every sqlite3 failure goes through Fail: "<path>: <what>: <sqlite message>", with its own words
// for a file that is not a database, a corrupt one and a full one.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <vector>

namespace ouro::store {

class Db {
 public:
  // Opens the connection to path (":memory:" works), creating the file and its parent
  // directories if `create`, else refusing a missing file. Reads nothing from the file yet:
  // schema::Open checks what it holds before anything could write to it.
  static std::unique_ptr<Db> Connect(const std::string& path, int busy_timeout_ms, bool create);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  const std::string& path() const { return path_; }
  bool memory() const { return path_ == ":memory:"; }
  sqlite3* handle() const { return db_; }

  // ---- the connection's mode (called once by schema::Open) ----
  // Switches to WAL, retrying "locked" until busy_timeout_ms (see db.cc); no-op in memory.
  void UseWal(int busy_timeout_ms);
  // PRAGMA quick_check on a file small enough to read in milliseconds; Error if damaged.
  void QuickCheck();
  // Prepares BEGIN/COMMIT/ROLLBACK, the savepoint statements, the run check and the program
  // insert, once the schema is in place.
  void PrepareCore();

  // ---- transactions ----
  void Begin();     // BEGIN IMMEDIATE
  void Commit();
  void Rollback();  // no-op if SQLite already rolled back (e.g. after disk full)
  bool in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }
  void SetBusyTimeout(int ms);
  int64_t SetMaxPages(int64_t pages);  // see Store::SetMaxPages

  // ---- statements ----
  // Prepares a statement kept for the connection's lifetime. A statement that does not prepare
  // means the tables are not ours: Error "not an ouro run store (prepare ...)".
  sqlite3_stmt* Prepare(const std::string& sql);
  void Exec(const char* sql, const char* what);
  std::string QueryText(const char* sql, const char* what);  // first column of the first row
  int64_t QueryInt(const char* sql, const char* what);

  // ---- rows shared by table groups ----
  // Stores a program's text under its hash in `programs` (content-addressed: a hash already
  // there keeps its text). The one program insert of LineageTable and SelfplayTables.
  void PutProgram(const std::string& hash, const std::string& text);

  // ---- errors ----
  [[noreturn]] void Fail(const std::string& what) const;  // throws Error("<path>: <what>: <errmsg>")
  void Check(int rc, const char* what) const;              // Fail unless rc is OK/ROW/DONE
  // Check for an insert keyed by run: primary-key and foreign-key failures get their own message
  // ("run N already has <key>", "no such run N").
  void CheckInsert(int rc, const char* what, int64_t run_id, const std::string& key) const;
  // Every row of every group belongs to a run: Error "<what>: no such run N" if it is absent.
  void RequireRun(int64_t run_id, const char* what);
  // Error "<what> is not valid JSON" unless json is valid JSON or empty.
  void ValidateJson(const std::string& json, const char* what) const;
  // Like ValidateJson, but empty is refused too.
  void RequireJson(const std::string& json, const char* what) const;
  [[noreturn]] void NoSuchRun(const char* what, int64_t run_id) const;  // "<what>: no such run N"

  // UTC timestamps as stored: "2024-05-01T12:00:00Z", and with milliseconds
  // "2024-05-01T12:00:00.123Z" (events, heartbeats, decisions: order within a second matters).
  static std::string Now();
  static std::string NowMillis();

 private:
  friend class WriteScope;
  template <class T, class Read>
  T QueryFirst(const char* sql, const char* what, T none, Read read);
  explicit Db(std::string path) : path_(std::move(path)) {}
  std::string path_;
  sqlite3* db_ = nullptr;
  std::vector<sqlite3_stmt*> owned_;  // every statement Prepare returned
  sqlite3_stmt* begin_ = nullptr;
  sqlite3_stmt* commit_ = nullptr;
  sqlite3_stmt* rollback_ = nullptr;
  sqlite3_stmt* savepoint_ = nullptr;
  sqlite3_stmt* release_ = nullptr;
  sqlite3_stmt* rollback_to_ = nullptr;
  sqlite3_stmt* run_exists_ = nullptr;
  sqlite3_stmt* put_program_ = nullptr;
};

// Binds by position and resets + clears the statement on every exit path, errors included. Text
// is bound with SQLITE_STATIC: the caller's strings outlive the step, and the bindings are
// cleared on reset.
class StmtUse {
 public:
  explicit StmtUse(sqlite3_stmt* s) : s_(s) {}
  ~StmtUse() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  StmtUse(const StmtUse&) = delete;
  StmtUse& operator=(const StmtUse&) = delete;

  int Bind(int i, int64_t v) { return sqlite3_bind_int64(s_, i, v); }
  int Bind(int i, int v) { return sqlite3_bind_int64(s_, i, v); }
  int Bind(int i, double v) { return sqlite3_bind_double(s_, i, v); }
  int Bind(int i, const std::string& v) {
    return sqlite3_bind_text64(s_, i, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8);
  }
  // Bytes bound as a BLOB (any bytes, zeros included; empty is a zero-length BLOB, not NULL).
  struct AsBlob {
    const std::string& bytes;
  };
  int Bind(int i, AsBlob v) {
    return sqlite3_bind_blob64(s_, i, v.bytes.data(), v.bytes.size(), SQLITE_STATIC);
  }
  int BindTextOrNull(int i, const std::string& v) {
    return v.empty() ? sqlite3_bind_null(s_, i) : Bind(i, v);
  }
  // Empty text bound as NULL (the nullable text columns).
  struct OrNull {
    const std::string& text;
  };
  int Bind(int i, OrNull v) { return BindTextOrNull(i, v.text); }
  // Binds the arguments to positions 1, 2, ... in order.
  template <class... A>
  void BindAll(const A&... args) {
    int i = 0;
    (Bind(++i, args), ...);
  }
  int Step() { return sqlite3_step(s_); }
  // Steps through every row, calling row(*this) on each; returns the final step's code for Check.
  template <class F>
  int EachRow(F row) {
    int rc;
    while ((rc = Step()) == SQLITE_ROW) row(*this);
    return rc;
  }

  std::string Text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(s_, col))) : std::string();
  }
  std::string Blob(int col) const {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(s_, col));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(s_, col))) : std::string();
  }
  int64_t Int(int col) const { return sqlite3_column_int64(s_, col); }
  double Real(int col) const { return sqlite3_column_double(s_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  // For the nullable REAL columns: SQLite stores a bound NaN as NULL, so NULL reads back as NaN.
  double RealOrNaN(int col) const {
    return IsNull(col) ? std::numeric_limits<double>::quiet_NaN() : Real(col);
  }

 private:
  sqlite3_stmt* s_;
};

// The scope of an operation that writes several rows atomically (AppendEvent, AddItem,
// DecideItem, ClaimRun, TruncateRsiRows, AddSelfplayVersion, TruncateSelfplayRows): its own
// BEGIN IMMEDIATE transaction when the caller has none (taking the write lock before reading, so
// two processes cannot both read the same audit head), else a savepoint inside the caller's
// transaction, so a failure undoes exactly that operation. Without Commit, the destructor undoes
// it.
class WriteScope {
 public:
  WriteScope(Db& db, const char* what);
  ~WriteScope();
  WriteScope(const WriteScope&) = delete;
  WriteScope& operator=(const WriteScope&) = delete;
  void Commit(const char* what);

 private:
  Db& db_;
  const bool own_;
  bool done_ = false;
};

}  // namespace ouro::store
