#include "pack/pack.h"

#include <algorithm>
#include <chrono>
#include <atomic>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <vector>

#include "codec/image.h"
#include "recipe/plan.h"
#include "shard/manifest.h"
#include "shard/sample_index.h"
#include "shard/tar_writer.h"
#include "synthub/error.h"
#include "util/file.h"
#include "util/parallel.h"
#include "util/progress.h"

#ifndef SYNTHUB_VERSION
#define SYNTHUB_VERSION "dev"
#endif

namespace synthub::pack {
namespace {

std::vector<std::string> ListDir(const std::string& dir, bool want_dirs) {
  std::vector<std::string> names;
  for (const std::string& name : ListDirectory(dir, ListFailure::kThrow)) {
    if (name[0] == '.') continue;
    if (IsDirectory(JoinPath(dir, name)) == want_dirs) names.push_back(name);
  }
  return names;
}

}  // namespace

ImageFolder ListImageFolder(const std::string& src) {
  ImageFolder folder;
  folder.classes = ListDir(src, true);
  if (folder.classes.empty()) throw Error(src + ": no class folders (expected SRC/<class>/<image>)");
  for (uint32_t c = 0; c < folder.classes.size(); ++c) {
    const std::string dir = JoinPath(src, folder.classes[c]);
    for (const std::string& f : ListDir(dir, false)) {
      const size_t dot = f.rfind('.');
      std::string ext = dot == std::string::npos ? "" : f.substr(dot + 1);
      std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
      codec::ImageFormat fmt;
      if (!codec::FormatFromExtension(ext, &fmt)) continue;  // not an image
      folder.items.push_back({JoinPath(dir, f), codec::FormatExtension(fmt), c});
    }
  }
  if (folder.items.empty()) throw Error(src + ": no .png/.jpg/.jpeg/.webp images found");
  return folder;
}

PackStats WritePackedShards(const PackOptions& o, uint64_t n, const PackInfo& info,
                            const std::function<PackSample(uint64_t pos)>& sample) {
  const auto start = std::chrono::steady_clock::now();
  if (o.shard_size < 1) throw UsageError("--shard-size must be >= 1");
  if (n == 0) throw Error(o.out + ": nothing to pack (no samples)");
  const uint64_t shards = (n + o.shard_size - 1) / o.shard_size;
  MakeDirs(o.out);
  Progress bar("pack", n, "images", o.progress);
  std::atomic<uint64_t> total_bytes{0};
  std::vector<shard::ShardRecord> records(shards);
  const int threads = o.threads > 0 ? o.threads : DefaultThreads();
  ParallelFor(shards, threads, [&](size_t s) {
    char name[64];
    std::snprintf(name, sizeof(name), "-%06llu.tar", static_cast<unsigned long long>(s));
    const std::string shard_name = o.name + name;
    shard::TarWriter tar(JoinPath(o.out, shard_name));
    const uint64_t end = std::min(n, (s + 1) * o.shard_size);
    std::vector<int32_t> labels;
    for (uint64_t pos = s * o.shard_size; pos < end; ++pos) {
      const PackSample item = sample(pos);
      labels.push_back(static_cast<int32_t>(item.label));
      char key[32];
      std::snprintf(key, sizeof(key), "%09llu", static_cast<unsigned long long>(pos));
      tar.AddFile(std::string(key) + "." + item.ext, item.image);
      tar.AddFile(std::string(key) + ".cls", std::to_string(item.label));
      bar.Add(1);
    }
    tar.Finish();
    shard::WriteSampleIndex(JoinPath(o.out, shard_name), tar, labels, 0);
    records[s] = {shard_name, end - s * o.shard_size, tar.bytes(), tar.sha256()};
    total_bytes += tar.bytes();
  });

  shard::Manifest m;
  m.name = o.name;
  m.generator_version = SYNTHUB_VERSION;
  m.num_classes = info.num_classes;
  m.num_samples = n;
  m.samples_per_shard = o.shard_size;
  m.extensions = info.extensions;
  m.extensions.push_back("cls");
  m.class_names = info.class_names;
  m.source = shard::SampleSource::kPacked;
  m.recipe_json = info.recipe_json;
  m.shards = records;
  shard::WriteManifest(o.out, m);
  PackStats stats;
  stats.images = n;
  stats.classes = info.num_classes;
  stats.shards = shards;
  stats.bytes = total_bytes;
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return stats;
}

PackStats PackImageFolder(const PackOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  if (o.shard_size < 1) throw UsageError("--shard-size must be >= 1");
  const ImageFolder folder = ListImageFolder(o.src);
  const std::vector<ImageFolderItem>& items = folder.items;
  const uint64_t n = items.size();
  PackInfo info;
  info.num_classes = folder.classes.size();
  info.class_names = folder.classes;
  for (const ImageFolderItem& it : items) {
    if (std::find(info.extensions.begin(), info.extensions.end(), it.ext) ==
        info.extensions.end()) {
      info.extensions.push_back(it.ext);
    }
  }
  info.recipe_json = nlohmann::json{{"packed_from", "imagefolder"}, {"seed", o.seed},
                                    {"shard_size", o.shard_size}}.dump();
  PackStats stats = WritePackedShards(o, n, info, [&](uint64_t pos) {
    const ImageFolderItem& it = items[recipe::PermuteIndex(pos, n, o.seed)];
    PackSample s;
    s.image = ReadFile(it.path);
    const std::string& data = s.image;
    codec::ImageFormat fmt;
    codec::FormatFromExtension(it.ext, &fmt);
    const bool magic_ok =
        (fmt == codec::ImageFormat::kPng && data.compare(0, 4, "\x89PNG") == 0) ||
        (fmt == codec::ImageFormat::kJpeg && data.compare(0, 2, "\xff\xd8") == 0) ||
        (fmt == codec::ImageFormat::kWebp && data.size() >= 12 && data.compare(8, 4, "WEBP") == 0);
    if (!magic_ok) throw Error(it.path + ": not a valid ." + it.ext + " file");
    s.ext = it.ext;
    s.label = it.label;
    return s;
  });
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return stats;
}

}  // namespace synthub::pack
