#include "generate/mpi_world.h"

#include <cstdlib>
#define OMPI_SKIP_MPICXX 1  // the C API only
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

namespace synthub::generate {

bool LaunchedByMpi() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMI_SIZE") ||
         std::getenv("PMIX_RANK");
}

World::World(int* argc, char*** argv) {
  if (!LaunchedByMpi()) return;
  int provided = 0;
  MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  mpi_ = true;
}

World::~World() {
  if (mpi_) MPI_Finalize();
}

void World::Barrier() {
  if (mpi_) MPI_Barrier(MPI_COMM_WORLD);
}

bool World::AllOk(bool ok) {
  if (!mpi_) return ok;
  int local = ok ? 1 : 0, all = 0;
  MPI_Allreduce(&local, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  return all == 1;
}

}  // namespace synthub::generate
