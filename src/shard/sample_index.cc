#include "shard/sample_index.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "shard/tar_format.h"
#include "synthub/error.h"
#include "util/byte_stream.h"
#include "util/file.h"
#include "util/hex.h"
#include "util/sha256.h"

namespace synthub::shard {
namespace {

void PutU32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>(v >> (8 * i));
}
void PutU64(char* p, uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>(v >> (8 * i));
}
uint32_t GetU32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}
uint64_t GetU64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

uint32_t Crc32(const char* data, size_t size) {
  uLong crc = crc32(0, nullptr, 0);
  while (size > 0) {  // zlib takes uInt lengths
    const uInt step = static_cast<uInt>(std::min<size_t>(size, 1u << 30));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(data), step);
    data += step;
    size -= step;
  }
  return static_cast<uint32_t>(crc);
}

std::string HexOf(const uint8_t* bytes, size_t n) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 15];
  }
  return out;
}

uint64_t Padded(uint64_t size) { return (size + kBlockSize - 1) / kBlockSize * kBlockSize; }

// The bytes of one indexed sample as a stream, for the grouper.
class MemoryStream : public ByteStream {
 public:
  MemoryStream(std::string_view bytes, const std::string& name) : bytes_(bytes), name_(name) {}
  size_t Read(void* out, size_t n) override {
    const size_t step = std::min(n, bytes_.size() - at_);
    std::memcpy(out, bytes_.data() + at_, step);
    at_ += step;
    bytes_read_ += step;
    return step;
  }
  uint64_t Skip(uint64_t n) override {
    const size_t step = static_cast<size_t>(std::min<uint64_t>(n, bytes_.size() - at_));
    at_ += step;
    return step;
  }
  const std::string& name() const override { return name_; }

 private:
  std::string_view bytes_;
  std::string name_;
  size_t at_ = 0;
};

}  // namespace

std::string SampleIndexPath(const std::string& shard_path) {
  const std::string tar = ".tar";
  if (shard_path.size() > tar.size() &&
      shard_path.compare(shard_path.size() - tar.size(), tar.size(), tar) == 0) {
    return shard_path.substr(0, shard_path.size() - tar.size()) + kSampleIndexExtension;
  }
  return shard_path + kSampleIndexExtension;
}

SampleIndexEntry DecodeSampleIndexEntry(const char* p) {
  SampleIndexEntry e;
  e.offset = GetU64(p + kSidxEntryOffsetOff);
  e.span = GetU32(p + kSidxEntrySpanOff);
  e.label = static_cast<int32_t>(GetU32(p + kSidxEntryLabelOff));
  return e;
}

std::string EncodeSampleIndex(SampleIndexHeader h, const std::vector<SampleIndexEntry>& entries) {
  std::string out(kSampleIndexHeaderSize + entries.size() * kSampleIndexEntrySize, '\0');
  char* p = out.data() + kSampleIndexHeaderSize;
  for (const SampleIndexEntry& e : entries) {
    PutU64(p + kSidxEntryOffsetOff, e.offset);
    PutU32(p + kSidxEntrySpanOff, e.span);
    PutU32(p + kSidxEntryLabelOff, static_cast<uint32_t>(e.label));
    p += kSampleIndexEntrySize;
  }
  h.samples = entries.size();
  h.entries_crc32 = Crc32(out.data() + kSampleIndexHeaderSize, out.size() - kSampleIndexHeaderSize);
  char* q = out.data();
  std::memcpy(q + kSidxMagicOff, kSampleIndexMagic, sizeof(kSampleIndexMagic));
  PutU32(q + kSidxVersionOff, kSampleIndexVersion);
  PutU32(q + kSidxFlagsOff, h.flags);
  PutU64(q + kSidxSamplesOff, h.samples);
  PutU64(q + kSidxShardBytesOff, h.shard_bytes);
  if (!h.shard_sha256.empty()) {
    SYNTHUB_CHECK(IsSha256Hex(h.shard_sha256));
    for (size_t i = 0; i < 32; ++i) {
      q[kSidxShardShaOff + i] = static_cast<char>(std::stoi(h.shard_sha256.substr(2 * i, 2), nullptr, 16));
    }
  }
  PutU32(q + kSidxEntriesCrcOff, h.entries_crc32);
  PutU32(q + kSidxHeaderCrcOff, Crc32(q, kSidxHeaderCrcOff));
  return out;
}

