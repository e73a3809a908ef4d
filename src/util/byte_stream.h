// A sequential source of bytes: a local file, or (src/util/http_client.h)
// an HTTP download streamed as it arrives. Not thread-safe.
#ifndef SYNTHUB_UTIL_BYTE_STREAM_H_
#define SYNTHUB_UTIL_BYTE_STREAM_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

namespace synthub {

class ByteStream {
 public:
  virtual ~ByteStream() = default;
  // Reads up to n bytes; returns fewer only at the end of the stream.
  // Throws Error naming the source on an I/O or network failure.
  virtual size_t Read(void* out, size_t n) = 0;
  // Skips n bytes (seeks where it can); returns the bytes skipped.
  virtual uint64_t Skip(uint64_t n);
  // Counts for honest profiling.
  uint64_t bytes_read() const { return bytes_read_; }
  virtual const std::string& name() const = 0;

 protected:
  uint64_t bytes_read_ = 0;
};

class FileStream : public ByteStream {
 public:
  explicit FileStream(const std::string& path);  // throws Error
  ~FileStream() override;
  FileStream(const FileStream&) = delete;
  FileStream& operator=(const FileStream&) = delete;

  size_t Read(void* out, size_t n) override;
  uint64_t Skip(uint64_t n) override;
  const std::string& name() const override { return path_; }
  // Random access (global shuffle): reads exactly n bytes at offset.
  void ReadAt(uint64_t offset, void* out, size_t n);

 private:
  std::string path_;
  FILE* file_;
  uint64_t size_;
  uint64_t position_ = 0;
};

}  // namespace synthub

#endif  // SYNTHUB_UTIL_BYTE_STREAM_H_
