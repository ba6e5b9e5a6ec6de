// store/store.cc — the SQLite run store.
//
// One connection per Store, every statement prepared once at Open and cached in Statements (the
// search appends lineage/metric/program rows in bulk inside one transaction, so the per-row cost
// must be a bind + step + reset). Every sqlite3 failure goes through Store::Fail, which builds the
// one-line ouro::Error "<path>: <what>: <sqlite message>"; every statement use is wrapped in a
// StmtUse guard so it is reset (and its bindings cleared) on every exit path, errors included.
//
// Open never writes to a file it has not recognised: an existing non-empty file must start with
// the SQLite magic header, a database from a newer ouro is refused before any pragma could change
// it, and an SQLite database holding someone else's tables (user_version 0, non-empty schema) is
// refused rather than extended.
//
// Schema versions (PRAGMA user_version): 1 = runs, programs, lineage, evaluations, metrics;
// 2 adds improvers, candidates and curve for the recursive self-improvement ("rsi") loop; 3 adds
// oversight: events (the audit chain), items (approvals), checkpoints, and on runs the audit head,
// the control word, progress and the owner with its heartbeat. A fresh
// store is created at the current version in one transaction; an older one is upgraded in place
// under the write lock (BEGIN IMMEDIATE), keeping every row, after checking that it holds the
// tables of its version (so a foreign file that merely carries a user_version is left alone).
//
// Operations that write several rows (AppendEvent, AddItem, DecideItem, ClaimRun, TruncateRsiRows)
// run in a WriteScope: their own BEGIN IMMEDIATE transaction when the caller has none (taking the
// write lock before reading, so two processes cannot both read the same audit head), else a
// savepoint inside the caller's transaction, so a failure undoes exactly that operation.
#include "store/store.h"

#include "store/lease.h"

#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <climits>
#include <system_error>
#include <thread>

#include "core/error.h"

namespace ouro::store {

namespace {

constexpr int kSchemaVersion = 3;
constexpr int kDefaultBusyTimeoutMs = 5000;
// PRAGMA quick_check reads every page; run it on open only while that stays in the milliseconds.
constexpr uintmax_t kQuickCheckMaxBytes = 8u << 20;  // ~30 ms

// Version 1, exactly as ouro created it before version 2 existed.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE runs(
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at TEXT NOT NULL,
  finished_at TEXT,
  seed INTEGER NOT NULL,
  config_json TEXT NOT NULL,
  summary_json TEXT
);
CREATE TABLE programs(
  hash TEXT PRIMARY KEY,
  text TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE lineage(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  individual INTEGER NOT NULL,
  child_hash TEXT NOT NULL,
  parent_hash TEXT,
  mutation TEXT NOT NULL,
  fitness REAL NOT NULL
);
CREATE INDEX lineage_run ON lineage(run_id, individual);
CREATE TABLE evaluations(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  program_hash TEXT NOT NULL,
  task_set TEXT NOT NULL,
  fitness REAL NOT NULL,
  detail_json TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX evaluations_run ON evaluations(run_id, task_set);
CREATE TABLE metrics(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  seconds REAL NOT NULL,
  individuals INTEGER NOT NULL,
  evaluations INTEGER NOT NULL,
  best_fitness REAL NOT NULL,
  cache_hit_rate REAL NOT NULL,
  experiment INTEGER NOT NULL
);
CREATE INDEX metrics_run ON metrics(run_id);
)sql";

// Added by version 2. Empty text is stored as NULL (like lineage.parent_hash), and so is a NaN
// REAL (SQLite's own conversion), which reads back as NaN.
constexpr const char* kSchemaV2 = R"sql(
CREATE TABLE improvers(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  generation INTEGER NOT NULL,
  hash TEXT NOT NULL,
  parent_hash TEXT,
  spec_json TEXT NOT NULL,
  meta_utility REAL,
  evidence_json TEXT,
  PRIMARY KEY(run_id, generation)
) WITHOUT ROWID;
CREATE TABLE candidates(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  generation INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  hash TEXT NOT NULL,
  meta_operator TEXT NOT NULL,
  decision TEXT NOT NULL,
  llr REAL,
  wins INTEGER NOT NULL,
  losses INTEGER NOT NULL,
  draws INTEGER NOT NULL,
  meta_utility REAL,
  spec_json TEXT,
  evidence_json TEXT,
  PRIMARY KEY(run_id, generation, idx)
) WITHOUT ROWID;
CREATE TABLE curve(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  generation INTEGER NOT NULL,
  cumulative_evaluations INTEGER NOT NULL,
  seconds REAL,
  point_json TEXT NOT NULL,
  PRIMARY KEY(run_id, generation)
) WITHOUT ROWID;
)sql";

// Added by version 3: oversight. ALTER TABLE keeps every existing row; the new run columns take
// their defaults (no events, control "run", no owner).
constexpr const char* kSchemaV3 = R"sql(
ALTER TABLE runs ADD COLUMN audit_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN audit_head TEXT;
ALTER TABLE runs ADD COLUMN control TEXT NOT NULL DEFAULT 'run';
ALTER TABLE runs ADD COLUMN control_at TEXT;
ALTER TABLE runs ADD COLUMN progress_json TEXT;
ALTER TABLE runs ADD COLUMN owner_pid INTEGER;
ALTER TABLE runs ADD COLUMN owner_host TEXT;
ALTER TABLE runs ADD COLUMN heartbeat_at TEXT;
CREATE TABLE events(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  at TEXT NOT NULL,
  type TEXT NOT NULL,
  actor TEXT NOT NULL,
  content_json TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL,
  PRIMARY KEY(run_id, seq)
) WITHOUT ROWID;
CREATE TABLE items(
  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  item INTEGER NOT NULL,
  kind TEXT NOT NULL,
  key TEXT NOT NULL,
  summary TEXT NOT NULL,
  evidence_json TEXT,
  status TEXT NOT NULL,
  created_at TEXT NOT NULL,
  decided_by TEXT,
  decided_at TEXT,
  note TEXT,
  PRIMARY KEY(run_id, item),
  UNIQUE(run_id, key)
) WITHOUT ROWID;
CREATE INDEX items_pending ON items(run_id, item) WHERE status = 'pending';
CREATE TABLE checkpoints(
  run_id INTEGER PRIMARY KEY REFERENCES runs(id) ON DELETE CASCADE,
  generation INTEGER NOT NULL,
  state_json TEXT NOT NULL,
  written_at TEXT NOT NULL
);
)sql";

// The tables each schema version must hold (checked before an existing store is used or upgraded).
constexpr const char* kTablesV1 =
    "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN "
    "('runs', 'programs', 'lineage', 'evaluations', 'metrics')";
constexpr int64_t kTableCountV1 = 5;
constexpr const char* kTablesV2 =
    "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN "
    "('runs', 'programs', 'lineage', 'evaluations', 'metrics', 'improvers', 'candidates', 'curve')";
constexpr int64_t kTableCountV2 = 8;
constexpr const char* kTablesV3 =
    "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN "
    "('runs', 'programs', 'lineage', 'evaluations', 'metrics', 'improvers', 'candidates', 'curve', "
    "'events', 'items', 'checkpoints')";
