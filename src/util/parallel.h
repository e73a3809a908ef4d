// ParallelFor: runs body(i) for i in [0, n) on up to `threads` threads (the
// caller's included), handing out indices in order. The first exception
// thrown by any body stops the hand-out and is rethrown in the caller after
// every participant has left the loop.
//
// The helpers come from one process-wide pool, created on the first call
// that asks for more than one thread and grown to the largest `threads - 1`
// asked; its threads (and so their thread_local state) live until exit,
// when the pool's destructor stops and joins them. No detached threads.
// The caller always works on its own loop and never waits for a helper that
// has not started on it, so nested calls (from inside a body) and concurrent
// calls from several threads cannot deadlock; they may get fewer helpers
// than asked while the pool is busy, down to running inline.
// Thread-safe.
#ifndef SYNTHUB_UTIL_PARALLEL_H_
#define SYNTHUB_UTIL_PARALLEL_H_

#include <cstddef>
#include <functional>

namespace synthub {

// The number of hardware threads (at least 1): what --threads 0 means.
int DefaultThreads();

void ParallelFor(size_t n, int threads, const std::function<void(size_t)>& body);

// The number of threads the pool holds now (0 before the first call that
// asked for help). For tests and diagnostics.
int ParallelPoolSize();

}  // namespace synthub

#endif  // SYNTHUB_UTIL_PARALLEL_H_
