// Tests of the run store's schema version 3 (oversight): the audit chain (append, head, atomicity
// alone and inside the caller's transaction, two processes appending to one run), the control
// word and progress, ownership (claim, heartbeat, release, take-over of dead or silent owners),
// approval items (numbering, idempotency by key, decisions and their errors), checkpoints,
// truncation and reopening for resume, and the in-place upgrade of version-1 and version-2 stores.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "oversight/audit.h"
#include "store/store.h"
#include "store_test_util.h"

using ouro::oversight::EventHash;
using ouro::oversight::kGenesisHash;
using ouro::oversight::VerifyChain;
using ouro::store::CandidateRow;
using ouro::store::CurveRow;
using ouro::store::EventRow;
using ouro::store::ImproverRow;
using ouro::store::ItemRow;
using ouro::store::Store;
using ouro::store::Transaction;
using namespace ouro_store_test;

namespace {

// "YYYY-MM-DDTHH:MM:SS.mmmZ".
bool IsIsoUtcMillis(const std::string& s) {
  const std::string shape = "dddd-dd-ddTdd:dd:dd.dddZ";
  if (s.size() != shape.size()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (shape[i] == 'd' ? !(s[i] >= '0' && s[i] <= '9') : s[i] != shape[i]) return false;
  }
  return true;
}

// Runs sql on a fresh raw connection to path; false on error.
bool RawExecOn(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    sqlite3_close(db);
    return false;
  }
  sqlite3_busy_timeout(db, 5000);
  bool ok = RawExec(db, sql);
  sqlite3_close(db);
  return ok;
}

void ExpectChainOk(Store& s, int64_t run) {
  auto check = VerifyChain(run, s.GetEvents(run), s.GetAuditHead(run));
  EXPECT_TRUE(check.ok) << check.problem;
}

// ---- audit chain ------------------------------------------------------------------------------

TEST_F(StoreTest, AppendEventBuildsAVerifiableChainPerRun) {
  auto s = Store::Open(Path("events.db"));
  int64_t a = s->CreateRun("rsi", 1, "{}");
  int64_t b = s->CreateRun("rsi", 2, "{}");
  EXPECT_TRUE(s->GetEvents(a).empty());
  ASSERT_TRUE(s->GetAuditHead(a).has_value());
  EXPECT_EQ(*s->GetAuditHead(a), std::make_pair(int64_t{0}, std::string(kGenesisHash)));

  std::vector<EventRow> appended;
  for (int i = 0; i < 5; ++i) {
    appended.push_back(s->AppendEvent(a, "step", "ouro", R"({"i":)" + std::to_string(i) + "}"));
    if (i % 2 == 0) s->AppendEvent(b, "other", "alice", "[1, 2]");
  }
  auto ev = s->GetEvents(a);
  ASSERT_EQ(ev.size(), 5u);
  for (size_t i = 0; i < ev.size(); ++i) {
    EXPECT_EQ(ev[i].seq, static_cast<int64_t>(i) + 1);
    EXPECT_TRUE(IsIsoUtcMillis(ev[i].at)) << ev[i].at;
    EXPECT_EQ(ev[i].type, "step");
    EXPECT_EQ(ev[i].actor, "ouro");
    EXPECT_EQ(ev[i].content_json, R"({"i":)" + std::to_string(i) + "}");
    EXPECT_EQ(ev[i].prev_hash, i == 0 ? std::string(kGenesisHash) : ev[i - 1].hash);
    EXPECT_EQ(ev[i].hash, EventHash(a, ev[i]));
    EXPECT_EQ(ev[i].hash.size(), 64u);
    // What AppendEvent returned is what was stored.
    EXPECT_EQ(appended[i].seq, ev[i].seq);
    EXPECT_EQ(appended[i].at, ev[i].at);
    EXPECT_EQ(appended[i].hash, ev[i].hash);
  }
  EXPECT_EQ(*s->GetAuditHead(a), std::make_pair(int64_t{5}, ev.back().hash));
  ExpectChainOk(*s, a);
  auto eb = s->GetEvents(b);
  ASSERT_EQ(eb.size(), 3u);
  EXPECT_EQ(eb[0].seq, 1);
  EXPECT_EQ(eb[0].prev_hash, kGenesisHash);
  EXPECT_EQ(eb[2].content_json, "[1, 2]");  // stored byte for byte
  ExpectChainOk(*s, b);
  // The run id is part of the hash: the same row in another run does not verify.
  EXPECT_NE(EventHash(b, ev[0]), ev[0].hash);

  EXPECT_TRUE(s->GetEvents(b + 100).empty());
  EXPECT_FALSE(s->GetAuditHead(b + 100).has_value());

  // Errors write nothing.
  ExpectError([&] { s->AppendEvent(b + 100, "x", "ouro", "{}"); },
              {"events.db", "append event", "no such run " + std::to_string(b + 100)});
  ExpectError([&] { s->AppendEvent(a, "x", "ouro", "{oops"); },
              {"event content", "not valid JSON"});
  ExpectError([&] { s->AppendEvent(a, "x", "ouro", ""); }, {"event content", "empty"});
  EXPECT_EQ(s->GetEvents(a).size(), 5u);
  EXPECT_EQ(s->GetAuditHead(a)->first, 5);

  // Reopened, the chain continues where it was.
  s.reset();
  s = Store::OpenExisting(Path("events.db"));
  EventRow e6 = s->AppendEvent(a, "step", "ouro", "{}");
  EXPECT_EQ(e6.seq, 6);
  EXPECT_EQ(e6.prev_hash, ev.back().hash);
  ExpectChainOk(*s, a);
}