constexpr int64_t kTableCountV3 = 11;

// The last column is the heartbeat's age in seconds, -1 without a (readable) heartbeat.
constexpr const char* kRunColumns =
    "id, kind, status, created_at, finished_at, seed, config_json, summary_json, control, "
    "control_at, progress_json, owner_pid, owner_host, heartbeat_at, "
    "coalesce(max(0.0, (julianday('now') - julianday(heartbeat_at)) * 86400.0), -1.0)";

constexpr const char* kItemColumns =
    "item, kind, key, summary, evidence_json, status, created_at, decided_by, decided_at, note";

std::string NowIso8601() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// Like NowIso8601 with milliseconds: "2024-05-01T12:00:00.123Z" (audit events, heartbeats, and
// decisions, where the order within a second matters to a reader).
std::string NowIso8601Millis() {
  const auto now = std::chrono::system_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms.count() % 1000));
  return buf;
}

// Whether a process with this pid exists on this host (EPERM: it exists, owned by someone else).
std::string Seconds1(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", s);
  return buf;
}

bool IsMemoryPath(const std::string& path) { return path == ":memory:"; }

// Refuses, without opening it through SQLite, a path that cannot be a run store file.
void PrecheckFile(const std::string& path, bool create) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::file_status st = fs::status(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory)
    throw Error(path + ": cannot access: " + ec.message());
  if (fs::is_directory(st)) throw Error(path + ": is a directory, not an ouro run store");
  if (!fs::exists(st)) {
    if (!create) throw Error(path + ": no such run store");
    fs::path parent = fs::path(path).parent_path();
    if (!parent.empty()) {
      fs::create_directories(parent, ec);
      if (ec) throw Error(path + ": cannot create directory " + parent.string() + ": " + ec.message());
    }
    return;
  }
  if (!fs::is_regular_file(st)) throw Error(path + ": not a regular file");
  uintmax_t size = fs::file_size(path, ec);
  if (ec) throw Error(path + ": cannot access: " + ec.message());
  (void)size;
  // The file's header is NOT read here: opening and closing the database file outside SQLite
  // would drop every POSIX lock this process holds on it (close() releases all of a process's
  // locks on the file), e.g. those of a connection another thread uses for the running loop;
  // other processes would then checkpoint and delete its WAL under it and the store would be
  // corrupted. SQLite itself reports a file that is not a database (SQLITE_NOTADB, see Fail).
}

void ValidateJson(const std::string& path, const std::string& json, const char* what) {
  if (!json.empty() && !nlohmann::json::accept(json))
    throw Error(path + ": " + what + " is not valid JSON");
}

// Like ValidateJson, but empty is refused too.
void RequireJson(const std::string& path, const std::string& json, const char* what) {
  if (json.empty()) throw Error(path + ": " + what + " is empty, not valid JSON");
  ValidateJson(path, json, what);
}

}  // namespace

struct Store::Statements {
  sqlite3_stmt* begin = nullptr;
  sqlite3_stmt* commit = nullptr;
  sqlite3_stmt* rollback = nullptr;
  sqlite3_stmt* savepoint = nullptr;
  sqlite3_stmt* release = nullptr;
  sqlite3_stmt* rollback_to = nullptr;
  sqlite3_stmt* create_run = nullptr;
  sqlite3_stmt* finish_run = nullptr;
  sqlite3_stmt* set_run_status = nullptr;
  sqlite3_stmt* reopen_run = nullptr;
  sqlite3_stmt* run_exists = nullptr;
  sqlite3_stmt* get_run = nullptr;
  sqlite3_stmt* list_runs = nullptr;
  sqlite3_stmt* latest_run = nullptr;
  sqlite3_stmt* put_program = nullptr;
  sqlite3_stmt* get_program = nullptr;
  sqlite3_stmt* add_lineage = nullptr;
  sqlite3_stmt* get_lineage = nullptr;
  sqlite3_stmt* add_evaluation = nullptr;
  sqlite3_stmt* get_evaluations = nullptr;
  sqlite3_stmt* add_metric = nullptr;
  sqlite3_stmt* get_metrics = nullptr;
  sqlite3_stmt* add_improver = nullptr;
  sqlite3_stmt* get_improvers = nullptr;
  sqlite3_stmt* add_candidate = nullptr;
  sqlite3_stmt* get_candidates = nullptr;
  sqlite3_stmt* add_curve_point = nullptr;
  sqlite3_stmt* get_curve = nullptr;
  sqlite3_stmt* delete_improvers_after = nullptr;
  sqlite3_stmt* delete_candidates_after = nullptr;
  sqlite3_stmt* delete_curve_after = nullptr;
  // v3: audit chain
  sqlite3_stmt* get_audit_head = nullptr;
  sqlite3_stmt* add_event = nullptr;
  sqlite3_stmt* set_audit_head = nullptr;
  sqlite3_stmt* get_events = nullptr;
  // v3: control, progress, ownership
  sqlite3_stmt* set_control = nullptr;
  sqlite3_stmt* get_control = nullptr;
  sqlite3_stmt* set_progress = nullptr;
  sqlite3_stmt* get_owner = nullptr;
  sqlite3_stmt* set_owner = nullptr;
  sqlite3_stmt* heartbeat = nullptr;
  sqlite3_stmt* release_run = nullptr;
  // v3: items, checkpoints
  sqlite3_stmt* find_item_number = nullptr;
  sqlite3_stmt* next_item_number = nullptr;
  sqlite3_stmt* add_item = nullptr;
  sqlite3_stmt* get_item = nullptr;
  sqlite3_stmt* find_item = nullptr;
  sqlite3_stmt* get_items = nullptr;
  sqlite3_stmt* get_pending_items = nullptr;
  sqlite3_stmt* get_pending_items_all = nullptr;
  sqlite3_stmt* decide_item = nullptr;
  sqlite3_stmt* put_checkpoint = nullptr;
  sqlite3_stmt* get_checkpoint = nullptr;

  std::vector<sqlite3_stmt*> owned;  // every statement above that was prepared

  ~Statements() {
    for (sqlite3_stmt* s : owned) sqlite3_finalize(s);
  }
};

namespace {

// Binds by position and resets + clears the statement on every exit path. Text is bound with
// SQLITE_STATIC: the caller's strings outlive the step, and the bindings are cleared on reset.
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
  int BindTextOrNull(int i, const std::string& v) {
    return v.empty() ? sqlite3_bind_null(s_, i) : Bind(i, v);
  }
  int Step() { return sqlite3_step(s_); }

  std::string Text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s_, col));
    return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(s_, col))) : std::string();
  }
  int64_t Int(int col) const { return sqlite3_column_int64(s_, col); }
  double Real(int col) const { return sqlite3_column_double(s_, col); }
  // For the nullable REAL columns: SQLite stores a bound NaN as NULL, so NULL reads back as NaN.
  double RealOrNaN(int col) const {
    return sqlite3_column_type(s_, col) == SQLITE_NULL ? std::numeric_limits<double>::quiet_NaN()
                                                       : Real(col);
  }

 private:
  sqlite3_stmt* s_;
};

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

