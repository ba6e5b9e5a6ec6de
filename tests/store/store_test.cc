// Tests for the SQLite run store: round trips of every table, transactions, reopening, refusal of
// files that are not run stores (without touching them), locking, and readers running next to a
// writer (second connection and second process), the rsi tables of schema version 2 and the
// in-place upgrade of a version-1 store. The oversight tables of version 3 are tested in
// store_v3_test.cc, the faults (corrupt, locked, full, two writers) in store_fault_test.cc.
#include "store/store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <cmath>
#include <iterator>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
#include "store_test_util.h"

namespace fs = std::filesystem;
using ouro::Error;
using namespace ouro_store_test;
using ouro::store::CandidateRow;
using ouro::store::CurveRow;
using ouro::store::ImproverRow;
using ouro::store::LineageRow;
using ouro::store::MetricRow;
using ouro::store::Store;
using ouro::store::Transaction;

namespace {

TEST_F(StoreTest, RunRoundTrip) {
  auto s = Store::Open(Path("runs.db"));
  EXPECT_EQ(s->path(), Path("runs.db"));
  EXPECT_FALSE(s->LatestRun().has_value());
  EXPECT_TRUE(s->ListRuns().empty());

  int64_t a = s->CreateRun("search", 42, R"({"population":100})");
  int64_t b = s->CreateRun("eval", 7, "{}");
  EXPECT_NE(a, b);

  auto ra = s->GetRun(a);
  ASSERT_TRUE(ra.has_value());
  EXPECT_EQ(ra->id, a);
  EXPECT_EQ(ra->kind, "search");
  EXPECT_EQ(ra->status, "running");
  EXPECT_TRUE(IsIsoUtc(ra->created_at)) << ra->created_at;
  EXPECT_EQ(ra->finished_at, "");
  EXPECT_EQ(ra->seed, 42u);
  EXPECT_EQ(ra->config_json, R"({"population":100})");
  EXPECT_EQ(ra->summary_json, "");

  s->FinishRun(a, "finished", R"({"best":0.5})");
  ra = s->GetRun(a);
  ASSERT_TRUE(ra.has_value());
  EXPECT_EQ(ra->status, "finished");
  EXPECT_TRUE(IsIsoUtc(ra->finished_at)) << ra->finished_at;
  EXPECT_EQ(ra->summary_json, R"({"best":0.5})");

  s->SetRunStatus(b, "stopped");
  EXPECT_EQ(s->GetRun(b)->status, "stopped");
  EXPECT_EQ(s->GetRun(b)->finished_at, "");

  auto runs = s->ListRuns();
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].id, a);
  EXPECT_EQ(runs[1].id, b);
  EXPECT_EQ(runs[1].kind, "eval");
  ASSERT_TRUE(s->LatestRun().has_value());
  EXPECT_EQ(s->LatestRun()->id, b);

  EXPECT_FALSE(s->GetRun(b + 1000).has_value());
  ExpectError([&] { s->FinishRun(b + 1000, "finished", "{}"); }, {"no such run"});
  ExpectError([&] { s->SetRunStatus(b + 1000, "failed"); }, {"no such run"});
  ExpectError([&] { s->CreateRun("search", 1, "{not json"); }, {"runs.db", "JSON"});
  ExpectError([&] { s->FinishRun(a, "finished", "[1,"); }, {"runs.db", "JSON"});
}

TEST_F(StoreTest, SeedRoundTripsAllBits) {
  auto s = Store::Open(Path("seed.db"));
  const uint64_t seeds[] = {0, 1, 0x7FFFFFFFFFFFFFFFULL, 0x8000000000000000ULL,
                            0xFFFFFFFFFFFFFFFFULL, 0xDEADBEEFCAFEF00DULL};
  std::vector<int64_t> ids;
  for (uint64_t seed : seeds) ids.push_back(s->CreateRun("search", seed, "{}"));
  s.reset();
  s = Store::Open(Path("seed.db"));
  for (size_t i = 0; i < ids.size(); ++i) EXPECT_EQ(s->GetRun(ids[i])->seed, seeds[i]) << i;
}

TEST_F(StoreTest, ProgramsAreContentAddressed) {
  auto s = Store::Open(Path("p.db"));
  std::string text = "(add x (mul y 2))\n; ünïcödé\n";
  text.push_back('\0');
  text += "after nul";
  s->PutProgram("00ff", text);
  s->PutProgram("00ff", text);  // idempotent
  s->PutProgram("00ff", "something else");  // first write wins
  s->PutProgram("0100", "");
  EXPECT_EQ(s->GetProgram("00ff"), text);
  EXPECT_EQ(s->GetProgram("0100"), std::string());
  EXPECT_FALSE(s->GetProgram("beef").has_value());
}