TEST_F(StoreTest, AppendEventJoinsTheCallersTransaction) {
  auto s = Store::Open(Path("evtx.db"));
  int64_t r = s->CreateRun("rsi", 1, "{}");
  s->AppendEvent(r, "started", "ouro", "{}");
  {
    Transaction tx(*s);
    s->AppendEvent(r, "a", "ouro", "{}");
    s->AppendEvent(r, "b", "ouro", "{}");
    EXPECT_EQ(s->GetAuditHead(r)->first, 3);  // visible inside the transaction
  }                                           // rolled back: the events and the head go together
  EXPECT_EQ(s->GetEvents(r).size(), 1u);
  EXPECT_EQ(s->GetAuditHead(r)->first, 1);
  ExpectChainOk(*s, r);

  s->Begin();
  s->AppendEvent(r, "a", "ouro", "{}");
  // A failing append inside the transaction undoes only itself; the transaction stays open.
  ExpectError([&] { s->AppendEvent(r + 1, "b", "ouro", "{}"); }, {"no such run"});
  EXPECT_TRUE(s->in_transaction());
  s->AppendEvent(r, "c", "ouro", "{}");
  s->Commit();
  auto ev = s->GetEvents(r);
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[1].type, "a");
  EXPECT_EQ(ev[2].type, "c");
  ExpectChainOk(*s, r);
}

TEST_F(StoreTest, AppendEventWritesAllOrNothing) {
  std::string path = Path("evatomic.db");
  auto s = Store::Open(path);
  int64_t r = s->CreateRun("rsi", 1, "{}");
  s->AppendEvent(r, "a", "ouro", "{}");
  s->AppendEvent(r, "b", "ouro", "{}");
  const auto head = *s->GetAuditHead(r);
  // Put the recorded head out of step with the events (as a damaged store could be): the insert
  // of the next event then fails, and the head must not move either.
  ASSERT_TRUE(RawExecOn(path, "UPDATE runs SET audit_count = 1 WHERE id = " + std::to_string(r)));
  ExpectError([&] { s->AppendEvent(r, "c", "ouro", "{}"); },
              {"append event", "already has event 2", "out of step"});
  EXPECT_EQ(s->GetAuditHead(r)->first, 1);
  EXPECT_EQ(s->GetAuditHead(r)->second, head.second);
  EXPECT_EQ(s->GetEvents(r).size(), 2u);
  EXPECT_FALSE(s->in_transaction());
}

// The body of the two-appenders test: runs only as the child of TwoProcessesAppendToOneChain.
TEST(StoreChildProcess, Appender) {
  const char* path = std::getenv("OURO_STORE_APPEND_DB");
  if (!path) GTEST_SKIP() << "only runs as the child of TwoProcessesAppendToOneChain";
  const int64_t run = std::atoll(std::getenv("OURO_STORE_APPEND_RUN"));
  const int n = std::atoi(std::getenv("OURO_STORE_APPEND_N"));
  auto s = Store::OpenExisting(path);
  WriteBytes(std::string(path) + ".ready", "");
  ASSERT_TRUE(WaitForFile(std::string(path) + ".go"));
  for (int i = 0; i < n; ++i)
    s->AppendEvent(run, "child", "child", "{\"i\":" + std::to_string(i) + "}");
  if (!HasFailure()) WriteBytes(std::string(path) + ".child-ok", "ok");
}

