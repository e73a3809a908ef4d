#include "shard/manifest.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "shard/sample_group.h"
#include "synthub/error.h"
#include "util/file.h"
#include "util/hex.h"
#include "util/json_get.h"
#include "util/sha256.h"

namespace synthub::shard {
namespace {

using nlohmann::json;

template <class T>
T Get(const json& j, const char* key, const std::string& where) {
  return JsonGet<T>(j, key, where);
}

bool IsPlainName(const std::string& s) {
  return !s.empty() && s.find('/') == std::string::npos && s != "." &&
         s != ".." && s.find('\0') == std::string::npos;
}

json RecordJson(const std::string& name, uint64_t samples, bool with_samples,
                uint64_t bytes, const std::string& sha) {
  json j;
  j["name"] = name;
  if (with_samples) j["samples"] = samples;
  j["bytes"] = bytes;
  j["sha256"] = sha;
  return j;
}

constexpr const char* kChecksumKey = "manifest_sha256";

json ParseJson(const std::string& text, const std::string& where) {
  try {
    return json::parse(text);
  } catch (const json::exception& e) {
    throw Error(where + ": not valid JSON: " + e.what());
  }
}

// Compact, sorted keys (nlohmann's objects are ordered maps), UTF-8.
std::string CanonicalDump(const json& j, const std::string& where) {
  try {
    return j.dump();
  } catch (const json::exception& e) {
    throw Error(where + ": cannot be written canonically: " + e.what());
  }
}

void CheckRecord(const std::string& name, const std::string& sha,
                 const std::string& where) {
  if (!IsPlainName(name)) throw Error(where + ": bad file name '" + name + "'");
  if (!IsSha256Hex(sha)) throw Error(where + ": bad sha256 for '" + name + "'");
}

// Version 2 had no "source": a generated set carried its recipe, a packed
// one {"packed_from": ...} (or nothing) in its place.
SampleSource SourceFromVersion2Recipe(const json& recipe) {
  const bool generated = recipe.is_object() && !recipe.empty() && !recipe.contains("packed_from");
  return generated ? SampleSource::kGenerated : SampleSource::kPacked;
}

SampleSource ParseSampleSource(const std::string& name, const std::string& where) {
  if (name == "generated") return SampleSource::kGenerated;
  if (name == "packed") return SampleSource::kPacked;
  throw Error(where + ": unknown source '" + name + "' (expected generated or packed)");
}

}  // namespace

bool IsParamsFileName(const std::string& name) {
  return name == kParamsFileName || name == kLegacyParamsFileName;
}

const FileRecord* FindParamsFile(const Manifest& m) {
  for (const FileRecord& f : m.files) {
    if (IsParamsFileName(f.name)) return &f;
  }
  return nullptr;
}

std::string SampleSourceName(SampleSource source) {
  return source == SampleSource::kGenerated ? "generated" : "packed";
}

std::string ManifestToJson(const Manifest& m) {
  json j;
  j["format"] = kManifestFormat;
  j["format_version"] = kManifestVersion;
  j["name"] = m.name;
  j["generator"] = {{"name", m.generator}, {"version", m.generator_version}};
  j["num_classes"] = m.num_classes;
  j["num_samples"] = m.num_samples;
  j["samples_per_shard"] = m.samples_per_shard;
  j["extensions"] = m.extensions;
  if (!m.class_names.empty()) j["class_names"] = m.class_names;
  j["source"] = SampleSourceName(m.source);
  j["recipe"] = json::parse(m.recipe_json);
  json shards = json::array();
  for (const ShardRecord& s : m.shards) {
    shards.push_back(RecordJson(s.name, s.samples, true, s.bytes, s.sha256));
  }
  j["shards"] = shards;
  json files = json::array();
  for (const FileRecord& f : m.files) {
    files.push_back(RecordJson(f.name, 0, false, f.bytes, f.sha256));
  }
  j["files"] = files;
  j[kChecksumKey] = Sha256Hex(CanonicalDump(j, "manifest"));
  return j.dump(1) + "\n";
}

Manifest ParseManifest(const std::string& text, const std::string& where,
                       ManifestCheck check) {
  json j = ParseJson(text, where);
  if (!j.is_object()) throw Error(where + ": not a JSON object");
  if (Get<std::string>(j, "format", where) != kManifestFormat) {
    throw Error(where + ": not a synthub dataset manifest");
  }
  const int version = Get<int>(j, "format_version", where);
  if (version == 1) {
    throw Error(where + ": format_version 1 (written before manifests carried their own "
                "checksum) is no longer read; rerun the command that made it (`synthub generate` "
                "keeps its finished shards) to write a current manifest");
  }
  if (version < kOldestManifestVersion || version > kManifestVersion) {
    throw Error(where + ": format_version " + std::to_string(version) +
                " is not supported (expected " + std::to_string(kOldestManifestVersion) + " to " +
                std::to_string(kManifestVersion) + "; a newer synthub wrote it?)");
  }
  if (check == ManifestCheck::kChecksum) {
    const std::string want = Get<std::string>(j, kChecksumKey, where);
    if (!IsSha256Hex(want)) throw Error(where + ": " + kChecksumKey + " is not 64 hex digits");
    j.erase(kChecksumKey);  // not read below
    if (Sha256Hex(CanonicalDump(j, where)) != want) {
      throw Error(where + ": " + kChecksumKey +
                  " does not match the manifest's content (the manifest was changed or "
                  "damaged)");
    }
  }
  Manifest m;
  m.name = Get<std::string>(j, "name", where);
  const json gen = Get<json>(j, "generator", where);
  m.generator = Get<std::string>(gen, "name", where);
  m.generator_version = Get<std::string>(gen, "version", where);
  m.num_classes = Get<uint64_t>(j, "num_classes", where);
  m.num_samples = Get<uint64_t>(j, "num_samples", where);
  m.samples_per_shard = Get<uint64_t>(j, "samples_per_shard", where);
  m.extensions = Get<std::vector<std::string>>(j, "extensions", where);
  if (j.contains("class_names")) {
    m.class_names = Get<std::vector<std::string>>(j, "class_names", where);
  }
  const json recipe = Get<json>(j, "recipe", where);
  m.recipe_json = recipe.dump();
  if (version >= 3) {
    if (!recipe.is_object()) throw Error(where + ": recipe is not a JSON object");
    m.source = ParseSampleSource(Get<std::string>(j, "source", where), where);
    if (m.source == SampleSource::kGenerated && recipe.empty()) {
      throw Error(where + ": source is generated but the recipe is empty");
    }
  } else {
    m.source = SourceFromVersion2Recipe(recipe);
  }
  uint64_t total = 0;
  for (const json& s : Get<json>(j, "shards", where)) {
    ShardRecord r;
    r.name = Get<std::string>(s, "name", where);
    r.samples = Get<uint64_t>(s, "samples", where);
    r.bytes = Get<uint64_t>(s, "bytes", where);
    r.sha256 = Get<std::string>(s, "sha256", where);
    CheckRecord(r.name, r.sha256, where);
    total += r.samples;
    m.shards.push_back(r);
  }
  if (total != m.num_samples) {
    throw Error(where + ": shards hold " + std::to_string(total) +
                " samples but num_samples is " + std::to_string(m.num_samples));
  }
  if (j.contains("files")) {
    for (const json& f : Get<json>(j, "files", where)) {
      FileRecord r;
      r.name = Get<std::string>(f, "name", where);
      r.bytes = Get<uint64_t>(f, "bytes", where);
      r.sha256 = Get<std::string>(f, "sha256", where);
      CheckRecord(r.name, r.sha256, where);
      m.files.push_back(r);
    }
  }
  return m;
}

Manifest ReadManifest(const std::string& dir) {
  const std::string path = JoinPath(dir, kManifestName);
  return ParseManifest(ReadFile(path), path);
}

void WriteManifest(const std::string& dir, const Manifest& m) {
  WriteFileAtomic(JoinPath(dir, kManifestName), ManifestToJson(m));
}

std::string ShardRecordToJson(const ShardRecord& r) {
  return RecordJson(r.name, r.samples, true, r.bytes, r.sha256).dump() + "\n";
}

ShardRecord ParseShardRecord(const std::string& text, const std::string& where) {
  const json j = ParseJson(text, where);
  ShardRecord r;
  r.name = Get<std::string>(j, "name", where);
  r.samples = Get<uint64_t>(j, "samples", where);
  r.bytes = Get<uint64_t>(j, "bytes", where);
  r.sha256 = Get<std::string>(j, "sha256", where);
  CheckRecord(r.name, r.sha256, where);
  return r;
}

std::string DaliIndex(const std::vector<TarMember>& members) {
  std::string lines;
  size_t samples = 0;
  std::string current_key, key, ext, line;
  for (const TarMember& m : members) {
    SplitKey(m.name, &key, &ext);
    if (key != current_key || line.empty()) {
      if (!line.empty()) lines += line + "\n";
      line.clear();
      current_key = key;
      ++samples;
    }
    if (!line.empty()) line += ' ';
    line += ext + " " + std::to_string(m.header_offset) + " " +
            std::to_string(m.size) + " " + m.name;
  }
  if (!line.empty()) lines += line + "\n";
  return "v1.2 " + std::to_string(samples) + "\n" + lines;
}

json WidsIndexJson(const Manifest& m, const std::string& url_prefix) {
  json j;
  j["__kind__"] = "wids-shard-index-v1";
  j["wids_version"] = 1;
  j["name"] = m.name;
  json list = json::array();
  for (const ShardRecord& s : m.shards) {
    list.push_back({{"url", url_prefix + s.name}, {"nsamples", s.samples}, {"filesize", s.bytes}});
  }
  j["shardlist"] = list;
  return j;
}

std::string WidsIndex(const Manifest& m) { return WidsIndexJson(m, "").dump(1) + "\n"; }

}  // namespace synthub::shard