TEST_F(StoreTest, LineageRoundTrip) {
  auto s = Store::Open(Path("l.db"));
  int64_t r1 = s->CreateRun("search", 1, "{}");
  int64_t r2 = s->CreateRun("search", 2, "{}");
  LineageRow init{"aaaa", "", 0, "", 0.25};
  LineageRow child{"bbbb", "aaaa", 1, "point", 0.5};
  LineageRow other{"cccc", "bbbb", 1, "crossover", -1.5};
  s->AddLineage(r1, child);  // inserted out of order: read back by individual
  s->AddLineage(r1, init);
  s->AddLineage(r2, other);

  auto l1 = s->GetLineage(r1);
  ASSERT_EQ(l1.size(), 2u);
  EXPECT_EQ(l1[0].child_hash, "aaaa");
  EXPECT_EQ(l1[0].parent_hash, "");
  EXPECT_EQ(l1[0].individual, 0);
  EXPECT_EQ(l1[0].mutation, "");
  EXPECT_EQ(l1[0].fitness, 0.25);
  EXPECT_EQ(l1[1].child_hash, "bbbb");
  EXPECT_EQ(l1[1].parent_hash, "aaaa");
  EXPECT_EQ(l1[1].individual, 1);
  EXPECT_EQ(l1[1].mutation, "point");
  EXPECT_EQ(l1[1].fitness, 0.5);
  auto l2 = s->GetLineage(r2);
  ASSERT_EQ(l2.size(), 1u);
  EXPECT_EQ(l2[0].mutation, "crossover");
  EXPECT_EQ(l2[0].fitness, -1.5);
  EXPECT_TRUE(s->GetLineage(r2 + 10).empty());
}

TEST_F(StoreTest, EvaluationRoundTrip) {
  auto s = Store::Open(Path("e.db"));
  int64_t r = s->CreateRun("eval", 1, "{}");
  s->AddEvaluation(r, "aaaa", "search", 0.75, R"({"tasks":3})");
  s->AddEvaluation(r, "bbbb", "held_out", 0.5, "");
  s->AddEvaluation(r, "cccc", "search", 1e-300, "{}");
  auto search = s->GetEvaluations(r, "search");
  ASSERT_EQ(search.size(), 2u);
  EXPECT_EQ(search[0], (std::pair<std::string, double>("aaaa", 0.75)));
  EXPECT_EQ(search[1], (std::pair<std::string, double>("cccc", 1e-300)));
  auto held = s->GetEvaluations(r, "held_out");
  ASSERT_EQ(held.size(), 1u);
  EXPECT_EQ(held[0].first, "bbbb");
  EXPECT_TRUE(s->GetEvaluations(r, "select").empty());
  EXPECT_TRUE(s->GetEvaluations(r + 1, "search").empty());
}

TEST_F(StoreTest, MetricRoundTrip) {
  auto s = Store::Open(Path("m.db"));
  int64_t r = s->CreateRun("search", 1, "{}");
  for (int i = 0; i < 5; ++i) {
    MetricRow m;
    m.seconds = 0.5 * i;
    m.individuals = 1000LL * i + (int64_t{1} << 40);
    m.evaluations = 3 * i;
    m.best_fitness = 1.0 / (i + 1);
    m.cache_hit_rate = 0.1 * i;
    m.experiment = i % 2;
    s->AddMetric(r, m);
  }
  auto ms = s->GetMetrics(r);
  ASSERT_EQ(ms.size(), 5u);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(ms[i].seconds, 0.5 * i);
    EXPECT_EQ(ms[i].individuals, 1000LL * i + (int64_t{1} << 40));
    EXPECT_EQ(ms[i].evaluations, 3 * i);
    EXPECT_EQ(ms[i].best_fitness, 1.0 / (i + 1));
    EXPECT_EQ(ms[i].cache_hit_rate, 0.1 * i);
    EXPECT_EQ(ms[i].experiment, i % 2);
  }
  EXPECT_TRUE(s->GetMetrics(r + 1).empty());
}