SampleIndexHeader ParseSampleIndexHeader(std::string_view bytes, const std::string& where) {
  if (bytes.size() < kSampleIndexHeaderSize) {
    throw Error(where + ": " + std::to_string(bytes.size()) + " bytes, shorter than the " +
                std::to_string(kSampleIndexHeaderSize) + "-byte sample index header");
  }
  const char* q = bytes.data();
  if (std::memcmp(q + kSidxMagicOff, kSampleIndexMagic, sizeof(kSampleIndexMagic)) != 0) {
    throw Error(where + ": not a synthub sample index (bad magic)");
  }
  const uint32_t version = GetU32(q + kSidxVersionOff);
  if (version != kSampleIndexVersion) {
    throw Error(where + ": sample index version " + std::to_string(version) + ", this reader takes " +
                std::to_string(kSampleIndexVersion));
  }
  const uint32_t crc = Crc32(q, kSidxHeaderCrcOff);
  if (crc != GetU32(q + kSidxHeaderCrcOff)) throw Error(where + ": header checksum mismatch");
  SampleIndexHeader h;
  h.flags = GetU32(q + kSidxFlagsOff);
  h.samples = GetU64(q + kSidxSamplesOff);
  h.shard_bytes = GetU64(q + kSidxShardBytesOff);
  const auto* sha = reinterpret_cast<const uint8_t*>(q + kSidxShardShaOff);
  if (std::any_of(sha, sha + 32, [](uint8_t b) { return b != 0; })) h.shard_sha256 = HexOf(sha, 32);
  h.entries_crc32 = GetU32(q + kSidxEntriesCrcOff);
  return h;
}

std::vector<SampleIndexEntry> ParseSampleIndex(std::string_view bytes, const std::string& where,
                                               SampleIndexHeader* header) {
  *header = ParseSampleIndexHeader(bytes, where);
  const uint64_t want = kSampleIndexHeaderSize + header->samples * kSampleIndexEntrySize;
  if (header->samples > (uint64_t{1} << 40) || bytes.size() != want) {
    throw Error(where + ": " + std::to_string(bytes.size()) + " bytes, the header's " +
                std::to_string(header->samples) + " samples make " + std::to_string(want));
  }
  const char* p = bytes.data() + kSampleIndexHeaderSize;
  if (Crc32(p, bytes.size() - kSampleIndexHeaderSize) != header->entries_crc32) {
    throw Error(where + ": entries checksum mismatch (corrupt index)");
  }
  std::vector<SampleIndexEntry> entries(header->samples);
  for (uint64_t i = 0; i < header->samples; ++i) entries[i] = DecodeSampleIndexEntry(p + i * kSampleIndexEntrySize);
  return entries;
}

std::vector<SampleIndexEntry> SampleIndexFromMembers(const std::vector<TarMember>& members,
                                                     const std::vector<int32_t>& labels) {
  std::vector<SampleIndexEntry> entries;
  std::string key, ext, last_key;
  for (const TarMember& m : members) {
    SYNTHUB_CHECK(ClassifyMember(m.name, &key, &ext) == MemberRole::kSample);
    const uint64_t end = m.header_offset + kBlockSize + Padded(m.size);
    if (entries.empty() || key != last_key) {
      if (entries.size() == labels.size()) {
        throw Error("sample index: more samples in the shard than the " + std::to_string(labels.size()) +
                    " labels given");
      }
      entries.push_back({m.header_offset, 0, labels[entries.size()]});
      last_key = key;
    }
    SampleIndexEntry& e = entries.back();
    if (end - e.offset > UINT32_MAX) {
      throw Error("sample index: sample '" + key + "' spans 4 GiB or more; the index cannot hold it");
    }
    e.span = static_cast<uint32_t>(end - e.offset);
  }
  if (entries.size() != labels.size()) {
    throw Error("sample index: " + std::to_string(entries.size()) + " samples in the shard, " +
                std::to_string(labels.size()) + " labels given");
  }
  return entries;
}

void WriteSampleIndex(const std::string& shard_path, const TarWriter& tar,
                      const std::vector<int32_t>& labels, uint32_t flags) {
  SampleIndexHeader h;
  h.flags = flags;
  h.shard_bytes = tar.bytes();
  h.shard_sha256 = tar.sha256();
  WriteFileAtomic(SampleIndexPath(shard_path), EncodeSampleIndex(h, SampleIndexFromMembers(tar.members(), labels)));
}

SampleIndexEntry SampleIndexEntryOf(const Sample& sample, const std::string& where) {
  SYNTHUB_CHECK(!sample.members.empty());
  const SampleMember& first = sample.members.front();
  const SampleMember& last = sample.members.back();
  const uint64_t end = last.data_offset + Padded(last.size);
  if (end - first.record_offset > UINT32_MAX) {
    throw Error(where + "@" + std::to_string(sample.offset) + ": sample '" + sample.key +
                "' spans 4 GiB or more; the sample index cannot hold it");
  }
  SampleIndexEntry e;
  e.offset = first.record_offset;
  e.span = static_cast<uint32_t>(end - first.record_offset);
  return e;
}