TEST_F(StoreTest, TwoProcessesAppendToOneChain) {
  std::string path = Path("twoappenders.db");
  auto s = Store::Open(path);
  int64_t r = s->CreateRun("rsi", 1, "{}");
  const int n = 150;
  pid_t pid = SpawnSelf("StoreChildProcess.Appender", {{"OURO_STORE_APPEND_DB", path},
                                                       {"OURO_STORE_APPEND_RUN", std::to_string(r)},
                                                       {"OURO_STORE_APPEND_N", std::to_string(n)}});
  ASSERT_GT(pid, 0);
  ASSERT_TRUE(WaitForFile(path + ".ready"));
  WriteBytes(path + ".go", "");
  for (int i = 0; i < n; ++i)
    s->AppendEvent(r, "parent", "parent", "{\"i\":" + std::to_string(i) + "}");
  EXPECT_EQ(WaitExit(pid), 0) << "the child appender failed (see its output above)";
  EXPECT_TRUE(fs::exists(path + ".child-ok"));
  auto ev = s->GetEvents(r);
  ASSERT_EQ(ev.size(), 2u * n);
  int from_child = 0;
  for (const auto& e : ev) from_child += e.actor == "child";
  EXPECT_EQ(from_child, n);
  ExpectChainOk(*s, r);
}

// ---- control and progress ---------------------------------------------------------------------

TEST_F(StoreTest, ControlAndProgressAreSharedBetweenConnections) {
  std::string path = Path("control.db");
  auto runner = Store::Open(path);
  int64_t r = runner->CreateRun("rsi", 1, "{}");
  auto info = *runner->GetRun(r);
  EXPECT_EQ(info.control, "run");
  EXPECT_EQ(info.control_at, "");
  EXPECT_EQ(info.progress_json, "");
  EXPECT_EQ(runner->GetControl(r), "run");

  auto other = Store::Open(path);  // e.g. `ouro pause` in another process
  other->SetControl(r, "pause");
  EXPECT_EQ(runner->GetControl(r), "pause");
  info = *runner->GetRun(r);
  EXPECT_EQ(info.control, "pause");
  EXPECT_TRUE(IsIsoUtcMillis(info.control_at)) << info.control_at;
  other->SetControl(r, "stop");
  EXPECT_EQ(runner->GetControl(r), "stop");
  other->SetControl(r, "run");
  EXPECT_EQ(runner->GetControl(r), "run");

  ExpectError([&] { other->SetControl(r, "halt"); }, {"control.db", "'halt'", "run, pause, stop"});
  ExpectError([&] { other->SetControl(r, ""); }, {"is not one of"});
  ExpectError([&] { other->SetControl(r + 1, "stop"); }, {"set control", "no such run"});
  ExpectError([&] { runner->GetControl(r + 1); }, {"get control", "no such run"});
  EXPECT_EQ(runner->GetControl(r), "run");

  runner->SetProgress(r, R"({"generation":3,"best":0.5})");
  EXPECT_EQ(other->GetRun(r)->progress_json, R"({"generation":3,"best":0.5})");
  ExpectError([&] { runner->SetProgress(r, "{"); }, {"run progress", "not valid JSON"});
  ExpectError([&] { runner->SetProgress(r + 1, "{}"); }, {"set progress", "no such run"});
  EXPECT_EQ(other->GetRun(r)->progress_json, R"({"generation":3,"best":0.5})");
  runner->SetProgress(r, "");
  EXPECT_EQ(other->GetRun(r)->progress_json, "");
}

TEST_F(StoreTest, GetControlPollingIsCheapAndSeesEveryChange) {
  // Polled like the running loop does, interleaved with writes from another connection; this
  // checks that the cached statement is reset each time (each poll sees the latest value).
  std::string path = Path("poll.db");
  auto runner = Store::Open(path);
  auto other = Store::Open(path);
  int64_t r = runner->CreateRun("rsi", 1, "{}");
  const char* words[] = {"run", "pause", "stop"};
  for (int i = 0; i < 300; ++i) {
    if (i % 3 == 0) other->SetControl(r, words[(i / 3) % 3]);
    EXPECT_EQ(runner->GetControl(r), words[(i / 3) % 3]) << i;
  }
}

// ---- ownership --------------------------------------------------------------------------------