TEST_F(StoreTest, RowsNeedAnExistingRunAndStatementsRecoverAfterErrors) {
  auto s = Store::Open(Path("fk.db"));
  int64_t r = s->CreateRun("search", 1, "{}");
  ExpectError([&] { s->AddLineage(r + 1, LineageRow{"aa", "", 0, "", 0}); },
              {"fk.db", "add lineage", "FOREIGN KEY"});
  ExpectError([&] { s->AddMetric(r + 1, MetricRow{}); }, {"add metric"});
  ExpectError([&] { s->AddEvaluation(r + 1, "aa", "search", 0, ""); }, {"add evaluation"});
  // The same cached statements work again after the failure.
  s->AddLineage(r, LineageRow{"aa", "", 0, "", 0});
  s->AddMetric(r, MetricRow{});
  s->AddEvaluation(r, "aa", "search", 0, "");
  EXPECT_EQ(s->GetLineage(r).size(), 1u);
  EXPECT_EQ(s->GetMetrics(r).size(), 1u);
  EXPECT_EQ(s->GetEvaluations(r, "search").size(), 1u);
}

TEST_F(StoreTest, RollbackLosesRowsCommitKeepsThem) {
  auto s = Store::Open(Path("tx.db"));
  int64_t r = s->CreateRun("search", 1, "{}");

  s->Begin();
  EXPECT_TRUE(s->in_transaction());
  s->AddLineage(r, LineageRow{"aa", "", 0, "", 1});
  s->PutProgram("aa", "x");
  s->AddMetric(r, MetricRow{});
  s->Rollback();
  EXPECT_FALSE(s->in_transaction());
  EXPECT_TRUE(s->GetLineage(r).empty());
  EXPECT_FALSE(s->GetProgram("aa").has_value());
  EXPECT_TRUE(s->GetMetrics(r).empty());

  s->Begin();
  s->AddLineage(r, LineageRow{"bb", "", 0, "", 1});
  s->PutProgram("bb", "y");
  s->Commit();
  EXPECT_EQ(s->GetLineage(r).size(), 1u);
  EXPECT_EQ(s->GetProgram("bb"), "y");

  {
    Transaction tx(*s);
    s->AddMetric(r, MetricRow{});
  }  // no Commit: rolled back
  EXPECT_TRUE(s->GetMetrics(r).empty());
  {
    Transaction tx(*s);
    s->AddMetric(r, MetricRow{});
    tx.Commit();
  }
  EXPECT_EQ(s->GetMetrics(r).size(), 1u);

  // Misuse is reported, not silently ignored.
  s->Begin();
  ExpectError([&] { s->Begin(); }, {"begin transaction"});
  s->Rollback();
  ExpectError([&] { s->Commit(); }, {"commit"});
  s->Rollback();  // nothing open: a no-op
}

TEST_F(StoreTest, ReopenKeepsDataAndCreatesDirectories) {
  std::string path = Path("a/b/c/runs.db");
  int64_t r;
  {
    auto s = Store::Open(path);
    r = s->CreateRun("search", 9, R"({"k":1})");
    s->PutProgram("aa", "prog");
    s->AddLineage(r, LineageRow{"aa", "", 0, "", 0.5});
    s->AddEvaluation(r, "aa", "search", 0.5, "{}");
    s->AddMetric(r, MetricRow{1.0, 2, 3, 0.5, 0.25, 1});
    s->FinishRun(r, "finished", "{}");
  }
  EXPECT_TRUE(fs::is_regular_file(path));
  auto s = Store::Open(path);
  auto run = s->GetRun(r);
  ASSERT_TRUE(run.has_value());
  EXPECT_EQ(run->status, "finished");
  EXPECT_EQ(run->config_json, R"({"k":1})");
  EXPECT_EQ(s->GetProgram("aa"), "prog");
  EXPECT_EQ(s->GetLineage(r).size(), 1u);
  EXPECT_EQ(s->GetEvaluations(r, "search").size(), 1u);
  ASSERT_EQ(s->GetMetrics(r).size(), 1u);
  EXPECT_EQ(s->GetMetrics(r)[0].cache_hit_rate, 0.25);
  auto reader = Store::OpenExisting(path);
  EXPECT_EQ(reader->ListRuns().size(), 1u);
}

TEST_F(StoreTest, MemoryStoreWorks) {
  auto s = Store::Open(":memory:");
  int64_t r = s->CreateRun("search", 3, "{}");
  s->Begin();
  s->AddLineage(r, LineageRow{"aa", "", 0, "", 0});
  s->Commit();
  EXPECT_EQ(s->GetLineage(r).size(), 1u);
}

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
  ASSERT_TRUE(RawExec(db, "PRAGMA user_version = 4"));
  sqlite3_close(db);
  std::string bytes = ReadBytes(path);
  ExpectError([&] { Store::Open(path); }, {path, "schema version 4", "newer", "(3)"});
  ExpectError([&] { Store::OpenExisting(path); }, {path, "schema version 4", "newer"});
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

