// Tests for the SQLite run store: round trips of the version-1 tables (runs, programs, lineage,
// evaluations, metrics), transactions, reopening, the in-memory store, and readers running next to
// a writer (second connection and second process). Opening and refusing files and locks at open
// are tested in store_open_test.cc, the rsi tables of schema version 2 and the upgrade of a
// version-1 store in store_v2_test.cc, the oversight tables of version 3 in store_v3_test.cc and
// store_v3_items_test.cc, the faults (corrupt, locked, full, two writers) in store_fault_test.cc.
#include "store/store.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"
#include "store_test_util.h"

namespace fs = std::filesystem;
using ouro::Error;
using namespace ouro_store_test;
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
