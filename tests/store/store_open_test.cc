// Tests of opening the SQLite run store: an empty file becomes a store, OpenExisting creates
// nothing, garbage, corrupt and foreign files and newer schema versions are refused without being
// touched, unusable paths are errors, and locks: busy timeouts past a writer, an exclusive lock or
// a reader of a fresh file, and several connections opening one fresh store at once.
#include "store/store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
#include "store_test_util.h"

namespace fs = std::filesystem;
using ouro::Error;
using namespace ouro_store_test;
using ouro::store::LineageRow;
using ouro::store::MetricRow;
using ouro::store::Store;

namespace {

TEST_F(StoreTest, EmptyFileBecomesAStore) {
  std::string path = Path("empty.db");
  WriteBytes(path, "");
  auto s = Store::Open(path);
  EXPECT_EQ(s->GetRun(s->CreateRun("search", 1, "{}"))->kind, "search");
}

TEST_F(StoreTest, OpenExistingDoesNotCreate) {
  std::string path = Path("missing/runs.db");
  ExpectError([&] { Store::OpenExisting(path); }, {path, "no such run store"});
  EXPECT_FALSE(fs::exists(path));
  EXPECT_FALSE(fs::exists(Path("missing")));
}

TEST_F(StoreTest, GarbageFileIsRefusedAndLeftUntouched) {
  const std::string garbage_long = [] {
    std::string g;
    for (int i = 0; i < 8192; ++i) g.push_back(static_cast<char>((i * 131 + 7) & 0xff));
    return g;
  }();
  for (const std::string& bytes : {garbage_long, std::string("hello"), std::string(200, 'x')}) {
    std::string path = Path("garbage.db");
    WriteBytes(path, bytes);
    ExpectError([&] { Store::Open(path); },
                {path + ": not an ouro run store (file is not a database)"});
    ExpectError([&] { Store::OpenExisting(path); }, {"not an ouro run store"});
    EXPECT_TRUE(ReadBytes(path) == bytes) << "the file was modified";
    EXPECT_FALSE(fs::exists(path + "-wal"));
    EXPECT_FALSE(fs::exists(path + "-shm"));
    EXPECT_FALSE(fs::exists(path + "-journal"));
  }
}

TEST_F(StoreTest, CorruptDatabaseIsRefused) {
  std::string path = Path("corrupt.db");
  {
    auto s = Store::Open(path);
    int64_t r = s->CreateRun("search", 1, "{}");
    s->Begin();
    for (int i = 0; i < 2000; ++i)
      s->AddLineage(r, LineageRow{"hash" + std::to_string(i), "", i, "point", 0.5});
    s->Commit();
  }  // the last connection checkpoints the WAL into the main file
  std::string bytes = ReadBytes(path);
  ASSERT_GT(bytes.size(), 4u * 4096);
  // Keep the 100-byte header valid, smash the b-tree pages after it.
  for (size_t i = 100; i < bytes.size(); ++i) bytes[i] = static_cast<char>(0xA5 ^ (i & 0x3f));
  WriteBytes(path, bytes);
  ExpectError([&] { Store::Open(path); }, {path, "corrupt"});
  EXPECT_TRUE(ReadBytes(path) == bytes) << "the file was modified";
}

TEST_F(StoreTest, ForeignSqliteDatabaseIsRefusedAndLeftUntouched) {
  std::string path = Path("foreign.db");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_TRUE(RawExec(db, "CREATE TABLE users(name TEXT); INSERT INTO users VALUES('x');"));
  sqlite3_close(db);
  std::string bytes = ReadBytes(path);
  ExpectError([&] { Store::Open(path); }, {path, "not an ouro run store"});
  EXPECT_TRUE(ReadBytes(path) == bytes) << "the file was modified";
}

TEST_F(StoreTest, NewerSchemaVersionIsRefused) {
  std::string path = Path("future.db");
  Store::Open(path).reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_TRUE(RawExec(db, "PRAGMA user_version = 7"));
  sqlite3_close(db);
  std::string bytes = ReadBytes(path);
  ExpectError([&] { Store::Open(path); }, {path, "schema version 7", "newer", "(6)"});
  ExpectError([&] { Store::OpenExisting(path); }, {path, "schema version 7", "newer"});
  EXPECT_TRUE(ReadBytes(path) == bytes) << "the file was modified";
}

TEST_F(StoreTest, UnusablePathsAreErrors) {
  ExpectError([&] { Store::Open(dir_.string()); }, {dir_.string(), "directory"});
  WriteBytes(Path("plain"), "x");
  ExpectError([&] { Store::Open(Path("plain/runs.db")); }, {Path("plain/runs.db")});
  ExpectError([&] { Store::Open("/proc/ouro-store-test/runs.db"); },
              {"/proc/ouro-store-test/runs.db"});
  ExpectError([&] { Store::Open(""); }, {"empty"});
  if (::geteuid() != 0) {  // root ignores permission bits
    fs::create_directories(Path("ro"));
    fs::permissions(Path("ro"), fs::perms::owner_read | fs::perms::owner_exec);
    ExpectError([&] { Store::Open(Path("ro/runs.db")); }, {Path("ro/runs.db")});
    fs::permissions(Path("ro"), fs::perms::owner_all);
  }
}

TEST_F(StoreTest, WriteLockedPastBusyTimeoutIsAnError) {
  std::string path = Path("lock.db");
  auto writer = Store::Open(path);
  int64_t r = writer->CreateRun("search", 1, "{}");
  writer->Begin();
  writer->AddMetric(r, MetricRow{});

  auto other = Store::Open(path, /*busy_timeout_ms=*/50);  // opening only reads: fine
  ExpectError([&] { other->CreateRun("search", 2, "{}"); }, {path, "locked"});
  ExpectError([&] { other->Begin(); }, {path, "begin transaction", "locked"});
  EXPECT_FALSE(other->in_transaction());
  EXPECT_EQ(other->ListRuns().size(), 1u);  // reading still works

  writer->Commit();
  other->CreateRun("search", 2, "{}");  // lock released: the write goes through
  EXPECT_EQ(writer->ListRuns().size(), 2u);
}

TEST_F(StoreTest, OpenLockedExclusivelyPastBusyTimeoutIsAnError) {
  std::string path = Path("xlock.db");
  Store::Open(path).reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  // Exclusive locking mode in WAL: the first write takes the file lock and keeps it, so no other
  // connection can even read.
  ASSERT_TRUE(RawExec(db, "PRAGMA locking_mode=EXCLUSIVE; BEGIN EXCLUSIVE; "
                          "INSERT INTO programs VALUES('aa', 'x');"));
  ExpectError([&] { Store::Open(path, 50); }, {path, "locked"});
  ASSERT_TRUE(RawExec(db, "ROLLBACK"));
  sqlite3_close(db);
  auto s = Store::Open(path, 50);
  EXPECT_FALSE(s->GetProgram("aa").has_value());
}

// A fresh store file that another connection is reading (a `status` polling a run that is just
// starting): opening it waits for the reader to finish.
TEST_F(StoreTest, OpeningAFreshStoreWaitsForAReaderOfTheEmptyFile) {
  std::string path = Path("fresh.db");
  WriteBytes(path, "");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_TRUE(RawExec(db, "BEGIN; SELECT count(*) FROM sqlite_schema;"));  // holds a read lock
  std::thread release([db] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    RawExec(db, "COMMIT");
  });
  std::unique_ptr<Store> s;
  EXPECT_NO_THROW(s = Store::Open(path, 5000));
  release.join();
  sqlite3_close(db);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->CreateRun("search", 1, "{}"), 1);
}