TEST_F(StoreTest, ReaderSeesCommittedDataWhileWriterIsInATransaction) {
  std::string path = Path("wal.db");
  auto writer = Store::Open(path);
  int64_t r = writer->CreateRun("search", 5, "{}");
  writer->AddLineage(r, LineageRow{"aa", "", 0, "", 0.1});

  writer->Begin();
  writer->AddLineage(r, LineageRow{"bb", "aa", 1, "point", 0.2});
  writer->AddMetric(r, MetricRow{});

  auto reader = Store::Open(path);  // opens and reads while the write transaction is open
  ASSERT_TRUE(reader->GetRun(r).has_value());
  EXPECT_EQ(reader->GetRun(r)->seed, 5u);
  EXPECT_EQ(reader->GetLineage(r).size(), 1u);  // only the committed row
  EXPECT_TRUE(reader->GetMetrics(r).empty());

  writer->AddLineage(r, LineageRow{"cc", "bb", 2, "point", 0.3});
  writer->Commit();
  EXPECT_EQ(reader->GetLineage(r).size(), 3u);
  EXPECT_EQ(reader->GetMetrics(r).size(), 1u);
}

// ---- schema version 2: rsi tables -------------------------------------------------------------

ImproverRow Improver(int generation, const std::string& parent) {
  ImproverRow r;
  r.generation = generation;
  r.hash = "imp" + std::to_string(generation);
  r.parent_hash = parent;
  r.spec_json = R"({"mutation_rate":0.1,"operators":["point","crossover"]})";
  r.meta_utility = 0.5 + generation;
  r.evidence_json = generation == 0 ? "" : R"({"llr":3.2})";
  return r;
}

CandidateRow Candidate(int generation, int idx, const std::string& decision) {
  CandidateRow r;
  r.generation = generation;
  r.idx = idx;
  r.hash = "cand" + std::to_string(generation) + "_" + std::to_string(idx);
  r.meta_operator = "tweak_rate";
  r.decision = decision;
  r.llr = -1.25 * idx;
  r.wins = 12 + idx;
  r.losses = 3;
  r.draws = (int64_t{1} << 40) + idx;
  r.meta_utility = 0.25 * idx;
  r.spec_json = R"({"mutation_rate":0.2})";
  r.evidence_json = idx % 2 ? "" : R"({"games":[1,0,1]})";
  return r;
}

TEST_F(StoreTest, ImproverRoundTrip) {
  auto s = Store::Open(Path("imp.db"));
  int64_t r1 = s->CreateRun("rsi", 1, "{}");
  int64_t r2 = s->CreateRun("rsi", 2, "{}");
  s->AddImprover(r1, Improver(2, "imp1"));  // out of order: read back by generation
  s->AddImprover(r1, Improver(0, ""));
  s->AddImprover(r1, Improver(1, "imp0"));
  s->AddImprover(r2, Improver(0, ""));

  auto im = s->GetImprovers(r1);
  ASSERT_EQ(im.size(), 3u);
  for (int g = 0; g < 3; ++g) {
    ImproverRow want = Improver(g, g == 0 ? "" : "imp" + std::to_string(g - 1));
    EXPECT_EQ(im[g].generation, g);
    EXPECT_EQ(im[g].hash, want.hash);
    EXPECT_EQ(im[g].parent_hash, want.parent_hash);
    EXPECT_EQ(im[g].spec_json, want.spec_json);
    EXPECT_EQ(im[g].meta_utility, want.meta_utility);
    EXPECT_EQ(im[g].evidence_json, want.evidence_json);
  }
  EXPECT_EQ(s->GetImprovers(r2).size(), 1u);
  EXPECT_TRUE(s->GetImprovers(r2 + 10).empty());
}

