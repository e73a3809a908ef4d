// Logging through a settable sink (default: stderr). stdout is reserved for
// a command's data output. Thread-safe.
#ifndef SYNTHUB_UTIL_LOG_H_
#define SYNTHUB_UTIL_LOG_H_

#include <functional>
#include <string>

namespace synthub {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

using LogSink = std::function<void(LogLevel, const std::string&)>;

void SetLogSink(LogSink sink);
void SetLogLevel(LogLevel level);
void Log(LogLevel level, const std::string& message);

inline void LogInfo(const std::string& m) { Log(LogLevel::kInfo, m); }
inline void LogWarn(const std::string& m) { Log(LogLevel::kWarn, m); }

}  // namespace synthub

#endif  // SYNTHUB_UTIL_LOG_H_
