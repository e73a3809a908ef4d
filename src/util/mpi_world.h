// The process group a command runs in: MPI ranks when launched by mpirun
// (and built with MPI), otherwise a world of one. Not thread-safe: call from
// the main thread only.
#ifndef SYNTHUB_UTIL_MPI_WORLD_H_
#define SYNTHUB_UTIL_MPI_WORLD_H_

#include <cstddef>

namespace synthub {

class World {
 public:
  // Initialises MPI when the environment says mpirun started us.
  World(int* argc, char*** argv);
  ~World();  // finalises MPI
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool is_mpi() const { return mpi_; }
  void Barrier();
  // True when every rank passes true (a collective: all ranks must call).
  bool AllOk(bool ok);
  // In place: every rank ends with the element-wise sum over ranks.
  void AllSum(float* data, size_t count);
  void AllSum(double* data, size_t count);
  // In place: every rank ends with rank 0's bytes.
  void Broadcast(void* data, size_t bytes);

 private:
  int rank_ = 0, size_ = 1;
  bool mpi_ = false;
};

// True when the environment shows an MPI launcher (OpenMPI, PMI, PMIx).
bool LaunchedByMpi();

}  // namespace synthub

#endif  // SYNTHUB_UTIL_MPI_WORLD_H_
