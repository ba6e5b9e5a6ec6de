#include "core/parallel.h"

#include <algorithm>

namespace ouro {
namespace {

// About 20-50 microseconds of polling before blocking.
constexpr int kSpinIterations = 4000;

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::this_thread::yield();
#endif
}

int ResolveThreads(int threads) {
  return threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

// Idle pools, kept for the next borrower. Bounded so that a burst of concurrent borrowers does
// not leave many sleeping threads behind. Never destroyed (a pool's workers may still be
// parking when static destructors run at exit).
constexpr size_t kMaxIdlePools = 4;
struct PoolCache {
  std::mutex mu;
  std::vector<std::unique_ptr<ThreadPool>> idle;
};
PoolCache& Cache() {
  static auto* cache = new PoolCache;
  return *cache;
}

}  // namespace

PooledThreads::PooledThreads(int threads) {
  threads = ResolveThreads(threads);
  {
    PoolCache& c = Cache();
    std::lock_guard<std::mutex> lock(c.mu);
    for (auto it = c.idle.begin(); it != c.idle.end(); ++it)
      if ((*it)->Size() == threads) {
        pool_ = std::move(*it);
        c.idle.erase(it);
        return;
      }
  }
  pool_ = std::make_unique<ThreadPool>(threads);
}

PooledThreads::~PooledThreads() {
  std::unique_ptr<ThreadPool> evicted;  // joined outside the lock
  PoolCache& c = Cache();
  std::lock_guard<std::mutex> lock(c.mu);
  c.idle.push_back(std::move(pool_));
  if (c.idle.size() > kMaxIdlePools) {
    evicted = std::move(c.idle.front());
    c.idle.erase(c.idle.begin());
  }
}

ThreadPool::ThreadPool(int threads) {
  threads = ResolveThreads(threads);
  for (int i = 1; i < threads; ++i) workers_.emplace_back([this, i] { WorkerLoop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_.store(true);
  }
  cv_start_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::RunChunks(int worker) {
  for (int64_t i = next_.fetch_add(1); i < n_; i = next_.fetch_add(1)) (*fn_)(i, worker);
}

void ThreadPool::ParallelFor(int64_t n, const std::function<void(int64_t, int)>& fn) {
  if (n <= 0) return;
  if (workers_.empty() || n == 1) {
    for (int64_t i = 0; i < n; ++i) fn(i, 0);
    return;
  }
  fn_ = &fn;
  n_ = n;
  next_.store(0);
  active_.store(static_cast<int>(workers_.size()));
  {
    // Publishing under the mutex pairs with the predicate check in WorkerLoop: no lost wake-up.
    std::lock_guard<std::mutex> lock(mu_);
    generation_.fetch_add(1, std::memory_order_release);
  }
  cv_start_.notify_all();
  RunChunks(0);
  for (int i = 0; i < kSpinIterations && active_.load(std::memory_order_acquire) != 0; ++i) CpuRelax();
  if (active_.load(std::memory_order_acquire) != 0) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_done_.wait(lock, [this] { return active_.load(std::memory_order_acquire) == 0; });
  }
  fn_ = nullptr;
}

void ThreadPool::WorkerLoop(int worker) {
  uint64_t seen = 0;
  for (;;) {
    for (int i = 0; i < kSpinIterations && generation_.load(std::memory_order_acquire) == seen &&
                    !stop_.load(std::memory_order_relaxed);
         ++i)
      CpuRelax();
    if (generation_.load(std::memory_order_acquire) == seen) {
      std::unique_lock<std::mutex> lock(mu_);
      cv_start_.wait(lock, [&] { return stop_.load() || generation_.load() != seen; });
    }
    if (stop_.load()) return;
    seen = generation_.load(std::memory_order_acquire);
    RunChunks(worker);
    if (active_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      std::lock_guard<std::mutex> lock(mu_);
      cv_done_.notify_one();
    }
  }
}

}  // namespace ouro