// Sets the owner of run r on a raw connection, heartbeat `age_expr` ago (SQLite modifier).
bool FakeOwner(const std::string& path, int64_t r, int64_t pid, const std::string& host,
               const std::string& age_modifier) {
  return RawExecOn(path, "UPDATE runs SET owner_pid = " + std::to_string(pid) + ", owner_host = '" +
                             host + "', heartbeat_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '" +
                             age_modifier + "') WHERE id = " + std::to_string(r));
}

// A pid that existed and has exited (so no process has it, unless it is reused meanwhile).
int64_t DeadPid() {
  pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  WaitExit(pid);
  return pid;
}

TEST_F(StoreTest, ClaimHeartbeatRelease) {
  std::string path = Path("own.db");
  auto s = Store::Open(path);
  int64_t r = s->CreateRun("rsi", 1, "{}");
  auto info = *s->GetRun(r);
  EXPECT_EQ(info.owner_pid, 0);
  EXPECT_EQ(info.owner_host, "");
  EXPECT_EQ(info.heartbeat_at, "");
  EXPECT_LT(info.heartbeat_age_seconds, 0);

  s->ClaimRun(r);
  info = *s->GetRun(r);
  EXPECT_EQ(info.owner_pid, ::getpid());
  EXPECT_EQ(info.owner_host, Store::HostName());
  EXPECT_FALSE(Store::HostName().empty());
  EXPECT_TRUE(IsIsoUtcMillis(info.heartbeat_at)) << info.heartbeat_at;
  EXPECT_GE(info.heartbeat_age_seconds, 0);
  s->ClaimRun(r);  // claiming again is fine: it is ours
  s->Heartbeat(r);
  // Another connection of this same process is the same owner.
  auto same = Store::Open(path);
  same->ClaimRun(r);
  same->Heartbeat(r);

  s->ReleaseRun(r);
  info = *s->GetRun(r);
  EXPECT_EQ(info.owner_pid, 0);
  EXPECT_EQ(info.owner_host, "");
  EXPECT_FALSE(info.heartbeat_at.empty());  // the last heartbeat stays for readers
  ExpectError([&] { s->Heartbeat(r); }, {"run " + std::to_string(r), "no longer claimed"});
  s->ReleaseRun(r);  // releasing again: nothing to do

  ExpectError([&] { s->ClaimRun(r + 1); }, {"claim run", "no such run"});
  ExpectError([&] { s->Heartbeat(r + 1); }, {"heartbeat", "no such run"});
  ExpectError([&] { s->ReleaseRun(r + 1); }, {"release run", "no such run"});
}

TEST_F(StoreTest, ALiveOwnerBlocksClaimsAndDeadOrSilentOnesAreTakenOver) {
  std::string path = Path("owners.db");
  auto s = Store::Open(path);
  int64_t r = s->CreateRun("rsi", 1, "{}");
  const std::string host = Store::HostName();
  const int64_t parent = ::getppid();  // a process on this host that surely exists
  const std::string run = "run " + std::to_string(r);

  // Live: same host, existing pid, fresh heartbeat.
  ASSERT_TRUE(FakeOwner(path, r, parent, host, "-1 seconds"));
  ExpectError([&] { s->ClaimRun(r); },
              {"owners.db",
               run + " is being written by process " + std::to_string(parent) + " on host " + host,
               "s ago); stop it first or wait"});
  ExpectError([&] { s->Heartbeat(r); },
              {run + " was taken over by process " + std::to_string(parent)});
  s->ReleaseRun(r);  // not ours: left alone
  EXPECT_EQ(s->GetRun(r)->owner_pid, parent);

  // Live: another host (its pids mean nothing here), fresh heartbeat.
  const int64_t dead = DeadPid();
  ASSERT_TRUE(FakeOwner(path, r, dead, "some-other-host", "-1 seconds"));
  ExpectError([&] { s->ClaimRun(r); }, {"process " + std::to_string(dead), "some-other-host"});
  // ... until its heartbeat is older than the lease.
  ASSERT_TRUE(FakeOwner(path, r, dead, "some-other-host", "-10 seconds"));
  s->ClaimRun(r, /*lease_seconds=*/5);
  EXPECT_EQ(s->GetRun(r)->owner_pid, ::getpid());
  EXPECT_EQ(s->GetRun(r)->owner_host, host);

  // Silent: same host, existing pid, stale heartbeat.
  ASSERT_TRUE(FakeOwner(path, r, parent, host, "-60 seconds"));
  EXPECT_GE(s->GetRun(r)->heartbeat_age_seconds, 30);
  ExpectError([&] { s->ClaimRun(r, /*lease_seconds=*/120); }, {"being written by process"});
  s->ClaimRun(r, /*lease_seconds=*/30);
  EXPECT_EQ(s->GetRun(r)->owner_pid, ::getpid());

  // Dead: same host, fresh heartbeat, but the process is gone.
  ASSERT_TRUE(FakeOwner(path, r, dead, host, "-0 seconds"));
  s->ClaimRun(r);
  EXPECT_EQ(s->GetRun(r)->owner_pid, ::getpid());
  s->Heartbeat(r);
}

