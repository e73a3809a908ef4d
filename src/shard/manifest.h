// The dataset manifest (manifest.json, docs/formats/manifest.md), the
// per-shard completion records used for resume, and the optional sidecars
// other loaders read (NVIDIA DALI .idx v1.2, wids JSON index).
#ifndef SYNTHUB_SHARD_MANIFEST_H_
#define SYNTHUB_SHARD_MANIFEST_H_

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "shard/tar_writer.h"

namespace synthub::shard {

constexpr const char* kManifestName = "manifest.json";
constexpr const char* kManifestFormat = "synthub-dataset";
// Version 2 added manifest_sha256, the manifest's checksum of itself;
// version 3 added "source" (generated or packed samples). Readers accept 2
// and 3; writers write 3.
constexpr int kManifestVersion = 3;
constexpr int kOldestManifestVersion = 2;

// Where a dataset's samples came from ("source" in the manifest).
enum class SampleSource {
  kGenerated,  // rendered from `recipe` (synthub generate): can be regenerated
  kPacked,     // copied from existing images (synthub pack); `recipe` holds the
               // packer's settings ({"packed_from": ...})
};
std::string SampleSourceName(SampleSource source);  // "generated", "packed"

struct ShardRecord {
  std::string name;  // file name relative to the dataset folder
  uint64_t samples = 0;
  uint64_t bytes = 0;
  std::string sha256;
};

// The category parameters a generated set carries (docs/formats/recipe.md):
// one strict ustar file, named so that no shard glob (*.tar) matches it.
// Datasets written before manifest format 3 call it params.tar; every
// reader takes either name.
constexpr const char* kParamsFileName = "params.ustar";
constexpr const char* kLegacyParamsFileName = "params.tar";
bool IsParamsFileName(const std::string& name);

struct FileRecord {  // any other file of the dataset (the parameter file)
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
  SampleSource source = SampleSource::kGenerated;
  std::string recipe_json = "{}";       // generated: the recipe; packed: the packer's
                                        // settings. A JSON object.
  std::vector<ShardRecord> shards;
  std::vector<FileRecord> files;
};

// Whether the samples were rendered from the manifest's recipe, so that the
// dataset can be regenerated from it. The one test every reader uses: a
// version 3 manifest says so in "source"; a version 2 one said it by its
// recipe (packed sets held {"packed_from": ...} there), which ParseManifest
// turns into the same `source`.
inline bool IsGenerated(const Manifest& m) { return m.source == SampleSource::kGenerated; }

// The manifest's entry for the parameter file (either name), or nullptr.
const FileRecord* FindParamsFile(const Manifest& m);

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
// Reads format versions 2 and 3. Throws Error naming `where` and the bad
// field, or a checksum mismatch.
Manifest ParseManifest(const std::string& text, const std::string& where,
                       ManifestCheck check = ManifestCheck::kChecksum);
Manifest ReadManifest(const std::string& dir);
void WriteManifest(const std::string& dir, const Manifest& m);

std::string ShardRecordToJson(const ShardRecord& r);
ShardRecord ParseShardRecord(const std::string& text, const std::string& where);

// NVIDIA DALI index v1.2 of one shard: "v1.2 <samples>", then per sample
// "ext offset size name" groups (offset of the 512-aligned header).
std::string DaliIndex(const std::vector<TarMember>& members);
// The wids index over all shards ("wids-shard-index-v1"), each shard's URL
// its name after `url_prefix` (the hub server gives absolute ones).
nlohmann::json WidsIndexJson(const Manifest& m, const std::string& url_prefix);
// The same as the file generate --wids writes (relative URLs).
std::string WidsIndex(const Manifest& m);

}  // namespace synthub::shard

#endif  // SYNTHUB_SHARD_MANIFEST_H_
