#include "loader/epoch_plan.h"

#include <algorithm>
#include <numeric>

#include "fractal/random.h"
#include "recipe/plan.h"
#include "synthub/error.h"

namespace synthub::loader {
namespace {

constexpr uint32_t kTagShardOrder = 0x534f5244;  // "SORD"
constexpr uint32_t kTagBuffer = 0x42000000;      // "B" + rank
constexpr uint32_t kTagGlobal = 0x474c4f42;      // "GLOB"
constexpr uint32_t kTagView = 0x56494557;        // "VIEW"
constexpr uint64_t kTagGrouped = 0x47525550;     // "GRUP"

uint64_t GlobalKey(const PlanOptions& o) {
  return o.seed ^ (0x9e3779b97f4a7c15ull * (o.epoch + 1)) ^ kTagGlobal;
}

// This rank's positions in an epoch sequence of `total` samples, position
// by position. Balanced contiguous split; kDrop keeps floor(N / world) of it,
// kPad repeats the rank's last sample up to ceil(N / world); kWrap takes n
// consecutive positions from rank * n, wrapping around.
void SetRankPositions(uint64_t total, const PlanOptions& o, EpochPlan* plan) {
  const uint64_t n = SamplesPerRank(total, o.world, o.uneven);
  const uint64_t q = total / o.world, rem = total % o.world;
  const uint64_t r = static_cast<uint64_t>(o.rank);
  plan->rank_wrap = o.uneven == UnevenPolicy::kWrap;
  plan->rank_start = plan->rank_wrap ? r * n : r * q + std::min(r, rem);
  plan->rank_count = plan->rank_wrap ? n : q + (r < rem ? 1 : 0);
  plan->samples = n;
}

uint64_t RankPosition(const EpochPlan& plan, uint64_t total, uint64_t i) {
  if (plan.rank_wrap) return (plan.rank_start + i) % total;
  if (i < plan.rank_count) return plan.rank_start + i;
  return plan.rank_count == 0 ? plan.rank_start : plan.rank_start + plan.rank_count - 1;
}

}  // namespace

uint64_t EpochPlan::GlobalSample(uint64_t d) const {
  if (!global_order.empty()) return global_order[d];
  const uint64_t p = RankPosition(*this, global_total, d);
  if (group_size == 0) return recipe::PermuteIndex(p, global_total, global_key);
  // Window w of the group permutation; its samples in their own permutation.
  const uint64_t groups = global_total / group_size;
  const uint64_t per_window = group_window * group_size;
  const uint64_t w = p / per_window;
  const uint64_t in_window = std::min(group_window, groups - w * group_window);
  const uint64_t j = recipe::PermuteIndex(p % per_window, in_window * group_size,
                                          global_key ^ (0xd1b54a32d192ed03ull * (w + 1)));
  const uint64_t group =
      recipe::PermuteIndex(w * group_window + j / group_size, groups, global_key);
  return group * group_size + j % group_size;
}

uint64_t SamplesPerRank(uint64_t total, int world, UnevenPolicy uneven) {
  if (world < 1) throw UsageError("world size must be >= 1");
  return uneven == UnevenPolicy::kDrop ? total / world : (total + world - 1) / world;
}

EpochPlan MakeEpochPlan(const std::vector<uint64_t>& counts, const PlanOptions& o) {
  if (o.rank < 0 || o.rank >= o.world) throw UsageError("need 0 <= rank < world size");
  const uint64_t total = std::accumulate(counts.begin(), counts.end(), uint64_t{0});
  EpochPlan plan;
  if (o.shuffle == ShuffleMode::kGlobal) {
    // One permutation of every sample of every shard, new each epoch.
    SetRankPositions(total, o, &plan);
    plan.global_total = total;
    plan.global_key = GlobalKey(o);
    return plan;
  }
  // Shard order: a new permutation each epoch (kLocal), or as listed.
  std::vector<uint32_t> order(counts.size());
  std::iota(order.begin(), order.end(), 0u);
  if (o.shuffle == ShuffleMode::kLocal) {
    fractal::PhiloxStream rng(o.seed, static_cast<uint32_t>(o.epoch), kTagShardOrder);
    for (size_t i = order.size(); i > 1; --i) {
      std::swap(order[i - 1], order[fractal::ScaleU32(rng.NextU32(), static_cast<uint32_t>(i))]);
    }
  }
  std::vector<uint64_t> starts(order.size());  // sequence position of each shard
  uint64_t at = 0;
  for (size_t k = 0; k < order.size(); ++k) {
    starts[k] = at;
    at += counts[order[k]];
  }
  // Positions -> pieces (runs within one shard).
  EpochPlan positions;
  SetRankPositions(total, o, &positions);
  for (uint64_t i = 0; i < positions.samples; ++i) {
    const uint64_t p = RankPosition(positions, total, i);
    const size_t k = std::upper_bound(starts.begin(), starts.end(), p) - starts.begin() - 1;
    const uint64_t idx = p - starts[k];
    if (!plan.pieces.empty() && plan.pieces.back().shard == order[k] && plan.pieces.back().end == idx) {
      ++plan.pieces.back().end;
    } else {
      plan.pieces.push_back({order[k], idx, idx + 1});
    }
    ++plan.samples;
  }
  // Delivery order: identity, or the webdataset shuffle buffer simulated on
  // reading positions (the reader then never runs more than `buffer` ahead).
  plan.deliver_at.resize(plan.samples);
  if (o.shuffle == ShuffleMode::kNone || o.buffer <= 1) {
    std::iota(plan.deliver_at.begin(), plan.deliver_at.end(), uint64_t{0});
    return plan;
  }
  fractal::PhiloxStream rng(o.seed, static_cast<uint32_t>(o.epoch),
                            kTagBuffer | static_cast<uint32_t>(o.rank & 0xffffff));
  std::vector<uint64_t> buffer;
  uint64_t delivered = 0;
  auto emit = [&] {
    const size_t j = fractal::ScaleU32(rng.NextU32(), static_cast<uint32_t>(buffer.size()));
    std::swap(buffer[j], buffer.back());
    plan.deliver_at[buffer.back()] = delivered++;
    buffer.pop_back();
  };
  for (uint64_t p = 0; p < plan.samples; ++p) {
    buffer.push_back(p);
    if (buffer.size() >= o.buffer) emit();
  }
  while (!buffer.empty()) emit();
  return plan;
}

uint64_t ChosenSample(const Category& category, uint64_t seed, uint64_t epoch) {
  const uint32_t key[2] = {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)};
  const uint32_t ctr[4] = {category.id, static_cast<uint32_t>(epoch),
                           static_cast<uint32_t>(epoch >> 32), kTagView};
  const uint32_t word = fractal::Philox4x32(key, ctr).v[0];
  return category.samples[fractal::ScaleU32(word, static_cast<uint32_t>(category.samples.size()))];
}