// ---- approval items ---------------------------------------------------------------------------

TEST_F(StoreTest, ItemsAreNumberedPerRunAndIdempotentByKey) {
  auto s = Store::Open(Path("items.db"));
  int64_t a = s->CreateRun("rsi", 1, "{}");
  int64_t b = s->CreateRun("rsi", 2, "{}");
  EXPECT_EQ(s->AddItem(a, "adopt_improver", "gen1/cand0", "adopt candidate 0?", R"({"llr":3})"), 1);
  EXPECT_EQ(s->AddItem(a, "adopt_improver", "gen2/cand1", "adopt candidate 1?", ""), 2);
  EXPECT_EQ(s->AddItem(b, "adopt_improver", "gen1/cand0", "same key, other run", "{}"), 1);
  // The same question again (a resumed run): its number, nothing changed.
  EXPECT_EQ(s->AddItem(a, "other_kind", "gen1/cand0", "different text", "[]"), 1);
  auto it = s->GetItem(a, 1);
  ASSERT_TRUE(it.has_value());
  EXPECT_EQ(it->item, 1);
  EXPECT_EQ(it->kind, "adopt_improver");
  EXPECT_EQ(it->key, "gen1/cand0");
  EXPECT_EQ(it->summary, "adopt candidate 0?");
  EXPECT_EQ(it->evidence_json, R"({"llr":3})");
  EXPECT_EQ(it->status, "pending");
  EXPECT_TRUE(IsIsoUtc(it->created_at)) << it->created_at;
  EXPECT_EQ(it->decided_by, "");
  EXPECT_EQ(it->decided_at, "");
  EXPECT_EQ(it->note, "");
  EXPECT_EQ(s->GetItems(a, false).size(), 2u);

  auto found = s->FindItem(a, "gen2/cand1");
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->item, 2);
  EXPECT_EQ(found->evidence_json, "");
  EXPECT_FALSE(s->FindItem(a, "nope").has_value());
  EXPECT_FALSE(s->GetItem(a, 3).has_value());
  EXPECT_FALSE(s->GetItem(b + 5, 1).has_value());

  ExpectError([&] { s->AddItem(b + 5, "k", "key", "s", ""); }, {"add item", "no such run"});
  ExpectError([&] { s->AddItem(a, "k", "key", "s", "{bad"); }, {"item evidence", "not valid JSON"});
  ExpectError([&] { s->AddItem(a, "k", "", "s", ""); }, {"add item", "key is empty"});
  EXPECT_EQ(s->GetItems(a, false).size(), 2u);
  EXPECT_EQ(s->AddItem(a, "k", "key", "s", ""), 3);  // numbering goes on after the failures
}

