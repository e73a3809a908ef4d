// The sample index sidecar of a shard (<shard>.sidx; the format is in
// sample_index_format.h and docs/formats/sample_index.md): where each
// sample's records start, how many bytes they span, and its label; 16 bytes
// per sample. Written by generate and pack next to each shard, or by
// `synthub index` for shards made elsewhere; read by the loader's global
// shuffle one entry at a time, so that no reader walks tar headers or holds
// every entry. Functions only; thread-safe.
#ifndef SYNTHUB_SHARD_SAMPLE_INDEX_H_
#define SYNTHUB_SHARD_SAMPLE_INDEX_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "shard/sample_group.h"
#include "shard/sample_index_format.h"
#include "shard/tar_writer.h"

namespace synthub::shard {

struct SampleIndexEntry {
  uint64_t offset = 0;  // the first record of the sample's first member
  uint32_t span = 0;    // bytes from offset to the end of its last member's padded data;
                        // 0 only in memory: a sample past damage (unreadable)
  int32_t label = -1;   // the label member's value; -1: none, or not an integer >= 0
};
static_assert(sizeof(SampleIndexEntry) == kSampleIndexEntrySize);

struct SampleIndexHeader {
  uint32_t flags = 0;         // kSidx* flag bits
  uint64_t samples = 0;
  uint64_t shard_bytes = 0;   // the shard's size when the index was made
  std::string shard_sha256;   // its SHA-256 in hex, "" when unknown
  uint32_t entries_crc32 = 0;
};

// <shard>.tar -> <shard>.sidx (any other name: + ".sidx").
std::string SampleIndexPath(const std::string& shard_path);

// The whole file: the header (samples and entries_crc32 are computed) and
// the entries.
std::string EncodeSampleIndex(SampleIndexHeader header, const std::vector<SampleIndexEntry>& entries);
// Checks magic, version and header CRC of the first kSampleIndexHeaderSize
// bytes. Throws Error "where: ..." naming what is wrong.
SampleIndexHeader ParseSampleIndexHeader(std::string_view bytes, const std::string& where);
// A whole file: the header, the size (header + 16 bytes per sample) and the
// entries' CRC. Throws Error naming `where`.
std::vector<SampleIndexEntry> ParseSampleIndex(std::string_view bytes, const std::string& where,
                                               SampleIndexHeader* header);
// One entry from its 16 bytes.
SampleIndexEntry DecodeSampleIndexEntry(const char* bytes);

// The entries of a shard a TarWriter wrote: runs of consecutive members with
// one key are the samples (writers write no members outside samples);
// labels[i] is sample i's. Throws Error when the counts differ or a sample
// spans 4 GiB or more.
std::vector<SampleIndexEntry> SampleIndexFromMembers(const std::vector<TarMember>& members,
                                                     const std::vector<int32_t>& labels);
// Writes <path>.sidx for the finished shard `tar` wrote at `shard_path`
// (atomically): its entries, size and SHA-256.
void WriteSampleIndex(const std::string& shard_path, const TarWriter& tar,
                      const std::vector<int32_t>& labels, uint32_t flags);

// Walks a shard's headers as every reader groups them (sample_group.h),
// appending one entry per sample, and its key when `keys` is not null. With
// read_labels, reads each label member (small reads); without, labels are
// -1. Throws Error on a corrupt tar; the entries before it stay.
void BuildSampleIndex(const std::string& shard_path, bool read_labels,
                      std::vector<SampleIndexEntry>* entries, std::vector<std::string>* keys);

// `synthub index`: walks the shard (labels read) and writes its sidecar
// atomically with the shard's size and SHA-256; returns the sample count.
// Throws Error on a corrupt tar (no sidecar is written then).
uint64_t IndexShard(const std::string& shard_path, uint32_t flags);
// Whether the shard's sidecar is exactly the one IndexShard would write now
// (size, SHA-256, every entry and label): "" when it is, else what differs
// (a missing or corrupt sidecar included).
std::string CheckShardIndex(const std::string& shard_path);
// The same for a shard whose size and SHA-256 the caller has just computed
// (verify hashes each shard once).
std::string CheckShardIndex(const std::string& shard_path, uint64_t shard_bytes,
                            const std::string& shard_sha256);

// The entry of a walked sample (members read without data).
SampleIndexEntry SampleIndexEntryOf(const Sample& sample, const std::string& where);

// Reading sample by index: `bytes` are the shard's bytes [entry.offset,
// entry.offset + entry.span). Parses them as exactly one sample, as the
// walk would group it: every header checksum valid, one key, the last
// member ending at the span, and with check_label the label equal to the
// entry's. `sample` gets the members without data; their offsets are
// relative to `bytes`. Throws Error "where@offset: ..." when they are not:
// the shard changed after its index was made, or the index is corrupt.
void ParseIndexedSample(std::string_view bytes, const SampleIndexEntry& entry, bool check_label,
                        const std::string& where, Sample* sample);

}  // namespace synthub::shard

#endif  // SYNTHUB_SHARD_SAMPLE_INDEX_H_