EpochPlan MakeGroupedEpochPlan(uint64_t groups, uint64_t group_size, uint64_t window,
                               const PlanOptions& o) {
  if (o.rank < 0 || o.rank >= o.world) throw UsageError("need 0 <= rank < world size");
  EpochPlan plan;
  if (groups == 0 || group_size == 0) return plan;
  SetRankPositions(groups * group_size, o, &plan);
  plan.global_total = groups * group_size;
  plan.global_key = GlobalKey(o) ^ kTagGrouped;
  plan.group_size = group_size;
  plan.group_window = std::max<uint64_t>(1, std::min(window, groups));
  return plan;
}

EpochPlan MakeEpochPlanOnePerCategory(const std::vector<Category>& categories,
                                      const PlanOptions& o) {
  if (o.rank < 0 || o.rank >= o.world) throw UsageError("need 0 <= rank < world size");
  const uint64_t n = categories.size();
  const uint64_t key = GlobalKey(o);
  EpochPlan plan;
  EpochPlan positions;
  SetRankPositions(n, o, &positions);
  for (uint64_t i = 0; i < positions.samples; ++i) {
    const Category& c = categories[recipe::PermuteIndex(RankPosition(positions, n, i), n, key)];
    plan.global_order.push_back(ChosenSample(c, o.seed, o.epoch));
  }
  plan.samples = plan.global_order.size();
  return plan;
}

}  // namespace synthub::loader
