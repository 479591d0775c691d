//===- ThreadPool.cpp - the runtime's persistent thread pool --------------===//
//
// Part of the kernelred project.
//
//===----------------------------------------------------------------------===//

#include "ThreadPool.h"

#include <algorithm>
#include <pthread.h>
#include <sched.h>
#include <thread>

using namespace kred::detail;

/// Upper bound on pool workers, whatever the callers ask for.
static constexpr int kMaxWorkers = 1024;

static std::atomic<ThreadPool *> instance{nullptr};
static std::once_flag atforkOnce;

ThreadPool &ThreadPool::get() {
  ThreadPool *pool = instance.load(std::memory_order_acquire);
  if (pool)
    return *pool;
  // The pool lives until the process exits: its workers may still be
  // sleeping when static destructors run, so it is never destroyed.
  std::call_once(atforkOnce, [] {
    instance.store(new ThreadPool(), std::memory_order_release);
    // After fork() only the forking thread exists in the child: start over
    // with an empty pool (the old one, whose mutex may be held, is leaked).
    pthread_atfork(nullptr, nullptr, [] {
      instance.store(new ThreadPool(), std::memory_order_release);
    });
  });
  return *instance.load(std::memory_order_acquire);
}

int ThreadPool::hardwareThreads() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0)
      return n;
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

int ThreadPool::getNumWorkers() {
  std::lock_guard<std::mutex> lock(mutex);
  return numWorkers;
}

void ThreadPool::runTasks(Job &job) {
  for (;;) {
    int64_t i = job.next.fetch_add(1, std::memory_order_relaxed);
    if (i >= job.numTasks)
      return;
    try {
      job.fn(job.ctx, i);
    } catch (...) {
      // Keep the first exception for the caller and skip the tasks not yet
      // started; nothing escapes into a worker thread (std::terminate) or
      // past the job's bookkeeping.
      std::lock_guard<std::mutex> jobLock(job.mutex);
      if (!job.error)
        job.error = std::current_exception();
      job.next.store(job.numTasks, std::memory_order_relaxed);
      return;
    }
  }
}

void ThreadPool::ensureWorkers(int count) {
  count = std::min(count, kMaxWorkers);
  while (numWorkers < count) {
    try {
      std::thread([this] { workerLoop(); }).detach();
    } catch (const std::system_error &) {
      return; // no more threads: the callers do the work
    }
    ++numWorkers;
  }
}

void ThreadPool::workerLoop() {
  std::unique_lock<std::mutex> lock(mutex);
  for (;;) {
    wake.wait(lock, [&] { return !queue.empty(); });
    Job *job = queue.front();
    if (--job->helpersWanted <= 0)
      queue.pop_front();
    {
      std::lock_guard<std::mutex> jobLock(job->mutex);
      ++job->active;
    }
    lock.unlock();
    runTasks(*job);
    {
      std::lock_guard<std::mutex> jobLock(job->mutex);
      if (--job->active == 0)
        job->done.notify_all();
      // `job` may be destroyed as soon as this lock is released.
    }
    lock.lock();
  }
}

void ThreadPool::run(int64_t numTasks, int helpers, void (*fn)(void *, int64_t),
                     void *ctx) {
  Job job;
  job.fn = fn;
  job.ctx = ctx;
  job.numTasks = numTasks;
  job.helpersWanted = helpers;
  {
    std::lock_guard<std::mutex> lock(mutex);
    ensureWorkers(helpers);
    queue.push_back(&job);
  }
  if (helpers == 1)
    wake.notify_one();
  else
    wake.notify_all();

  runTasks(job);

  // No new helper may join once the job has left the queue; then wait for
  // those that joined to leave.
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = std::find(queue.begin(), queue.end(), &job);
    if (it != queue.end())
      queue.erase(it);
  }
  std::unique_lock<std::mutex> jobLock(job.mutex);
  job.done.wait(jobLock, [&] { return job.active == 0; });
  if (job.error)
    std::rethrow_exception(job.error);
}
