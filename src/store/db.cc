// store/db.cc — the connection core: opening, WAL, transactions, statements, errors.
#include "store/db.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <system_error>
#include <thread>

#include "core/error.h"

namespace ouro::store {

namespace {

// PRAGMA quick_check reads every page; run it on open only while that stays in the milliseconds.
constexpr uintmax_t kQuickCheckMaxBytes = 8u << 20;  // ~30 ms

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

struct Finalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using OwnedStmt = std::unique_ptr<sqlite3_stmt, Finalizer>;

std::string FormatNow(bool millis) {
  const auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  if (!millis) {
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch());
  size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(ms.count() % 1000));
  return buf;
}

}  // namespace

std::unique_ptr<Db> Db::Connect(const std::string& path, int busy_timeout_ms, bool create) {
  if (path.empty()) throw Error("run store path is empty");
  std::unique_ptr<Db> db(new Db(path));
  if (!db->memory()) PrecheckFile(path, create);
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &db->db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    if (!db->db_) throw Error(path + ": cannot open: out of memory");
    db->Fail("cannot open");  // ~Db closes the handle
  }
  if (!db->memory() && sqlite3_db_readonly(db->db_, "main") == 1)
    throw Error(path + ": cannot open for writing (read-only file or location)");
  db->SetBusyTimeout(busy_timeout_ms);
  return db;
}

Db::~Db() {
  for (sqlite3_stmt* s : owned_) sqlite3_finalize(s);  // finalize before close
  if (db_) sqlite3_close_v2(db_);  // rolls back an open transaction
}

