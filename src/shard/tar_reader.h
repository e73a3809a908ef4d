// Reads tar archives sequentially: ustar, GNU (long names 'L', base-256
// sizes) and POSIX pax ('x' path/size records; 'g' skipped). Yields regular
// files only, as the webdataset reference does; directories and links are
// skipped. Every header checksum is verified. Not thread-safe.
#ifndef SYNTHUB_SHARD_TAR_READER_H_
#define SYNTHUB_SHARD_TAR_READER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "util/byte_stream.h"

namespace synthub::shard {

struct TarEntry {
  std::string name;
  uint64_t header_offset = 0;
  // Where the member's records begin: its header, or the GNU long-name /
  // pax records before it. Reading from here parses the same member.
  uint64_t record_offset = 0;
  uint64_t size = 0;
  std::string data;  // filled when reading with data
};

class TarReader {
 public:
  // Opens a file; throws Error naming it.
  explicit TarReader(const std::string& path);
  // Reads any byte stream (an HTTP download, for instance).
  explicit TarReader(std::unique_ptr<ByteStream> stream);
  ~TarReader();
  TarReader(const TarReader&) = delete;
  TarReader& operator=(const TarReader&) = delete;

  // Next regular file. Returns false at the end of the archive (two zero
  // blocks, or end of file exactly at a header boundary: see saw_end()).
  // Throws Error "path@offset: what" on a corrupt or truncated archive.
  bool Next(TarEntry* entry, bool with_data = true);

  // Two-step form: NextHeader() stops before the member's data; then exactly
  // one of ReadData() or SkipData() must follow before the next header.
  bool NextHeader(TarEntry* entry);
  void ReadData(TarEntry* entry);
  void SkipData();

  bool saw_end() const { return saw_end_; }  // proper end-of-archive blocks
  uint64_t offset() const { return offset_; }
  const ByteStream& stream() const { return *stream_; }

 private:
  bool ReadBlock(char* block);  // false at clean EOF
  void ReadExact(char* out, uint64_t size, const char* what);
  void Skip(uint64_t size);
  [[noreturn]] void Fail(uint64_t at, const std::string& what) const;

  std::unique_ptr<ByteStream> stream_;
  std::string path_;
  uint64_t offset_ = 0;
  uint64_t data_left_ = 0;   // data + padding of the current member
  bool saw_end_ = false;
};

}  // namespace synthub::shard

#endif  // SYNTHUB_SHARD_TAR_READER_H_
