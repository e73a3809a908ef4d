// synthub load / bench-load: the streaming loader from the command line.
#include <chrono>
#include <cstdio>
#include <string>

#include "args.h"
#include "commands.h"
#include "synthub/error.h"
#include "synthub/loader.h"

namespace synthub::cli {
namespace {

std::vector<FlagSpec> LoaderFlags() {
  return {
      {"batch-size", "64", "samples per batch"},
      {"workers", "2", "decode/augment threads"},
      {"prefetch", "4", "batches in flight ahead of the consumer"},
      {"rank", "0", "this process's rank"},
      {"world-size", "1", "number of ranks"},
      {"seed", "0", "seed of shuffling and augmentation"},
      {"epoch", "0", "epoch to run"},
      {"shuffle", "local", "none | local (shard order + buffer) | global (all samples)"},
      {"shuffle-buffer", "5000", "local shuffle buffer, in samples"},
      {"uneven", "drop", "samples per rank when they do not divide: drop | wrap | pad"},
      {"keep-last", "false", "keep a partial last batch", true},
      {"on-error", "error", "error | skip (counted) on a corrupt shard or image"},
      {"image-size", "224", "output size (square)"},
      {"no-crop", "false", "resize the whole image instead of a random resized crop", true},
      {"scale", "0.08..1", "random resized crop scale range"},
      {"hflip", "false", "random horizontal flip", true},
      {"vflip", "false", "random vertical flip", true},
      {"interpolation", "bilinear", "bilinear | bicubic"},
      {"layout", "f32", "f32 (float NCHW, normalised) | u8 (uint8 NHWC)"},
      {"mean", "0.5", "normalisation mean (one value for the 3 channels)"},
      {"std", "0.5", "normalisation std"},
  };
}

LoaderOptions ParseLoaderOptions(const Args& args, const std::string& spec) {
  LoaderOptions o;
  o.spec = spec;
  o.batch_size = args.Int("batch-size");
  o.workers = args.Int("workers");
  o.prefetch = args.Int("prefetch");
  o.rank = args.Int("rank");
  o.world_size = args.Int("world-size");
  o.seed = args.U64("seed");
  const std::string shuffle = args.Str("shuffle");
  if (shuffle == "none") o.shuffle = ShuffleMode::kNone;
  else if (shuffle == "local") o.shuffle = ShuffleMode::kLocal;
  else if (shuffle == "global") o.shuffle = ShuffleMode::kGlobal;
  else throw UsageError("--shuffle: expected none, local or global, got '" + shuffle + "'");
  o.shuffle_buffer = args.Int("shuffle-buffer");
  const std::string uneven = args.Str("uneven");
  if (uneven == "drop") o.uneven = UnevenPolicy::kDrop;
  else if (uneven == "wrap") o.uneven = UnevenPolicy::kWrap;
  else if (uneven == "pad") o.uneven = UnevenPolicy::kPad;
  else throw UsageError("--uneven: expected drop, wrap or pad, got '" + uneven + "'");
  o.drop_last = !args.Switch("keep-last");
  const std::string on_error = args.Str("on-error");
  if (on_error == "error") o.on_error = ErrorPolicy::kError;
  else if (on_error == "skip") o.on_error = ErrorPolicy::kSkip;
  else throw UsageError("--on-error: expected error or skip, got '" + on_error + "'");
  o.image_size = args.Int("image-size");
  o.random_resized_crop = !args.Switch("no-crop");
  const std::string scale = args.Str("scale");
  const size_t dots = scale.find("..");
  if (dots == std::string::npos) throw UsageError("--scale: expected A..B");
  o.scale_min = std::atof(scale.substr(0, dots).c_str());
  o.scale_max = std::atof(scale.substr(dots + 2).c_str());
  o.hflip = args.Switch("hflip");
  o.vflip = args.Switch("vflip");
  const std::string interp = args.Str("interpolation");
  if (interp == "bilinear") o.interpolation = Interpolation::kBilinear;
  else if (interp == "bicubic") o.interpolation = Interpolation::kBicubic;
  else throw UsageError("--interpolation: expected bilinear or bicubic");
  const std::string layout = args.Str("layout");
  if (layout == "f32") o.layout = OutputLayout::kFloat32Nchw;
  else if (layout == "u8") o.layout = OutputLayout::kUint8Nhwc;
  else throw UsageError("--layout: expected f32 or u8");
  for (int c = 0; c < 3; ++c) {
    o.mean[c] = static_cast<float>(args.Double("mean"));
    o.std[c] = static_cast<float>(args.Double("std"));
  }
  if (!(o.std[0] > 0)) throw UsageError("--std must be > 0");
  return o;
}

CommandSpec LoadSpec() {
  CommandSpec s{"load", "synthub load SPEC [flags]",
                "Prints the samples the loader delivers: batch, position, key, label, shape.\n"
                "SPEC: shards with {a..b} ranges, '::' lists, a dataset folder, http(s) URLs,\n"
                "or render:PRESET|DATASET for on-the-fly FractalDB.",
                LoaderFlags()};
  s.flags.push_back({"limit", "0", "stop after this many batches (0 = the epoch)"});
  s.flags.push_back({"resume", "", "a loader state (JSON) to continue from"});
  s.flags.push_back({"print-state", "false", "print the loader state after the last batch", true});
  return s;
}

CommandSpec BenchSpec() {
  CommandSpec s{"bench-load", "synthub bench-load SPEC [flags]",
                "Runs the loader over --epochs epochs (or --limit batches) and reports images/s,\n"
                "images per CPU-second, per-stage time, consumer wait, bytes and files read.",
                LoaderFlags()};
  s.flags.push_back({"limit", "0", "stop after this many batches (0 = the epochs)"});
  s.flags.push_back({"epochs", "1", "epochs to run, one after the other"});
  return s;
}

double CpuSeconds() {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

}  // namespace

int RunLoad(int argc, char** argv) {
  const CommandSpec spec = LoadSpec();
  Args args(spec, argc, argv);
  if (args.positional().size() != 1) throw UsageError("expected one SPEC");
  Loader loader(ParseLoaderOptions(args, args.positional()[0]));
  if (args.Given("epoch")) loader.SetEpoch(args.U64("epoch"));
  if (args.Given("resume")) loader.Restore(LoaderState::FromJson(args.Str("resume")));
  std::printf("# %llu samples in the dataset, %llu per rank, %llu batches per epoch, %d classes\n",
              static_cast<unsigned long long>(loader.TotalSamples()),
              static_cast<unsigned long long>(loader.SamplesPerEpoch()),
              static_cast<unsigned long long>(loader.BatchesPerEpoch()), loader.num_classes());
  const uint64_t limit = args.U64("limit");
  Batch b;
  uint64_t n = 0;
  while ((limit == 0 || n < limit) && loader.Next(&b)) {
    for (int i = 0; i < b.size; ++i) {
      std::printf("%llu %llu %d %s %lld %dx%dx%d\n", static_cast<unsigned long long>(b.epoch),
                  static_cast<unsigned long long>(b.index), i, b.keys[i].c_str(),
                  static_cast<long long>(b.labels[i]), b.channels, b.height, b.width);
    }
    ++n;
  }
  if (args.Switch("print-state")) std::printf("# state %s\n", loader.State().ToJson().c_str());
  return 0;
}

int RunBenchLoad(int argc, char** argv) {
  const CommandSpec spec = BenchSpec();
  Args args(spec, argc, argv);
  if (args.positional().size() != 1) throw UsageError("expected one SPEC");
  const auto t0 = std::chrono::steady_clock::now();
  const double cpu0 = CpuSeconds();
  Loader loader(ParseLoaderOptions(args, args.positional()[0]));
  if (args.Given("epoch")) loader.SetEpoch(args.U64("epoch"));
  const double setup = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto t1 = std::chrono::steady_clock::now();
  const double cpu1 = CpuSeconds();
  const uint64_t limit = args.U64("limit");
  const uint64_t epochs = args.U64("epochs");
  Batch b;
  uint64_t n = 0, images = 0;
  for (uint64_t e = 0; e < epochs; ++e) {
    while ((limit == 0 || n < limit) && loader.Next(&b)) {
      ++n;
      images += b.size;
    }
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  const double cpu = CpuSeconds() - cpu1;
  const LoaderStats s = loader.Stats();
  std::printf("{\"spec\": \"%s\", \"images\": %llu, \"batches\": %llu, \"setup_s\": %.3f, \"wall_s\": %.3f, "
              "\"cpu_s\": %.3f, \"images_per_s\": %.1f, \"images_per_cpu_s\": %.1f, "
              "\"read_s\": %.3f, \"decode_s\": %.3f, \"augment_s\": %.3f, \"collate_s\": %.3f, "
              "\"wait_s\": %.3f, \"mean_ready_batches\": %.2f, \"bytes_read\": %llu, "
              "\"files_opened\": %llu, \"skipped\": %llu, \"setup_cpu_s\": %.3f}\n",
              args.positional()[0].c_str(), static_cast<unsigned long long>(images),
              static_cast<unsigned long long>(n), setup, wall, cpu, images / wall, images / cpu,
              s.read_s, s.decode_s, s.augment_s, s.collate_s, s.wait_s, s.mean_ready_batches,
              static_cast<unsigned long long>(s.bytes_read),
              static_cast<unsigned long long>(s.files_opened),
              static_cast<unsigned long long>(s.skipped), cpu1 - cpu0);
  return 0;
}

}  // namespace synthub::cli
