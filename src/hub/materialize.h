// Materializes a dataset revision into a folder: downloads its files, or
// regenerates the shards from the recipe its manifest carries (a dataset of
// any size travels as a few kilobytes: manifest.json + params.ustar), and
// checks every shard against the SHA-256 the revision publishes.
#ifndef SYNTHUB_HUB_MATERIALIZE_H_
#define SYNTHUB_HUB_MATERIALIZE_H_

#include <cstdint>
#include <string>

#include "util/mpi_world.h"

namespace synthub::hub {

struct MaterializeOptions {
  std::string source;        // a local hub folder or a hub server URL (http(s)://)
  std::string out;           // the dataset folder written
  bool regenerate = false;   // render the shards from the recipe instead of downloading them
  int threads = 0;           // rendering / copying threads (0: all cores)
  int parallel = 4;          // downloads at once (a server source)
  std::string cache;         // download cache for a server source ("" : OUT/.synthub-pull)
  std::string token;         // bearer token for a server source (never logged)
  bool progress = true;
};

struct MaterializeStats {
  std::string revision;             // "owner/name@<id>"
  uint64_t shards_total = 0;
  uint64_t shards_regenerated = 0;  // rendered by this run
  uint64_t shards_kept = 0;         // already in OUT and matching
  uint64_t files_downloaded = 0;    // copied from the hub (shards included when not regenerating)
  uint64_t shards_verified = 0;     // checked against the revision's SHA-256
  bool regenerated = false;
  std::string fallback;             // why a download turned into a regeneration ("" : it did not)
};

// Throws Error naming the file on a hash mismatch, a revision without a
// recipe asked to regenerate, or an unreachable source (with nothing to
// regenerate from). Under MPI every rank must call it (regeneration splits
// the shards across ranks; rank 0 fetches, writes and verifies); ranks share
// OUT's file system.
MaterializeStats Materialize(const std::string& ref, const MaterializeOptions& options,
                             World& world);

}  // namespace synthub::hub

#endif  // SYNTHUB_HUB_MATERIALIZE_H_