void BuildSampleIndex(const std::string& shard_path, bool read_labels,
                      std::vector<SampleIndexEntry>* entries, std::vector<std::string>* keys) {
  SampleGrouper grouper(shard_path);
  std::unique_ptr<FileStream> file;
  if (read_labels) file = std::make_unique<FileStream>(shard_path);
  Sample sample;
  std::string label;
  while (grouper.Next(&sample, /*with_data=*/false)) {
    SampleIndexEntry e = SampleIndexEntryOf(sample, shard_path);
    if (const SampleMember* m = FindLabel(sample); m && read_labels) {
      label.resize(m->size);
      file->ReadAt(m->data_offset, label.data(), label.size());
      const int64_t v = ParseLabel(label);
      e.label = v >= 0 && v <= INT32_MAX ? static_cast<int32_t>(v) : -1;
    }
    entries->push_back(e);
    if (keys) keys->push_back(std::move(sample.key));
  }
}

uint64_t IndexShard(const std::string& shard_path, uint32_t flags) {
  std::vector<SampleIndexEntry> entries;
  BuildSampleIndex(shard_path, /*read_labels=*/true, &entries, nullptr);
  SampleIndexHeader h;
  h.flags = flags;
  h.shard_sha256 = Sha256File(shard_path, &h.shard_bytes);
  WriteFileAtomic(SampleIndexPath(shard_path), EncodeSampleIndex(h, entries));
  return entries.size();
}

std::string CheckShardIndex(const std::string& shard_path) {
  uint64_t bytes = 0;
  const std::string sha = Sha256File(shard_path, &bytes);
  return CheckShardIndex(shard_path, bytes, sha);
}

std::string CheckShardIndex(const std::string& shard_path, uint64_t bytes, const std::string& sha) {
  const std::string path = SampleIndexPath(shard_path);
  if (!PathExists(path)) return path + ": missing";
  SampleIndexHeader h;
  std::vector<SampleIndexEntry> have;
  try {
    have = ParseSampleIndex(ReadFile(path), path, &h);
  } catch (const Error& e) {
    return e.what();
  }
  if (bytes != h.shard_bytes || (!h.shard_sha256.empty() && sha != h.shard_sha256)) {
    return path + ": made for another version of the shard (size or SHA-256 differ)";
  }
  std::vector<SampleIndexEntry> want;
  BuildSampleIndex(shard_path, /*read_labels=*/true, &want, nullptr);
  if (want.size() != have.size()) {
    return path + ": " + std::to_string(have.size()) + " samples, the shard has " +
           std::to_string(want.size());
  }
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i].offset != have[i].offset || want[i].span != have[i].span ||
        want[i].label != have[i].label) {
      return path + ": entry " + std::to_string(i) + " does not match the shard";
    }
  }
  return "";
}

void ParseIndexedSample(std::string_view bytes, const SampleIndexEntry& entry, bool check_label,
                        const std::string& where, Sample* sample) {
  const std::string at = where + "@" + std::to_string(entry.offset);
  const std::string fix = "; the shard changed after its sample index was made, or the index is "
                          "corrupt: rerun `synthub index` on it";
  try {
    SampleGrouper grouper(std::make_unique<MemoryStream>(bytes, where));
    if (!grouper.Next(sample, /*with_data=*/false)) throw Error("no sample there");
    const SampleMember& last = sample->members.back();
    const uint64_t end = last.data_offset + Padded(last.size);
    if (sample->members.front().record_offset != 0 || end != bytes.size()) {
      throw Error("sample '" + sample->key + "' spans [" + std::to_string(sample->members.front().record_offset) +
                  ", " + std::to_string(end) + "), the index says [0, " + std::to_string(bytes.size()) + ")");
    }
  } catch (const Error& e) {
    throw Error(at + ": the sample index entry does not match the shard (" + e.what() + ")" + fix);
  }
  if (check_label) {
    int64_t label = -1;
    if (const SampleMember* m = FindLabel(*sample)) {
      label = ParseLabel(std::string(bytes.substr(m->data_offset, m->size)));
      if (label > INT32_MAX) label = -1;
    }
    if (label != entry.label) {
      throw Error(at + ": sample '" + sample->key + "' has label " + std::to_string(label) +
                  ", its sample index entry says " + std::to_string(entry.label) + fix);
    }
  }
}

}  // namespace synthub::shard
