// Fault tests of the run store (issue: "a corrupt or locked database, a full disk (simulated by a
// size limit), and two processes writing the same run all get a clear error and lose nothing
// already stored; concurrent readers never block the running loop for long"):
//  - corrupt files: garbage, truncated at several sizes, one page overwritten, and damage in a
//    store too big for the open-time check (found by the statement that reads it);
//  - locked: another connection holds the write lock past the busy timeout;
//  - full: SetMaxPages limits the file; the failed writes leave every committed row readable,
//    the audit chain intact, and the store reopens;
//  - two processes claiming the same run (a real second process);
//  - readers holding a read transaction open do not block writes (WAL).
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "oversight/audit.h"
#include "store/store.h"
#include "store_test_util.h"

using ouro::oversight::VerifyChain;
using ouro::store::CandidateRow;
using ouro::store::LineageRow;
using ouro::store::MetricRow;
using ouro::store::Store;
using ouro::store::Transaction;
using namespace ouro_store_test;

namespace {

void ExpectChainOk(Store& s, int64_t run) {
  auto check = VerifyChain(run, s.GetEvents(run), s.GetAuditHead(run));
  EXPECT_TRUE(check.ok) << check.problem;
}

// Expects f to throw an Error naming path and saying the file is damaged.
template <typename F>
void ExpectCorrupt(F&& f, const std::string& path, const std::string& what) {
  try {
    f();
    ADD_FAILURE() << what << ": expected ouro::Error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << what << ": " << msg;
    EXPECT_TRUE(msg.find("corrupt") != std::string::npos ||
                msg.find("not a database") != std::string::npos ||
                msg.find("not an ouro run store") != std::string::npos)
        << what << ": " << msg;
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  }
}

// A closed store (WAL checkpointed into the main file) with one run, 40 events and enough lineage
// rows to span many pages; returns the run id.
int64_t WriteStore(const std::string& path, int lineage_rows = 2000) {
  auto s = Store::Open(path);
  int64_t r = s->CreateRun("rsi", 1, R"({"k":1})");
  for (int i = 0; i < 40; ++i)
    s->AppendEvent(r, "step", "ouro", "{\"i\":" + std::to_string(i) + "}");
  Transaction tx(*s);
  for (int i = 0; i < lineage_rows; ++i)
    s->AddLineage(r, LineageRow{"hash" + std::to_string(i), "", i, "point", 0.5});
  tx.Commit();
  return r;
}

TEST_F(StoreTest, TruncatedStoreIsRefused) {
  std::string good = Path("good.db");
  WriteStore(good);
  const std::string bytes = ReadBytes(good);
  ASSERT_GT(bytes.size(), 16u * 4096);
  for (size_t size : {size_t{50}, size_t{100}, size_t{4096}, size_t{3 * 4096 + 17},
                      bytes.size() / 2, bytes.size() - 4096}) {
    std::string path = Path("trunc" + std::to_string(size) + ".db");
    WriteBytes(path, bytes.substr(0, size));
    ExpectCorrupt([&] { Store::Open(path); }, path, "truncated to " + std::to_string(size));
    ExpectCorrupt([&] { Store::OpenExisting(path); }, path, "reader, " + std::to_string(size));
  }
}

TEST_F(StoreTest, OnePageOverwrittenIsRefused) {
  std::string good = Path("good.db");
  WriteStore(good);
  const std::string bytes = ReadBytes(good);
  const size_t pages = bytes.size() / 4096;
  ASSERT_GT(pages, 8u);
  for (size_t page : {size_t{1}, size_t{2}, pages / 2, pages - 1}) {
    std::string damaged = bytes;
    // Page 1 keeps its 100-byte file header (else it is "not a database", tested elsewhere).
    for (size_t i = page * 4096 + (page == 0 ? 100 : 0); i < (page + 1) * 4096; ++i)
      damaged[i] = static_cast<char>((i * 7919) >> 3);
    std::string path = Path("page" + std::to_string(page) + ".db");
    WriteBytes(path, damaged);
    ExpectCorrupt([&] { Store::Open(path); }, path, "page " + std::to_string(page));
    EXPECT_TRUE(ReadBytes(path) == damaged) << "the damaged file was modified";
  }
}

TEST_F(StoreTest, DamageInABigStoreIsFoundByTheStatementThatReadsIt) {
  // Past 8 MB the open-time quick_check is skipped; the damage must still surface as an Error
  // from the statement that reads the damaged page, and the rest of the store stays readable.
  std::string path = Path("big.db");
  int64_t r;
  {
    auto s = Store::Open(path);
    r = s->CreateRun("rsi", 1, "{}");
    for (int i = 0; i < 30; ++i) s->AppendEvent(r, "step", "ouro", "{}");
    Transaction tx(*s);
    const std::string text(8000, 'p');
    for (int i = 0; i < 1200; ++i) s->PutProgram("prog" + std::to_string(i), text);
    tx.Commit();
  }
  ASSERT_GT(ReadBytes(path).size(), size_t{9} << 20);
  int64_t root = 0;
  {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT rootpage FROM sqlite_schema WHERE name = 'events'", -1,
                                 &st, nullptr),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    root = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
  }
  ASSERT_GT(root, 1);
  {
    std::string bytes = ReadBytes(path);
    for (size_t i = (root - 1) * 4096; i < static_cast<size_t>(root) * 4096; ++i)
      bytes[i] = static_cast<char>(0x5A ^ (i & 0xff));
    WriteBytes(path, bytes);
  }
  auto s = Store::Open(path);
  ExpectCorrupt([&] { s->GetEvents(r); }, path, "read events");
  ExpectCorrupt([&] { s->AppendEvent(r, "step", "ouro", "{}"); }, path, "append event");
  EXPECT_FALSE(s->in_transaction());
  // The other tables still read.
  EXPECT_EQ(s->GetRun(r)->kind, "rsi");
  EXPECT_EQ(s->GetProgram("prog7")->size(), 8000u);
}

