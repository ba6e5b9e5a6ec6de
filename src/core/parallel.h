// core/parallel.h — a fixed pool of worker threads for data-parallel loops.
//
// ThreadPool::ParallelFor(n, fn) calls fn(i, worker) for every i in [0, n) across the pool and the
// calling thread, returning when all are done. Work is handed out by an atomic counter, so which
// thread runs which i depends on timing: callers must make fn(i) depend only on i (and write only
// slot i) for results to be deterministic. One ParallelFor at a time per pool; call it from one
// thread only. worker is in [0, Size()) and may index per-thread scratch space.
// Workers spin briefly before sleeping: the search calls ParallelFor thousands of times a second
// on batches worth tens of microseconds, where a futex wake-up per call would cost as much as the
// work.
// PooledThreads borrows a pool from a process-wide cache and gives it back when it goes out of
// scope, so code that runs many short searches (an rsi run plays hundreds of games) starts its
// worker threads once per process, not once per search. Thread-safe: concurrent borrowers each
// get a pool of their own (a new one when none of that size is free).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace ouro {

class ThreadPool {
 public:
  // threads <= 0 means std::thread::hardware_concurrency().
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int Size() const { return static_cast<int>(workers_.size()) + 1; }
  void ParallelFor(int64_t n, const std::function<void(int64_t, int)>& fn);

 private:
  void WorkerLoop(int worker);
  void RunChunks(int worker);

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_start_, cv_done_;
  const std::function<void(int64_t, int)>* fn_ = nullptr;
  int64_t n_ = 0;
  std::atomic<int64_t> next_{0};
  std::atomic<uint64_t> generation_{0};
  std::atomic<int> active_{0};
  std::atomic<bool> stop_{false};
};

// A lease on a cached ThreadPool of `threads` threads (<= 0: hardware_concurrency()).
class PooledThreads {
 public:
  explicit PooledThreads(int threads);
  ~PooledThreads();  // returns the pool to the cache
  PooledThreads(const PooledThreads&) = delete;
  PooledThreads& operator=(const PooledThreads&) = delete;

  ThreadPool& operator*() const { return *pool_; }
  ThreadPool* operator->() const { return pool_.get(); }

 private:
  std::unique_ptr<ThreadPool> pool_;
};

}  // namespace ouro
