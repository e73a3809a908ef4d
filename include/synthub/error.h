// The project's one exception type for expected failures (I/O, corrupt input,
// bad arguments). Messages name the thing: path, offset or line, expected vs got.
#ifndef SYNTHUB_ERROR_H_
#define SYNTHUB_ERROR_H_

#include <stdexcept>
#include <string>

namespace synthub {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

// A wrong flag or argument: the CLI exits with code 2 and prints usage.
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& what) : Error(what) {}
};

}  // namespace synthub

// Invariant check: aborts with file:line. Not for input validation.
#define SYNTHUB_CHECK(cond)                                                  \
  do {                                                                       \
    if (!(cond)) ::synthub::CheckFailed(__FILE__, __LINE__, #cond);          \
  } while (0)

namespace synthub {
[[noreturn]] void CheckFailed(const char* file, int line, const char* cond);
}  // namespace synthub

#endif  // SYNTHUB_ERROR_H_
