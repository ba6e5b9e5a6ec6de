// meta/job_runner.h — who runs the loop's jobs: the calling thread, a set of threads, (later) MPI
// ranks.
//
// Run(jobs, stop) executes every job and returns outcome i for job i, whatever order or place
// they ran in: a job's outcome depends on the job alone (jobs.h), so any runner and any number of
// slots gives the same merged results. Slots() is how many jobs the runner runs at once; where
// the loop checks its budgets and stop flag between jobs (games) it hands the runner batches of
// at most that size, so a runner of one slot runs exactly the jobs, and in the order, of a plain
// sequential loop (a validation or test measurement, checked only at its end, is one batch). Run is
// called from one thread at a time. An
// exception thrown by a job is rethrown by Run (the one of the lowest index) after every job has
// ended.
#pragma once

#include <atomic>
#include <vector>

#include "meta/jobs.h"

namespace ouro::meta {

class JobRunner {
 public:
  virtual ~JobRunner() = default;
  virtual int Slots() const = 0;
  virtual std::vector<RunOutcome> Run(const std::vector<RunJob>& jobs, const std::atomic<bool>* stop) = 0;
};

// Runs the jobs one after another on the calling thread.
class InlineRunner final : public JobRunner {
 public:
  int Slots() const override { return 1; }
  std::vector<RunOutcome> Run(const std::vector<RunJob>& jobs, const std::atomic<bool>* stop) override;
};

// Runs up to `threads` jobs at once (the calling thread is one of them). Each job still uses its
// own `threads` for its search: on a machine with few cores, give the jobs one thread each.
class ThreadRunner final : public JobRunner {
 public:
  explicit ThreadRunner(int threads);  // REQUIRES: threads >= 1
  int Slots() const override { return threads_; }
  std::vector<RunOutcome> Run(const std::vector<RunJob>& jobs, const std::atomic<bool>* stop) override;

 private:
  int threads_;
};

}  // namespace ouro::meta
