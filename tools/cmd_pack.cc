// synthub pack: an image folder, CIFAR-10/100 or IDX (MNIST) files into
// shards + manifest.
#include <cstdio>
#include <string>

#include "args.h"
#include "commands.h"
#include "pack/pack.h"
#include "pack/pack_cifar.h"
#include "pack/pack_idx.h"
#include "synthub/error.h"

namespace synthub::cli {
namespace {

const CommandSpec kSpec = {
    "pack",
    "synthub pack imagefolder SRC --out DIR [flags]\n"
    "       synthub pack cifar SRC --out DIR [--labels fine|coarse] [flags]\n"
    "       synthub pack idx IMAGES LABELS --out DIR [--limit N] [--classes N] [flags]",
    "imagefolder: packs SRC/<class>/<image> (.png .jpg .jpeg .webp; classes sorted\n"
    "by name, label = index) into WebDataset shards + manifest.json, copying the\n"
    "image bytes as they are, samples spread across shards by a seeded permutation.\n"
    "cifar: an extracted CIFAR-10 (data_batch_1..5.bin, test_batch.bin) or CIFAR-100\n"
    "(train.bin, test.bin) binary folder into DIR/train and DIR/test, one RGB PNG\n"
    "per record, in file order; label names from batches.meta.txt /\n"
    "fine_label_names.txt / coarse_label_names.txt when present.\n"
    "idx: an MNIST-style image + label file pair (.gz or raw) into DIR, one gray PNG\n"
    "per image, in file order.\n"
    "Shards are written in parallel.",
    {{"out", "", "output dataset folder (required)"},
     {"name", "dataset", "dataset name, the shard prefix (cifar: cifar10 / cifar100 + -train / -test)"},
     {"shard-size", "10000", "samples per shard"},
     {"seed", "0", "sample order seed (imagefolder)"},
     {"labels", "fine", "cifar (CIFAR-100): fine (100 classes) or coarse (20)"},
     {"limit", "0", "idx: only the first N images (0 = all)"},
     {"classes", "10", "idx: number of classes (0 = max label + 1)"},
     {"threads", "0", "threads (0 = all cores)"},
     {"quiet", "false", "no progress output", true}}};

void PrintStats(const std::string& out, const pack::PackStats& s) {
  std::printf("%s: %llu images of %llu classes in %llu shards, %llu bytes, %.2f s (%.0f images/s)\n",
              out.c_str(), static_cast<unsigned long long>(s.images),
              static_cast<unsigned long long>(s.classes), static_cast<unsigned long long>(s.shards),
              static_cast<unsigned long long>(s.bytes), s.seconds,
              s.seconds > 0 ? s.images / s.seconds : 0.0);
}

}  // namespace

int RunPack(int argc, char** argv) {
  Args args(kSpec, argc, argv);
  const std::vector<std::string>& pos = args.positional();
  const std::string what = pos.empty() ? "" : pos[0];
  if (!((what == "imagefolder" || what == "cifar") && pos.size() == 2) &&
      !(what == "idx" && pos.size() == 3)) {
    throw UsageError("expected 'pack imagefolder SRC', 'pack cifar SRC' or 'pack idx IMAGES LABELS'");
  }
  if (args.Given("seed") && what != "imagefolder") throw UsageError("--seed is for 'pack imagefolder'");
  if (args.Given("labels") && what != "cifar") throw UsageError("--labels is for 'pack cifar'");
  for (const char* flag : {"limit", "classes"}) {
    if (args.Given(flag) && what != "idx") throw UsageError(std::string("--") + flag + " is for 'pack idx'");
  }
  pack::PackOptions o;
  o.src = pos[1];
  o.out = args.Str("out");
  if (o.out.empty()) throw UsageError("--out is required");
  o.name = args.Str("name");
  if (o.name.empty()) throw UsageError("--name must not be empty");
  o.shard_size = args.Int("shard-size");
  if (o.shard_size < 1) throw UsageError("--shard-size must be >= 1");
  o.seed = args.U64("seed");
  o.threads = args.Int("threads");
  o.progress = !args.Switch("quiet");

  if (what == "cifar") {
    pack::CifarOptions c;
    c.pack = o;
    if (!args.Given("name")) c.pack.name = "";  // cifar10 / cifar100
    c.labels = args.Str("labels");
    c.labels_given = args.Given("labels");
    const pack::CifarStats s = pack::PackCifar(c);
    std::printf("%s: %s\n", s.src.c_str(),
                s.kind == pack::CifarKind::kCifar10 ? "CIFAR-10" : "CIFAR-100");
    PrintStats(o.out + "/train", s.train);
    PrintStats(o.out + "/test", s.test);
    return 0;
  }
  if (what == "idx") {
    pack::IdxOptions x;
    x.pack = o;
    x.images = pos[1];
    x.labels = pos[2];
    const int64_t limit = args.Int64("limit");
    if (limit < 0) throw UsageError("--limit must be >= 0");
    x.limit = static_cast<uint64_t>(limit);
    x.classes = args.Int("classes");
    if (x.classes < 0) throw UsageError("--classes must be >= 0");
    PrintStats(o.out, pack::PackIdx(x));
    return 0;
  }
  PrintStats(o.out, pack::PackImageFolder(o));
  return 0;
}

}  // namespace synthub::cli
