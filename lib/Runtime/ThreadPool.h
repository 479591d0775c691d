//===- ThreadPool.h - the runtime's persistent thread pool ------*- C++ -*-===//
//
// Part of the kernelred project.
//
// A small persistent pool for kred_cpu_launch. A launch is a job of N
// independent tasks; the calling thread always works on its own job, and up
// to `threads - 1` pool workers help it. So:
//   - a job never uses more threads than asked for;
//   - nested or concurrent launches cannot deadlock: every caller can finish
//     its job alone if no worker is free;
//   - the pool grows to the largest helper count ever asked for, and idle
//     workers sleep on a condition variable;
//   - a task that throws stops the job: the tasks not yet started are
//     skipped, the caller waits for the helpers inside the job to leave it,
//     then rethrows the first exception (a job never outlives its caller's
//     frame while queued or in use, and workers never see an exception).
//
// Internal to the runtime (not installed).
//
//===----------------------------------------------------------------------===//

#ifndef KRED_LIB_RUNTIME_THREADPOOL_H
#define KRED_LIB_RUNTIME_THREADPOOL_H

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <mutex>

namespace kred::detail {

class ThreadPool {
public:
  /// The process-wide pool (a fresh one in the child after fork()).
  static ThreadPool &get();

  /// Number of CPUs this process may run on.
  static int hardwareThreads();

  /// Calls fn(i) for every i in [0, numTasks), on the calling thread and at
  /// most `threads - 1` pool workers, and returns when all calls are done.
  /// If a call throws, the calls not yet started are skipped and the first
  /// exception is rethrown on the calling thread once no worker is in the
  /// job any more.
  template <typename Fn>
  void parallelFor(int64_t numTasks, int threads, const Fn &fn) {
    if (numTasks <= 0)
      return;
    if (threads <= 1 || numTasks == 1) {
      for (int64_t i = 0; i < numTasks; ++i)
        fn(i);
      return;
    }
    int helpers =
        static_cast<int>(std::min<int64_t>(threads - 1, numTasks - 1));
    run(
        numTasks, helpers,
        [](void *ctx, int64_t i) { (*static_cast<const Fn *>(ctx))(i); },
        const_cast<Fn *>(&fn));
  }

  /// Number of worker threads started so far (tests).
  int getNumWorkers();

private:
  struct Job {
    void (*fn)(void *, int64_t);
    void *ctx;
    int64_t numTasks;
    std::atomic<int64_t> next{0};
    /// Helpers still wanted (guarded by the pool mutex).
    int helpersWanted;
    /// Helpers inside runTasks (guarded by `mutex`).
    int active = 0;
    /// The first exception a task threw (guarded by `mutex`).
    std::exception_ptr error;
    std::mutex mutex;
    std::condition_variable done;
  };

  void run(int64_t numTasks, int helpers, void (*fn)(void *, int64_t),
           void *ctx);
  static void runTasks(Job &job);
  void workerLoop();
  void ensureWorkers(int count);

  std::mutex mutex;
  std::condition_variable wake;
  std::deque<Job *> queue;
  int numWorkers = 0;
};

} // namespace kred::detail

#endif // KRED_LIB_RUNTIME_THREADPOOL_H
