#include "util/progress.h"

#include <cstdio>
#include <unistd.h>

namespace synthub {

Progress::Progress(std::string what, uint64_t total, std::string unit, bool enabled)
    : what_(std::move(what)),
      unit_(std::move(unit)),
      total_(total),
      enabled_(enabled),
      tty_(::isatty(2)),
      start_(std::chrono::steady_clock::now()),
      last_print_(start_) {}

Progress::~Progress() {
  std::lock_guard<std::mutex> lock(mu_);
  if (enabled_ && done_ > 0) Print(true);
}

double Progress::seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void Progress::Add(uint64_t n) {
  std::lock_guard<std::mutex> lock(mu_);
  done_ += n;
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  const double since = std::chrono::duration<double>(now - last_print_).count();
  if (since >= (tty_ ? 0.2 : 10.0)) {
    last_print_ = now;
    Print(false);
  }
}

void Progress::Print(bool final) {
  const double s = seconds();
  const double rate = s > 0 ? done_ / s : 0.0;
  const double eta = rate > 0 && total_ > done_ ? (total_ - done_) / rate : 0.0;
  std::fprintf(stderr, "%s%s: %llu/%llu %s (%.1f%%), %.1f %s/s, %s %.0f s%s",
               tty_ ? "\r" : "", what_.c_str(), static_cast<unsigned long long>(done_),
               static_cast<unsigned long long>(total_), unit_.c_str(),
               total_ ? 100.0 * done_ / total_ : 100.0, rate, unit_.c_str(),
               final ? "elapsed" : "ETA", final ? s : eta,
               tty_ && !final ? "   " : "\n");
  std::fflush(stderr);
}

}  // namespace synthub
