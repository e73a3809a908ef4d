// Shard specs: brace expansion ("x-{000000..000099}.tar", "{a,b}"), "::"
// lists, dataset folders and URLs (their manifest.json gives per-shard
// sample counts), and "render:" sources for on-the-fly FractalDB.
#ifndef SYNTHUB_LOADER_SPEC_H_
#define SYNTHUB_LOADER_SPEC_H_

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "util/byte_stream.h"

namespace synthub::loader {

constexpr uint64_t kUnknownCount = std::numeric_limits<uint64_t>::max();

struct ShardEntry {
  std::string location;  // local path or URL
  uint64_t samples = kUnknownCount;
  // From the manifest (0 / "": unknown): checked against a shard's sample
  // index sidecar before it is trusted (loader/shard_index.h).
  uint64_t bytes = 0;
  std::string sha256;
};

struct ResolvedSpec {
  bool render = false;               // on-the-fly FractalDB
  std::vector<ShardEntry> shards;    // shard sources
  int num_classes = 0;               // 0: unknown
  std::string recipe_json;           // render: the recipe
  std::string params_file;           // render: the parameter file's location
                                     // (params.ustar or params.tar; "" = search)
  // An image folder (SRC/<class>/<image>, one file per sample): one
  // virtual shard; sample i is files[i].
  bool image_folder = false;
  std::vector<std::pair<std::string, int64_t>> files;  // (path, label)
};

// Expands every {A..B} (zero-padded to A's width) and {x,y} group; throws
// UsageError on an unbalanced or empty group or over a million names.
std::vector<std::string> ExpandBraces(const std::string& pattern);

// Resolves a spec; reads manifests (local or over HTTP). Throws Error.
ResolvedSpec ResolveSpec(const std::string& spec);

// Opens a local file or URL as a stream.
std::unique_ptr<ByteStream> OpenLocation(const std::string& location);

}  // namespace synthub::loader

#endif  // SYNTHUB_LOADER_SPEC_H_
