// synthub load / bench-load: the streaming loader from the command line.
#include <chrono>
#include <sys/resource.h>
#include <cstdio>
#include <memory>
#include <string>

#include "args.h"
#include "commands.h"
#include "loader_flags.h"
#include "synthub/error.h"
#include "synthub/loader.h"

namespace synthub::cli {
namespace {

CommandSpec LoadSpec() {
  CommandSpec s{"load", "synthub load SPEC [flags]",
                "Prints the samples the loader delivers: batch, position, key, label, shape.\n"
                "SPEC: shards with {a..b} ranges, '::' lists, a dataset folder, http(s) URLs,\n"
                "or render:PRESET|DATASET for on-the-fly FractalDB.",
                LoaderFlags()};
  s.flags.push_back({"epoch", "0", "epoch to run"});
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
  s.flags.push_back({"epoch", "0", "first epoch to run"});
  s.flags.push_back({"limit", "0", "stop after this many batches (0 = the epochs)"});
  s.flags.push_back({"epochs", "1", "epochs to run, one after the other"});
  return s;
}

// The loader of load and bench-load: the flags' options over SPEC.
std::unique_ptr<Loader> OpenLoader(const Args& args) {
  if (args.positional().size() != 1) throw UsageError("expected one SPEC");
  LoaderOptions o;
  o.spec = args.positional()[0];
  FillLoaderOptions(args, &o);
  return MappingLoaderErrors(args, [&] { return std::make_unique<Loader>(o); });
}

double CpuSeconds() {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

// System time of the process (all threads): reading's share of the CPU.
double SystemSeconds() {
  rusage r;
  getrusage(RUSAGE_SELF, &r);
  return r.ru_stime.tv_sec + r.ru_stime.tv_usec * 1e-6;
}

}  // namespace

int RunLoad(int argc, char** argv) {
  const CommandSpec spec = LoadSpec();
  Args args(spec, argc, argv);
  const std::unique_ptr<Loader> owned = OpenLoader(args);
  Loader& loader = *owned;
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
  const auto t0 = std::chrono::steady_clock::now();
  const double cpu0 = CpuSeconds();
  const std::unique_ptr<Loader> owned = OpenLoader(args);
  Loader& loader = *owned;
  if (args.Given("epoch")) loader.SetEpoch(args.U64("epoch"));
  const double setup = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto t1 = std::chrono::steady_clock::now();
  const double cpu1 = CpuSeconds();
  const double sys1 = SystemSeconds();
  const uint64_t limit = args.U64("limit");
  const uint64_t epochs = args.U64("epochs");
  Batch b;
  uint64_t n = 0, images = 0;
  double first_batch = 0;  // from the start, construction included
  for (uint64_t e = 0; e < epochs; ++e) {
    while ((limit == 0 || n < limit) && loader.Next(&b)) {
      if (n == 0) first_batch = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      ++n;
      images += b.size;
    }
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  const double cpu = CpuSeconds() - cpu1;
  const double sys = SystemSeconds() - sys1;
  const LoaderStats s = loader.Stats();
  std::printf("{\"spec\": \"%s\", \"images\": %llu, \"batches\": %llu, \"setup_s\": %.3f, \"wall_s\": %.3f, "
              "\"cpu_s\": %.3f, \"sys_s\": %.3f, \"images_per_s\": %.1f, \"images_per_cpu_s\": %.1f, "
              "\"read_s\": %.3f, \"decode_s\": %.3f, \"augment_s\": %.3f, \"collate_s\": %.3f, "
              "\"wait_s\": %.3f, \"mean_ready_batches\": %.2f, \"bytes_read\": %llu, "
              "\"files_opened\": %llu, \"skipped\": %llu, \"setup_cpu_s\": %.3f, \"shards_walked\": %llu, "
              "\"first_batch_s\": %.3f}\n",
              args.positional()[0].c_str(), static_cast<unsigned long long>(images),
              static_cast<unsigned long long>(n), setup, wall, cpu, sys, images / wall, images / cpu,
              s.read_s, s.decode_s, s.augment_s, s.collate_s, s.wait_s, s.mean_ready_batches,
              static_cast<unsigned long long>(s.bytes_read),
              static_cast<unsigned long long>(s.files_opened),
              static_cast<unsigned long long>(s.skipped), cpu1 - cpu0,
              static_cast<unsigned long long>(s.shards_walked), first_batch);
  return 0;
}

}  // namespace synthub::cli
