// The one liveness rule (store/lease.h): a fresh heartbeat from a process that exists.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/lease.h"
#include "store/store.h"

namespace ouro::store {
namespace {

TEST(Lease, AnOwnerIsAliveWhileItsHeartbeatIsFreshAndItsProcessExists) {
  const std::string here = Store::HostName();
  EXPECT_TRUE(OwnerAlive(::getpid(), here, 0.0));
  EXPECT_TRUE(OwnerAlive(::getpid(), here, kLeaseSeconds - 0.01));
  EXPECT_FALSE(OwnerAlive(::getpid(), here, kLeaseSeconds));      // the lease has run out
  EXPECT_FALSE(OwnerAlive(::getpid(), here, -1));                 // no heartbeat
  EXPECT_FALSE(OwnerAlive(0, here, 0.0));                         // no owner
  EXPECT_TRUE(OwnerAlive(::getpid(), here, 7.0, 10.0));           // a caller's own lease
  EXPECT_TRUE(OwnerAlive(999999999, "another-host", 1.0));        // taken at its heartbeat's word
  EXPECT_FALSE(OwnerAlive(999999999, "another-host", 6.0));
}

TEST(Lease, AnOwnerWhoseProcessIsGoneIsDeadAtOnce) {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ASSERT_GT(child, 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_FALSE(OwnerAlive(child, Store::HostName(), 0.0));
}

TEST(Lease, RunsAreActiveWhileRunningPausedOrWaiting) {
  RunInfo r;
  for (const char* s : {"running", "paused", "waiting"}) {
    r.status = s;
    EXPECT_TRUE(RunActive(r)) << s;
  }
  for (const char* s : {"finished", "stopped", "failed"}) {
    r.status = s;
    EXPECT_FALSE(RunActive(r)) << s;
  }
  r.status = "running";
  r.owner_pid = ::getpid();
  r.owner_host = Store::HostName();
  r.heartbeat_age_seconds = 1;
  EXPECT_TRUE(OwnerLive(r));
  r.heartbeat_age_seconds = -1;
  EXPECT_FALSE(OwnerLive(r));
}

}  // namespace
}  // namespace ouro::store
