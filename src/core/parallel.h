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
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
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

}  // namespace ouro
