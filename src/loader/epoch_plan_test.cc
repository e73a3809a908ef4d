#include "loader/epoch_plan.h"

#include <algorithm>

#include <gtest/gtest.h>
#include <numeric>
#include <set>

namespace synthub::loader {
namespace {

std::vector<uint64_t> Counts() { return {7, 10, 3, 10, 9}; }  // 39 samples

// Global sample numbers a rank reads, in delivery order.
std::vector<uint64_t> Delivered(const EpochPlan& plan, const std::vector<uint64_t>& counts) {
  std::vector<uint64_t> prefix(counts.size());
  std::exclusive_scan(counts.begin(), counts.end(), prefix.begin(), uint64_t{0});
  if (!plan.global_order.empty()) return plan.global_order;
  std::vector<uint64_t> out(plan.samples);
  uint64_t p = 0;
  for (const Piece& piece : plan.pieces) {
    for (uint64_t i = piece.begin; i < piece.end; ++i, ++p) {
      out[plan.deliver_at[p]] = prefix[piece.shard] + i;
    }
  }
  return out;
}

TEST(EpochPlanTest, EverySampleOncePerEpochAcrossRanks) {
  for (ShuffleMode mode : {ShuffleMode::kNone, ShuffleMode::kLocal, ShuffleMode::kGlobal}) {
    for (int world : {1, 2, 3}) {
      std::multiset<uint64_t> seen;
      uint64_t per_rank = 0;
      for (int rank = 0; rank < world; ++rank) {
        PlanOptions o;
        o.rank = rank, o.world = world, o.seed = 9, o.epoch = 2, o.shuffle = mode, o.buffer = 6;
        o.uneven = UnevenPolicy::kDrop;
        const EpochPlan plan = MakeEpochPlan(Counts(), o);
        if (rank == 0) per_rank = plan.samples;
        EXPECT_EQ(plan.samples, per_rank) << "ranks must get equal counts";
        for (uint64_t g : Delivered(plan, Counts())) seen.insert(g);
      }
      EXPECT_EQ(per_rank, 39u / world);
      EXPECT_EQ(std::set<uint64_t>(seen.begin(), seen.end()).size(), seen.size()) << "duplicate";
      EXPECT_GE(seen.size(), 39u - (world - 1));
    }
  }
}

TEST(EpochPlanTest, WrapAndPadGiveEqualCeilCounts) {
  for (UnevenPolicy u : {UnevenPolicy::kWrap, UnevenPolicy::kPad}) {
    std::set<uint64_t> seen;
    for (int rank = 0; rank < 4; ++rank) {
      PlanOptions o;
      o.rank = rank, o.world = 4, o.uneven = u;
      const EpochPlan plan = MakeEpochPlan(Counts(), o);
      EXPECT_EQ(plan.samples, 10u);
      for (uint64_t g : Delivered(plan, Counts())) seen.insert(g);
    }
    EXPECT_EQ(seen.size(), 39u) << "every sample at least once";
  }
}

TEST(EpochPlanTest, ShuffleChangesWithEpochNotWithCalls) {
  PlanOptions o;
  o.seed = 1, o.buffer = 8;
  const auto a = Delivered(MakeEpochPlan(Counts(), o), Counts());
  const auto b = Delivered(MakeEpochPlan(Counts(), o), Counts());
  o.epoch = 1;
  const auto c = Delivered(MakeEpochPlan(Counts(), o), Counts());
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  o.shuffle = ShuffleMode::kGlobal;
  EXPECT_NE(Delivered(MakeEpochPlan(Counts(), o), Counts()), c);
}

TEST(EpochPlanTest, ReaderNeverRunsMoreThanTheBufferAhead) {
  PlanOptions o;
  o.buffer = 5;
  const EpochPlan plan = MakeEpochPlan(Counts(), o);
  for (uint64_t p = 0; p < plan.samples; ++p) {
    EXPECT_LT(p, plan.deliver_at[p] + o.buffer);
  }
}

// 50 categories of 12 samples each (3D-OFDB's views), numbered category-major.
std::vector<std::vector<uint64_t>> Views() {
  std::vector<std::vector<uint64_t>> groups(50);
  for (uint64_t c = 0; c < 50; ++c) {
    for (uint64_t v = 0; v < 12; ++v) groups[c].push_back(c * 12 + v);
  }
  return groups;
}

TEST(EpochPlanTest, OneViewPerCategoryEachEpoch) {
  const auto groups = Views();
  const std::vector<uint64_t> e0 = OnePerGroup(groups, 7, 0), e1 = OnePerGroup(groups, 7, 1);
  ASSERT_EQ(e0.size(), 50u);
  int same = 0;
  for (uint64_t c = 0; c < 50; ++c) {
    EXPECT_EQ(e0[c] / 12, c);  // one member of each category
    same += e0[c] == e1[c];
  }
  EXPECT_LT(same, 15);  // a new view for most categories (1 in 12 by chance)
  EXPECT_EQ(OnePerGroup(groups, 7, 0), e0);  // a pure function of (seed, epoch)
  EXPECT_NE(OnePerGroup(groups, 8, 0), e0);
  // The views are used evenly over many epochs.
  std::vector<int> seen(12, 0);
  for (uint64_t e = 0; e < 240; ++e) seen[OnePerGroup(groups, 1, e)[0] % 12]++;
  for (int n : seen) EXPECT_GT(n, 5);
}

TEST(EpochPlanTest, OneViewPerCategoryAcrossRanks) {
  const auto groups = Views();
  PlanOptions o;
  o.shuffle = ShuffleMode::kGlobal;
  o.seed = 3;
  o.epoch = 2;
  o.world = 2;
  std::vector<uint64_t> all;
  for (int r = 0; r < 2; ++r) {
    o.rank = r;
    const EpochPlan plan = MakeEpochPlanOnePerGroup(groups, o);
    EXPECT_EQ(plan.samples, 25u);
    all.insert(all.end(), plan.global_order.begin(), plan.global_order.end());
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, OnePerGroup(groups, 3, 2));  // each category exactly once over the ranks
}

}  // namespace
}  // namespace synthub::loader
