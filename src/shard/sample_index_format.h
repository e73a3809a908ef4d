// The sample index sidecar (<shard>.sidx, docs/formats/sample_index.md):
// an 80-byte header, then 16 bytes per sample. Little-endian.
#ifndef SYNTHUB_SHARD_SAMPLE_INDEX_FORMAT_H_
#define SYNTHUB_SHARD_SAMPLE_INDEX_FORMAT_H_

#include <cstddef>
#include <cstdint>

namespace synthub::shard {

constexpr char kSampleIndexMagic[8] = {'S', 'Y', 'N', 'S', 'I', 'D', 'X', '\0'};
constexpr uint32_t kSampleIndexVersion = 1;
constexpr const char* kSampleIndexExtension = ".sidx";
constexpr size_t kSampleIndexHeaderSize = 80;
constexpr size_t kSampleIndexEntrySize = 16;

// Header field offsets.
constexpr size_t kSidxMagicOff = 0;         // 8 bytes
constexpr size_t kSidxVersionOff = 8;       // u32
constexpr size_t kSidxFlagsOff = 12;        // u32
constexpr size_t kSidxSamplesOff = 16;      // u64
constexpr size_t kSidxShardBytesOff = 24;   // u64: the shard's size
constexpr size_t kSidxShardShaOff = 32;     // 32 bytes: its SHA-256, zeros = unknown
constexpr size_t kSidxEntriesCrcOff = 64;   // u32: zlib crc32 of the entries
constexpr size_t kSidxHeaderCrcOff = 76;    // u32: zlib crc32 of bytes [0, 76)

// Entry field offsets.
constexpr size_t kSidxEntryOffsetOff = 0;   // u64: first record of the first member
constexpr size_t kSidxEntrySpanOff = 8;     // u32: bytes up to the end of the last member
constexpr size_t kSidxEntryLabelOff = 12;   // i32: the .cls label, -1 none / not >= 0

// Flag bit 0: every key is a synthub key CCCCCC_RR_DDD_F whose category is
// the sample's label (generated sets), so the labels give the categories.
constexpr uint32_t kSidxLabelsAreKeyCategories = 1u << 0;

}  // namespace synthub::shard

#endif  // SYNTHUB_SHARD_SAMPLE_INDEX_FORMAT_H_