TEST_F(StoreTest, CandidateRoundTrip) {
  auto s = Store::Open(Path("cand.db"));
  int64_t r = s->CreateRun("rsi", 1, "{}");
  s->AddCandidate(r, Candidate(1, 1, "rejected"));  // out of order: read back by (generation, idx)
  s->AddCandidate(r, Candidate(0, 2, "inconclusive"));
  s->AddCandidate(r, Candidate(1, 0, "adopted"));
  s->AddCandidate(r, Candidate(0, 0, "budget exhausted before a decision"));
  CandidateRow bare;  // every field at its default
  bare.generation = 2;
  s->AddCandidate(r, bare);

  auto cs = s->GetCandidates(r);
  ASSERT_EQ(cs.size(), 5u);
  const std::pair<int, int> order[] = {{0, 0}, {0, 2}, {1, 0}, {1, 1}};
  const char* decisions[] = {"budget exhausted before a decision", "inconclusive", "adopted",
                             "rejected"};
  for (size_t i = 0; i < 4; ++i) {
    CandidateRow want = Candidate(order[i].first, order[i].second, decisions[i]);
    EXPECT_EQ(cs[i].generation, want.generation) << i;
    EXPECT_EQ(cs[i].idx, want.idx) << i;
    EXPECT_EQ(cs[i].hash, want.hash) << i;
    EXPECT_EQ(cs[i].meta_operator, want.meta_operator) << i;
    EXPECT_EQ(cs[i].decision, want.decision) << i;
    EXPECT_EQ(cs[i].llr, want.llr) << i;
    EXPECT_EQ(cs[i].wins, want.wins) << i;
    EXPECT_EQ(cs[i].losses, want.losses) << i;
    EXPECT_EQ(cs[i].draws, want.draws) << i;
    EXPECT_EQ(cs[i].meta_utility, want.meta_utility) << i;
    EXPECT_EQ(cs[i].spec_json, want.spec_json) << i;
    EXPECT_EQ(cs[i].evidence_json, want.evidence_json) << i;
  }
  EXPECT_EQ(cs[4].generation, 2);
  EXPECT_EQ(cs[4].idx, 0);
  EXPECT_EQ(cs[4].hash, "");
  EXPECT_EQ(cs[4].decision, "");
  EXPECT_EQ(cs[4].llr, 0.0);
  EXPECT_EQ(cs[4].wins, 0);
  EXPECT_EQ(cs[4].spec_json, "");
  EXPECT_EQ(cs[4].evidence_json, "");
  EXPECT_TRUE(s->GetCandidates(r + 1).empty());
}

TEST_F(StoreTest, CurveRoundTrip) {
  auto s = Store::Open(Path("curve.db"));
  int64_t r = s->CreateRun("rsi", 1, "{}");
  for (int g : {3, 0, 2, 1}) {
    CurveRow c;
    c.generation = g;
    c.cumulative_evaluations = (int64_t{1} << 35) * g + 1;
    c.seconds = 60.5 * g;
    c.point_json = R"({"held_out":{"fam_a":)" + std::to_string(g) + "}}";
    s->AddCurvePoint(r, c);
  }
  auto cv = s->GetCurve(r);
  ASSERT_EQ(cv.size(), 4u);
  for (int g = 0; g < 4; ++g) {
    EXPECT_EQ(cv[g].generation, g);
    EXPECT_EQ(cv[g].cumulative_evaluations, (int64_t{1} << 35) * g + 1);
    EXPECT_EQ(cv[g].seconds, 60.5 * g);
    EXPECT_EQ(cv[g].point_json, R"({"held_out":{"fam_a":)" + std::to_string(g) + "}}");
  }
  EXPECT_TRUE(s->GetCurve(r + 1).empty());
}

TEST_F(StoreTest, RsiRealsKeepNaNAndInfinity) {
  auto s = Store::Open(Path("nan.db"));
  int64_t r = s->CreateRun("rsi", 1, "{}");
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  ImproverRow im = Improver(0, "");
  im.meta_utility = nan;
  s->AddImprover(r, im);
  CandidateRow c = Candidate(0, 0, "rejected");
  c.llr = -inf;
  c.meta_utility = nan;
  s->AddCandidate(r, c);
  CurveRow p;
  p.seconds = nan;
  p.point_json = "{}";
  s->AddCurvePoint(r, p);
  EXPECT_TRUE(std::isnan(s->GetImprovers(r)[0].meta_utility));
  EXPECT_EQ(s->GetCandidates(r)[0].llr, -inf);
  EXPECT_TRUE(std::isnan(s->GetCandidates(r)[0].meta_utility));
  EXPECT_TRUE(std::isnan(s->GetCurve(r)[0].seconds));
}

