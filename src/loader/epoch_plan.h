// Which samples a rank sees in an epoch, and in which order: a pure
// function of (shard sample counts, rank, world, seed, epoch, options).
// Every rank gets the same number of samples (no DDP hangs).
#ifndef SYNTHUB_LOADER_EPOCH_PLAN_H_
#define SYNTHUB_LOADER_EPOCH_PLAN_H_

#include <cstdint>
#include <vector>

#include "synthub/loader.h"

namespace synthub::loader {

struct PlanOptions {
  int rank = 0, world = 1;
  uint64_t seed = 0, epoch = 0;
  ShuffleMode shuffle = ShuffleMode::kLocal;
  uint64_t buffer = 5000;
  UnevenPolicy uneven = UnevenPolicy::kDrop;
};

// A run of consecutive samples [begin, end) of one shard, read in order.
struct Piece {
  uint32_t shard;
  uint64_t begin, end;
};

struct EpochPlan {
  uint64_t samples = 0;  // this rank's samples in the epoch
  // kNone / kLocal: the reading order (pieces) and, for reading position p
  // (0..samples-1 along the pieces), its delivery index deliver_at[p].
  std::vector<Piece> pieces;
  std::vector<uint64_t> deliver_at;
  // kGlobal: delivery index -> global sample number (shard-major).
  std::vector<uint64_t> global_order;
};

// One member of each group (a category's samples, as global sample numbers),
// chosen by a keyed hash of (seed, epoch, group): the samples of an epoch of
// LoaderOptions::one_view_per_category, in group order.
std::vector<uint64_t> OnePerGroup(const std::vector<std::vector<uint64_t>>& groups,
                                  uint64_t seed, uint64_t epoch);

// Samples each rank gets for a dataset of `total` samples.
uint64_t SamplesPerRank(uint64_t total, int world, UnevenPolicy uneven);

EpochPlan MakeEpochPlan(const std::vector<uint64_t>& shard_counts, const PlanOptions& o);
// kGlobal over one sample per group (OnePerGroup) instead of every sample.
EpochPlan MakeEpochPlanOnePerGroup(const std::vector<std::vector<uint64_t>>& groups,
                                   const PlanOptions& o);

}  // namespace synthub::loader

#endif  // SYNTHUB_LOADER_EPOCH_PLAN_H_