ItemRow ReadItem(const StmtUse& q, int first) {
  ItemRow r;
  r.item = q.Int(first);
  r.kind = q.Text(first + 1);
  r.key = q.Text(first + 2);
  r.summary = q.Text(first + 3);
  r.evidence_json = q.Text(first + 4);
  r.status = q.Text(first + 5);
  r.created_at = q.Text(first + 6);
  r.decided_by = q.Text(first + 7);
  r.decided_at = q.Text(first + 8);
  r.note = q.Text(first + 9);
  return r;
}

}  // namespace

void Store::Fail(const std::string& what) const {
  int code = db_ ? sqlite3_errcode(db_) & 0xff : SQLITE_NOMEM;
  std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
  if (code == SQLITE_NOTADB) throw Error(path_ + ": not an ouro run store (" + msg + ")");
  if (code == SQLITE_CORRUPT) throw Error(path_ + ": corrupt run store: " + what + ": " + msg);
  if (code == SQLITE_FULL)
    throw Error(path_ + ": run store full (disk full or size limit reached): " + what + ": " + msg);
  throw Error(path_ + ": " + what + ": " + msg);
}

void Store::Check(int rc, const char* what) const {
  if (rc != SQLITE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) Fail(what);
}

void Store::CheckInsert(int rc, const char* what, int64_t run_id, const std::string& key) const {
  if ((rc & 0xff) == SQLITE_CONSTRAINT) {
    int ext = sqlite3_extended_errcode(db_);
    std::string msg = sqlite3_errmsg(db_);
    if (ext == SQLITE_CONSTRAINT_PRIMARYKEY)
      throw Error(path_ + ": " + what + ": run " + std::to_string(run_id) + " already has " + key +
                  " (" + msg + ")");
    if (ext == SQLITE_CONSTRAINT_FOREIGNKEY)
      throw Error(path_ + ": " + what + ": no such run " + std::to_string(run_id) + " (" + msg +
                  ")");
  }
  Check(rc, what);
}

void Store::Exec(const char* sql, const char* what) {
  Check(sqlite3_exec(db_, sql, nullptr, nullptr, nullptr), what);
}

namespace {
struct Finalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using OwnedStmt = std::unique_ptr<sqlite3_stmt, Finalizer>;
}  // namespace

std::string Store::QueryText(const char* sql, const char* what) {
  sqlite3_stmt* raw = nullptr;
  Check(sqlite3_prepare_v2(db_, sql, -1, &raw, nullptr), what);
  OwnedStmt owned(raw);
  StmtUse q(raw);
  int rc = q.Step();
  Check(rc, what);
  return rc == SQLITE_ROW ? q.Text(0) : std::string();
}

int64_t Store::QueryInt(const char* sql, const char* what) {
  sqlite3_stmt* raw = nullptr;
  Check(sqlite3_prepare_v2(db_, sql, -1, &raw, nullptr), what);
  OwnedStmt owned(raw);
  StmtUse q(raw);
  int rc = q.Step();
  Check(rc, what);
  return rc == SQLITE_ROW ? q.Int(0) : 0;
}

std::unique_ptr<Store> Store::Open(const std::string& path) {
  return OpenImpl(path, kDefaultBusyTimeoutMs, /*create=*/true);
}

std::unique_ptr<Store> Store::Open(const std::string& path, int busy_timeout_ms) {
  return OpenImpl(path, busy_timeout_ms, /*create=*/true);
}

std::unique_ptr<Store> Store::OpenExisting(const std::string& path) {
  return OpenImpl(path, kDefaultBusyTimeoutMs, /*create=*/false);
}