TEST_F(StoreTest, RsiDuplicateKeysAreErrors) {
  auto s = Store::Open(Path("dup.db"));
  int64_t r = s->CreateRun("rsi", 1, "{}");
  int64_t other = s->CreateRun("rsi", 2, "{}");
  s->AddImprover(r, Improver(0, ""));
  s->AddCandidate(r, Candidate(1, 0, "adopted"));
  CurveRow p;
  p.generation = 1;
  p.point_json = "{}";
  s->AddCurvePoint(r, p);

  ImproverRow dup_im = Improver(0, "");
  dup_im.hash = "different";
  ExpectError([&] { s->AddImprover(r, dup_im); },
              {"dup.db", "add improver", "run " + std::to_string(r),
               "already has an improver for generation 0"});
  ExpectError([&] { s->AddCandidate(r, Candidate(1, 0, "rejected")); },
              {"dup.db", "add candidate", "already has candidate 0 of generation 1"});
  ExpectError([&] { s->AddCurvePoint(r, p); },
              {"dup.db", "add curve point", "already has a curve point for generation 1"});
  // The first rows are unchanged, and the same keys are free in another run or generation.
  ASSERT_EQ(s->GetImprovers(r).size(), 1u);
  EXPECT_EQ(s->GetImprovers(r)[0].hash, "imp0");
  ASSERT_EQ(s->GetCandidates(r).size(), 1u);
  EXPECT_EQ(s->GetCandidates(r)[0].decision, "adopted");
  EXPECT_EQ(s->GetCurve(r).size(), 1u);
  s->AddImprover(other, Improver(0, ""));
  s->AddCandidate(r, Candidate(1, 1, "rejected"));
  s->AddCandidate(r, Candidate(2, 0, "rejected"));
  s->AddCurvePoint(other, p);
  EXPECT_EQ(s->GetCandidates(r).size(), 3u);

  // Inside a transaction a duplicate fails that row only; the transaction goes on.
  s->Begin();
  s->AddImprover(r, Improver(1, "imp0"));
  ExpectError([&] { s->AddImprover(r, Improver(1, "imp0")); }, {"already has"});
  EXPECT_TRUE(s->in_transaction());
  s->AddCurvePoint(r, CurveRow{2, 10, 1.0, "{}"});
  s->Commit();
  EXPECT_EQ(s->GetImprovers(r).size(), 2u);
  EXPECT_EQ(s->GetCurve(r).size(), 2u);
}

TEST_F(StoreTest, RsiInvalidJsonIsAnError) {
  auto s = Store::Open(Path("json.db"));
  int64_t r = s->CreateRun("rsi", 1, "{}");
  ImproverRow im = Improver(0, "");
  im.spec_json = "{not json";
  ExpectError([&] { s->AddImprover(r, im); }, {"json.db", "improver spec", "not valid JSON"});
  im.spec_json = "";
  ExpectError([&] { s->AddImprover(r, im); }, {"json.db", "improver spec", "empty"});
  im = Improver(0, "");
  im.evidence_json = "[1,";
  ExpectError([&] { s->AddImprover(r, im); }, {"improver evidence", "not valid JSON"});

  CandidateRow c = Candidate(0, 0, "adopted");
  c.spec_json = "nope";
  ExpectError([&] { s->AddCandidate(r, c); }, {"json.db", "candidate spec", "not valid JSON"});
  c = Candidate(0, 0, "adopted");
  c.evidence_json = "{\"a\":}";
  ExpectError([&] { s->AddCandidate(r, c); }, {"candidate evidence", "not valid JSON"});

  CurveRow p;
  p.point_json = "{";
  ExpectError([&] { s->AddCurvePoint(r, p); }, {"json.db", "curve point", "not valid JSON"});
  p.point_json = "";
  ExpectError([&] { s->AddCurvePoint(r, p); }, {"curve point", "empty"});

  EXPECT_TRUE(s->GetImprovers(r).empty());
  EXPECT_TRUE(s->GetCandidates(r).empty());
  EXPECT_TRUE(s->GetCurve(r).empty());
}

TEST_F(StoreTest, RsiRowsNeedAnExistingRun) {
  auto s = Store::Open(Path("rsifk.db"));
  int64_t r = s->CreateRun("rsi", 1, "{}");
  const std::string missing = std::to_string(r + 1);
  ExpectError([&] { s->AddImprover(r + 1, Improver(0, "")); },
              {"rsifk.db", "add improver", "no such run " + missing, "FOREIGN KEY"});
  ExpectError([&] { s->AddCandidate(r + 1, Candidate(0, 0, "adopted")); },
              {"add candidate", "no such run " + missing});
  ExpectError([&] { s->AddCurvePoint(r + 1, CurveRow{0, 0, 0, "{}"}); },
              {"add curve point", "no such run " + missing});
  // The cached statements work again after the failures.
  s->AddImprover(r, Improver(0, ""));
  s->AddCandidate(r, Candidate(0, 0, "adopted"));
  s->AddCurvePoint(r, CurveRow{0, 0, 0, "{}"});
  EXPECT_EQ(s->GetImprovers(r).size(), 1u);
  EXPECT_EQ(s->GetCandidates(r).size(), 1u);
  EXPECT_EQ(s->GetCurve(r).size(), 1u);
  EXPECT_TRUE(s->GetImprovers(r + 1).empty());
}

