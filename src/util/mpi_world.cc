#include "util/mpi_world.h"

#include <algorithm>
#include <cstdlib>
#define OMPI_SKIP_MPICXX 1  // the C API only
#define MPICH_SKIP_MPICXX 1
#include <mpi.h>

namespace synthub {

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

void World::AllSum(float* data, size_t count) {
  if (!mpi_) return;
  constexpr size_t kChunk = size_t{1} << 30;  // MPI counts are int
  for (size_t i = 0; i < count; i += kChunk) {
    MPI_Allreduce(MPI_IN_PLACE, data + i, static_cast<int>(std::min(kChunk, count - i)), MPI_FLOAT,
                  MPI_SUM, MPI_COMM_WORLD);
  }
}

void World::AllSum(double* data, size_t count) {
  if (!mpi_) return;
  constexpr size_t kChunk = size_t{1} << 30;
  for (size_t i = 0; i < count; i += kChunk) {
    MPI_Allreduce(MPI_IN_PLACE, data + i, static_cast<int>(std::min(kChunk, count - i)),
                  MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  }
}

void World::Broadcast(void* data, size_t bytes) {
  if (!mpi_) return;
  constexpr size_t kChunk = size_t{1} << 30;
  auto* p = static_cast<char*>(data);
  for (size_t i = 0; i < bytes; i += kChunk) {
    MPI_Bcast(p + i, static_cast<int>(std::min(kChunk, bytes - i)), MPI_BYTE, 0, MPI_COMM_WORLD);
  }
}

}  // namespace synthub
