#include "shard/verify.h"

#include <mutex>

#include <nlohmann/json.hpp>

#include "shard/manifest.h"
#include "shard/sample_group.h"
#include "shard/sample_index.h"
#include "synthub/error.h"
#include "util/file.h"
#include "util/parallel.h"
#include "util/sha256.h"

namespace synthub::shard {

uint64_t CountSamples(const std::string& path, bool* saw_end) {
  SampleGrouper grouper(path);
  Sample sample;
  uint64_t samples = 0;
  while (grouper.Next(&sample, /*with_data=*/true)) ++samples;
  *saw_end = grouper.saw_end();
  return samples;
}

VerifyReport VerifyDataset(const std::string& dir, int threads) {
  const Manifest m = ReadManifest(dir);
  VerifyReport report;
  // The recipe names the parameter file's hash; the file list must agree.
  const nlohmann::json recipe = nlohmann::json::parse(m.recipe_json);
  const FileRecord* params = FindParamsFile(m);
  if (IsGenerated(m) && params && recipe.is_object() && recipe.contains("params_sha256") &&
      recipe["params_sha256"] != params->sha256) {
    report.problems.push_back(
        {kManifestName, "recipe.params_sha256 differs from the hash listed for " + params->name});
  }
  std::mutex mu;
  auto problem = [&](const std::string& file, const std::string& msg) {
    std::lock_guard<std::mutex> lock(mu);
    report.problems.push_back({file, msg});
  };
  ParallelFor(m.shards.size() + m.files.size(), threads, [&](size_t i) {
    const bool is_shard = i < m.shards.size();
    const std::string name = is_shard ? m.shards[i].name : m.files[i - m.shards.size()].name;
    const uint64_t want_bytes = is_shard ? m.shards[i].bytes : m.files[i - m.shards.size()].bytes;
    const std::string& want_sha =
        is_shard ? m.shards[i].sha256 : m.files[i - m.shards.size()].sha256;
    const std::string path = JoinPath(dir, name);
    if (!PathExists(path)) {
      problem(name, "missing");
      return;
    }
    try {
      uint64_t bytes = 0;
      const std::string sha = Sha256File(path, &bytes);
      if (bytes != want_bytes) {
        problem(name, "size " + std::to_string(bytes) + ", manifest says " +
                          std::to_string(want_bytes));
      } else if (sha != want_sha) {
        problem(name, "SHA-256 mismatch (content changed)");
      }
      if (!is_shard) return;
      bool saw_end = false;
      const uint64_t samples = CountSamples(path, &saw_end);
      if (samples != m.shards[i].samples) {
        problem(name, std::to_string(samples) + " samples, manifest says " +
                          std::to_string(m.shards[i].samples));
      }
      if (!saw_end) problem(name, "no end-of-archive blocks (truncated?)");
      // A sample index sidecar is optional; one that is there must be exact.
      if (PathExists(SampleIndexPath(path))) {
        const std::string index_problem = CheckShardIndex(path, bytes, sha);
        if (!index_problem.empty()) problem(name, index_problem + " (`synthub index` rewrites it)");
      }
      std::lock_guard<std::mutex> lock(mu);
      ++report.shards_checked;
      report.samples += samples;
      report.bytes += bytes;
    } catch (const Error& e) {
      problem(name, e.what());
    }
  });
  return report;
}

}  // namespace synthub::shard