TEST_F(StoreTest, RsiRowsFollowTransactions) {
  auto s = Store::Open(Path("rsitx.db"));
  int64_t r = s->CreateRun("rsi", 1, "{}");
  {
    Transaction tx(*s);
    s->AddImprover(r, Improver(0, ""));
    s->AddCandidate(r, Candidate(0, 0, "adopted"));
    s->AddCurvePoint(r, CurveRow{0, 5, 1.0, "{}"});
  }  // rolled back
  EXPECT_TRUE(s->GetImprovers(r).empty());
  EXPECT_TRUE(s->GetCandidates(r).empty());
  EXPECT_TRUE(s->GetCurve(r).empty());
  {
    Transaction tx(*s);
    s->AddImprover(r, Improver(0, ""));
    s->AddCandidate(r, Candidate(0, 0, "adopted"));
    s->AddCurvePoint(r, CurveRow{0, 5, 1.0, "{}"});
    tx.Commit();
  }
  s.reset();
  s = Store::OpenExisting(Path("rsitx.db"));
  EXPECT_EQ(s->GetImprovers(r).size(), 1u);
  EXPECT_EQ(s->GetCandidates(r).size(), 1u);
  ASSERT_EQ(s->GetCurve(r).size(), 1u);
  EXPECT_EQ(s->GetCurve(r)[0].cumulative_evaluations, 5);
}

TEST_F(StoreTest, FreshStoreIsVersion3AndReopeningLeavesItAlone) {
  std::string path = Path("fresh.db");
  Store::Open(path).reset();
  EXPECT_EQ(RawUserVersion(path), 3);
  Store::Open(path).reset();
  Store::OpenExisting(path).reset();
  EXPECT_EQ(RawUserVersion(path), 3);
  auto s = Store::Open(":memory:");
  int64_t r = s->CreateRun("rsi", 1, "{}");
  s->AddImprover(r, Improver(0, ""));
  EXPECT_EQ(s->GetImprovers(r).size(), 1u);
}

TEST_F(StoreTest, Version1StoreIsUpgradedInPlace) {
  std::string path = Path("v1.db");
  ASSERT_NO_FATAL_FAILURE(WriteV1Store(path));
  ASSERT_EQ(RawUserVersion(path), 1);
  {
    auto s = Store::Open(path);
    EXPECT_EQ(RawUserVersion(path), 3);
    // Every version-1 row is still there.
    auto runs = s->ListRuns();
    ASSERT_EQ(runs.size(), 1u);
    EXPECT_EQ(runs[0].id, 7);
    EXPECT_EQ(runs[0].kind, "search");
    EXPECT_EQ(runs[0].status, "finished");
    EXPECT_EQ(runs[0].created_at, "2024-01-02T03:04:05Z");
    EXPECT_EQ(runs[0].finished_at, "2024-01-02T04:05:06Z");
    EXPECT_EQ(runs[0].seed, 0xFFFFFFFFFFFFFFFFULL);
    EXPECT_EQ(runs[0].config_json, R"({"population":100})");
    EXPECT_EQ(runs[0].summary_json, R"({"best":0.5})");
    EXPECT_EQ(s->GetProgram("aa"), "(add x 1)");
    ASSERT_EQ(s->GetLineage(7).size(), 1u);
    EXPECT_EQ(s->GetLineage(7)[0].fitness, 0.25);
    EXPECT_EQ(s->GetEvaluations(7, "search").size(), 1u);
    ASSERT_EQ(s->GetMetrics(7).size(), 1u);
    EXPECT_EQ(s->GetMetrics(7)[0].cache_hit_rate, 0.125);

    // The new tables work, for the old run and for a new one; the old tables take rows too.
    s->AddImprover(7, Improver(0, ""));
    s->AddCandidate(7, Candidate(0, 0, "adopted"));
    s->AddCurvePoint(7, CurveRow{0, 100, 2.5, R"({"fam":0.5})"});
    int64_t r = s->CreateRun("rsi", 3, "{}");
    EXPECT_GT(r, 7);
    s->AddImprover(r, Improver(0, ""));
    s->AddLineage(7, LineageRow{"bb", "aa", 1, "point", 0.5});
    ExpectError([&] { s->AddImprover(r + 1, Improver(0, "")); }, {"no such run"});
  }
  // Reopened (by a reader too), the upgraded store keeps everything and stays at version 3.
  auto s = Store::OpenExisting(path);
  EXPECT_EQ(RawUserVersion(path), 3);
  EXPECT_EQ(s->ListRuns().size(), 2u);
  EXPECT_EQ(s->GetLineage(7).size(), 2u);
  ASSERT_EQ(s->GetImprovers(7).size(), 1u);
  EXPECT_EQ(s->GetImprovers(7)[0].hash, "imp0");
  EXPECT_EQ(s->GetCandidates(7).size(), 1u);
  ASSERT_EQ(s->GetCurve(7).size(), 1u);
  EXPECT_EQ(s->GetCurve(7)[0].cumulative_evaluations, 100);
}

