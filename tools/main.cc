// synthub: formula-driven synthetic image datasets. Dispatches to one file
// per subcommand; exit 0 on success, 1 on a runtime failure, 2 on a usage
// error.
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <string>

#include "commands.h"
#include "util/mpi_world.h"
#include "synthub/error.h"

#ifndef SYNTHUB_VERSION
#define SYNTHUB_VERSION "dev"
#endif

namespace {

const char kUsage[] =
    "usage: synthub <command> [flags]   (synthub <command> --help for its flags)\n"
    "\n"
    "commands:\n"
    "  search     search FractalDB categories (IFS parameters) into a folder of CSVs\n"
    "  generate   render a dataset of any family straight into WebDataset shards\n"
    "  verify     re-hash every shard against the manifest and walk every tar member\n"
    "  inspect    print a dataset's summary; write a contact sheet of samples\n"
    "  index      write or check the sample index sidecars (.sidx) of shards\n"
    "  pack       pack an image folder (class/xxx.jpg) into shards + manifest\n"
    "  load       stream samples from shards (or rendered on the fly): print them\n"
    "  bench-load measure the loader: images/s, per-stage time, wait, bytes, files\n"
    "  pretrain   pre-train a ViT (libtorch; data-parallel under mpirun)\n"
    "  finetune   fine-tune a checkpoint on another dataset\n"
    "  eval       evaluate a checkpoint: top-1/top-5, per-class, confusion matrix\n"
    "  plot       training curves (loss, eval top-1) of one or more runs as an SVG\n"
    "  project    draw a point cloud (.npy) as the published 3D renderer does, on the CPU\n"
    "  hub        publish, find, serve, pull and materialize datasets and models\n"
    "  version    print the version\n";

// pretrain / finetune / eval live in synthub-train, next to this program, so
// that no other command pays for loading libtorch (about 0.5 s per call).
// Replaces this process before MPI starts, so it works under mpirun too.
[[noreturn]] void ExecTrain(char** argv) {
  using synthub::Error;
  const std::string cmd = argv[1];
#if !SYNTHUB_HAVE_TORCH
  throw Error("synthub " + cmd + ": this build has no libtorch (install libtorch-dev and rebuild)");
#endif
  char self[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n <= 0) throw Error(std::string("cannot find this program's path: ") + std::strerror(errno));
  std::string dir(self, static_cast<size_t>(n));
  dir.erase(dir.find_last_of('/') + 1);
  const std::string train = dir + "synthub-train";
  argv[0] = const_cast<char*>(train.c_str());
  ::execv(train.c_str(), argv);
  throw Error("synthub " + cmd + ": cannot run " + train + ": " + std::strerror(errno) +
              " (it is built and installed with synthub when libtorch is found)");
}

}  // namespace

int main(int argc, char** argv) {
  using namespace synthub;
  if (argc < 2) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  const std::string cmd = argv[1];
  if (cmd == "--help" || cmd == "-h" || cmd == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (cmd == "version" || cmd == "--version") {
    std::printf("synthub %s\n", SYNTHUB_VERSION);
    return 0;
  }
  return cli::RunReportingErrors(cmd, [&]() -> int {
    if (cmd == "pretrain" || cmd == "finetune" || cmd == "eval") ExecTrain(argv);
    World world(&argc, &argv);
    int sub_argc = argc - 2;
    char** sub_argv = argv + 2;
    if (cmd == "search") return cli::RunSearch(sub_argc, sub_argv, world);
    if (cmd == "generate") return cli::RunGenerate(sub_argc, sub_argv, world);
    if (cmd == "verify") return cli::RunVerify(sub_argc, sub_argv);
    if (cmd == "inspect") return cli::RunInspect(sub_argc, sub_argv);
    if (cmd == "index") return cli::RunIndex(sub_argc, sub_argv);
    if (cmd == "pack") return cli::RunPack(sub_argc, sub_argv);
    if (cmd == "load") return cli::RunLoad(sub_argc, sub_argv);
    if (cmd == "bench-load") return cli::RunBenchLoad(sub_argc, sub_argv);
    if (cmd == "plot") return cli::RunPlot(sub_argc, sub_argv);
    if (cmd == "project") return cli::RunProject(sub_argc, sub_argv);
    if (cmd == "hub") return cli::RunHub(sub_argc, sub_argv, world);
    throw UsageError("unknown command '" + cmd + "'");
  });
}