TEST_F(StoreTest, WriteLockHeldElsewhereIsALockedErrorAndLosesNothing) {
  std::string path = Path("locked.db");
  auto s = Store::Open(path, /*busy_timeout_ms=*/50);
  int64_t r = s->CreateRun("rsi", 1, "{}");
  for (int i = 0; i < 5; ++i) s->AppendEvent(r, "step", "ouro", "{}");
  s->AddItem(r, "adopt", "k1", "first", "");
  s->ClaimRun(r);

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_TRUE(RawExec(db, "BEGIN IMMEDIATE"));
  const std::initializer_list<std::string> locked = {path, "locked"};
  ExpectError([&] { s->AppendEvent(r, "step", "ouro", "{}"); }, locked);
  ExpectError([&] { s->AddItem(r, "adopt", "k2", "second", ""); }, locked);
  ExpectError([&] { s->DecideItem(r, 1, true, "alice", ""); }, locked);
  ExpectError([&] { s->ClaimRun(r); }, locked);
  ExpectError([&] { s->Heartbeat(r); }, locked);
  ExpectError([&] { s->SetControl(r, "pause"); }, locked);
  ExpectError([&] { s->PutCheckpoint(r, 1, "{}"); }, locked);
  ExpectError([&] { s->TruncateRsiRows(r, 0); }, locked);
  ExpectError([&] { s->AddSelfplayVersion(r, {0, 0, "p0", "text", "", ""}); }, locked);
  ExpectError([&] { s->TruncateSelfplayRows(r, 0); }, locked);
  EXPECT_FALSE(s->in_transaction());
  // Reading still works, and shows everything committed before.
  EXPECT_EQ(s->GetEvents(r).size(), 5u);
  EXPECT_EQ(s->GetControl(r), "run");
  EXPECT_EQ(s->GetItem(r, 1)->status, "pending");
  ASSERT_TRUE(RawExec(db, "COMMIT"));
  sqlite3_close(db);

  // Lock released: the same operations go through and the chain has no gap.
  s->AppendEvent(r, "step", "ouro", "{}");
  s->DecideItem(r, 1, true, "alice", "");
  s->Heartbeat(r);
  EXPECT_EQ(s->GetEvents(r).size(), 6u);
  ExpectChainOk(*s, r);
}

