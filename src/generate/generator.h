// Generates a FractalDB dataset straight into WebDataset shards: parameters
// (search or folder) -> plan -> shards rendered on all threads, split across
// MPI ranks or --shards i/N processes -> per-shard records -> manifest last.
// Resumable: finished shards are verified and kept, the rest regenerated.
#ifndef SYNTHUB_GENERATE_GENERATOR_H_
#define SYNTHUB_GENERATE_GENERATOR_H_

#include <cstdint>
#include <limits>
#include <string>

#include "util/mpi_world.h"
#include "recipe/recipe.h"

namespace synthub::generate {

struct GenerateOptions {
  recipe::Recipe recipe;
  std::string params_dir;  // empty: run the recipe's search
  std::string out;
  // The parameter file's name in `out`: "" = params.ustar, or params.tar
  // when `out` already holds one (a dataset written before manifest format
  // 3). Hub regeneration passes the name the published manifest lists.
  std::string params_file;
  int threads = 0;         // 0: all cores
  // This process takes the shards s in [range_begin, range_end) with
  // s % part_count == part_index, then splits them across MPI ranks.
  uint64_t range_begin = 0;
  uint64_t range_end = std::numeric_limits<uint64_t>::max();
  int part_index = 0;
  int part_count = 1;
  bool dali_index = false;  // <shard>.idx next to each shard
  bool wids = false;        // wids.json index
  bool progress = true;
};

struct GenerateStats {
  uint64_t shards_total = 0;
  uint64_t shards_mine = 0;
  uint64_t shards_written = 0;
  uint64_t shards_kept = 0;     // already complete and verified
  uint64_t images_written = 0;
  double seconds = 0.0;
  bool manifest_written = false;
};

// Throws Error (I/O, a different recipe in `out`, bad parameters) or
// UsageError. Under MPI every rank must call it.
GenerateStats Generate(GenerateOptions options, World& world);

constexpr const char* kStateDir = ".synthub";  // recipe + per-shard records

}  // namespace synthub::generate

#endif  // SYNTHUB_GENERATE_GENERATOR_H_
