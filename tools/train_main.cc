// synthub-train: the libtorch half of the command line (pretrain, finetune,
// eval). `synthub pretrain ...` runs this program in its place, so that the
// other commands start without loading libtorch; it can also be run directly.
#include <cstdio>
#include <string>

#include "commands.h"
#include "util/mpi_world.h"
#include "synthub/error.h"
#include "train/train.h"

int main(int argc, char** argv) {
  using namespace synthub;
  const std::string cmd = argc >= 2 ? argv[1] : "";
  if (cmd != "pretrain" && cmd != "finetune" && cmd != "eval") {
    std::fputs("usage: synthub-train pretrain|finetune|eval [flags]   (or: synthub pretrain ...)\n",
               stderr);
    return 2;
  }
  // Before MPI starts: OpenBLAS reads its kernel choice at load time.
  train::MaybeFixBlasCoretype(argv);
  return cli::RunReportingErrors(cmd, [&] {
    World world(&argc, &argv);
    return cli::RunTrainCommand(cmd, argc - 2, argv + 2, world);
  });
}
