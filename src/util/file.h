// File helpers. Every write goes to a temporary name in the same folder and
// is renamed into place, so a reader never sees a half-written file.
#ifndef SYNTHUB_UTIL_FILE_H_
#define SYNTHUB_UTIL_FILE_H_

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace synthub {

// Reads a whole file. Throws Error naming the path.
std::string ReadFile(const std::string& path);

// Writes data to path atomically (path.tmp.<pid>, fsync, rename).
void WriteFileAtomic(const std::string& path, std::string_view data);

bool PathExists(const std::string& path);
bool IsDirectory(const std::string& path);
void MakeDirs(const std::string& path);  // mkdir -p; throws on failure
uint64_t FileSize(const std::string& path);
// The names in `dir` (not "." or ".."), sorted. A folder that cannot be read
// gives an empty list (kEmpty) or an Error "dir: cannot list the folder: why"
// (kThrow).
enum class ListFailure { kEmpty, kThrow };
std::vector<std::string> ListDirectory(const std::string& dir,
                                       ListFailure on_failure = ListFailure::kEmpty);
std::string JoinPath(const std::string& a, const std::string& b);

// Describes errno for a message ("No space left on device (disk full?)").
std::string ErrnoText(int err);

// A file being written under a temporary name; Commit() flushes, fsyncs and
// renames it to its final name. Destroying it uncommitted removes the
// temporary. Not thread-safe. Throws Error on I/O failure (e.g. a full disk).
class AtomicFile {
 public:
  explicit AtomicFile(std::string final_path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void Write(const void* data, size_t size);
  void Write(std::string_view s) { Write(s.data(), s.size()); }
  uint64_t bytes_written() const { return bytes_; }
  void Commit();

 private:
  std::string final_path_;
  std::string tmp_path_;
  FILE* file_ = nullptr;
  uint64_t bytes_ = 0;
};

// An flock on `path` (created when missing), shared or exclusive, held until
// destruction (closing releases it). Throws Error naming the path when the
// file cannot be opened or the file system has no flock.
class FileLock {
 public:
  FileLock(const std::string& path, bool exclusive);
  ~FileLock();
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;

 private:
  int fd_ = -1;
};

// The user's cache folder for synthub: $XDG_CACHE_HOME/synthub, else
// $HOME/.cache/synthub; "" when neither variable is set.
std::string UserCacheDir();

}  // namespace synthub

#endif  // SYNTHUB_UTIL_FILE_H_
