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
  // kGlobal: delivery index d -> global sample number (shard-major), made
  // on demand from the permutation's key (nothing per sample is held: a
  // 300M-sample epoch plans in no time), or listed (one view per category).
  uint64_t GlobalSample(uint64_t d) const;
  bool global() const { return global_total > 0 || !global_order.empty(); }
  std::vector<uint64_t> global_order;  // listed
  uint64_t global_total = 0, global_key = 0;  // on demand: PermuteIndex(rank position)
  uint64_t rank_start = 0, rank_count = 0;    // this rank's positions (RankPositions)
  bool rank_wrap = false;
  // Grouped (kLocal on render: sources): GlobalSample gives the sample's
  // number in group-major order, group * group_size + member; group_window
  // groups are mixed at a time (MakeGroupedEpochPlan).
  uint64_t group_size = 0, group_window = 0;
};

// A category's samples as global sample numbers, for
// LoaderOptions::one_view_per_category.
struct Category {
  uint32_t id = 0;                // CCCCCC of the sample keys, or the plan's category
  std::vector<uint64_t> samples;  // not empty
};

// The one sample of `category` that epoch `epoch` uses: a keyed hash (Philox)
// of (seed, epoch, category id) picks it, so each epoch picks anew and every
// rank, worker and resumed run picks the same.
uint64_t ChosenSample(const Category& category, uint64_t seed, uint64_t epoch);

// Samples each rank gets for a dataset of `total` samples.
uint64_t SamplesPerRank(uint64_t total, int world, UnevenPolicy uneven);

EpochPlan MakeEpochPlan(const std::vector<uint64_t>& shard_counts, const PlanOptions& o);
// kLocal over `groups` groups of `group_size` samples that are cheap to make
// together (render: FractalDB's canvases: one chaos game and one drawing,
// saved in 4 flips). The epoch is a sequence of windows: a keyed permutation of the
// groups, cut into windows of `window` groups, and each window's samples in a
// keyed permutation of their own. The ranks split the sequence like a global
// shuffle's (contiguous, exact, the uneven policy), so a rank renders each
// group of its windows once while it is in a cache of about `window`
// groups. Each sample once per epoch, nothing held per sample.
EpochPlan MakeGroupedEpochPlan(uint64_t groups, uint64_t group_size, uint64_t window,
                               const PlanOptions& o);
// kGlobal over the chosen sample of each category instead of every sample:
// the same permutation, rank split and uneven policy, over categories.size().
EpochPlan MakeEpochPlanOnePerCategory(const std::vector<Category>& categories,
                                      const PlanOptions& o);

}  // namespace synthub::loader

#endif  // SYNTHUB_LOADER_EPOCH_PLAN_H_