TEST_F(StoreTest, DecideItemOnceAndOnlyOnce) {
  auto s = Store::Open(Path("decide.db"));
  int64_t a = s->CreateRun("rsi", 1, "{}");
  int64_t b = s->CreateRun("rsi", 2, "{}");
  s->AddItem(a, "adopt", "k1", "first", "");
  s->AddItem(a, "adopt", "k2", "second", "");
  s->AddItem(a, "adopt", "k3", "third", "");
  s->AddItem(b, "adopt", "k1", "other run", "");

  auto pending = s->GetPendingItemsAllRuns();
  ASSERT_EQ(pending.size(), 4u);
  EXPECT_EQ(pending[0].first, a);
  EXPECT_EQ(pending[0].second.item, 1);
  EXPECT_EQ(pending[2].second.key, "k3");
  EXPECT_EQ(pending[3].first, b);
  EXPECT_EQ(pending[3].second.summary, "other run");

  s->DecideItem(a, 1, /*approve=*/true, "alice", "looks right");
  s->DecideItem(a, 3, /*approve=*/false, "bob", "");
  auto i1 = *s->GetItem(a, 1);
  EXPECT_EQ(i1.status, "approved");
  EXPECT_EQ(i1.decided_by, "alice");
  EXPECT_TRUE(IsIsoUtcMillis(i1.decided_at)) << i1.decided_at;
  EXPECT_EQ(i1.note, "looks right");
  auto i3 = *s->GetItem(a, 3);
  EXPECT_EQ(i3.status, "rejected");
  EXPECT_EQ(i3.decided_by, "bob");

  auto still = s->GetItems(a, /*pending_only=*/true);
  ASSERT_EQ(still.size(), 1u);
  EXPECT_EQ(still[0].item, 2);
  pending = s->GetPendingItemsAllRuns();
  ASSERT_EQ(pending.size(), 2u);
  EXPECT_EQ(pending[0].second.key, "k2");
  EXPECT_EQ(pending[1].first, b);

  const std::string ra = std::to_string(a);
  ExpectError(
      [&] { s->DecideItem(a, 1, false, "carol", ""); },
      {"decide.db", "item 1 of run " + ra + " was already approved by alice at " + i1.decided_at});
  ExpectError([&] { s->DecideItem(a, 3, true, "carol", ""); },
              {"item 3 of run " + ra + " was already rejected by bob at"});
  ExpectError([&] { s->DecideItem(a, 9, true, "carol", ""); },
              {"decide item", "run " + ra + " has no item 9"});
  ExpectError([&] { s->DecideItem(b + 7, 1, true, "carol", ""); }, {"decide item", "no such run"});
  ExpectError([&] { s->DecideItem(a, 2, true, "", ""); }, {"actor is empty"});
  EXPECT_EQ(s->GetItem(a, 1)->decided_by, "alice");  // unchanged by the refused decision
  EXPECT_EQ(s->GetItem(a, 2)->status, "pending");

  // The same question asked again after the decision finds the answer.
  EXPECT_EQ(s->AddItem(a, "adopt", "k1", "first", ""), 1);
  EXPECT_EQ(s->FindItem(a, "k1")->status, "approved");
}

TEST_F(StoreTest, DecisionAndItsEventCommitTogether) {
  auto s = Store::Open(Path("decidetx.db"));
  int64_t r = s->CreateRun("rsi", 1, "{}");
  s->AddItem(r, "adopt", "k1", "first", "");
  {
    Transaction tx(*s);
    s->DecideItem(r, 1, true, "alice", "");
    s->AppendEvent(r, "item_decided", "alice", R"({"item":1,"approved":true})");
  }  // rolled back: neither happened
  EXPECT_EQ(s->GetItem(r, 1)->status, "pending");
  EXPECT_TRUE(s->GetEvents(r).empty());
  {
    Transaction tx(*s);
    s->DecideItem(r, 1, true, "alice", "");
    // A refused second decision inside the transaction does not undo the first.
    ExpectError([&] { s->DecideItem(r, 1, false, "bob", ""); }, {"already approved by alice"});
    s->AppendEvent(r, "item_decided", "alice", R"({"item":1,"approved":true})");
    tx.Commit();
  }
  EXPECT_EQ(s->GetItem(r, 1)->status, "approved");
  EXPECT_EQ(s->GetEvents(r).size(), 1u);
  ExpectChainOk(*s, r);
}

// ---- checkpoints, truncation, reopening -------------------------------------------------------

TEST_F(StoreTest, CheckpointIsReplacedNotAccumulated) {
  auto s = Store::Open(Path("ckpt.db"));
  int64_t a = s->CreateRun("rsi", 1, "{}");
  int64_t b = s->CreateRun("rsi", 2, "{}");
  EXPECT_FALSE(s->GetCheckpoint(a).has_value());
  s->PutCheckpoint(a, 3, R"({"rng":"abc","incumbent":"h3"})");
  s->PutCheckpoint(b, 1, "{}");
  EXPECT_EQ(*s->GetCheckpoint(a),
            std::make_pair(3, std::string(R"({"rng":"abc","incumbent":"h3"})")));
  s->PutCheckpoint(a, 4, R"({"incumbent":"h4"})");
  EXPECT_EQ(*s->GetCheckpoint(a), std::make_pair(4, std::string(R"({"incumbent":"h4"})")));
  EXPECT_EQ(s->GetCheckpoint(b)->first, 1);
  ExpectError([&] { s->PutCheckpoint(a, 5, "{"); }, {"checkpoint state", "not valid JSON"});
  ExpectError([&] { s->PutCheckpoint(a, 5, ""); }, {"checkpoint state", "empty"});
  ExpectError([&] { s->PutCheckpoint(b + 1, 0, "{}"); }, {"put checkpoint", "no such run"});
  EXPECT_EQ(s->GetCheckpoint(a)->first, 4);
  EXPECT_FALSE(s->GetCheckpoint(b + 1).has_value());
}

