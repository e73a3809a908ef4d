#include "loader/shard_index.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "shard/sample_index_format.h"
#include "synthub/error.h"
#include "util/file.h"
#include "util/log.h"

namespace synthub::loader {
namespace {

constexpr int kMaxStaleReports = 10;
constexpr double kSlowWalkSeconds = 0.5;

double SecondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

FdCache::~FdCache() {
  for (const auto& [id, fd] : lru_) ::close(fd);
}

int FdCache::Get(uint64_t id, const std::string& path, bool* opened) {
  *opened = false;
  auto it = by_id_.find(id);
  if (it != by_id_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->second;
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(path + ": cannot open: " + ErrnoText(errno));
  *opened = true;
  if (lru_.size() >= capacity_) {
    ::close(lru_.back().second);
    by_id_.erase(lru_.back().first);
    lru_.pop_back();
  }
  lru_.emplace_front(id, fd);
  by_id_[id] = lru_.begin();
  return fd;
}

void FdCache::Close(uint64_t id) {
  auto it = by_id_.find(id);
  if (it == by_id_.end()) return;
  ::close(it->second->second);
  lru_.erase(it->second);
  by_id_.erase(it);
}

void PreadExact(int fd, uint64_t offset, void* out, size_t n, const std::string& path) {
  size_t done = 0;
  while (done < n) {
    const ssize_t got = ::pread(fd, static_cast<char*>(out) + done, n - done, static_cast<off_t>(offset + done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw Error(path + "@" + std::to_string(offset) + ": read error: " + ErrnoText(errno));
    if (got == 0) {
      throw Error(path + "@" + std::to_string(offset + done) + ": ends early (" + std::to_string(done) +
                  " of " + std::to_string(n) + " bytes)");
    }
    done += static_cast<size_t>(got);
  }
}

ShardIndex::ShardIndex(ErrorPolicy policy, bool keep_keys) : policy_(policy), keep_keys_(keep_keys) {}

uint64_t ShardIndex::Add(const ShardEntry& e, uint64_t* skipped) {
  const uint32_t s = static_cast<uint32_t>(shards_.size());
  Shard& shard = shards_.emplace_back();
  shard.location = e.location;
  shard.count = e.samples;
  shard.bytes = e.bytes;
  shard.sha256 = e.sha256;
  skipped_ = skipped;
  if (!PathExists(shard::SampleIndexPath(e.location))) {
    Walk(s, "");
  } else if (shard.count == kUnknownCount) {  // no manifest: the sidecar has the count
    EnsureSidecar(s);
  }
  skipped_ = nullptr;
  return shards_[s].count;
}

void ShardIndex::ReportSetup() const {
  // Said once, when it costs: a few small hand-made shards walk in no time.
  if (shards_walked_ == 0 || walk_s_ < kSlowWalkSeconds) return;
  LogWarn("global shuffle: " + std::to_string(shards_walked_) + " of " + std::to_string(shards_.size()) +
          " shards have no sample index (" + shard::SampleIndexPath(shards_.front().location) +
          " ...): walked their tar headers (" + std::to_string(samples_walked_) + " samples, " +
          std::to_string(walk_s_).substr(0, 5) + " s) and hold their index in memory. "
          "`synthub index <dataset folder or shards>` writes the sidecars once; datasets made by "
          "`synthub generate` or `synthub pack` have them");
}

void ShardIndex::Walk(uint32_t s, const std::string& why) {
  Shard& shard = shards_[s];
  const auto t0 = std::chrono::steady_clock::now();
  if (!why.empty()) {
    if (++stale_reports_ <= kMaxStaleReports) {
      LogWarn(why + ": walking the shard's tar headers instead" +
              (stale_reports_ == kMaxStaleReports ? " (further such shards walked, not reported)" : ""));
    }
    sidecars_.Close(s);
  }
  shard.state = State::kWalked;
  shard.entries.clear();
  shard.keys.clear();
  try {
    shard::BuildSampleIndex(shard.location, /*read_labels=*/false, &shard.entries,
                            keep_keys_ ? &shard.keys : nullptr);
  } catch (const Error& e) {
    if (policy_ == ErrorPolicy::kError) throw;
    if (shard.count == kUnknownCount) {
      LogWarn(std::string(e.what()) + "; using the " + std::to_string(shard.entries.size()) + " samples before it");
      if (skipped_) ++*skipped_;
    } else if (shard.entries.size() < shard.count) {
      // Skip policy: the samples past the damage are read as failed and
      // replaced, like the rest of a damaged piece when streaming.
      LogWarn(std::string(e.what()) + "; the " + std::to_string(shard.count - shard.entries.size()) +
              " samples after it will be skipped");
      shard.entries.resize(shard.count);  // span 0: past damage
      if (keep_keys_) shard.keys.resize(shard.count);
    }
  }
  if (shard.count == kUnknownCount) shard.count = shard.entries.size();
  if (shard.entries.size() != shard.count) {
    throw Error(shard.location + ": " + std::to_string(shard.entries.size()) + " samples, the manifest says " +
                std::to_string(shard.count));
  }
  ++shards_walked_;
  samples_walked_ += shard.count;
  walk_s_ += SecondsSince(t0);
}

std::string ShardIndex::CheckSidecar(uint32_t s, shard::SampleIndexHeader* header) {
  Shard& shard = shards_[s];
  const std::string path = shard::SampleIndexPath(shard.location);
  try {
    bool opened = false;
    const int fd = sidecars_.Get(s, path, &opened);
    char head[shard::kSampleIndexHeaderSize];
    PreadExact(fd, 0, head, sizeof(head), path);
    *header = shard::ParseSampleIndexHeader(std::string_view(head, sizeof(head)), path);
    struct stat st;
    if (::fstat(fd, &st) != 0) return path + ": cannot stat: " + ErrnoText(errno);
    const uint64_t want = shard::kSampleIndexHeaderSize + header->samples * shard::kSampleIndexEntrySize;
    if (static_cast<uint64_t>(st.st_size) != want) {
      return path + ": " + std::to_string(st.st_size) + " bytes, its " + std::to_string(header->samples) +
             " samples make " + std::to_string(want) + " (truncated or corrupt index)";
    }
  } catch (const Error& e) {
    return e.what();
  }
  const uint64_t bytes = FileSize(shard.location);
  if (header->shard_bytes != bytes) {
    return path + ": made for a shard of " + std::to_string(header->shard_bytes) + " bytes; " +
           shard.location + " has " + std::to_string(bytes) + " (the shard changed after its index was made)";
  }
  if (!shard.sha256.empty() && !header->shard_sha256.empty() && header->shard_sha256 != shard.sha256) {
    return path + ": made for a shard with SHA-256 " + header->shard_sha256 + "; the manifest lists " +
           shard.sha256 + " (the shard changed after its index was made)";
  }
  if (shard.count != kUnknownCount && header->samples != shard.count) {
    return path + ": " + std::to_string(header->samples) + " samples; the manifest says " +
           std::to_string(shard.count);
  }
  return "";
}

bool ShardIndex::EnsureSidecar(uint32_t s) {
  Shard& shard = shards_[s];
  if (shard.state == State::kWalked) return false;
  if (shard.checked) return true;
  shard::SampleIndexHeader header;
  const std::string problem = CheckSidecar(s, &header);
  if (!problem.empty()) {
    Walk(s, problem);
    return false;
  }
  shard.checked = true;
  shard.flags = header.flags;
  if (shard.count == kUnknownCount) shard.count = header.samples;
  return true;
}

shard::SampleIndexEntry ShardIndex::Entry(uint32_t s, uint64_t i) {
  if (!EnsureSidecar(s)) return shards_[s].entries[i];
  const std::string path = shard::SampleIndexPath(shards_[s].location);
  bool opened = false;
  const int fd = sidecars_.Get(s, path, &opened);
  // A file reopened after eviction is the one checked (same size): a
  // replaced index fails the per-sample check instead.
  char bytes[shard::kSampleIndexEntrySize];
  PreadExact(fd, shard::kSampleIndexHeaderSize + i * shard::kSampleIndexEntrySize, bytes, sizeof(bytes), path);
  return shard::DecodeSampleIndexEntry(bytes);
}

bool ShardIndex::LabelsKnown(uint32_t s) { return EnsureSidecar(s); }

bool ShardIndex::LabelsAreCategories(uint32_t s) {
  return EnsureSidecar(s) && (shards_[s].flags & shard::kSidxLabelsAreKeyCategories) != 0;
}

std::vector<shard::SampleIndexEntry> ShardIndex::AllEntries(uint32_t s) {
  if (EnsureSidecar(s)) {
    const std::string path = shard::SampleIndexPath(shards_[s].location);
    try {
      shard::SampleIndexHeader header;
      return shard::ParseSampleIndex(ReadFile(path), path, &header);
    } catch (const Error& e) {
      Walk(s, e.what());
    }
  }
  return shards_[s].entries;
}

const std::vector<std::string>* ShardIndex::Keys(uint32_t s) const {
  const Shard& shard = shards_[s];
  return shard.state == State::kWalked && keep_keys_ ? &shard.keys : nullptr;
}

void ShardIndex::DropKeys() {
  for (Shard& shard : shards_) std::vector<std::string>().swap(shard.keys);
}

}  // namespace synthub::loader
