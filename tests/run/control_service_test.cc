// run::ControlService: each action and its refusals, and the invariant of its header — a control
// change and its audit event are written together or not at all, even when the process dies
// between the two writes (a forked child exits there; the parent reopens the store).
#include "run/control_service.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "oversight/audit.h"
#include "store/store.h"

namespace ouro::run {
namespace {

namespace fs = std::filesystem;
using store::Store;

constexpr int kCrashed = 42;  // the child's exit code when it died at the seam

class ControlServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() / ("ouro_control_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = (dir_ / "runs.db").string();
    db_ = Store::Open(path_);
  }
  void TearDown() override {
    db_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // An rsi run owned by this (live) process, with `items` pending items.
  int64_t LiveRun(int items = 0) {
    const int64_t r = DeadRun(items);
    db_->ClaimRun(r);
    return r;
  }
  // An active run that nobody owns (its process is gone).
  int64_t DeadRun(int items = 0) {
    const int64_t r = db_->CreateRun("rsi", 1, "{}");
    for (int i = 1; i <= items; ++i) db_->AddItem(r, "adopt_improver", "k" + std::to_string(i), "adopt?", "");
    return r;
  }
  std::vector<store::EventRow> Events(int64_t run) { return db_->GetEvents(run); }
  void ExpectChainOk(int64_t run) {
    EXPECT_TRUE(oversight::VerifyChain(run, db_->GetEvents(run), db_->GetAuditHead(run)).ok);
  }
  static void ExpectRefused(const std::function<void()>& f, ControlErrc code, const std::string& part) {
    try {
      f();
      ADD_FAILURE() << "no ControlError, expected one containing '" << part << "'";
    } catch (const ControlError& e) {
      EXPECT_EQ(e.code(), code) << e.what();
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
    }
  }

  // Runs `action` on a fresh connection in a child process that exits at the seam between the
  // change and its audit event; the parent's connection is closed meanwhile and reopened after.
  void CrashBetweenWrites(const std::function<void(ControlService&)>& action) {
    db_.reset();
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      try {
        auto db = Store::Open(path_);
        ControlService control(*db);
        control.set_between_writes_hook([] { ::_exit(kCrashed); });
        action(control);
      } catch (...) {
        ::_exit(2);
      }
      ::_exit(1);  // the seam was never reached
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), kCrashed);
    db_ = Store::Open(path_);
  }

  fs::path dir_;
  std::string path_;
  std::unique_ptr<Store> db_;
};

TEST_F(ControlServiceTest, PauseResumeStopALiveRunWriteTheControlWordAndOneEventEach) {
  const int64_t r = LiveRun();
  ControlService control(*db_);
  control.Pause(r, "alice", "lunch");
  EXPECT_EQ(db_->GetControl(r), "pause");
  ASSERT_EQ(Events(r).size(), 1u);
  EXPECT_EQ(Events(r).back().type, "pause_requested");
  EXPECT_EQ(Events(r).back().actor, "alice");
  EXPECT_EQ(Events(r).back().content_json, R"({"note":"lunch"})");

  EXPECT_EQ(control.Resume(r, "bob", "").outcome, ResumeOutcome::kRequested);
  EXPECT_EQ(db_->GetControl(r), "run");
  EXPECT_EQ(Events(r).back().type, "resume_requested");
  // Running and not paused: nothing to do, nothing written.
  const auto again = control.Resume(r, "bob", "");
  EXPECT_EQ(again.outcome, ResumeOutcome::kAlreadyRunning);
  EXPECT_EQ(again.run.owner_pid, ::getpid());
  EXPECT_EQ(Events(r).size(), 2u);

  EXPECT_EQ(control.Stop(r, "carol", "enough"), StopOutcome::kRequested);
  EXPECT_EQ(db_->GetControl(r), "stop");
  EXPECT_EQ(db_->GetRun(r)->status, "running");  // its process stops it
  EXPECT_EQ(Events(r).back().type, "stop_requested");
  EXPECT_EQ(Events(r).size(), 3u);
  ExpectChainOk(r);
}

TEST_F(ControlServiceTest, ARunWhoseProcessIsGoneIsMarkedStoppedAndCannotBePausedOrResumedInPlace) {
  const int64_t r = DeadRun();
  ControlService control(*db_);
  ExpectRefused([&] { control.Pause(r, "a", ""); }, ControlErrc::kConflict, "is not running (running (its process is gone");
  const auto resumed = control.Resume(r, "a", "");
  EXPECT_EQ(resumed.outcome, ResumeOutcome::kNoLiveProcess);
  EXPECT_EQ(resumed.run.status, "running");
  EXPECT_TRUE(Events(r).empty());
  EXPECT_EQ(control.Stop(r, "a", ""), StopOutcome::kMarkedStopped);
  EXPECT_EQ(db_->GetRun(r)->status, "stopped");
  EXPECT_EQ(db_->GetControl(r), "stop");
  EXPECT_EQ(Events(r).size(), 1u);
  // Stopped is not active: nothing more to stop.
  ExpectRefused([&] { control.Stop(r, "a", ""); }, ControlErrc::kConflict, "is stopped; nothing to stop");
  ExpectChainOk(r);
}

