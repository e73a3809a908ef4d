// synthub pack: an existing image folder into shards + manifest.
#include <cstdio>

#include "args.h"
#include "commands.h"
#include "generate/pack.h"
#include "synthub/error.h"

namespace synthub::cli {
namespace {

const CommandSpec kSpec = {
    "pack",
    "synthub pack imagefolder SRC --out DIR [flags]",
    "Packs SRC/<class>/<image> (.png .jpg .jpeg .webp; classes sorted by name,\n"
    "label = index) into WebDataset shards + manifest.json, copying the image bytes\n"
    "as they are, samples spread across shards by a seeded permutation, shards\n"
    "written in parallel.",
    {{"out", "", "output dataset folder (required)"},
     {"name", "dataset", "dataset name, the shard prefix"},
     {"shard-size", "10000", "samples per shard"},
     {"seed", "0", "sample order seed"},
     {"threads", "0", "threads (0 = all cores)"},
     {"quiet", "false", "no progress output", true}}};

}  // namespace

int RunPack(int argc, char** argv) {
  Args args(kSpec, argc, argv);
  if (args.help()) {
    std::fputs(HelpText(kSpec).c_str(), stdout);
    return 0;
  }
  if (args.positional().size() != 2 || args.positional()[0] != "imagefolder") {
    throw UsageError("expected 'pack imagefolder SRC'");
  }
  generate::PackOptions o;
  o.src = args.positional()[1];
  o.out = args.Str("out");
  if (o.out.empty()) throw UsageError("--out is required");
  o.name = args.Str("name");
  o.shard_size = args.Int("shard-size");
  o.seed = args.U64("seed");
  o.threads = args.Int("threads");
  o.progress = !args.Switch("quiet");
  const generate::PackStats s = generate::PackImageFolder(o);
  std::printf("%s: %llu images of %llu classes in %llu shards, %llu bytes, %.2f s (%.0f images/s)\n",
              o.out.c_str(), static_cast<unsigned long long>(s.images),
              static_cast<unsigned long long>(s.classes), static_cast<unsigned long long>(s.shards),
              static_cast<unsigned long long>(s.bytes), s.seconds,
              s.seconds > 0 ? s.images / s.seconds : 0.0);
  return 0;
}

}  // namespace synthub::cli