TEST_F(StoreTest, FullStoreIsAClearErrorAndKeepsEverythingCommitted) {
  std::string path = Path("full.db");
  int64_t r;
  int appended = 0;
  {
    auto s = Store::Open(path);
    r = s->CreateRun("rsi", 1, "{}");
    s->AddLineage(r, LineageRow{"aa", "", 0, "", 0.5});
    s->AddItem(r, "adopt", "k1", "first", "");
    const int64_t limit = s->SetMaxPages(1);  // never below the current size: "full now"
    EXPECT_GT(limit, 1);
    EXPECT_EQ(s->SetMaxPages(1), limit);

    // Appending events of 2 KB fills the remaining free space, then fails cleanly.
    const std::string content = "\"" + std::string(2000, 'e') + "\"";
    bool failed = false;
    for (int i = 0; i < 1000 && !failed; ++i) {
      try {
        s->AppendEvent(r, "step", "ouro", content);
        ++appended;
      } catch (const Error& e) {
        failed = true;
        const std::string msg = e.what();
        EXPECT_NE(msg.find(path), std::string::npos) << msg;
        EXPECT_NE(msg.find("full"), std::string::npos) << msg;
        EXPECT_NE(msg.find("append event"), std::string::npos) << msg;
      }
    }
    ASSERT_TRUE(failed) << "the size limit was never reached";
    EXPECT_FALSE(s->in_transaction());
    EXPECT_EQ(s->GetEvents(r).size(), static_cast<size_t>(appended));
    EXPECT_EQ(s->GetAuditHead(r)->first, appended);  // the failed append left no trace
    ExpectChainOk(*s, r);

    // A big transaction of the caller fails the same way; rolled back, it loses nothing earlier.
    s->Begin();
    ExpectError(
        [&] {
          for (int i = 0; i < 100000; ++i)
            s->AddLineage(r, LineageRow{"bb" + std::to_string(i), "aa", i, "point", 0.25});
        },
        {path, "full", "add lineage"});
    s->Rollback();
    EXPECT_FALSE(s->in_transaction());
    ExpectError([&] { s->AddItem(r, "adopt", std::string(20000, 'k'), "big", ""); },
                {path, "full", "add item"});
    EXPECT_EQ(s->GetLineage(r).size(), 1u);
    EXPECT_EQ(s->GetItems(r, false).size(), 1u);
    // Small writes that need no new page still work, e.g. the control word.
    s->SetControl(r, "pause");
  }
  // Reopened without the limit, everything committed is there and writing goes on.
  auto s = Store::OpenExisting(path);
  EXPECT_EQ(s->GetRun(r)->control, "pause");
  EXPECT_EQ(s->GetLineage(r).size(), 1u);
  EXPECT_EQ(s->GetItem(r, 1)->key, "k1");
  EXPECT_EQ(s->GetEvents(r).size(), static_cast<size_t>(appended));
  s->AppendEvent(r, "step", "ouro", "{}");
  ExpectChainOk(*s, r);
}

// The body of the two-writers test: claims the run, then keeps heartbeating until told to stop.
TEST(StoreChildProcess, Owner) {
  const char* path = std::getenv("OURO_STORE_OWNER_DB");
  if (!path) GTEST_SKIP() << "only runs as the child of TwoProcessesCannotWriteTheSameRun";
  const int64_t run = std::atoll(std::getenv("OURO_STORE_OWNER_RUN"));
  auto s = Store::OpenExisting(path);
  s->ClaimRun(run);
  s->AppendEvent(run, "child_started", "child", "{}");
  WriteBytes(std::string(path) + ".claimed", "");
  const std::string release = std::string(path) + ".release";
  for (int i = 0; i < 6000 && !fs::exists(release); ++i) {  // at most ~60 s
    s->Heartbeat(run);
    ::usleep(10000);
  }
  s->ReleaseRun(run);
  if (!HasFailure()) WriteBytes(std::string(path) + ".child-ok", "ok");
}