TEST_F(ControlServiceTest, UnknownAndFinishedRunsAreRefused) {
  ControlService control(*db_);
  ExpectRefused([&] { control.Pause(9, "a", ""); }, ControlErrc::kNotFound, "no run 9");
  ExpectRefused([&] { control.Stop(9, "a", ""); }, ControlErrc::kNotFound, "no run 9");
  ExpectRefused([&] { control.Resume(9, "a", ""); }, ControlErrc::kNotFound, "no run 9");
  ExpectRefused([&] { control.Decide(9, 1, true, "a", ""); }, ControlErrc::kNotFound, "no run 9");
  const int64_t r = LiveRun();
  db_->FinishRun(r, "finished", "{}");
  ExpectRefused([&] { control.Pause(r, "a", ""); }, ControlErrc::kConflict, "is not running (finished)");
  ExpectRefused([&] { control.Stop(r, "a", ""); }, ControlErrc::kConflict, "is finished; nothing to stop");
  EXPECT_EQ(control.Resume(r, "a", "").outcome, ResumeOutcome::kNoLiveProcess);
  EXPECT_TRUE(Events(r).empty());
  EXPECT_EQ(db_->GetControl(r), "run");
}

TEST_F(ControlServiceTest, AnItemIsDecidedOnceWithItsEvent) {
  const int64_t r = LiveRun(2);
  ControlService control(*db_);
  const store::ItemRow approved = control.Decide(r, 1, true, "alice", "fine");
  EXPECT_EQ(approved.status, "approved");
  EXPECT_EQ(approved.decided_by, "alice");
  ASSERT_EQ(Events(r).size(), 1u);
  EXPECT_EQ(Events(r)[0].type, "approval");
  EXPECT_EQ(Events(r)[0].content_json, R"({"item":1,"key":"k1","kind":"adopt_improver","note":"fine"})");

  ExpectRefused([&] { control.Decide(r, 1, false, "bob", "no"); }, ControlErrc::kConflict,
                "item 1 of run " + std::to_string(r) + " was already approved by alice at");
  ExpectRefused([&] { control.Decide(r, 7, true, "bob", ""); }, ControlErrc::kNotFound,
                "run " + std::to_string(r) + " has no item 7");
  ExpectRefused([&] { control.Decide(r, 2, false, "bob", ""); }, ControlErrc::kBadRequest, "needs a reason");
  EXPECT_EQ(db_->GetItem(r, 2)->status, "pending");
  EXPECT_EQ(control.Decide(r, 2, false, "bob", "too fast").status, "rejected");
  EXPECT_EQ(Events(r).back().type, "rejection");
  EXPECT_EQ(Events(r).size(), 2u);
  ExpectChainOk(r);
}

// The invariant: a crash between the change and its event leaves neither.
TEST_F(ControlServiceTest, ACrashBetweenAControlChangeAndItsEventLeavesNeither) {
  const int64_t r = LiveRun();
  CrashBetweenWrites([&](ControlService& c) { c.Pause(r, "alice", ""); });
  EXPECT_EQ(db_->GetControl(r), "run");
  EXPECT_TRUE(Events(r).empty());
  // The store is usable afterwards, and the same action then writes both.
  ControlService(*db_).Pause(r, "alice", "");
  EXPECT_EQ(db_->GetControl(r), "pause");
  EXPECT_EQ(Events(r).size(), 1u);

  CrashBetweenWrites([&](ControlService& c) { c.Resume(r, "alice", ""); });
  EXPECT_EQ(db_->GetControl(r), "pause");
  EXPECT_EQ(Events(r).size(), 1u);

  CrashBetweenWrites([&](ControlService& c) { c.Stop(r, "alice", ""); });
  EXPECT_EQ(db_->GetControl(r), "pause");
  EXPECT_EQ(Events(r).size(), 1u);
  ExpectChainOk(r);
}

TEST_F(ControlServiceTest, ACrashWhileStoppingADeadRunLeavesItActiveWithNoEvent) {
  const int64_t r = DeadRun();
  CrashBetweenWrites([&](ControlService& c) { c.Stop(r, "alice", ""); });
  EXPECT_EQ(db_->GetRun(r)->status, "running");
  EXPECT_EQ(db_->GetControl(r), "run");
  EXPECT_TRUE(Events(r).empty());
}

TEST_F(ControlServiceTest, ACrashBetweenADecisionAndItsEventLeavesTheItemPending) {
  const int64_t r = LiveRun(1);
  CrashBetweenWrites([&](ControlService& c) { c.Decide(r, 1, true, "alice", "ok"); });
  EXPECT_EQ(db_->GetItem(r, 1)->status, "pending");
  EXPECT_TRUE(Events(r).empty());
  EXPECT_EQ(ControlService(*db_).Decide(r, 1, true, "alice", "ok").status, "approved");
  EXPECT_EQ(Events(r).size(), 1u);
  ExpectChainOk(r);
}

TEST(DescribeRun, SaysWhenTheProcessIsGoneAndWhatIsRequested) {
  store::RunInfo r;
  r.id = 3;
  r.status = "finished";
  r.control = "run";
  EXPECT_EQ(DescribeRun(r), "finished");
  r.status = "running";
  r.control = "pause";
  EXPECT_EQ(DescribeRun(r), "running (its process is gone: `ouro resume 3` continues it) [pause requested]");
}

}  // namespace
}  // namespace ouro::run
