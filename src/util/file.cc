#include "util/file.h"

#include <dirent.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "synthub/error.h"

namespace synthub {

std::string ErrnoText(int err) {
  std::string text = std::strerror(err);
  if (err == ENOSPC || err == EDQUOT) text += " (disk full?)";
  return text;
}

std::string ReadFile(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw Error(path + ": cannot open: " + ErrnoText(errno));
  std::string data;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) data.append(buf, n);
  bool bad = std::ferror(f);
  std::fclose(f);
  if (bad) throw Error(path + ": read error");
  return data;
}

void WriteFileAtomic(const std::string& path, std::string_view data) {
  AtomicFile file(path);
  file.Write(data);
  file.Commit();
}

bool PathExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

bool IsDirectory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

void MakeDirs(const std::string& path) {
  if (path.empty() || IsDirectory(path)) return;
  size_t slash = path.find_last_of('/');
  if (slash != std::string::npos && slash > 0) MakeDirs(path.substr(0, slash));
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) {
    throw Error(path + ": cannot create directory: " + ErrnoText(errno));
  }
}

uint64_t FileSize(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    throw Error(path + ": cannot stat: " + ErrnoText(errno));
  }
  return static_cast<uint64_t>(st.st_size);
}

std::vector<std::string> ListDirectory(const std::string& dir, ListFailure on_failure) {
  std::vector<std::string> out;
  DIR* d = ::opendir(dir.c_str());
  if (!d) {
    if (on_failure == ListFailure::kThrow) {
      throw Error(dir + ": cannot list the folder: " + ErrnoText(errno));
    }
    return out;
  }
  while (dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") out.push_back(name);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

std::string JoinPath(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (a.back() == '/') return a + b;
  return a + "/" + b;
}

AtomicFile::AtomicFile(std::string final_path)
    : final_path_(std::move(final_path)),
      tmp_path_(final_path_ + ".tmp." + std::to_string(::getpid())) {
  // The rename at Commit would replace whatever is there: never a device
  // (a test once wrote "/dev/null" this way, as root), a pipe or a folder.
  struct stat st;
  if (::stat(final_path_.c_str(), &st) == 0 && !S_ISREG(st.st_mode)) {
    throw Error(final_path_ + ": exists and is not a regular file; not replacing it");
  }
  file_ = std::fopen(tmp_path_.c_str(), "wb");
  if (!file_) {
    throw Error(tmp_path_ + ": cannot create: " + ErrnoText(errno));
  }
}

AtomicFile::~AtomicFile() {
  if (file_) {
    std::fclose(file_);
    std::remove(tmp_path_.c_str());
  }
}

void AtomicFile::Write(const void* data, size_t size) {
  if (size == 0) return;
  if (std::fwrite(data, 1, size, file_) != size) {
    throw Error(tmp_path_ + ": write failed at byte " + std::to_string(bytes_) +
                ": " + ErrnoText(errno));
  }
  bytes_ += size;
}

void AtomicFile::Commit() {
  if (std::fflush(file_) != 0 || ::fsync(fileno(file_)) != 0) {
    throw Error(tmp_path_ + ": flush failed: " + ErrnoText(errno));
  }
  int rc = std::fclose(file_);
  file_ = nullptr;
  if (rc != 0) {
    int err = errno;
    std::remove(tmp_path_.c_str());
    throw Error(tmp_path_ + ": close failed: " + ErrnoText(err));
  }
  if (std::rename(tmp_path_.c_str(), final_path_.c_str()) != 0) {
    int err = errno;
    std::remove(tmp_path_.c_str());
    throw Error(final_path_ + ": rename failed: " + ErrnoText(err));
  }
}

FileLock::FileLock(const std::string& path, bool exclusive) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error(path + ": " + ErrnoText(errno));
  while (::flock(fd_, exclusive ? LOCK_EX : LOCK_SH) != 0) {
    if (errno != EINTR) {
      const int err = errno;
      ::close(fd_);
      throw Error(path + ": flock: " + ErrnoText(err));
    }
  }
}

FileLock::~FileLock() { ::close(fd_); }

std::string UserCacheDir() {
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/synthub";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/synthub";
  return "";
}

}  // namespace synthub
