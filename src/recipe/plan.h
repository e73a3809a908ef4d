// Which samples go into which shard, in which order (docs/formats/keys.md).
//
// A unit is (category, weight row, draw): one rendered canvas, saved in
// `flips` variants (its samples). Shard s holds the units at positions
// [s * U, (s + 1) * U) of a seeded Feistel permutation of all units
// (U = shard_size / flips), so every shard spreads over the classes; the
// samples of a shard are then put in a seeded Fisher-Yates order. A family
// may ask for the published order instead (Family::SequentialPlan): shard s
// then holds units [s * U, (s + 1) * U) in order, category by category.
// Everything is a pure function of the recipe. Thread-safe (immutable).
#ifndef SYNTHUB_RECIPE_PLAN_H_
#define SYNTHUB_RECIPE_PLAN_H_

#include <cstdint>
#include <string>
#include <vector>

#include "recipe/recipe.h"

namespace synthub::recipe {

struct SampleId {
  uint32_t category, row, draw, flip;
};

class DatasetPlan {
 public:
  explicit DatasetPlan(const Recipe& recipe);

  uint64_t num_units() const { return num_units_; }
  uint64_t num_samples() const { return num_units_ * flips_; }
  uint64_t num_shards() const { return num_shards_; }
  uint64_t units_per_shard() const { return units_per_shard_; }

  std::string ShardName(uint64_t shard) const;  // <name>-000012.tar
  uint64_t ShardSamples(uint64_t shard) const;
  // The samples of a shard in their order in the tar.
  std::vector<SampleId> ShardSamplesInOrder(uint64_t shard) const;
  // The samples grouped by what a renderer makes once: a unit's canvas,
  // saved in `flips` flips. Group g is unit g in (category, row, draw)
  // order; GroupSample(n) is flip n % flips of unit n / flips.
  uint64_t num_groups() const { return num_units_; }
  uint64_t group_size() const { return flips_; }
  SampleId GroupSample(uint64_t n) const;
  static std::string SampleKey(const SampleId& s);  // 000012_07_003_1
  // The inverse: four fields of digits, each below 2^32; false for a key of
  // another shape.
  static bool ParseSampleKey(const std::string& key, SampleId* s);

 private:
  std::string name_;
  uint64_t seed_;
  uint32_t units_per_category_, draws_, flips_;
  bool sequential_;
  uint64_t num_units_, units_per_shard_, num_shards_;
};

// A keyed bijection of [0, n): 4-round Feistel network on the next even
// power of two with cycle walking, Philox as the round function.
uint64_t PermuteIndex(uint64_t index, uint64_t n, uint64_t seed);

}  // namespace synthub::recipe

#endif  // SYNTHUB_RECIPE_PLAN_H_
