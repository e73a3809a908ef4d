// The global shuffle's sample index over the shards of a dataset: one
// shard::SampleIndexEntry per sample, looked up when that sample is read.
//
// A shard with a sidecar (<shard>.sidx, docs/formats/sample_index.md) costs
// one stat at setup when the manifest gives its count, and nothing else
// until a sample of it is first read: then the sidecar's header is checked
// against the shard (its size, and its SHA-256 where the manifest lists
// one), and each entry is read from the file when needed (one 16-byte
// pread; nothing per sample is held in memory). The loader checks every
// sample it reads against its entry (shard::ParseIndexedSample), so a shard
// rewritten after its index was made gives an error, never other samples.
// A shard without a sidecar, or whose sidecar does not match it, has its
// tar headers walked (as before sidecars existed) and its entries held in
// memory, 16 bytes per sample.
//
// Not thread-safe: the loader's constructor, then its reader thread only.
#ifndef SYNTHUB_LOADER_SHARD_INDEX_H_
#define SYNTHUB_LOADER_SHARD_INDEX_H_

#include <cstdint>
#include <list>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "loader/spec.h"
#include "shard/sample_index.h"
#include "synthub/loader.h"

namespace synthub::loader {

// At most `capacity` open read-only files, least recently used closed first
// (a global shuffle touches every shard of a 30,000-shard set). Not
// thread-safe.
class FdCache {
 public:
  explicit FdCache(size_t capacity) : capacity_(capacity) {}
  ~FdCache();
  FdCache(const FdCache&) = delete;
  FdCache& operator=(const FdCache&) = delete;

  // The open file of `id` at `path`; *opened says whether it was opened now.
  // Throws Error naming the path. Valid until the next Get or Close.
  int Get(uint64_t id, const std::string& path, bool* opened);
  void Close(uint64_t id);

 private:
  size_t capacity_;
  std::list<std::pair<uint64_t, int>> lru_;  // most recent first
  std::unordered_map<uint64_t, std::list<std::pair<uint64_t, int>>::iterator> by_id_;
};

// Reads exactly n bytes at offset; throws Error "path@offset: ...".
void PreadExact(int fd, uint64_t offset, void* out, size_t n, const std::string& path);

class ShardIndex {
 public:
  // keep_keys: keep the keys of walked shards (one_view_per_category).
  ShardIndex(ErrorPolicy policy, bool keep_keys);
  ShardIndex(const ShardIndex&) = delete;
  ShardIndex& operator=(const ShardIndex&) = delete;

  // Setup, shard by shard in order: returns the shard's sample count (the
  // manifest's, or the sidecar's or the walk's when the manifest gives none).
  // Throws Error as the walk does (under the error policy), or when a walk
  // disagrees with the manifest's count. *skipped counts shards whose walk
  // stopped at damage (skip policy).
  uint64_t Add(const ShardEntry& shard, uint64_t* skipped);
  // Once after the last Add: tells the user when shards had to be walked.
  void ReportSetup() const;

  // Sample i of shard s (span 0: past damage, unreadable). Opens and checks
  // the sidecar on first use; a stale one is reported and walked instead.
  // Throws Error on I/O failure or (walk) a corrupt tar under kError.
  shard::SampleIndexEntry Entry(uint32_t s, uint64_t i);
  // Whether labels in Entry() are known (sidecar), and whether they are
  // the categories of synthub keys (kSidxLabelsAreKeyCategories).
  bool LabelsKnown(uint32_t s);
  bool LabelsAreCategories(uint32_t s);
  // Every entry of shard s (reads a sidecar whole and checks its CRC).
  std::vector<shard::SampleIndexEntry> AllEntries(uint32_t s);
  // The keys of a walked shard (keep_keys), else nullptr.
  const std::vector<std::string>* Keys(uint32_t s) const;
  void DropKeys();

  uint64_t shards_walked() const { return shards_walked_; }
  const std::string& location(uint32_t s) const { return shards_[s].location; }

 private:
  enum class State { kSidecar, kWalked };
  struct Shard {
    std::string location;
    uint64_t count = 0;
    uint64_t bytes = 0;      // from the manifest, 0 unknown
    std::string sha256;      // from the manifest, "" unknown
    State state = State::kSidecar;
    uint32_t flags = 0;      // the sidecar's, once checked
    bool checked = false;    // the sidecar's header matched the shard
    std::vector<shard::SampleIndexEntry> entries;  // kWalked
    std::vector<std::string> keys;                 // kWalked with keep_keys
  };
  // Checks the sidecar's header against the shard; "" when it matches,
  // else why not. Fills *header.
  std::string CheckSidecar(uint32_t s, shard::SampleIndexHeader* header);
  // Opens (and on first use checks) the sidecar; false when it does not
  // match and the shard was walked instead.
  bool EnsureSidecar(uint32_t s);
  void Walk(uint32_t s, const std::string& why);

  ErrorPolicy policy_;
  bool keep_keys_;
  std::vector<Shard> shards_;
  FdCache sidecars_{256};
  uint64_t shards_walked_ = 0, samples_walked_ = 0;
  uint64_t stale_reports_ = 0;
  double walk_s_ = 0;
  uint64_t* skipped_ = nullptr;  // setup's counter (Add)
};

}  // namespace synthub::loader

#endif  // SYNTHUB_LOADER_SHARD_INDEX_H_