CandidateRow Cand(int generation, int idx) {
  CandidateRow c;
  c.generation = generation;
  c.idx = idx;
  c.hash = "c" + std::to_string(generation) + "_" + std::to_string(idx);
  c.meta_operator = "tweak";
  c.decision = "rejected";
  return c;
}

TEST_F(StoreTest, TruncateRsiRowsKeepsEarlierGenerationsEventsAndItems) {
  auto s = Store::Open(Path("trunc.db"));
  int64_t r = s->CreateRun("rsi", 1, "{}");
  int64_t other = s->CreateRun("rsi", 2, "{}");
  for (int64_t run : {r, other}) {
    for (int g = 0; g < 4; ++g) {
      ImproverRow im;
      im.generation = g;
      im.hash = "imp" + std::to_string(g);
      im.spec_json = "{}";
      s->AddImprover(run, im);
      s->AddCandidate(run, Cand(g, 0));
      s->AddCandidate(run, Cand(g, 1));
      s->AddCurvePoint(run, CurveRow{g, 100 * g, 1.0 * g, "{}"});
    }
  }
  s->AppendEvent(r, "generation", "ouro", R"({"g":3})");
  s->AddItem(r, "adopt", "gen3", "adopt?", "");
  s->PutCheckpoint(r, 3, "{}");

  {
    Transaction tx(*s);
    s->TruncateRsiRows(r, 1);
    EXPECT_EQ(s->GetImprovers(r).size(), 2u);
  }  // rolled back with the caller's transaction
  EXPECT_EQ(s->GetImprovers(r).size(), 4u);

  s->TruncateRsiRows(r, 1);
  auto im = s->GetImprovers(r);
  ASSERT_EQ(im.size(), 2u);
  EXPECT_EQ(im.back().generation, 1);
  auto cs = s->GetCandidates(r);
  ASSERT_EQ(cs.size(), 4u);
  EXPECT_EQ(cs.back().generation, 1);
  auto cv = s->GetCurve(r);
  ASSERT_EQ(cv.size(), 2u);
  EXPECT_EQ(cv.back().generation, 1);
  EXPECT_EQ(s->GetEvents(r).size(), 1u);
  EXPECT_EQ(s->GetItems(r, false).size(), 1u);
  EXPECT_TRUE(s->GetCheckpoint(r).has_value());
  EXPECT_EQ(s->GetImprovers(other).size(), 4u);
  EXPECT_EQ(s->GetCandidates(other).size(), 8u);
  EXPECT_EQ(s->GetCurve(other).size(), 4u);

  // The freed generations can be written again.
  s->AddCandidate(r, Cand(2, 0));
  s->TruncateRsiRows(r, -1);  // everything, generation 0 included
  EXPECT_TRUE(s->GetImprovers(r).empty());
  EXPECT_TRUE(s->GetCandidates(r).empty());
  EXPECT_TRUE(s->GetCurve(r).empty());
  ExpectError([&] { s->TruncateRsiRows(other + 1, 0); }, {"truncate rsi rows", "no such run"});
}

TEST_F(StoreTest, ReopenRunResumesAStoppedRun) {
  auto s = Store::Open(Path("reopen.db"));
  int64_t r = s->CreateRun("rsi", 1, "{}");
  s->SetControl(r, "stop");
  s->FinishRun(r, "stopped", R"({"generations":2})");
  ASSERT_FALSE(s->GetRun(r)->finished_at.empty());
  s->ReopenRun(r);
  auto info = *s->GetRun(r);
  EXPECT_EQ(info.status, "running");
  EXPECT_EQ(info.finished_at, "");
  EXPECT_EQ(info.control, "run");  // the stop that ended it does not end the resumption
  EXPECT_EQ(info.summary_json, R"({"generations":2})");
  ExpectError([&] { s->ReopenRun(r + 1); }, {"reopen run", "no such run"});
}

// ---- upgrades to version 3 --------------------------------------------------------------------

