// Progress of long work on stderr: done/total, rate, ETA. Redraws one line
// on a terminal (at most every 0.2 s), prints a plain line every 10 s
// otherwise. Thread-safe.
#ifndef SYNTHUB_UTIL_PROGRESS_H_
#define SYNTHUB_UTIL_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace synthub {

class Progress {
 public:
  Progress(std::string what, uint64_t total, std::string unit, bool enabled = true);
  ~Progress();  // finishes the line
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  void Add(uint64_t n);
  double seconds() const;

 private:
  void Print(bool final);

  const std::string what_, unit_;
  const uint64_t total_;
  const bool enabled_, tty_;
  const std::chrono::steady_clock::time_point start_;
  std::mutex mu_;
  uint64_t done_ = 0;  // guarded by mu_
  std::chrono::steady_clock::time_point last_print_;
};

}  // namespace synthub

#endif  // SYNTHUB_UTIL_PROGRESS_H_
