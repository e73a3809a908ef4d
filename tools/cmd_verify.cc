// synthub verify: re-hash every shard and walk every tar member.
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "args.h"
#include "checkpoint/model_folder.h"
#include "commands.h"
#include "util/parallel.h"
#include "shard/verify.h"
#include "synthub/error.h"
#include "util/file.h"

namespace synthub::cli {
namespace {

const CommandSpec kSpec = {
    "verify",
    "synthub verify DIR [--threads T]",
    "Checks every shard (and params.ustar) of a dataset against manifest.json: size,\n"
    "SHA-256, every tar header checksum, the sample count, the end-of-archive blocks,\n"
    "and each shard's sample index sidecar (<shard>.sidx) where there is one.\n"
    "For a training run or model folder (no manifest.json): every *.safetensors file\n"
    "(each structural check and the checksum synthub records in its header) and\n"
    "config.json (the SHA-256 model.safetensors records for it). Exits 1 naming each\n"
    "bad file.",
    {{"threads", "0", "threads (0 = all cores)"},
     {"structure-only", "false",
      "model folders from elsewhere (timm, PyTorch): check the structure, accept no checksum",
      true}}};

// A model or training-run folder: its safetensors files and config.json.
int VerifyCheckpoints(const std::string& dir, bool structure_only) {
  int files = 0;
  const std::vector<std::string> problems = checkpoint::VerifyModelFolder(
      dir, structure_only ? checkpoint::ChecksumPolicy::kIfPresent : checkpoint::ChecksumPolicy::kRequire,
      &files);
  for (const std::string& p : problems) std::printf("BAD %s\n", p.c_str());
  std::printf("%s: %d checkpoint file(s) checked, %zu problem(s)\n", dir.c_str(), files, problems.size());
  return problems.empty() ? 0 : 1;
}

}  // namespace

int RunVerify(int argc, char** argv) {
  Args args(kSpec, argc, argv);
  if (args.positional().size() != 1) throw UsageError("expected one dataset folder");
  const std::string dir = args.positional()[0];
  if (!std::filesystem::exists(std::filesystem::path(dir) / "manifest.json")) return VerifyCheckpoints(dir, args.Switch("structure-only"));
  const int threads = args.Int("threads") > 0 ? args.Int("threads") : DefaultThreads();
  const shard::VerifyReport r = shard::VerifyDataset(args.positional()[0], threads);
  for (const shard::VerifyProblem& p : r.problems) {
    std::printf("BAD %s: %s\n", p.file.c_str(), p.message.c_str());
  }
  std::printf("%s: %llu shards checked, %llu samples, %llu bytes, %zu problem(s)\n",
              args.positional()[0].c_str(), static_cast<unsigned long long>(r.shards_checked),
              static_cast<unsigned long long>(r.samples), static_cast<unsigned long long>(r.bytes),
              r.problems.size());
  return r.problems.empty() ? 0 : 1;
}

}  // namespace synthub::cli
