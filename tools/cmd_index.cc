// synthub index: writes (or checks) the sample index sidecars (<shard>.sidx,
// docs/formats/sample_index.md) that let a global shuffle start without
// walking tar headers. generate and pack write them already; this is for
// shards made elsewhere, or older datasets.
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "args.h"
#include "commands.h"
#include "shard/manifest.h"
#include "shard/sample_index.h"
#include "synthub/error.h"
#include "util/file.h"
#include "util/parallel.h"

namespace synthub::cli {
namespace {

const CommandSpec kSpec = {
    "index",
    "synthub index DIR | SHARD.tar... [--check] [--threads T]",
    "Writes <shard>.sidx next to each shard: 16 bytes per sample (where its records\n"
    "start, how many bytes they span, its label) under a header with the shard's size\n"
    "and SHA-256. The loader's global shuffle reads it lazily instead of walking every\n"
    "tar header at start-up. DIR: the shards of its manifest.json (a generated set's\n"
    "labels are flagged as its keys' categories). With --check, writes nothing and\n"
    "exits 1 naming each shard whose sidecar is missing or does not match it.",
    {{"check", "false", "compare the sidecars with the shards instead of writing them", true},
     {"threads", "0", "threads (0 = all cores)"}}};

}  // namespace

int RunIndex(int argc, char** argv) {
  Args args(kSpec, argc, argv);
  if (args.positional().empty()) throw UsageError("expected a dataset folder or shard files");
  std::vector<std::string> shards;
  uint32_t flags = 0;
  const std::string& first = args.positional()[0];
  if (args.positional().size() == 1 && std::filesystem::is_directory(first)) {
    const shard::Manifest m = shard::ReadManifest(first);
    for (const shard::ShardRecord& r : m.shards) shards.push_back(JoinPath(first, r.name));
    if (shard::IsGenerated(m)) flags |= shard::kSidxLabelsAreKeyCategories;
  } else {
    for (const std::string& p : args.positional()) {
      if (!std::filesystem::is_regular_file(p)) throw UsageError(p + ": not a shard file");
      shards.push_back(p);
    }
  }
  const bool check = args.Switch("check");
  const int threads = args.Int("threads") > 0 ? args.Int("threads") : DefaultThreads();
  std::vector<std::string> problems(shards.size());
  std::atomic<uint64_t> samples{0};
  ParallelFor(shards.size(), threads, [&](size_t i) {
    try {
      if (check) {
        problems[i] = shard::CheckShardIndex(shards[i]);
      } else {
        samples += shard::IndexShard(shards[i], flags);
      }
    } catch (const Error& e) {
      problems[i] = e.what();
    }
  });
  size_t bad = 0;
  for (const std::string& p : problems) {
    if (p.empty()) continue;
    std::printf("BAD %s\n", p.c_str());
    ++bad;
  }
  if (check) {
    std::printf("%zu shard(s) checked, %zu problem(s)\n", shards.size(), bad);
  } else {
    std::printf("%zu sample index(es) written, %llu samples, %zu shard(s) failed\n",
                shards.size() - bad, static_cast<unsigned long long>(samples.load()), bad);
  }
  return bad == 0 ? 0 : 1;
}

}  // namespace synthub::cli
