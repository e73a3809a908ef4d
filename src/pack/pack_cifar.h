// Packs the CIFAR-10 / CIFAR-100 binary distributions (the "-bin" tarballs,
// extracted) into two dataset folders, OUT/train and OUT/test, of RGB PNG
// samples (lossless), in the same shards + manifest as every other packer.
#ifndef SYNTHUB_PACK_PACK_CIFAR_H_
#define SYNTHUB_PACK_PACK_CIFAR_H_

#include <string>

#include "pack/pack.h"

namespace synthub::pack {

// Record layout (docs/pack.md): CIFAR-10 = label byte + 3072 pixel bytes,
// CIFAR-100 = coarse label byte + fine label byte + 3072; the pixels are the
// R, G and B planes of a 32 x 32 image, rows top to bottom.
constexpr int kCifarSide = 32;
constexpr int kCifarPixelBytes = 3 * kCifarSide * kCifarSide;

enum class CifarKind { kCifar10, kCifar100 };

struct CifarOptions {
  // pack.src: the extracted folder; pack.out: OUT; pack.name: the shard
  // prefix, + "-train" / "-test" ("cifar10" / "cifar100" when empty).
  PackOptions pack;
  std::string labels = "fine";  // CIFAR-100: "fine" (100) or "coarse" (20)
  bool labels_given = false;    // --labels on a CIFAR-10 folder is an error
};

struct CifarStats {
  CifarKind kind = CifarKind::kCifar10;
  std::string src;  // the folder the .bin files were read from
  PackStats train, test;
};

// Detects the variant from the files present (data_batch_1.bin ..
// data_batch_5.bin + test_batch.bin, or train.bin + test.bin; SRC may also
// be the folder above cifar-10-batches-bin / cifar-100-binary). Label names
// (batches.meta.txt, fine_label_names.txt, coarse_label_names.txt) go into
// the manifests when present. Throws Error naming the file for a missing
// file, a size that is not a whole number of records, or a label out of
// range (with the record index).
CifarStats PackCifar(const CifarOptions& options);

}  // namespace synthub::pack

#endif  // SYNTHUB_PACK_PACK_CIFAR_H_