TEST_F(StoreTest, Version1StoreIsUpgradedByOpenExistingToo) {
  std::string path = Path("v1reader.db");
  ASSERT_NO_FATAL_FAILURE(WriteV1Store(path));
  auto s = Store::OpenExisting(path);
  EXPECT_EQ(RawUserVersion(path), 3);
  EXPECT_EQ(s->GetRun(7)->kind, "search");
  EXPECT_TRUE(s->GetCurve(7).empty());
}

TEST_F(StoreTest, Version1UpgradeWaitsForTheWriteLockAndFailsCleanly) {
  std::string path = Path("v1lock.db");
  ASSERT_NO_FATAL_FAILURE(WriteV1Store(path));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  // A version-1 writer (an older ouro) in the middle of a transaction.
  ASSERT_TRUE(RawExec(db, "BEGIN IMMEDIATE; INSERT INTO programs VALUES('bb', 'y');"));
  ExpectError([&] { Store::Open(path, 50); }, {path, "upgrade schema", "locked"});
  EXPECT_EQ(RawUserVersion(path), 1);  // nothing was changed
  ASSERT_TRUE(RawExec(db, "COMMIT"));
  sqlite3_close(db);
  auto s = Store::Open(path, 50);
  EXPECT_EQ(RawUserVersion(path), 3);
  EXPECT_EQ(s->GetProgram("bb"), "y");
  EXPECT_EQ(s->GetRun(7)->status, "finished");
}

TEST_F(StoreTest, ForeignDatabaseClaimingAVersionIsRefusedAndLeftUntouched) {
  for (int version : {1, 2, 3}) {
    std::string path = Path("claims" + std::to_string(version) + ".db");
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    ASSERT_TRUE(RawExec(db, "CREATE TABLE users(name TEXT); INSERT INTO users VALUES('x');"
                            "PRAGMA user_version = " + std::to_string(version)));
    sqlite3_close(db);
    std::string bytes = ReadBytes(path);
    ExpectError([&] { Store::Open(path); }, {path, "not an ouro run store"});
    EXPECT_TRUE(ReadBytes(path) == bytes) << "the file was modified (version " << version << ")";
    EXPECT_FALSE(fs::exists(path + "-wal"));
  }
  // A version-2 claim with only the version-1 tables (the upgrade never happened) is refused too.
  std::string path = Path("half.db");
  ASSERT_NO_FATAL_FAILURE(WriteV1Store(path));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_TRUE(RawExec(db, "PRAGMA user_version = 2"));
  sqlite3_close(db);
  ExpectError([&] { Store::Open(path); }, {path, "not an ouro run store"});
  EXPECT_EQ(RawUserVersion(path), 2);
}

// The body of the second-process test: runs only when the parent test starts this binary with
// OURO_STORE_CHILD_DB set; it is skipped in a normal run.
TEST(StoreChildProcess, Reader) {
  const char* path = std::getenv("OURO_STORE_CHILD_DB");
  if (!path) GTEST_SKIP() << "only runs as the child of SecondProcessReadsWhileFirstWrites";
  auto s = Store::OpenExisting(path);
  auto run = s->LatestRun();
  ASSERT_TRUE(run.has_value());
  EXPECT_EQ(run->kind, "search");
  EXPECT_EQ(run->seed, 0xFFFFFFFFFFFFFFFFULL);
  EXPECT_EQ(s->GetLineage(run->id).size(), 1u);  // the uncommitted row is invisible
  if (!HasFailure()) WriteBytes(std::string(path) + ".child-ok", "ok");
}

TEST_F(StoreTest, SecondProcessReadsWhileFirstWrites) {
  std::string path = Path("proc.db");
  auto writer = Store::Open(path);
  int64_t r = writer->CreateRun("search", 0xFFFFFFFFFFFFFFFFULL, "{}");
  writer->AddLineage(r, LineageRow{"aa", "", 0, "", 0.1});
  writer->Begin();
  writer->AddLineage(r, LineageRow{"bb", "aa", 1, "point", 0.2});

  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    // Exec at once: the child must not use SQLite state inherited from this process.
    ::setenv("OURO_STORE_CHILD_DB", path.c_str(), 1);
    ::execl("/proc/self/exe", "store_test", "--gtest_filter=StoreChildProcess.Reader",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the child reader failed (see its output above)";
  EXPECT_TRUE(fs::exists(path + ".child-ok")) << "the child reader did not run";
  writer->Commit();
  EXPECT_EQ(writer->GetLineage(r).size(), 2u);
}

}  // namespace
