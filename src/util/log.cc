#include "util/log.h"

#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "synthub/error.h"

namespace synthub {
namespace {

std::mutex g_mu;
LogSink g_sink;  // guarded by g_mu; empty means stderr
LogLevel g_level = LogLevel::kInfo;

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warning";
    case LogLevel::kError: return "error";
  }
  return "?";
}

}  // namespace

void SetLogSink(LogSink sink) {
  std::lock_guard<std::mutex> lock(g_mu);
  g_sink = std::move(sink);
}

void SetLogLevel(LogLevel level) {
  std::lock_guard<std::mutex> lock(g_mu);
  g_level = level;
}

void Log(LogLevel level, const std::string& message) {
  std::lock_guard<std::mutex> lock(g_mu);
  if (level < g_level) return;
  if (g_sink) {
    g_sink(level, message);
  } else {
    std::fprintf(stderr, "synthub: %s: %s\n", LevelName(level), message.c_str());
  }
}

void CheckFailed(const char* file, int line, const char* cond) {
  std::fprintf(stderr, "synthub: CHECK failed at %s:%d: %s\n", file, line, cond);
  std::abort();
}

}  // namespace synthub