TEST_F(StoreTest, TwoProcessesCannotWriteTheSameRun) {
  std::string path = Path("owner.db");
  auto s = Store::Open(path);
  int64_t r = s->CreateRun("rsi", 1, "{}");
  s->AppendEvent(r, "created", "ouro", "{}");
  pid_t pid = SpawnSelf("StoreChildProcess.Owner", {{"OURO_STORE_OWNER_DB", path},
                                                    {"OURO_STORE_OWNER_RUN", std::to_string(r)}});
  ASSERT_GT(pid, 0);
  const bool claimed = WaitForFile(path + ".claimed");
  if (claimed) {
    ExpectError([&] { s->ClaimRun(r); },
                {path,
                 "run " + std::to_string(r) + " is being written by process " +
                     std::to_string(pid) + " on host " + Store::HostName(),
                 "stop it first or wait"});
    auto info = *s->GetRun(r);
    EXPECT_EQ(info.owner_pid, pid);
    EXPECT_GE(info.heartbeat_age_seconds, 0);
  }
  WriteBytes(path + ".release", "");
  EXPECT_EQ(WaitExit(pid), 0) << "the child owner failed (see its output above)";
  ASSERT_TRUE(claimed) << "the child never claimed the run";
  EXPECT_TRUE(fs::exists(path + ".child-ok"));
  // Released by the child: ours now, and nothing either process wrote is lost.
  s->ClaimRun(r);
  EXPECT_EQ(s->GetRun(r)->owner_pid, ::getpid());
  s->AppendEvent(r, "parent_took_over", "ouro", "{}");
  auto ev = s->GetEvents(r);
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[1].actor, "child");
  ExpectChainOk(*s, r);
}

TEST_F(StoreTest, AnOpenReadTransactionDoesNotBlockWrites) {
  std::string path = Path("readers.db");
  auto s = Store::Open(path);
  int64_t r = s->CreateRun("rsi", 1, "{}");
  s->AppendEvent(r, "a", "ouro", "{}");
  s->SetBusyTimeout(0);  // any wait for a lock would fail at once

  // A reader (status, dashboard) in the middle of a long read.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_TRUE(RawExec(db, "BEGIN; SELECT count(*) FROM events; SELECT * FROM runs;"));
  auto reader = Store::OpenExisting(path);  // and an ouro reader polling between writes

  s->AppendEvent(r, "b", "ouro", "{}");
  CandidateRow c;
  c.generation = 1;
  c.hash = "c";
  s->AddCandidate(r, c);
  s->AddItem(r, "adopt", "k", "s", "");
  s->SetControl(r, "pause");
  s->ClaimRun(r);
  s->Heartbeat(r);
  {
    Transaction tx(*s);
    for (int i = 0; i < 200; ++i) s->AddMetric(r, MetricRow{});
    EXPECT_EQ(reader->GetEvents(r).size(), 2u);  // a reader mid-write sees the committed state
    tx.Commit();
  }
  EXPECT_EQ(reader->GetMetrics(r).size(), 200u);

  // The raw reader still sees its snapshot, and the latest state after it ends.
  sqlite3_stmt* st = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT count(*) FROM events", -1, &st, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 1);
  sqlite3_reset(st);
  ASSERT_TRUE(RawExec(db, "COMMIT"));
  ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(st, 0), 2);
  sqlite3_finalize(st);
  sqlite3_close(db);
  ExpectChainOk(*s, r);
}

}  // namespace
