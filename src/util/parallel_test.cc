#include "util/parallel.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <gtest/gtest.h>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace synthub {
namespace {

TEST(ParallelForTest, RunsEveryIndexExactlyOnce) {
  for (int threads : {0, 1, 2, 3, 8}) {
    for (size_t n : {0, 1, 2, 7, 1000}) {
      std::vector<std::atomic<int>> hits(n);
      ParallelFor(n, threads, [&](size_t i) { hits[i].fetch_add(1); });
      for (size_t i = 0; i < n; ++i) {
        ASSERT_EQ(hits[i].load(), 1) << "n " << n << " threads " << threads << " index " << i;
      }
    }
  }
}

TEST(ParallelForTest, FirstExceptionReachesTheCallerAndStopsTheHandOut) {
  // Each body after the throwing one takes a few microseconds, so that the
  // other helpers cannot finish the whole range while the exception unwinds
  // (unwinding the first throw of a process takes milliseconds under the
  // sanitizers; a range of empty bodies would be gone by then).
  for (int threads : {1, 2, 4}) {
    std::atomic<int> ran{0};
    try {
      ParallelFor(100000, threads, [&](size_t i) {
        ran.fetch_add(1);
        if (i == 10) throw std::runtime_error("index 10");
        if (i > 10) std::this_thread::sleep_for(std::chrono::microseconds(20));
      });
      FAIL() << "no exception with " << threads << " threads";
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "index 10");
    }
    EXPECT_LT(ran.load(), 100000) << threads << " threads";
  }
  // The pool is still usable afterwards.
  std::atomic<int> sum{0};
  ParallelFor(10, 2, [&](size_t i) { sum.fetch_add(static_cast<int>(i)); });
  EXPECT_EQ(sum.load(), 45);
}

TEST(ParallelForTest, NestedCallsComplete) {
  constexpr size_t kOuter = 16, kInner = 50;
  std::vector<std::atomic<int>> hits(kOuter * kInner);
  ParallelFor(kOuter, 4, [&](size_t i) {
    ParallelFor(kInner, 4, [&](size_t j) {
      ParallelFor(2, 2, [&](size_t k) {
        if (k == 0) hits[i * kInner + j].fetch_add(1);
      });
    });
  });
  for (size_t i = 0; i < hits.size(); ++i) ASSERT_EQ(hits[i].load(), 1) << i;
}

TEST(ParallelForTest, ThreadsPersistAcrossCalls) {
  // Each helper counts the calls it has worked on; with a fresh thread per
  // call no helper would count past 1.
  const std::thread::id caller = std::this_thread::get_id();
  std::mutex mu;
  int most = 0;
  for (int call = 0; call < 50; ++call) {
    ParallelFor(64, 3, [&](size_t) {
      std::this_thread::sleep_for(std::chrono::microseconds(50));
      thread_local int last_call = -1;
      thread_local int calls_seen = 0;
      if (std::this_thread::get_id() == caller || last_call == call) return;
      last_call = call;
      std::lock_guard<std::mutex> lock(mu);
      most = std::max(most, ++calls_seen);
    });
  }
  EXPECT_GT(most, 1);
  EXPECT_GE(ParallelPoolSize(), 2);
}

TEST(ParallelForTest, ConcurrentCallersFromOutsideThreads) {
  constexpr size_t kN = 2000;
  std::vector<std::atomic<int>> a(kN), b(kN);
  auto run = [](std::vector<std::atomic<int>>* hits) {
    for (int round = 0; round < 20; ++round) {
      ParallelFor(hits->size(), 2, [&](size_t i) { (*hits)[i].fetch_add(1); });
    }
  };
  std::thread ta(run, &a), tb(run, &b);
  ta.join();
  tb.join();
  for (size_t i = 0; i < kN; ++i) {
    ASSERT_EQ(a[i].load(), 20) << i;
    ASSERT_EQ(b[i].load(), 20) << i;
  }
}

}  // namespace
}  // namespace synthub
