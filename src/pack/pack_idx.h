// Packs an IDX image/label file pair (MNIST, Fashion-MNIST, KMNIST: gzip
// compressed or raw) into one dataset folder of 8-bit gray PNG samples.
#ifndef SYNTHUB_PACK_PACK_IDX_H_
#define SYNTHUB_PACK_PACK_IDX_H_

#include <cstdint>
#include <string>
#include <vector>

#include "pack/pack.h"

namespace synthub::pack {

// IDX header: 0x00 0x00, type 0x08 (unsigned byte), the number of
// dimensions, then one big-endian uint32 per dimension; data follows.
constexpr uint32_t kIdxImagesMagic = 0x00000803;  // [n, rows, cols]
constexpr uint32_t kIdxLabelsMagic = 0x00000801;  // [n]

struct IdxArray {
  std::vector<uint32_t> dims;
  std::string data;  // uint8, row-major
};

// Reads an IDX file of unsigned bytes with the given magic (gzip or raw:
// zlib reads both), at most `limit` items along the first dimension (0 =
// all). Throws Error naming the file: unreadable, wrong magic, or shorter
// than its header says.
IdxArray ReadIdx(const std::string& path, uint32_t magic, uint64_t limit);

struct IdxOptions {
  PackOptions pack;     // pack.out, pack.name, pack.shard_size, ...
  std::string images;   // *-images-idx3-ubyte[.gz]
  std::string labels;   // *-labels-idx1-ubyte[.gz]
  uint64_t limit = 0;   // only the first N images (0 = all)
  int classes = 10;     // 0: max label + 1
};

// Samples keep the file order (key = index). Throws Error for mismatched
// counts, a label >= classes (naming file and index), or a bad file.
PackStats PackIdx(const IdxOptions& options);

}  // namespace synthub::pack

#endif  // SYNTHUB_PACK_PACK_IDX_H_