std::unique_ptr<Store> Store::OpenImpl(const std::string& path, int busy_timeout_ms, bool create) {
  if (path.empty()) throw Error("run store path is empty");
  const bool memory = IsMemoryPath(path);
  if (!memory) PrecheckFile(path, create);

  std::unique_ptr<Store> s(new Store());
  s->path_ = path;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &s->db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    if (!s->db_) throw Error(path + ": cannot open: out of memory");
    s->Fail("cannot open");  // ~Store closes the handle
  }
  if (!memory && sqlite3_db_readonly(s->db_, "main") == 1)
    throw Error(path + ": cannot open for writing (read-only file or location)");
  s->SetBusyTimeout(busy_timeout_ms);

  // Read the version before anything that could write: a newer store must stay untouched.
  auto check_version = [&path](int64_t v) {
    if (v > kSchemaVersion)
      throw Error(path + ": run store schema version " + std::to_string(v) +
                  " is newer than this ouro supports (" + std::to_string(kSchemaVersion) +
                  "); use a newer ouro");
    if (v < 0)
      throw Error(path + ": not an ouro run store (schema version " + std::to_string(v) + ")");
  };
  constexpr const char* kForeign = ": not an ouro run store (an SQLite database with other tables)";
  // An existing store must hold the tables of its version; checked before anything could write.
  auto check_tables = [&path, &s, kForeign](int64_t v) {
    if (v == 1 && s->QueryInt(kTablesV1, "read schema") != kTableCountV1)
      throw Error(path + kForeign);
    if (v == 2 && s->QueryInt(kTablesV2, "read schema") != kTableCountV2)
      throw Error(path + kForeign);
    if (v == 3 && s->QueryInt(kTablesV3, "read schema") != kTableCountV3)
      throw Error(path + kForeign);
  };
  // The version and the tables are read in one read transaction: another process may be
  // creating the schema meanwhile, and two separate reads could see an empty version with the
  // new tables (and call a fresh store foreign).
  int64_t version = 0;
  s->Exec("BEGIN", "read schema");
  try {
    version = s->QueryInt("PRAGMA user_version", "read schema version");
    check_version(version);
    if (version == 0 && s->QueryInt("SELECT count(*) FROM sqlite_schema", "read schema") != 0)
      throw Error(path + kForeign);
    check_tables(version);
    s->Exec("COMMIT", "read schema");
  } catch (...) {
    if (!sqlite3_get_autocommit(s->db_)) sqlite3_exec(s->db_, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }

  if (!memory) {
    // Switching to WAL needs the file to itself for a moment, and SQLite reports "locked" at once
    // (without the busy handler) while another process opens the same fresh store: retried
    // until the busy timeout. Once a store is in WAL mode the switch is a no-op.
    const auto give_up =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(busy_timeout_ms, 0));
    std::string mode;
    for (;;) {
      sqlite3_stmt* raw = nullptr;
      s->Check(sqlite3_prepare_v2(s->db_, "PRAGMA journal_mode=WAL", -1, &raw, nullptr),
               "set WAL journal mode");
      OwnedStmt owned(raw);
      const int rc = sqlite3_step(raw);
      if (rc == SQLITE_ROW) {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(raw, 0));
        mode = text ? text : "";
        break;
      }
      const int code = rc & 0xff;
      if ((code != SQLITE_BUSY && code != SQLITE_LOCKED) || std::chrono::steady_clock::now() >= give_up)
        s->Check(rc, "set WAL journal mode");
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (mode != "wal")
      throw Error(path + ": cannot switch to WAL journal mode (got \"" + mode + "\")");
  }
  s->Exec("PRAGMA synchronous=NORMAL", "set synchronous mode");
  s->Exec("PRAGMA foreign_keys=ON", "enable foreign keys");

  if (version != 0 && !memory) {
    // quick_check reads every page, so it only runs while that stays cheap; corruption in a
    // bigger store still surfaces as an Error from the statement that reads the damaged page.
    // It runs before an upgrade, so a damaged store is not written to.
    std::error_code ec;
    uintmax_t size = std::filesystem::file_size(path, ec);
    if (!ec && size <= kQuickCheckMaxBytes) {
      std::string result = s->QueryText("PRAGMA quick_check(1)", "quick_check");
      if (result != "ok") {
        for (char& c : result)
          if (c == '\n') c = ' ';  // the report can span lines; the Error is one line
        throw Error(path + ": corrupt run store: " + result);
      }
    }
  }

  if (version < kSchemaVersion) {
    // Create or upgrade the schema under the write lock; another process may have done it
    // meanwhile, so the version is read again once the lock is held. A fresh store gets every
    // version's tables in this one transaction and is never seen at an older version.
    const char* what = version == 0 ? "create schema" : "upgrade schema";
    s->Exec("BEGIN IMMEDIATE", what);
    try {
      version = s->QueryInt("PRAGMA user_version", "read schema version");
      check_version(version);
      const int64_t found = version;
      if (version == 0) {
        if (s->QueryInt("SELECT count(*) FROM sqlite_schema", "read schema") != 0)
          throw Error(path + kForeign);
        s->Exec(kSchemaV1, what);
        version = 1;
      } else {
        check_tables(version);
      }
      if (version == 1) {
        s->Exec(kSchemaV2, what);
        version = 2;
      }
      if (version == 2) {
        s->Exec(kSchemaV3, what);
        version = 3;
      }
      if (version != found) {
        const std::string set = "PRAGMA user_version = " + std::to_string(version);
        s->Exec(set.c_str(), "set schema version");
      }
      s->Exec("COMMIT", what);
    } catch (...) {
      if (!sqlite3_get_autocommit(s->db_)) sqlite3_exec(s->db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }

  // Preparing every statement also validates that the tables and columns are the expected ones.
  s->stmts_ = std::make_unique<Statements>();
  Statements& t = *s->stmts_;
  auto prep = [&s, &t](sqlite3_stmt** out, const std::string& sql) {
    if (sqlite3_prepare_v3(s->db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, out, nullptr) !=
        SQLITE_OK)
      s->Fail("not an ouro run store (prepare \"" + sql.substr(0, 40) + "...\")");
    t.owned.push_back(*out);
  };
  const std::string item_cols = kItemColumns;
  const std::string run_cols = kRunColumns;
  prep(&t.begin, "BEGIN IMMEDIATE");
  prep(&t.commit, "COMMIT");
  prep(&t.rollback, "ROLLBACK");
  prep(&t.savepoint, "SAVEPOINT ouro_write");
  prep(&t.release, "RELEASE ouro_write");
  prep(&t.rollback_to, "ROLLBACK TO ouro_write");
  prep(&t.create_run,
       "INSERT INTO runs(kind, status, created_at, seed, config_json) VALUES(?, 'running', ?, ?, ?)");
  prep(&t.finish_run, "UPDATE runs SET status = ?, finished_at = ?, summary_json = ? WHERE id = ?");
  prep(&t.set_run_status, "UPDATE runs SET status = ? WHERE id = ?");
  prep(&t.reopen_run,
       "UPDATE runs SET status = 'running', finished_at = NULL, control = 'run', control_at = ? "
       "WHERE id = ?");
  prep(&t.run_exists, "SELECT 1 FROM runs WHERE id = ?");
  prep(&t.get_run, "SELECT " + run_cols + " FROM runs WHERE id = ?");
  prep(&t.list_runs, "SELECT " + run_cols + " FROM runs ORDER BY id");
  prep(&t.latest_run, "SELECT " + run_cols + " FROM runs ORDER BY id DESC LIMIT 1");
  prep(&t.put_program, "INSERT OR IGNORE INTO programs(hash, text) VALUES(?, ?)");
  prep(&t.get_program, "SELECT text FROM programs WHERE hash = ?");
  prep(&t.add_lineage,
       "INSERT INTO lineage(run_id, individual, child_hash, parent_hash, mutation, fitness) "
       "VALUES(?, ?, ?, ?, ?, ?)");
  prep(&t.get_lineage,
       "SELECT child_hash, parent_hash, individual, mutation, fitness FROM lineage "
       "WHERE run_id = ? ORDER BY individual, rowid");
  prep(&t.add_evaluation,
       "INSERT INTO evaluations(run_id, program_hash, task_set, fitness, detail_json, created_at) "
       "VALUES(?, ?, ?, ?, ?, ?)");
  prep(&t.get_evaluations,
       "SELECT program_hash, fitness FROM evaluations WHERE run_id = ? AND task_set = ? "
       "ORDER BY rowid");
  prep(&t.add_metric,
       "INSERT INTO metrics(run_id, seconds, individuals, evaluations, best_fitness, "
       "cache_hit_rate, experiment) VALUES(?, ?, ?, ?, ?, ?, ?)");
  prep(&t.get_metrics,
       "SELECT seconds, individuals, evaluations, best_fitness, cache_hit_rate, experiment "
       "FROM metrics WHERE run_id = ? ORDER BY rowid");
  prep(&t.add_improver,
       "INSERT INTO improvers(run_id, generation, hash, parent_hash, spec_json, meta_utility, "
       "evidence_json) VALUES(?, ?, ?, ?, ?, ?, ?)");
  prep(&t.get_improvers,
       "SELECT generation, hash, parent_hash, spec_json, meta_utility, evidence_json "
       "FROM improvers WHERE run_id = ? ORDER BY generation");
  prep(&t.add_candidate,
       "INSERT INTO candidates(run_id, generation, idx, hash, meta_operator, decision, llr, wins, "
       "losses, draws, meta_utility, spec_json, evidence_json) "
       "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  prep(&t.get_candidates,
       "SELECT generation, idx, hash, meta_operator, decision, llr, wins, losses, draws, "
       "meta_utility, spec_json, evidence_json FROM candidates WHERE run_id = ? "
       "ORDER BY generation, idx");
  prep(&t.add_curve_point,
       "INSERT INTO curve(run_id, generation, cumulative_evaluations, seconds, point_json) "
       "VALUES(?, ?, ?, ?, ?)");
  prep(&t.get_curve,
       "SELECT generation, cumulative_evaluations, seconds, point_json FROM curve "
       "WHERE run_id = ? ORDER BY generation");
  prep(&t.delete_improvers_after, "DELETE FROM improvers WHERE run_id = ? AND generation > ?");
  prep(&t.delete_candidates_after, "DELETE FROM candidates WHERE run_id = ? AND generation > ?");
  prep(&t.delete_curve_after, "DELETE FROM curve WHERE run_id = ? AND generation > ?");

  prep(&t.get_audit_head, "SELECT audit_count, audit_head FROM runs WHERE id = ?");
  prep(&t.add_event,
       "INSERT INTO events(run_id, seq, at, type, actor, content_json, prev_hash, hash) "
       "VALUES(?, ?, ?, ?, ?, ?, ?, ?)");
  prep(&t.set_audit_head, "UPDATE runs SET audit_count = ?, audit_head = ? WHERE id = ?");
  prep(&t.get_events,
       "SELECT seq, at, type, actor, content_json, prev_hash, hash FROM events WHERE run_id = ? "
       "ORDER BY seq");

  prep(&t.set_control, "UPDATE runs SET control = ?, control_at = ? WHERE id = ?");
  prep(&t.get_control, "SELECT control FROM runs WHERE id = ?");
  prep(&t.set_progress, "UPDATE runs SET progress_json = ? WHERE id = ?");
  prep(&t.get_owner,
       "SELECT owner_pid, owner_host, "
       "coalesce(max(0.0, (julianday('now') - julianday(heartbeat_at)) * 86400.0), -1.0) "
       "FROM runs WHERE id = ?");
  prep(&t.set_owner,
       "UPDATE runs SET owner_pid = ?, owner_host = ?, heartbeat_at = ? WHERE id = ?");
  prep(&t.heartbeat,
       "UPDATE runs SET heartbeat_at = ? WHERE id = ? AND owner_pid = ? AND owner_host = ?");
  prep(&t.release_run,
       "UPDATE runs SET owner_pid = NULL, owner_host = NULL "
       "WHERE id = ? AND owner_pid = ? AND owner_host = ?");

  prep(&t.find_item_number, "SELECT item FROM items WHERE run_id = ? AND key = ?");
  prep(&t.next_item_number, "SELECT coalesce(max(item), 0) + 1 FROM items WHERE run_id = ?");
  prep(&t.add_item,
       "INSERT INTO items(run_id, item, kind, key, summary, evidence_json, status, created_at) "
       "VALUES(?, ?, ?, ?, ?, ?, 'pending', ?)");
  prep(&t.get_item, "SELECT " + item_cols + " FROM items WHERE run_id = ? AND item = ?");
  prep(&t.find_item, "SELECT " + item_cols + " FROM items WHERE run_id = ? AND key = ?");
  prep(&t.get_items, "SELECT " + item_cols + " FROM items WHERE run_id = ? ORDER BY item");
  prep(&t.get_pending_items,
       "SELECT " + item_cols + " FROM items WHERE run_id = ? AND status = 'pending' ORDER BY item");
  prep(&t.get_pending_items_all,
       "SELECT run_id, " + item_cols +
           " FROM items WHERE status = 'pending' ORDER BY run_id, item");
  prep(&t.decide_item,
       "UPDATE items SET status = ?, decided_by = ?, decided_at = ?, note = ? "
       "WHERE run_id = ? AND item = ? AND status = 'pending'");
  prep(&t.put_checkpoint,
       "INSERT INTO checkpoints(run_id, generation, state_json, written_at) VALUES(?, ?, ?, ?) "
       "ON CONFLICT(run_id) DO UPDATE SET generation = excluded.generation, "
       "state_json = excluded.state_json, written_at = excluded.written_at");
  prep(&t.get_checkpoint, "SELECT generation, state_json FROM checkpoints WHERE run_id = ?");
  return s;
}

Store::~Store() {
  stmts_.reset();  // finalize before close
  if (db_) sqlite3_close_v2(db_);  // rolls back an open transaction
}

void Store::SetBusyTimeout(int ms) { Check(sqlite3_busy_timeout(db_, ms < 0 ? 0 : ms), "set busy timeout"); }

bool Store::in_transaction() const { return sqlite3_get_autocommit(db_) == 0; }

void Store::Begin() {
  StmtUse q(stmts_->begin);
  Check(q.Step(), "begin transaction");
}

void Store::Commit() {
  StmtUse q(stmts_->commit);
  Check(q.Step(), "commit");
}

void Store::Rollback() {
  if (sqlite3_get_autocommit(db_)) return;  // SQLite already rolled back (e.g. after disk full)
  StmtUse q(stmts_->rollback);
  Check(q.Step(), "rollback");
}

int64_t Store::CreateRun(const std::string& kind, uint64_t seed, const std::string& config_json) {
  ValidateJson(path_, config_json, "run config");
  std::string now = NowIso8601();
  StmtUse q(stmts_->create_run);
  q.Bind(1, kind);
  q.Bind(2, now);
  q.Bind(3, std::bit_cast<int64_t>(seed));
  q.Bind(4, config_json);
  Check(q.Step(), "create run");
  return sqlite3_last_insert_rowid(db_);
}

void Store::FinishRun(int64_t run_id, const std::string& status, const std::string& summary_json) {
  ValidateJson(path_, summary_json, "run summary");
  std::string now = NowIso8601();
  StmtUse q(stmts_->finish_run);
  q.Bind(1, status);
  q.Bind(2, now);
  q.Bind(3, summary_json);
  q.Bind(4, run_id);
  Check(q.Step(), "finish run");
  if (sqlite3_changes(db_) == 0)
    throw Error(path_ + ": finish run " + std::to_string(run_id) + ": no such run");
}

void Store::SetRunStatus(int64_t run_id, const std::string& status) {
  StmtUse q(stmts_->set_run_status);
  q.Bind(1, status);
  q.Bind(2, run_id);
  Check(q.Step(), "set run status");
  if (sqlite3_changes(db_) == 0)
    throw Error(path_ + ": set run status " + std::to_string(run_id) + ": no such run");
}

std::optional<RunInfo> Store::GetRun(int64_t run_id) {
  StmtUse q(stmts_->get_run);
  q.Bind(1, run_id);
  int rc = q.Step();
  Check(rc, "get run");
  if (rc != SQLITE_ROW) return std::nullopt;
  return ReadRun(q);
}

std::vector<RunInfo> Store::ListRuns() {
  std::vector<RunInfo> out;
  StmtUse q(stmts_->list_runs);
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) out.push_back(ReadRun(q));
  Check(rc, "list runs");
  return out;
}

