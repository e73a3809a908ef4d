// Packs an existing image folder (ImageFolder layout: SRC/<class>/<file>)
// into the same shards + manifest as the generator, in parallel: the images
// are copied byte for byte, never re-encoded.
#ifndef SYNTHUB_GENERATE_PACK_H_
#define SYNTHUB_GENERATE_PACK_H_

#include <cstdint>
#include <string>
#include <vector>

namespace synthub::generate {

struct PackOptions {
  std::string src;
  std::string out;
  std::string name = "dataset";
  int shard_size = 10000;
  uint64_t seed = 0;   // sample order across shards
  int threads = 0;     // 0: all cores
  bool progress = true;
};

struct PackStats {
  uint64_t images = 0, classes = 0, shards = 0, bytes = 0;
  double seconds = 0.0;
};

// Throws Error naming the offending file (unreadable, not an image).
PackStats PackImageFolder(const PackOptions& options);

// The images of an ImageFolder tree: SRC/<class>/<file>.{png,jpg,jpeg,webp},
// classes sorted by name (label = index), files sorted within a class.
struct ImageFolderItem {
  std::string path;
  std::string ext;  // png, jpg or webp
  uint32_t label;
};
struct ImageFolder {
  std::vector<std::string> classes;
  std::vector<ImageFolderItem> items;
};
ImageFolder ListImageFolder(const std::string& src);  // throws Error

}  // namespace synthub::generate

#endif  // SYNTHUB_GENERATE_PACK_H_
