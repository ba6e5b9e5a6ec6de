#include "core/parallel.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace ouro {

TEST(ThreadPool, EveryIndexRunsExactlyOnce) {
  ThreadPool pool(3);
  for (int round = 0; round < 50; ++round) {
    std::vector<std::atomic<int>> hits(997);
    pool.ParallelFor(997, [&](int64_t i, int worker) {
      ASSERT_GE(worker, 0);
      ASSERT_LT(worker, pool.Size());
      hits[i].fetch_add(1);
    });
    for (auto& h : hits) ASSERT_EQ(h.load(), 1);
  }
}

TEST(ThreadPool, SingleThreadAndEmpty) {
  ThreadPool pool(1);
  EXPECT_EQ(pool.Size(), 1);
  int sum = 0;
  pool.ParallelFor(10, [&](int64_t i, int) { sum += static_cast<int>(i); });
  EXPECT_EQ(sum, 45);
  pool.ParallelFor(0, [&](int64_t, int) { FAIL(); });
}

TEST(PooledThreads, ReusesAnIdlePoolOfTheSameSize) {
  const ThreadPool* first = nullptr;
  {
    PooledThreads lease(3);
    first = &*lease;
    EXPECT_EQ(lease->Size(), 3);
  }
  PooledThreads again(3);
  EXPECT_EQ(&*again, first);  // the cached pool, not a new one
  PooledThreads other_size(2);
  EXPECT_EQ(other_size->Size(), 2);
}

TEST(PooledThreads, ConcurrentBorrowersGetDistinctPools) {
  PooledThreads a(2), b(2);
  EXPECT_NE(&*a, &*b);
  std::atomic<int> sum{0};
  std::thread t([&] { b->ParallelFor(100, [&](int64_t i, int) { sum += static_cast<int>(i); }); });
  a->ParallelFor(100, [&](int64_t i, int) { sum += static_cast<int>(i); });
  t.join();
  EXPECT_EQ(sum.load(), 2 * 4950);
}

}  // namespace ouro
