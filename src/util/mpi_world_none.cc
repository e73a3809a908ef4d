// Built without MPI: always a world of one. Under mpirun every rank would
// do all the work, so refuse instead.
#include "util/mpi_world.h"

#include <cstdlib>

#include "synthub/error.h"

namespace synthub {

bool LaunchedByMpi() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMI_SIZE") ||
         std::getenv("PMIX_RANK");
}

World::World(int*, char***) {
  if (LaunchedByMpi()) {
    throw Error("started by mpirun, but this synthub was built without MPI; "
                "use --shards i/N per process instead");
  }
}

World::~World() = default;
void World::Barrier() {}
bool World::AllOk(bool ok) { return ok; }
void World::AllSum(float*, size_t) {}
void World::AllSum(double*, size_t) {}
void World::Broadcast(void*, size_t) {}

}  // namespace synthub