// ... and a reader that does not let go within the busy timeout is a clear error that leaves the
// file as it was.
TEST_F(StoreTest, OpeningAFreshStoreReadElsewherePastTheBusyTimeoutIsAnError) {
  std::string path = Path("fresh.db");
  WriteBytes(path, "");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_TRUE(RawExec(db, "BEGIN; SELECT count(*) FROM sqlite_schema;"));
  ExpectError([&] { Store::Open(path, 100); }, {path, "WAL", "locked"});
  ASSERT_TRUE(RawExec(db, "COMMIT"));
  sqlite3_close(db);
  EXPECT_EQ(RawUserVersion(path), 0);
  EXPECT_EQ(Store::Open(path, 100)->CreateRun("search", 1, "{}"), 1);
}

// Several connections opening one fresh store at the same moment (a run starting while `status`,
// `stop` and the dashboard poll it): each open succeeds and sees one schema, never a "foreign"
// database caught half-created. Repeated, since the collisions are timing-dependent.
TEST_F(StoreTest, ConnectionsOpeningOneFreshStoreAtOnceAllSucceed) {
  constexpr int kRounds = 40, kThreads = 4;
  int failures = 0;
  std::string first_error;
  for (int round = 0; round < kRounds; ++round) {
    const std::string path = Path("race" + std::to_string(round) + ".db");
    WriteBytes(path, "");  // exists, so OpenExisting does not refuse it
    std::atomic<int> ready{0};
    std::vector<std::string> errors(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t)
      threads.emplace_back([&, t] {
        ++ready;
        while (ready.load() < kThreads) std::this_thread::yield();
        try {
          auto s = t % 2 == 0 ? Store::Open(path) : Store::OpenExisting(path);
          s->ListRuns();
        } catch (const Error& e) {
          errors[t] = e.what();
        }
      });
    for (auto& th : threads) th.join();
    for (const auto& e : errors)
      if (!e.empty()) {
        ++failures;
        if (first_error.empty()) first_error = e;
      }
  }
  EXPECT_EQ(failures, 0) << "first error: " << first_error;
}

}  // namespace
