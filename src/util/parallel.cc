#include "util/parallel.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace synthub {
namespace {

// One ParallelFor call. Lives on the caller's stack; the pool refers to it
// only while it is queued or a helper is inside Work().
struct Job {
  Job(size_t n, const std::function<void(size_t)>& body) : n(n), body(body) {}

  // Takes indices until they run out or a body has thrown.
  void Work() {
    try {
      for (size_t i; !failed.load(std::memory_order_relaxed) && (i = next.fetch_add(1)) < n;) {
        body(i);
      }
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mu);
      if (!error) error = std::current_exception();
      failed = true;
    }
  }

  const size_t n;
  const std::function<void(size_t)>& body;
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};

  std::mutex error_mu;  // guards error
  std::exception_ptr error;

  // Guarded by the pool's mutex.
  int open_slots = 0;  // helpers that may still join; queued while > 0
  int active = 0;      // helpers inside Work()
  std::condition_variable idle;  // active dropped to 0
};

// Persistent helper threads shared by every ParallelFor of the process.
class Pool {
 public:
  Pool() = default;
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  ~Pool() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      shutdown_ = true;
    }
    work_cv_.notify_all();
    for (std::thread& t : threads_) t.join();
  }

  void Run(size_t n, int threads, const std::function<void(size_t)>& body) {
    Job job(n, body);
    const int helpers = static_cast<int>(
        std::min<size_t>(threads > 1 ? static_cast<size_t>(threads - 1) : 0, n - 1));
    if (helpers > 0) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        while (static_cast<int>(threads_.size()) < helpers) {
          threads_.emplace_back([this] { WorkerLoop(); });
        }
        job.open_slots = helpers;
        queue_.push_back(&job);
      }
      for (int i = 0; i < helpers; ++i) work_cv_.notify_one();
    }
    job.Work();
    if (helpers > 0) {
      std::unique_lock<std::mutex> lock(mu_);
      if (job.open_slots > 0) {  // still queued: no one else may join now
        queue_.erase(std::find(queue_.begin(), queue_.end(), &job));
        job.open_slots = 0;
      }
      job.idle.wait(lock, [&] { return job.active == 0; });
    }
    // Every participant has left Work(): error is no longer written.
    if (job.error) std::rethrow_exception(job.error);
  }

  int size() {
    std::lock_guard<std::mutex> lock(mu_);
    return static_cast<int>(threads_.size());
  }

 private:
  void WorkerLoop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (true) {
      work_cv_.wait(lock, [&] { return shutdown_ || !queue_.empty(); });
      if (queue_.empty()) return;  // shutting down, nothing left to help with
      Job* job = queue_.front();
      if (--job->open_slots == 0) queue_.pop_front();
      ++job->active;
      lock.unlock();
      job->Work();
      lock.lock();
      // Notified under the lock: the caller cannot see active == 0 and
      // destroy the job before this returns.
      if (--job->active == 0) job->idle.notify_one();
    }
  }

  std::mutex mu_;  // guards everything below
  std::condition_variable work_cv_;  // queue_ gained a job, or shutdown_
  std::deque<Job*> queue_;  // jobs with open helper slots, oldest first
  std::vector<std::thread> threads_;
  bool shutdown_ = false;
};

// Created on first use, destroyed (threads joined) at exit.
Pool& ThePool() {
  static Pool pool;
  return pool;
}

}  // namespace

int DefaultThreads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

void ParallelFor(size_t n, int threads, const std::function<void(size_t)>& body) {
  if (n == 0) return;
  if (threads <= 1 || n == 1) {
    // No helpers: the same loop, without touching the pool.
    Job job(n, body);
    job.Work();
    if (job.error) std::rethrow_exception(job.error);
    return;
  }
  ThePool().Run(n, threads, body);
}

int ParallelPoolSize() { return ThePool().size(); }

}  // namespace synthub
