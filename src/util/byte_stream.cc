#include "util/byte_stream.h"

#include <algorithm>
#include <cerrno>
#include <sys/stat.h>
#include <unistd.h>

#include "synthub/error.h"
#include "util/file.h"

namespace synthub {

uint64_t ByteStream::Skip(uint64_t n) {
  char buf[1 << 14];
  uint64_t done = 0;
  while (done < n) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(sizeof(buf), n - done));
    const size_t got = Read(buf, want);
    done += got;
    if (got < want) break;
  }
  return done;
}

FileStream::FileStream(const std::string& path) : path_(path) {
  file_ = std::fopen(path.c_str(), "rb");
  if (!file_) throw Error(path + ": cannot open: " + ErrnoText(errno));
  struct stat st;
  size_ = ::fstat(fileno(file_), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

FileStream::~FileStream() { std::fclose(file_); }

size_t FileStream::Read(void* out, size_t n) {
  const size_t got = std::fread(out, 1, n, file_);
  if (got < n && std::ferror(file_)) throw Error(path_ + ": read error: " + ErrnoText(errno));
  position_ += got;
  bytes_read_ += got;
  return got;
}

uint64_t FileStream::Skip(uint64_t n) {
  const uint64_t step = std::min(n, size_ > position_ ? size_ - position_ : 0);
  if (step > 0 && std::fseek(file_, static_cast<long>(step), SEEK_CUR) != 0) {
    throw Error(path_ + ": seek failed: " + ErrnoText(errno));
  }
  position_ += step;
  return step;
}

void FileStream::ReadAt(uint64_t offset, void* out, size_t n) {
  size_t done = 0;
  while (done < n) {
    const ssize_t got = ::pread(fileno(file_), static_cast<char*>(out) + done, n - done,
                                static_cast<off_t>(offset + done));
    if (got < 0) throw Error(path_ + "@" + std::to_string(offset) + ": read error: " + ErrnoText(errno));
    if (got == 0) throw Error(path_ + "@" + std::to_string(offset + done) + ": truncated");
    done += static_cast<size_t>(got);
  }
  bytes_read_ += n;
}

}  // namespace synthub