std::optional<RunInfo> Store::LatestRun() {
  StmtUse q(stmts_->latest_run);
  int rc = q.Step();
  Check(rc, "latest run");
  if (rc != SQLITE_ROW) return std::nullopt;
  return ReadRun(q);
}

void Store::PutProgram(const std::string& hash, const std::string& text) {
  StmtUse q(stmts_->put_program);
  q.Bind(1, hash);
  q.Bind(2, text);
  Check(q.Step(), "put program");
}

std::optional<std::string> Store::GetProgram(const std::string& hash) {
  StmtUse q(stmts_->get_program);
  q.Bind(1, hash);
  int rc = q.Step();
  Check(rc, "get program");
  if (rc != SQLITE_ROW) return std::nullopt;
  return q.Text(0);
}

void Store::AddLineage(int64_t run_id, const LineageRow& row) {
  StmtUse q(stmts_->add_lineage);
  q.Bind(1, run_id);
  q.Bind(2, row.individual);
  q.Bind(3, row.child_hash);
  q.BindTextOrNull(4, row.parent_hash);
  q.Bind(5, row.mutation);
  q.Bind(6, row.fitness);
  Check(q.Step(), "add lineage");
}

std::vector<LineageRow> Store::GetLineage(int64_t run_id) {
  std::vector<LineageRow> out;
  StmtUse q(stmts_->get_lineage);
  q.Bind(1, run_id);
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    LineageRow r;
    r.child_hash = q.Text(0);
    r.parent_hash = q.Text(1);
    r.individual = q.Int(2);
    r.mutation = q.Text(3);
    r.fitness = q.Real(4);
    out.push_back(std::move(r));
  }
  Check(rc, "get lineage");
  return out;
}

