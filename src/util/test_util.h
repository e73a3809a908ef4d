// Helpers for the unit tests (*_test.cc); not part of the library.
#ifndef SYNTHUB_UTIL_TEST_UTIL_H_
#define SYNTHUB_UTIL_TEST_UTIL_H_

#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include "synthub/error.h"

namespace synthub::test {

// A new, empty folder of its own under $TMPDIR (/tmp when unset), removed
// with everything in it when the object is destroyed. The one way the unit
// tests make temporary files. Not thread-safe; not copyable.
class TempDir {
 public:
  TempDir() {
    const char* env = std::getenv("TMPDIR");
    std::string tmpl = std::string(env && *env ? env : "/tmp") + "/synthub_test.XXXXXX";
    std::vector<char> buf(tmpl.begin(), tmpl.end());
    buf.push_back('\0');
    SYNTHUB_CHECK(::mkdtemp(buf.data()) != nullptr);
    path_ = buf.data();
  }
  ~TempDir() {
    std::error_code ec;  // a destructor never throws
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // The folder, without a trailing slash.
  const std::string& path() const { return path_; }
  // path() + "/" + name.
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace synthub::test

#endif  // SYNTHUB_UTIL_TEST_UTIL_H_
