// WebDataset sample grouping: the one implementation, used by the loader
// (streaming reads, the per-shard count and the global-shuffle index),
// verify's sample count and inspect's contact sheet.
//
// The rules (as the reference `webdataset` library reads a tar; also in
// docs/formats/shards.md):
//  1. Only regular files are members (TarReader skips directories and links).
//  2. key = member path up to the first dot of its basename (a directory
//     prefix stays in the key); extension = everything after that dot,
//     lower-cased: `a/b/x.seg.PNG` -> key `a/b/x`, extension `seg.png`.
//  3. A member with no dot in its basename, or nothing before the dot
//     (`README`, `a/.hidden`), belongs to no sample: skipped and counted.
//  4. A member whose key has a path component starting with `__`
//     (`__meta__`, `__index__.json`, `d/__info__.txt`, `__meta__/x.json`) is
//     metadata: skipped and counted. Skipped members never end a sample: the
//     members either side of one still group together.
//  5. A sample is a run of CONSECUTIVE members with the same key; members of
//     one key that are not adjacent make separate samples.
//  6. An extension repeated within one sample is an Error
//     ("shard@offset: sample 'k' repeats extension 'e'"), like a corrupt tar;
//     the caller's corruption policy decides (the loader: error or skip).
//  7. The label is the first member (tar order) with extension `cls`,
//     `cls.txt` or `label`: ASCII decimal >= 0, surrounding whitespace
//     allowed. The image is the first member with extension `png`, `jpg`,
//     `jpeg` or `webp`. Other members are carried along and ignored.
#ifndef SYNTHUB_SHARD_SAMPLE_GROUP_H_
#define SYNTHUB_SHARD_SAMPLE_GROUP_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "shard/tar_reader.h"
#include "util/byte_stream.h"

namespace synthub::shard {

// Rule 2: splits a member path into key and (lower-cased) extension; no dot
// in the basename gives the whole path as key and an empty extension.
void SplitKey(const std::string& name, std::string* key, std::string* ext);

enum class MemberRole {
  kSample,       // part of a sample
  kMetadata,     // rule 4
  kNoExtension,  // rule 3
};
// Splits `name` (as SplitKey) and says whether it belongs to a sample.
MemberRole ClassifyMember(const std::string& name, std::string* key, std::string* ext);

struct SampleMember {
  std::string ext;
  uint64_t header_offset = 0;  // of its ustar header
  uint64_t record_offset = 0;  // of its first record (pax / long-name ones included)
  uint64_t data_offset = 0;    // of its first data byte (never 0)
  uint64_t size = 0;
  std::string data;            // empty when the sample was read without data
};

struct Sample {
  std::string key;
  uint64_t offset = 0;  // header offset of the first member
  std::vector<SampleMember> members;
};

// Groups the members of a tar stream into samples (rules above). Reading
// without data walks the headers only: the members' offsets and sizes are
// the index for random access (global shuffle). Not thread-safe.
class SampleGrouper {
 public:
  // Opens a file; throws Error naming it.
  explicit SampleGrouper(const std::string& path);
  explicit SampleGrouper(std::unique_ptr<ByteStream> stream);
  SampleGrouper(const SampleGrouper&) = delete;
  SampleGrouper& operator=(const SampleGrouper&) = delete;

  // The next sample, with its members' bytes when with_data. False at the
  // end. Throws Error "name@offset: ..." on a corrupt or truncated tar or a
  // repeated extension; the samples returned before it are intact, and every
  // later call throws the same error.
  bool Next(Sample* sample, bool with_data = true);
  // Hands back a member's data buffer (a consumer done with it): the next
  // member read fills it instead of a fresh allocation. Keeps a few.
  void Recycle(std::string&& buffer);

  uint64_t bytes_read() const { return tar_.stream().bytes_read(); }
  bool saw_end() const { return tar_.saw_end(); }  // proper end-of-archive blocks
  // Members outside every sample so far (rules 3 and 4).
  uint64_t skipped_members() const { return skipped_members_; }
  const std::string& name() const { return tar_.stream().name(); }

 private:
  bool NextMember(Sample* sample, bool with_data);

  TarReader tar_;
  TarEntry pending_;  // header read, data not yet consumed
  std::string pending_key_, pending_ext_;
  bool has_pending_ = false;
  std::vector<std::string> spares_;  // Recycle()d buffers
  bool done_ = false;
  std::string error_;  // sticky after the first Error
  uint64_t skipped_members_ = 0;
};

// Rule 7.
bool IsLabelExtension(const std::string& ext);
bool IsImageExtension(const std::string& ext);
// The sample's label / image member, or nullptr. Valid while `s` is.
const SampleMember* FindLabel(const Sample& s);
const SampleMember* FindImage(const Sample& s);
SampleMember* FindImage(Sample* s);
// A label member's bytes as an integer >= 0, or -1 when they are not one.
int64_t ParseLabel(const std::string& bytes);

}  // namespace synthub::shard

#endif  // SYNTHUB_SHARD_SAMPLE_GROUP_H_