void Store::AddEvaluation(int64_t run_id, const std::string& program_hash,
                          const std::string& task_set, double fitness,
                          const std::string& detail_json) {
  std::string now = NowIso8601();
  StmtUse q(stmts_->add_evaluation);
  q.Bind(1, run_id);
  q.Bind(2, program_hash);
  q.Bind(3, task_set);
  q.Bind(4, fitness);
  q.BindTextOrNull(5, detail_json);
  q.Bind(6, now);
  Check(q.Step(), "add evaluation");
}

std::vector<std::pair<std::string, double>> Store::GetEvaluations(int64_t run_id,
                                                                  const std::string& task_set) {
  std::vector<std::pair<std::string, double>> out;
  StmtUse q(stmts_->get_evaluations);
  q.Bind(1, run_id);
  q.Bind(2, task_set);
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) out.emplace_back(q.Text(0), q.Real(1));
  Check(rc, "get evaluations");
  return out;
}

void Store::AddMetric(int64_t run_id, const MetricRow& row) {
  StmtUse q(stmts_->add_metric);
  q.Bind(1, run_id);
  q.Bind(2, row.seconds);
  q.Bind(3, row.individuals);
  q.Bind(4, row.evaluations);
  q.Bind(5, row.best_fitness);
  q.Bind(6, row.cache_hit_rate);
  q.Bind(7, row.experiment);
  Check(q.Step(), "add metric");
}

std::vector<MetricRow> Store::GetMetrics(int64_t run_id) {
  std::vector<MetricRow> out;
  StmtUse q(stmts_->get_metrics);
  q.Bind(1, run_id);
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    MetricRow r;
    r.seconds = q.Real(0);
    r.individuals = q.Int(1);
    r.evaluations = q.Int(2);
    r.best_fitness = q.Real(3);
    r.cache_hit_rate = q.Real(4);
    r.experiment = static_cast<int>(q.Int(5));
    out.push_back(r);
  }
  Check(rc, "get metrics");
  return out;
}


void Store::AddImprover(int64_t run_id, const ImproverRow& row) {
  RequireJson(path_, row.spec_json, "improver spec");
  ValidateJson(path_, row.evidence_json, "improver evidence");
  StmtUse q(stmts_->add_improver);
  q.Bind(1, run_id);
  q.Bind(2, row.generation);
  q.Bind(3, row.hash);
  q.BindTextOrNull(4, row.parent_hash);
  q.Bind(5, row.spec_json);
  q.Bind(6, row.meta_utility);
  q.BindTextOrNull(7, row.evidence_json);
  CheckInsert(q.Step(), "add improver", run_id,
              "an improver for generation " + std::to_string(row.generation));
}

std::vector<ImproverRow> Store::GetImprovers(int64_t run_id) {
  std::vector<ImproverRow> out;
  StmtUse q(stmts_->get_improvers);
  q.Bind(1, run_id);
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    ImproverRow r;
    r.generation = static_cast<int>(q.Int(0));
    r.hash = q.Text(1);
    r.parent_hash = q.Text(2);
    r.spec_json = q.Text(3);
    r.meta_utility = q.RealOrNaN(4);
    r.evidence_json = q.Text(5);
    out.push_back(std::move(r));
  }
  Check(rc, "get improvers");
  return out;
}

void Store::AddCandidate(int64_t run_id, const CandidateRow& row) {
  ValidateJson(path_, row.spec_json, "candidate spec");
  ValidateJson(path_, row.evidence_json, "candidate evidence");
  StmtUse q(stmts_->add_candidate);
  q.Bind(1, run_id);
  q.Bind(2, row.generation);
  q.Bind(3, row.idx);
  q.Bind(4, row.hash);
  q.Bind(5, row.meta_operator);
  q.Bind(6, row.decision);
  q.Bind(7, row.llr);
  q.Bind(8, row.wins);
  q.Bind(9, row.losses);
  q.Bind(10, row.draws);
  q.Bind(11, row.meta_utility);
  q.BindTextOrNull(12, row.spec_json);
  q.BindTextOrNull(13, row.evidence_json);
  CheckInsert(q.Step(), "add candidate", run_id,
              "candidate " + std::to_string(row.idx) + " of generation " +
                  std::to_string(row.generation));
}

std::vector<CandidateRow> Store::GetCandidates(int64_t run_id) {
  std::vector<CandidateRow> out;
  StmtUse q(stmts_->get_candidates);
  q.Bind(1, run_id);
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    CandidateRow r;
    r.generation = static_cast<int>(q.Int(0));
    r.idx = static_cast<int>(q.Int(1));
    r.hash = q.Text(2);
    r.meta_operator = q.Text(3);
    r.decision = q.Text(4);
    r.llr = q.RealOrNaN(5);
    r.wins = q.Int(6);
    r.losses = q.Int(7);
    r.draws = q.Int(8);
    r.meta_utility = q.RealOrNaN(9);
    r.spec_json = q.Text(10);
    r.evidence_json = q.Text(11);
    out.push_back(std::move(r));
  }
  Check(rc, "get candidates");
  return out;
}

void Store::AddCurvePoint(int64_t run_id, const CurveRow& row) {
  RequireJson(path_, row.point_json, "curve point");
  StmtUse q(stmts_->add_curve_point);
  q.Bind(1, run_id);
  q.Bind(2, row.generation);
  q.Bind(3, row.cumulative_evaluations);
  q.Bind(4, row.seconds);
  q.Bind(5, row.point_json);
  CheckInsert(q.Step(), "add curve point", run_id,
              "a curve point for generation " + std::to_string(row.generation));
}

std::vector<CurveRow> Store::GetCurve(int64_t run_id) {
  std::vector<CurveRow> out;
  StmtUse q(stmts_->get_curve);
  q.Bind(1, run_id);
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    CurveRow r;
    r.generation = static_cast<int>(q.Int(0));
    r.cumulative_evaluations = q.Int(1);
    r.seconds = q.RealOrNaN(2);
    r.point_json = q.Text(3);
    out.push_back(std::move(r));
  }
  Check(rc, "get curve");
  return out;
}

// ---- v3: write scopes, resume, audit chain, control, ownership, items, checkpoints ----------

