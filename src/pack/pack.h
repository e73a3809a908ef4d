// Packs an existing image folder (ImageFolder layout: SRC/<class>/<file>)
// into the same shards + manifest as the generator, in parallel: the images
// are copied byte for byte, never re-encoded.
#ifndef SYNTHUB_PACK_PACK_H_
#define SYNTHUB_PACK_PACK_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace synthub::pack {

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

// One sample as it goes into a shard: encoded image bytes and the label.
struct PackSample {
  std::string image;
  std::string ext;  // png, jpg or webp
  uint32_t label = 0;
};

// What the manifest of a packed set says besides its shards.
struct PackInfo {
  uint64_t num_classes = 0;
  std::vector<std::string> class_names;  // empty, or num_classes names
  std::vector<std::string> extensions;   // image extensions; "cls" is appended
  std::string recipe_json = "{}";  // the packer's settings: {"packed_from": ..., ...}
};

// The shared writer of every packer: samples at positions 0..n-1 go into
// shards of options.shard_size (<name>-NNNNNN.tar in options.out, keys = the
// position in 9 digits, members <key>.<ext> + <key>.cls), shards written in
// parallel on options.threads, then manifest.json. sample(pos) is called
// once per position from worker threads (it must be thread-safe); what it
// throws is rethrown. Throws Error on I/O failure.
PackStats WritePackedShards(const PackOptions& options, uint64_t n, const PackInfo& info,
                            const std::function<PackSample(uint64_t pos)>& sample);

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

}  // namespace synthub::pack

#endif  // SYNTHUB_PACK_PACK_H_
