#include "recipe/plan.h"

#include <gtest/gtest.h>
#include <set>

namespace synthub::recipe {
namespace {

TEST(PermuteIndexTest, IsABijection) {
  for (uint64_t n : {1ull, 2ull, 7ull, 1000ull, 4097ull}) {
    std::set<uint64_t> seen;
    for (uint64_t i = 0; i < n; ++i) seen.insert(PermuteIndex(i, n, 42));
    EXPECT_EQ(seen.size(), n);
    EXPECT_LT(*seen.rbegin(), n);
  }
  EXPECT_NE(PermuteIndex(5, 1000, 1), PermuteIndex(5, 1000, 2));
}

TEST(DatasetPlanTest, EverySampleOnceAcrossShardsAndSpread) {
  Recipe r;
  r.categories = 20;
  r.draws = 2;
  r.shard_size = 400;
  const DatasetPlan plan(r);
  EXPECT_EQ(plan.num_samples(), 20u * 25 * 2 * 4);
  EXPECT_EQ(plan.num_shards(), 10u);
  std::set<std::string> keys;
  uint64_t total = 0;
  for (uint64_t s = 0; s < plan.num_shards(); ++s) {
    const auto samples = plan.ShardSamplesInOrder(s);
    EXPECT_EQ(samples.size(), plan.ShardSamples(s));
    std::set<uint32_t> classes;
    for (const SampleId& id : samples) {
      keys.insert(DatasetPlan::SampleKey(id));
      classes.insert(id.category);
    }
    EXPECT_GE(classes.size(), 15u) << "shard " << s << " is not spread over classes";
    total += samples.size();
  }
  EXPECT_EQ(total, plan.num_samples());
  EXPECT_EQ(keys.size(), plan.num_samples());
  EXPECT_EQ(plan.ShardName(3), "fractaldb-000003.tar");
}

TEST(DatasetPlanTest, InstancesSubsetAndShortLastShard) {
  Recipe r;
  r.categories = 3;
  r.instances_per_category = 8;  // rows 0 draw 0..1, all flips
  r.shard_size = 20;
  const DatasetPlan plan(r);
  EXPECT_EQ(plan.num_samples(), 24u);
  EXPECT_EQ(plan.num_shards(), 2u);
  EXPECT_EQ(plan.ShardSamples(1), 4u);
  for (uint64_t s = 0; s < 2; ++s) {
    for (const SampleId& id : plan.ShardSamplesInOrder(s)) {
      EXPECT_EQ(id.row, 0u);
      EXPECT_LT(id.draw, 2u);
    }
  }
}

// The group-major order names every sample of the shards once; a group is
// one canvas (category, row, draw) in its flips.
TEST(DatasetPlanTest, GroupsAreCanvasesAndCoverTheShards) {
  for (int instances : {0, 12, 24}) {  // all (25 rows x 2 draws x 4 flips); 3 units; 6 units
    Recipe r;
    r.categories = 5;
    r.draws = 2;
    r.instances_per_category = instances;
    r.shard_size = 40;
    const DatasetPlan plan(r);
    EXPECT_EQ(plan.group_size(), 4u);
    EXPECT_EQ(plan.num_groups() * plan.group_size(), plan.num_samples());
    std::set<std::string> from_shards, from_groups;
    for (uint64_t s = 0; s < plan.num_shards(); ++s) {
      for (const SampleId& id : plan.ShardSamplesInOrder(s)) from_shards.insert(DatasetPlan::SampleKey(id));
    }
    for (uint64_t g = 0; g < plan.num_groups(); ++g) {
      const SampleId first = plan.GroupSample(g * plan.group_size());
      for (uint64_t m = 0; m < plan.group_size(); ++m) {
        const SampleId id = plan.GroupSample(g * plan.group_size() + m);
        EXPECT_EQ(id.category, first.category);
        EXPECT_EQ(id.row, first.row);
        EXPECT_EQ(id.draw, first.draw);
        EXPECT_EQ(id.flip, m);
        from_groups.insert(DatasetPlan::SampleKey(id));
      }
    }
    EXPECT_EQ(from_groups, from_shards) << instances;
  }
}

TEST(PlanTest, SampleKeyParsesBack) {
  const SampleId id{12, 7, 3, 1};
  SampleId back{};
  ASSERT_TRUE(DatasetPlan::ParseSampleKey(DatasetPlan::SampleKey(id), &back));
  EXPECT_EQ(DatasetPlan::SampleKey(back), "000012_07_003_1");
  for (const char* bad : {"0001", "a_b_c_d", "1_2_3", "1_2_3_4_5", "1__3_4", "99999999999_0_0_0"}) {
    EXPECT_FALSE(DatasetPlan::ParseSampleKey(bad, &back)) << bad;
  }
}

}  // namespace
}  // namespace synthub::recipe