class Store::WriteScope {
 public:
  WriteScope(Store& s, const char* what) : s_(s), own_(!s.in_transaction()) {
    StmtUse q(own_ ? s_.stmts_->begin : s_.stmts_->savepoint);
    s_.Check(q.Step(), what);
  }
  ~WriteScope() {
    if (done_) return;
    // Errors are ignored: after some failures (e.g. disk full) SQLite has already rolled back.
    if (own_) {
      if (!sqlite3_get_autocommit(s_.db_)) {
        StmtUse q(s_.stmts_->rollback);
        q.Step();
      }
    } else if (!sqlite3_get_autocommit(s_.db_)) {
      StmtUse undo(s_.stmts_->rollback_to);
      undo.Step();
      StmtUse rel(s_.stmts_->release);
      rel.Step();
    }
  }
  WriteScope(const WriteScope&) = delete;
  WriteScope& operator=(const WriteScope&) = delete;
  void Commit(const char* what) {
    StmtUse q(own_ ? s_.stmts_->commit : s_.stmts_->release);
    s_.Check(q.Step(), what);
    done_ = true;
  }

 private:
  Store& s_;
  const bool own_;
  bool done_ = false;
};

int64_t Store::SetMaxPages(int64_t pages) {
  const std::string sql = "PRAGMA max_page_count = " + std::to_string(pages < 1 ? 1 : pages);
  return QueryInt(sql.c_str(), "set max page count");
}

void Store::RequireRun(int64_t run_id, const char* what) {
  StmtUse q(stmts_->run_exists);
  q.Bind(1, run_id);
  int rc = q.Step();
  Check(rc, what);
  if (rc != SQLITE_ROW)
    throw Error(path_ + ": " + what + ": no such run " + std::to_string(run_id));
}

void Store::TruncateRsiRows(int64_t run_id, int after_generation) {
  WriteScope w(*this, "truncate rsi rows");
  RequireRun(run_id, "truncate rsi rows");
  for (sqlite3_stmt* st : {stmts_->delete_improvers_after, stmts_->delete_candidates_after,
                           stmts_->delete_curve_after}) {
    StmtUse q(st);
    q.Bind(1, run_id);
    q.Bind(2, after_generation);
    Check(q.Step(), "truncate rsi rows");
  }
  w.Commit("truncate rsi rows");
}

void Store::ReopenRun(int64_t run_id) {
  std::string now = NowIso8601Millis();
  StmtUse q(stmts_->reopen_run);
  q.Bind(1, now);
  q.Bind(2, run_id);
  Check(q.Step(), "reopen run");
  if (sqlite3_changes(db_) == 0)
    throw Error(path_ + ": reopen run " + std::to_string(run_id) + ": no such run");
}

EventRow Store::AppendEvent(int64_t run_id, const std::string& type, const std::string& actor,
                            const std::string& content_json) {
  RequireJson(path_, content_json, "event content");
  WriteScope w(*this, "append event");
  EventRow e;
  {
    StmtUse q(stmts_->get_audit_head);
    q.Bind(1, run_id);
    int rc = q.Step();
    Check(rc, "append event");
    if (rc != SQLITE_ROW)
      throw Error(path_ + ": append event: no such run " + std::to_string(run_id));
    e.seq = q.Int(0) + 1;
    e.prev_hash = q.Text(1);
  }
  if (e.prev_hash.empty()) e.prev_hash = oversight::kGenesisHash;
  e.at = NowIso8601Millis();
  e.type = type;
  e.actor = actor;
  e.content_json = content_json;
  e.hash = oversight::EventHash(run_id, e);
  {
    StmtUse q(stmts_->add_event);
    q.Bind(1, run_id);
    q.Bind(2, e.seq);
    q.Bind(3, e.at);
    q.Bind(4, e.type);
    q.Bind(5, e.actor);
    q.Bind(6, e.content_json);
    q.Bind(7, e.prev_hash);
    q.Bind(8, e.hash);
    // A taken seq means the head disagrees with the events table (a damaged chain).
    CheckInsert(q.Step(), "append event", run_id,
                "event " + std::to_string(e.seq) + " (its audit head is out of step)");
  }
  {
    StmtUse q(stmts_->set_audit_head);
    q.Bind(1, e.seq);
    q.Bind(2, e.hash);
    q.Bind(3, run_id);
    Check(q.Step(), "append event");
  }
  w.Commit("append event");
  return e;
}

std::vector<EventRow> Store::GetEvents(int64_t run_id) {
  std::vector<EventRow> out;
  StmtUse q(stmts_->get_events);
  q.Bind(1, run_id);
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    EventRow e;
    e.seq = q.Int(0);
    e.at = q.Text(1);
    e.type = q.Text(2);
    e.actor = q.Text(3);
    e.content_json = q.Text(4);
    e.prev_hash = q.Text(5);
    e.hash = q.Text(6);
    out.push_back(std::move(e));
  }
  Check(rc, "get events");
  return out;
}

std::optional<std::pair<int64_t, std::string>> Store::GetAuditHead(int64_t run_id) {
  StmtUse q(stmts_->get_audit_head);
  q.Bind(1, run_id);
  int rc = q.Step();
  Check(rc, "get audit head");
  if (rc != SQLITE_ROW) return std::nullopt;
  const int64_t count = q.Int(0);
  std::string head = q.Text(1);
  if (head.empty() && count == 0) head = oversight::kGenesisHash;
  return std::make_pair(count, std::move(head));
}

void Store::SetControl(int64_t run_id, const std::string& control) {
  if (control != "run" && control != "pause" && control != "stop")
    throw Error(path_ + ": set control: '" + control + "' is not one of run, pause, stop");
  std::string now = NowIso8601Millis();
  StmtUse q(stmts_->set_control);
  q.Bind(1, control);
  q.Bind(2, now);
  q.Bind(3, run_id);
  Check(q.Step(), "set control");
  if (sqlite3_changes(db_) == 0)
    throw Error(path_ + ": set control: no such run " + std::to_string(run_id));
}

std::string Store::GetControl(int64_t run_id) {
  StmtUse q(stmts_->get_control);
  q.Bind(1, run_id);
  int rc = q.Step();
  Check(rc, "get control");
  if (rc != SQLITE_ROW) throw Error(path_ + ": get control: no such run " + std::to_string(run_id));
  return q.Text(0);
}

void Store::SetProgress(int64_t run_id, const std::string& json) {
  ValidateJson(path_, json, "run progress");
  StmtUse q(stmts_->set_progress);
  q.BindTextOrNull(1, json);
  q.Bind(2, run_id);
  Check(q.Step(), "set progress");
  if (sqlite3_changes(db_) == 0)
    throw Error(path_ + ": set progress: no such run " + std::to_string(run_id));
}

std::string Store::HostName() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "unknown-host";
  return buf;
}

