// The dataset manifest (manifest.json, docs/formats/manifest.md), the
// per-shard completion records used for resume, and the optional sidecars
// other loaders read (NVIDIA DALI .idx v1.2, wids JSON index).
#ifndef SYNTHUB_SHARD_MANIFEST_H_
#define SYNTHUB_SHARD_MANIFEST_H_

#include <cstdint>
#include <string>
#include <vector>

#include "shard/tar_writer.h"

namespace synthub::shard {

constexpr const char* kManifestName = "manifest.json";
constexpr const char* kManifestFormat = "synthub-dataset";
// Version 2 added manifest_sha256, the manifest's checksum of itself.
constexpr int kManifestVersion = 2;

struct ShardRecord {
  std::string name;  // file name relative to the dataset folder
  uint64_t samples = 0;
  uint64_t bytes = 0;
  std::string sha256;
};

struct FileRecord {  // any other file of the dataset (params.tar)
  std::string name;
  uint64_t bytes = 0;
  std::string sha256;
};

struct Manifest {
  std::string name;
  std::string generator = "synthub";
  std::string generator_version;
  uint64_t num_classes = 0;
  uint64_t num_samples = 0;
  uint64_t samples_per_shard = 0;
  std::vector<std::string> extensions;  // member extensions of every sample
  std::vector<std::string> class_names; // optional (packed image folders)
  std::string recipe_json = "{}";       // the recipe, a JSON object
  std::vector<ShardRecord> shards;
  std::vector<FileRecord> files;
};

// Writes every field plus "manifest_sha256": the SHA-256 of the canonical
// form of everything else: the manifest's JSON without that key, keys sorted
// at every level, no whitespace, strings in UTF-8 (nlohmann::json dump();
// Python: json.dumps(m, sort_keys=True, separators=(",", ":"),
// ensure_ascii=False)).
std::string ManifestToJson(const Manifest& m);

enum class ManifestCheck {
  kChecksum,      // every reader: manifest_sha256 must match
  kSkipChecksum,  // only for tests and fuzzing of the fields' own checks
};
// Throws Error naming `where` and the bad field, or a checksum mismatch.
Manifest ParseManifest(const std::string& text, const std::string& where,
                       ManifestCheck check = ManifestCheck::kChecksum);
Manifest ReadManifest(const std::string& dir);
void WriteManifest(const std::string& dir, const Manifest& m);

std::string ShardRecordToJson(const ShardRecord& r);
ShardRecord ParseShardRecord(const std::string& text, const std::string& where);

// NVIDIA DALI index v1.2 of one shard: "v1.2 <samples>", then per sample
// "ext offset size name" groups (offset of the 512-aligned header).
std::string DaliIndex(const std::vector<TarMember>& members);
// The wids index over all shards ("wids-shard-index-v1").
std::string WidsIndex(const Manifest& m);

}  // namespace synthub::shard

#endif  // SYNTHUB_SHARD_MANIFEST_H_
