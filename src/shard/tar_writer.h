// Writes a strict ustar shard: regular-file members with fixed metadata
// (mtime 0, uid/gid 0, mode 0644, empty user names), names of at most 99
// bytes, no PAX or GNU records, two zero blocks at the end. The file is
// written under a temporary name and renamed by Finish(); the SHA-256 is
// computed while writing. Not thread-safe.
#ifndef SYNTHUB_SHARD_TAR_WRITER_H_
#define SYNTHUB_SHARD_TAR_WRITER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/file.h"
#include "util/sha256.h"

namespace synthub::shard {

struct TarMember {
  std::string name;
  uint64_t header_offset = 0;  // of the 512-byte header; data follows it
  uint64_t size = 0;
};

// The 512-byte ustar header of a regular file. Throws Error for a name over
// 99 bytes or a size over 8 GiB - 1.
std::string UstarHeader(const std::string& name, uint64_t size);

class TarWriter {
 public:
  explicit TarWriter(const std::string& path);
  TarWriter(const TarWriter&) = delete;
  TarWriter& operator=(const TarWriter&) = delete;

  void AddFile(const std::string& name, std::string_view data);
  // Writes the end-of-archive blocks, syncs and renames into place.
  void Finish();

  const std::vector<TarMember>& members() const { return members_; }
  uint64_t bytes() const { return offset_; }
  const std::string& sha256() const { return sha256_; }  // after Finish()

 private:
  void Put(const void* data, size_t size);

  AtomicFile file_;
  Sha256 hash_;
  std::vector<TarMember> members_;
  uint64_t offset_ = 0;
  std::string sha256_;
};

}  // namespace synthub::shard

#endif  // SYNTHUB_SHARD_TAR_WRITER_H_
