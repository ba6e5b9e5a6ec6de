// Tests of the run store's schema version 3 (oversight), part 1: the audit chain (append, head,
// atomicity alone and inside the caller's transaction, two processes appending to one run), the
// control word and progress, and ownership (claim, heartbeat, release, take-over of dead or silent
// owners). Approval items, checkpoints, truncation, reopening for resume and the upgrades to
// version 3 are in store_v3_items_test.cc; shared helpers in store_v3_test_util.h.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "oversight/audit.h"
#include "store/store.h"
#include "store_test_util.h"
#include "store_v3_test_util.h"

using ouro::oversight::EventHash;
using ouro::oversight::kGenesisHash;
using ouro::store::EventRow;
using ouro::store::Store;
using ouro::store::Transaction;
using namespace ouro_store_test;

namespace {

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

}  // namespace