void Store::ClaimRun(int64_t run_id, double lease_seconds) {
  const int64_t me = ::getpid();
  const std::string host = HostName();
  WriteScope w(*this, "claim run");
  {
    StmtUse q(stmts_->get_owner);
    q.Bind(1, run_id);
    int rc = q.Step();
    Check(rc, "claim run");
    if (rc != SQLITE_ROW) throw Error(path_ + ": claim run: no such run " + std::to_string(run_id));
    if (sqlite3_column_type(stmts_->get_owner, 0) != SQLITE_NULL) {
      const int64_t pid = q.Int(0);
      const std::string owner_host = q.Text(1);
      const double age = q.Real(2);
      const bool us = pid == me && owner_host == host;
      const bool live = !us && OwnerAlive(pid, owner_host, age, lease_seconds);
      if (live)
        throw Error(path_ + ": run " + std::to_string(run_id) + " is being written by process " +
                    std::to_string(pid) + " on host " + owner_host + " (heartbeat " +
                    Seconds1(age) + " s ago); stop it first or wait");
    }
  }
  {
    std::string now = NowIso8601Millis();
    StmtUse q(stmts_->set_owner);
    q.Bind(1, me);
    q.Bind(2, host);
    q.Bind(3, now);
    q.Bind(4, run_id);
    Check(q.Step(), "claim run");
  }
  w.Commit("claim run");
}

void Store::Heartbeat(int64_t run_id) {
  const int64_t me = ::getpid();
  const std::string host = HostName();
  {
    std::string now = NowIso8601Millis();
    StmtUse q(stmts_->heartbeat);
    q.Bind(1, now);
    q.Bind(2, run_id);
    q.Bind(3, me);
    q.Bind(4, host);
    Check(q.Step(), "heartbeat");
    if (sqlite3_changes(db_) == 1) return;
  }
  StmtUse q(stmts_->get_owner);
  q.Bind(1, run_id);
  int rc = q.Step();
  Check(rc, "heartbeat");
  const std::string run = "run " + std::to_string(run_id);
  if (rc != SQLITE_ROW) throw Error(path_ + ": heartbeat: no such run " + std::to_string(run_id));
  if (sqlite3_column_type(stmts_->get_owner, 0) == SQLITE_NULL)
    throw Error(path_ + ": " + run + " is no longer claimed by this process (it was released)");
  throw Error(path_ + ": " + run + " was taken over by process " + std::to_string(q.Int(0)) +
              " on host " + q.Text(1));
}

void Store::ReleaseRun(int64_t run_id) {
  const int64_t me = ::getpid();
  const std::string host = HostName();
  StmtUse q(stmts_->release_run);
  q.Bind(1, run_id);
  q.Bind(2, me);
  q.Bind(3, host);
  Check(q.Step(), "release run");
  if (sqlite3_changes(db_) == 0) RequireRun(run_id, "release run");
}

int64_t Store::AddItem(int64_t run_id, const std::string& kind, const std::string& key,
                       const std::string& summary, const std::string& evidence_json) {
  if (key.empty()) throw Error(path_ + ": add item: the key is empty");
  ValidateJson(path_, evidence_json, "item evidence");
  WriteScope w(*this, "add item");
  {
    StmtUse q(stmts_->find_item_number);
    q.Bind(1, run_id);
    q.Bind(2, key);
    int rc = q.Step();
    Check(rc, "add item");
    if (rc == SQLITE_ROW) {
      const int64_t existing = q.Int(0);
      w.Commit("add item");
      return existing;
    }
  }
  int64_t item = 0;
  {
    StmtUse q(stmts_->next_item_number);
    q.Bind(1, run_id);
    Check(q.Step(), "add item");
    item = q.Int(0);
  }
  {
    std::string now = NowIso8601();
    StmtUse q(stmts_->add_item);
    q.Bind(1, run_id);
    q.Bind(2, item);
    q.Bind(3, kind);
    q.Bind(4, key);
    q.Bind(5, summary);
    q.BindTextOrNull(6, evidence_json);
    q.Bind(7, now);
    CheckInsert(q.Step(), "add item", run_id, "item " + std::to_string(item));
  }
  w.Commit("add item");
  return item;
}

std::optional<ItemRow> Store::GetItem(int64_t run_id, int64_t item) {
  StmtUse q(stmts_->get_item);
  q.Bind(1, run_id);
  q.Bind(2, item);
  int rc = q.Step();
  Check(rc, "get item");
  if (rc != SQLITE_ROW) return std::nullopt;
  return ReadItem(q, 0);
}

std::optional<ItemRow> Store::FindItem(int64_t run_id, const std::string& key) {
  StmtUse q(stmts_->find_item);
  q.Bind(1, run_id);
  q.Bind(2, key);
  int rc = q.Step();
  Check(rc, "find item");
  if (rc != SQLITE_ROW) return std::nullopt;
  return ReadItem(q, 0);
}

std::vector<ItemRow> Store::GetItems(int64_t run_id, bool pending_only) {
  std::vector<ItemRow> out;
  StmtUse q(pending_only ? stmts_->get_pending_items : stmts_->get_items);
  q.Bind(1, run_id);
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) out.push_back(ReadItem(q, 0));
  Check(rc, "get items");
  return out;
}

std::vector<std::pair<int64_t, ItemRow>> Store::GetPendingItemsAllRuns() {
  std::vector<std::pair<int64_t, ItemRow>> out;
  StmtUse q(stmts_->get_pending_items_all);
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) out.emplace_back(q.Int(0), ReadItem(q, 1));
  Check(rc, "get pending items");
  return out;
}

void Store::DecideItem(int64_t run_id, int64_t item, bool approve, const std::string& actor,
                       const std::string& note) {
  const std::string what = "item " + std::to_string(item) + " of run " + std::to_string(run_id);
  if (actor.empty()) throw Error(path_ + ": decide " + what + ": the actor is empty");
  WriteScope w(*this, "decide item");
  std::optional<ItemRow> row = GetItem(run_id, item);
  if (!row) {
    RequireRun(run_id, "decide item");
    throw Error(path_ + ": decide item: run " + std::to_string(run_id) + " has no item " +
                std::to_string(item));
  }
  if (row->status != "pending")
    throw Error(path_ + ": " + what + " was already " + row->status + " by " + row->decided_by +
                " at " + row->decided_at);
  {
    std::string now = NowIso8601Millis();
    const std::string status = approve ? "approved" : "rejected";
    StmtUse q(stmts_->decide_item);
    q.Bind(1, status);
    q.Bind(2, actor);
    q.Bind(3, now);
    q.BindTextOrNull(4, note);
    q.Bind(5, run_id);
    q.Bind(6, item);
    Check(q.Step(), "decide item");
    OURO_CHECK(sqlite3_changes(db_) == 1);  // read as pending under the write lock just above
  }
  w.Commit("decide item");
}

void Store::PutCheckpoint(int64_t run_id, int generation, const std::string& state_json) {
  RequireJson(path_, state_json, "checkpoint state");
  std::string now = NowIso8601Millis();
  StmtUse q(stmts_->put_checkpoint);
  q.Bind(1, run_id);
  q.Bind(2, generation);
  q.Bind(3, state_json);
  q.Bind(4, now);
  CheckInsert(q.Step(), "put checkpoint", run_id, "a checkpoint");
}

std::optional<std::pair<int, std::string>> Store::GetCheckpoint(int64_t run_id) {
  StmtUse q(stmts_->get_checkpoint);
  q.Bind(1, run_id);
  int rc = q.Step();
  Check(rc, "get checkpoint");
  if (rc != SQLITE_ROW) return std::nullopt;
  return std::make_pair(static_cast<int>(q.Int(0)), q.Text(1));
}

}  // namespace ouro::store
