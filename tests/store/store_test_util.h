// store_test_util.h — shared pieces of the run store tests: a fixture with a fresh temporary
// directory, raw file and raw SQLite helpers (no ouro code involved), ExpectError, writers of
// version-1 and version-2 stores exactly as older ouro versions created them, DowngradeStore
// (a fresh store taken back to version 3, 4 or 5), and helpers to run
// one test of this binary in a second process (SpawnSelf, WaitExit, WaitForFile).
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iterator>
#include <string>
#include <utility>

#include "core/error.h"

namespace ouro_store_test {

namespace fs = std::filesystem;
using ouro::Error;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() /
           ("ouro_store_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

  fs::path dir_;
};

inline std::string ReadBytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Runs sql on a raw connection (no ouro code involved); returns false on error.
inline bool RawExec(sqlite3* db, const std::string& sql) {
  return sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
}

// Expects that f throws ouro::Error whose message contains every one of the given fragments.
template <typename F>
inline void ExpectError(F&& f, std::initializer_list<std::string> fragments) {
  try {
    f();
    ADD_FAILURE() << "expected ouro::Error";
  } catch (const Error& e) {
    std::string msg = e.what();
    for (const std::string& frag : fragments)
      EXPECT_NE(msg.find(frag), std::string::npos) << "message: " << msg << "\nmissing: " << frag;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << "message should be one line: " << msg;
  }
}

// "YYYY-MM-DDTHH:MM:SSZ" (no std::regex: GCC 12 warns inside it under the sanitizers).
inline bool IsIsoUtc(const std::string& s) {
  const std::string shape = "dddd-dd-ddTdd:dd:ddZ";
  if (s.size() != shape.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != shape[i]) return false;
  }
  return true;
}

// The schema version ouro writes now (store/schema.h kVersion), pinned here on purpose: a change
// of the schema must change this test too.
inline constexpr int kCurrentVersion = 6;

// PRAGMA user_version of the file at path, read with a raw connection; -1 on error.
inline int RawUserVersion(const std::string& path) {
  sqlite3* db = nullptr;
  int v = -1;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
      v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return v;
}

// The version-1 schema exactly as ouro wrote it before version 2 existed.
inline constexpr const char* kV1Schema = R"sql(
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

// Writes a version-1 store (WAL, like ouro made them) with one finished run (id 7) and a row in
// every table, using raw SQLite only.
inline void WriteV1Store(const std::string& path) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_TRUE(RawExec(db, "PRAGMA journal_mode=WAL"));
  ASSERT_TRUE(RawExec(db, std::string("BEGIN;") + kV1Schema + "PRAGMA user_version = 1;"));
  ASSERT_TRUE(RawExec(
      db,
      "INSERT INTO runs VALUES(7, 'search', 'finished', '2024-01-02T03:04:05Z', "
      "'2024-01-02T04:05:06Z', -1, '{\"population\":100}', '{\"best\":0.5}');"
      "INSERT INTO programs VALUES('aa', '(add x 1)');"
      "INSERT INTO lineage VALUES(7, 0, 'aa', NULL, '', 0.25);"
      "INSERT INTO evaluations VALUES(7, 'aa', 'search', 0.75, '{}', '2024-01-02T03:04:06Z');"
      "INSERT INTO metrics VALUES(7, 1.5, 10, 20, 0.75, 0.125, 0);"
      "COMMIT;"));
  sqlite3_close(db);
}

// The tables version 2 added, exactly as ouro wrote them before version 3 existed.
inline constexpr const char* kV2Tables = R"sql(
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

// Writes a version-2 store: the version-1 store of WriteV1Store (run 7) plus an rsi run (id 8)
// with two improvers, three candidates and two curve points, using raw SQLite only.
inline void WriteV2Store(const std::string& path) {
  ASSERT_NO_FATAL_FAILURE(WriteV1Store(path));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_TRUE(RawExec(db, std::string("BEGIN;") + kV2Tables + "PRAGMA user_version = 2;"));
  ASSERT_TRUE(RawExec(
      db,
      "INSERT INTO runs VALUES(8, 'rsi', 'stopped', '2024-02-03T04:05:06Z', NULL, 5, '{}', NULL);"
      "INSERT INTO improvers VALUES(8, 0, 'imp0', NULL, '{\"a\":1}', 0.5, NULL);"
      "INSERT INTO improvers VALUES(8, 1, 'imp1', 'imp0', '{\"a\":2}', 0.75, '{\"llr\":3}');"
      "INSERT INTO candidates VALUES(8, 1, 0, 'c10', 'tweak', 'adopted', 3.0, 10, 2, 1, 0.75, "
      "'{\"a\":2}', NULL);"
      "INSERT INTO candidates VALUES(8, 2, 0, 'c20', 'tweak', 'rejected', -3.0, 2, 10, 1, NULL, "
      "NULL, NULL);"
      "INSERT INTO candidates VALUES(8, 2, 1, 'c21', 'swap', 'inconclusive', 0.5, 5, 5, 0, 0.5, "
      "NULL, NULL);"
      "INSERT INTO curve VALUES(8, 0, 100, 1.5, '{\"fam\":0.25}');"
      "INSERT INTO curve VALUES(8, 1, 200, 3.0, '{\"fam\":0.5}');"
      "COMMIT;"));
  sqlite3_close(db);
}

// Takes the store at path (created at the current version) back to exactly `version`, 3 or 4:
// drops the tables the later versions added, with a raw connection. Only versions 1 and 2 changed
// earlier tables, so from version 3 on this is the file an older ouro wrote.
inline void DowngradeStore(const std::string& path, int version) {
  ASSERT_TRUE(version >= 3 && version <= 5) << version;
  std::string sql = "DROP TABLE llm_exchanges;";
  if (version < 5)
    sql += "DROP TABLE selfplay_generations; DROP TABLE selfplay_versions; DROP TABLE selfplay_matches;";
  if (version < 4) sql += "DROP TABLE evidence; DROP TABLE evidence_improvers;";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  const bool ok = RawExec(db, sql + "PRAGMA user_version = " + std::to_string(version));
  sqlite3_close(db);
  ASSERT_TRUE(ok);
  ASSERT_EQ(RawUserVersion(path), version);
}

// Starts this test binary again in a child process running only the tests matching filter, with
// the given environment variables set; returns its pid. The child execs at once: it must not use
// SQLite state inherited from this process.
inline pid_t SpawnSelf(const std::string& filter,
                       std::initializer_list<std::pair<std::string, std::string>> env) {
  pid_t pid = ::fork();
  if (pid == 0) {
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    const std::string arg = "--gtest_filter=" + filter;
    ::execl("/proc/self/exe", "store_test", arg.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}

// Waits for pid and returns its exit code (-1 if it did not exit normally).
inline int WaitExit(pid_t pid) {
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Waits until path exists; false after timeout_s (a safety net against a hung child, not a
// measurement).
inline bool WaitForFile(const std::string& path, double timeout_s = 60) {
  for (int i = 0; i < timeout_s * 100; ++i) {
    if (fs::exists(path)) return true;
    ::usleep(10000);
  }
  return fs::exists(path);
}

}  // namespace ouro_store_test
