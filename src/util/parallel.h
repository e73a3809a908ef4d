// ParallelFor: runs body(i) for i in [0, n) on `threads` threads (the
// caller's included), handing out indices in order. The first exception
// thrown by any body stops the hand-out and is rethrown in the caller after
// every thread has joined. No detached threads.
#ifndef SYNTHUB_UTIL_PARALLEL_H_
#define SYNTHUB_UTIL_PARALLEL_H_

#include <cstddef>
#include <functional>

namespace synthub {

// The number of hardware threads (at least 1): what --threads 0 means.
int DefaultThreads();

void ParallelFor(size_t n, int threads, const std::function<void(size_t)>& body);

}  // namespace synthub

#endif  // SYNTHUB_UTIL_PARALLEL_H_