TEST_F(StoreTest, Version2StoreIsUpgradedInPlaceKeepingEveryRow) {
  std::string path = Path("v2.db");
  ASSERT_NO_FATAL_FAILURE(WriteV2Store(path));
  ASSERT_EQ(RawUserVersion(path), 2);
  {
    auto s = Store::Open(path);
    EXPECT_EQ(RawUserVersion(path), 3);
    auto runs = s->ListRuns();
    ASSERT_EQ(runs.size(), 2u);
    EXPECT_EQ(runs[0].id, 7);
    EXPECT_EQ(runs[0].config_json, R"({"population":100})");
    EXPECT_EQ(runs[1].id, 8);
    EXPECT_EQ(runs[1].kind, "rsi");
    EXPECT_EQ(runs[1].status, "stopped");
    EXPECT_EQ(runs[1].seed, 5u);
    for (const auto& run : runs) {  // the new columns have their defaults
      EXPECT_EQ(run.control, "run");
      EXPECT_EQ(run.control_at, "");
      EXPECT_EQ(run.progress_json, "");
      EXPECT_EQ(run.owner_pid, 0);
      EXPECT_LT(run.heartbeat_age_seconds, 0);
      EXPECT_EQ(*s->GetAuditHead(run.id), std::make_pair(int64_t{0}, std::string(kGenesisHash)));
    }
    EXPECT_EQ(s->GetProgram("aa"), "(add x 1)");
    EXPECT_EQ(s->GetLineage(7).size(), 1u);
    EXPECT_EQ(s->GetMetrics(7).size(), 1u);
    auto im = s->GetImprovers(8);
    ASSERT_EQ(im.size(), 2u);
    EXPECT_EQ(im[1].parent_hash, "imp0");
    EXPECT_EQ(im[1].evidence_json, R"({"llr":3})");
    auto cs = s->GetCandidates(8);
    ASSERT_EQ(cs.size(), 3u);
    EXPECT_EQ(cs[2].decision, "inconclusive");
    EXPECT_EQ(s->GetCurve(8).size(), 2u);

    // The new tables work for the old runs.
    s->AppendEvent(8, "resumed", "ouro", "{}");
    s->AddItem(8, "adopt", "k", "s", "");
    s->PutCheckpoint(8, 1, "{}");
    s->ClaimRun(8);
    s->SetControl(7, "stop");
    s->TruncateRsiRows(8, 0);
    EXPECT_EQ(s->GetCandidates(8).size(), 0u);
  }
  auto s = Store::OpenExisting(path);
  EXPECT_EQ(RawUserVersion(path), 3);
  EXPECT_EQ(s->GetImprovers(8).size(), 1u);
  EXPECT_EQ(s->GetEvents(8).size(), 1u);
  ExpectChainOk(*s, 8);
  EXPECT_EQ(s->GetControl(7), "stop");
  EXPECT_EQ(s->GetLineage(7).size(), 1u);
}

TEST_F(StoreTest, Version1StoreIsUpgradedToVersion3) {
  std::string path = Path("v1to3.db");
  ASSERT_NO_FATAL_FAILURE(WriteV1Store(path));
  auto s = Store::Open(path);
  EXPECT_EQ(RawUserVersion(path), 3);
  auto run = *s->GetRun(7);
  EXPECT_EQ(run.status, "finished");
  EXPECT_EQ(run.control, "run");
  s->AppendEvent(7, "note", "alice", R"({"text":"old run"})");
  ExpectChainOk(*s, 7);
}

TEST_F(StoreTest, Version2UpgradeWaitsForTheWriteLockAndFailsCleanly) {
  std::string path = Path("v2lock.db");
  ASSERT_NO_FATAL_FAILURE(WriteV2Store(path));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_TRUE(RawExec(db, "BEGIN IMMEDIATE; INSERT INTO programs VALUES('bb', 'y');"));
  ExpectError([&] { Store::Open(path, 50); }, {path, "upgrade schema", "locked"});
  EXPECT_EQ(RawUserVersion(path), 2);
  ASSERT_TRUE(RawExec(db, "COMMIT"));
  sqlite3_close(db);
  auto s = Store::Open(path, 50);
  EXPECT_EQ(RawUserVersion(path), 3);
  EXPECT_EQ(s->GetProgram("bb"), "y");
  EXPECT_EQ(s->GetCandidates(8).size(), 3u);
}

TEST_F(StoreTest, Version3ClaimWithoutTheVersion3TablesIsRefused) {
  std::string path = Path("half3.db");
  ASSERT_NO_FATAL_FAILURE(WriteV2Store(path));
  ASSERT_TRUE(RawExecOn(path, "PRAGMA user_version = 3"));
  std::string bytes = ReadBytes(path);
  ExpectError([&] { Store::Open(path); }, {path, "not an ouro run store"});
  EXPECT_TRUE(ReadBytes(path) == bytes) << "the file was modified";
}

}  // namespace
