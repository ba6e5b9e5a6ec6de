#include "meta/job_runner.h"

#include <algorithm>
#include <exception>
#include <thread>

#include "core/error.h"

namespace ouro::meta {

std::vector<RunOutcome> InlineRunner::Run(const std::vector<RunJob>& jobs, const std::atomic<bool>* stop) {
  std::vector<RunOutcome> out;
  out.reserve(jobs.size());
  for (const auto& job : jobs) out.push_back(Execute(job, stop));
  return out;
}

ThreadRunner::ThreadRunner(int threads) : threads_(threads) { OURO_CHECK(threads >= 1); }

std::vector<RunOutcome> ThreadRunner::Run(const std::vector<RunJob>& jobs, const std::atomic<bool>* stop) {
  const size_t n = jobs.size();
  std::vector<RunOutcome> out(n);
  std::vector<std::exception_ptr> errors(n);
  std::atomic<size_t> next{0};
  // Jobs take tens of milliseconds or more: a thread per batch costs nothing next to them, and
  // idle threads neither spin nor sleep between batches.
  auto work = [&] {
    for (size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) {
      try {
        out[i] = Execute(jobs[i], stop);
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  };
  std::vector<std::thread> helpers;
  const size_t extra = std::min(n, static_cast<size_t>(threads_)) - (n > 0 ? 1 : 0);
  for (size_t t = 0; t < extra; ++t) helpers.emplace_back(work);
  work();
  for (auto& t : helpers) t.join();
  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
  return out;
}

}  // namespace ouro::meta