void Db::UseWal(int busy_timeout_ms) {
  if (memory()) return;
  // Switching to WAL needs the file to itself for a moment, and SQLite reports "locked" at once
  // (without the busy handler) while another process opens the same fresh store: retried
  // until the busy timeout. Once a store is in WAL mode the switch is a no-op.
  const auto give_up =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(std::max(busy_timeout_ms, 0));
  std::string mode;
  for (;;) {
    sqlite3_stmt* raw = nullptr;
    Check(sqlite3_prepare_v2(db_, "PRAGMA journal_mode=WAL", -1, &raw, nullptr),
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
      Check(rc, "set WAL journal mode");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (mode != "wal")
    throw Error(path_ + ": cannot switch to WAL journal mode (got \"" + mode + "\")");
}

void Db::QuickCheck() {
  if (memory()) return;
  // quick_check reads every page, so it only runs while that stays cheap; corruption in a
  // bigger store still surfaces as an Error from the statement that reads the damaged page.
  std::error_code ec;
  uintmax_t size = std::filesystem::file_size(path_, ec);
  if (ec || size > kQuickCheckMaxBytes) return;
  std::string result = QueryText("PRAGMA quick_check(1)", "quick_check");
  if (result != "ok") {
    for (char& c : result)
      if (c == '\n') c = ' ';  // the report can span lines; the Error is one line
    throw Error(path_ + ": corrupt run store: " + result);
  }
}

void Db::PrepareCore() {
  begin_ = Prepare("BEGIN IMMEDIATE");
  commit_ = Prepare("COMMIT");
  rollback_ = Prepare("ROLLBACK");
  savepoint_ = Prepare("SAVEPOINT ouro_write");
  release_ = Prepare("RELEASE ouro_write");
  rollback_to_ = Prepare("ROLLBACK TO ouro_write");
  run_exists_ = Prepare("SELECT 1 FROM runs WHERE id = ?");
  put_program_ = Prepare("INSERT OR IGNORE INTO programs(hash, text) VALUES(?, ?)");
}

void Db::Begin() {
  StmtUse q(begin_);
  Check(q.Step(), "begin transaction");
}

void Db::Commit() {
  StmtUse q(commit_);
  Check(q.Step(), "commit");
}

void Db::Rollback() {
  if (sqlite3_get_autocommit(db_)) return;  // SQLite already rolled back (e.g. after disk full)
  StmtUse q(rollback_);
  Check(q.Step(), "rollback");
}

void Db::SetBusyTimeout(int ms) {
  Check(sqlite3_busy_timeout(db_, ms < 0 ? 0 : ms), "set busy timeout");
}

int64_t Db::SetMaxPages(int64_t pages) {
  const std::string sql = "PRAGMA max_page_count = " + std::to_string(pages < 1 ? 1 : pages);
  return QueryInt(sql.c_str(), "set max page count");
}

sqlite3_stmt* Db::Prepare(const std::string& sql) {
  sqlite3_stmt* out = nullptr;
  if (sqlite3_prepare_v3(db_, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &out, nullptr) !=
      SQLITE_OK)
    Fail("not an ouro run store (prepare \"" + sql.substr(0, 40) + "...\")");
  owned_.push_back(out);
  return out;
}

void Db::Exec(const char* sql, const char* what) {
  Check(sqlite3_exec(db_, sql, nullptr, nullptr, nullptr), what);
}

// The first column of the first row of `sql` read by `read`, or `none` when there is no row.
template <class T, class Read>
T Db::QueryFirst(const char* sql, const char* what, T none, Read read) {
  sqlite3_stmt* raw = nullptr;
  Check(sqlite3_prepare_v2(db_, sql, -1, &raw, nullptr), what);
  OwnedStmt owned(raw);
  StmtUse q(raw);
  int rc = q.Step();
  Check(rc, what);
  return rc == SQLITE_ROW ? read(q) : none;
}

std::string Db::QueryText(const char* sql, const char* what) {
  return QueryFirst<std::string>(sql, what, std::string(), [](StmtUse& q) { return q.Text(0); });
}

int64_t Db::QueryInt(const char* sql, const char* what) {
  return QueryFirst<int64_t>(sql, what, 0, [](StmtUse& q) { return q.Int(0); });
}

void Db::Fail(const std::string& what) const {
  int code = db_ ? sqlite3_errcode(db_) & 0xff : SQLITE_NOMEM;
  std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
  if (code == SQLITE_NOTADB) throw Error(path_ + ": not an ouro run store (" + msg + ")");
  if (code == SQLITE_CORRUPT) throw Error(path_ + ": corrupt run store: " + what + ": " + msg);
  if (code == SQLITE_FULL)
    throw Error(path_ + ": run store full (disk full or size limit reached): " + what + ": " + msg);
  throw Error(path_ + ": " + what + ": " + msg);
}

void Db::Check(int rc, const char* what) const {
  if (rc != SQLITE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) Fail(what);
}

void Db::CheckInsert(int rc, const char* what, int64_t run_id, const std::string& key) const {
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

void Db::RequireRun(int64_t run_id, const char* what) {
  StmtUse q(run_exists_);
  q.Bind(1, run_id);
  int rc = q.Step();
  Check(rc, what);
  if (rc != SQLITE_ROW) NoSuchRun(what, run_id);
}

void Db::PutProgram(const std::string& hash, const std::string& text) {
  StmtUse q(put_program_);
  q.BindAll(hash, text);
  Check(q.Step(), "put program");
}

void Db::NoSuchRun(const char* what, int64_t run_id) const {
  throw Error(path_ + ": " + what + ": no such run " + std::to_string(run_id));
}

void Db::ValidateJson(const std::string& json, const char* what) const {
  if (!json.empty() && !nlohmann::json::accept(json))
    throw Error(path_ + ": " + what + " is not valid JSON");
}

void Db::RequireJson(const std::string& json, const char* what) const {
  if (json.empty()) throw Error(path_ + ": " + what + " is empty, not valid JSON");
  ValidateJson(json, what);
}

std::string Db::Now() { return FormatNow(/*millis=*/false); }
std::string Db::NowMillis() { return FormatNow(/*millis=*/true); }

WriteScope::WriteScope(Db& db, const char* what) : db_(db), own_(!db.in_transaction()) {
  StmtUse q(own_ ? db_.begin_ : db_.savepoint_);
  db_.Check(q.Step(), what);
}

WriteScope::~WriteScope() {
  if (done_ || !db_.in_transaction()) return;
  // Errors are ignored: after some failures (e.g. disk full) SQLite has already rolled back.
  if (own_) {
    StmtUse q(db_.rollback_);
    q.Step();
  } else {
    StmtUse undo(db_.rollback_to_);
    undo.Step();
    StmtUse rel(db_.release_);
    rel.Step();
  }
}

void WriteScope::Commit(const char* what) {
  StmtUse q(own_ ? db_.commit_ : db_.release_);
  db_.Check(q.Step(), what);
  done_ = true;
}

}  // namespace ouro::store
