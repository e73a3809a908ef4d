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
  std::vector<uint64_t> out(plan.samples);
  if (plan.global()) {
    for (uint64_t d = 0; d < plan.samples; ++d) out[d] = plan.GlobalSample(d);
    return out;
  }
  uint64_t p = 0;
  for (const Piece& piece : plan.pieces) {
    for (uint64_t i = piece.begin; i < piece.end; ++i, ++p) {
      out[plan.deliver_at[p]] = prefix[piece.shard] + i;
    }
  }
  return out;
}

// The grouped order (render: sources): every sample once per epoch across
// ranks; a rank's windows hold `window` groups each; a new order each epoch.
TEST(EpochPlanTest, GroupedOrderMixesWholeGroupsInWindows) {
  const uint64_t groups = 23, size = 6, window = 4;
  for (int world : {1, 2, 3}) {
    std::multiset<uint64_t> seen;
    for (int rank = 0; rank < world; ++rank) {
      PlanOptions o;
      o.rank = rank, o.world = world, o.seed = 4, o.epoch = 1, o.uneven = UnevenPolicy::kDrop;
      const EpochPlan plan = MakeGroupedEpochPlan(groups, size, window, o);
      EXPECT_EQ(plan.samples, groups * size / world);
      std::vector<uint64_t> got;
      for (uint64_t d = 0; d < plan.samples; ++d) got.push_back(plan.GlobalSample(d));
      seen.insert(got.begin(), got.end());
      if (world == 1) {
        // Window k: positions [k * 24, (k + 1) * 24) are 4 whole groups.
        for (uint64_t k = 0; k * window * size < got.size(); ++k) {
          std::set<uint64_t> in;
          const uint64_t end = std::min<uint64_t>(got.size(), (k + 1) * window * size);
          for (uint64_t d = k * window * size; d < end; ++d) in.insert(got[d] / size);
          EXPECT_EQ(in.size() * size, end - k * window * size) << "window " << k;
        }
        // Mixed within the window: not in group order.
        int same = 0;
        for (size_t d = 1; d < got.size(); ++d) same += got[d] / size == got[d - 1] / size;
        EXPECT_LT(same, 60) << "samples not mixed within windows";  // group order: 115
        PlanOptions next = o;
        next.epoch = 2;
        EXPECT_NE(MakeGroupedEpochPlan(groups, size, window, next).GlobalSample(0) * 1000 +
                      MakeGroupedEpochPlan(groups, size, window, next).GlobalSample(1),
                  got[0] * 1000 + got[1]);
      }
    }
    if (world == 1) EXPECT_EQ(seen.size(), groups * size);
    EXPECT_EQ(std::set<uint64_t>(seen.begin(), seen.end()).size(), seen.size()) << world;
  }
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

// `n` categories of 12 samples each (3D-OFDB's views), numbered
// category-major; the ids are not their positions (a subset of a dataset).
std::vector<Category> Views(uint32_t n) {
  std::vector<Category> categories(n);
  for (uint32_t c = 0; c < n; ++c) {
    categories[c].id = 100 + 2 * c;
    for (uint64_t v = 0; v < 12; ++v) categories[c].samples.push_back(c * 12 + v);
  }
  return categories;
}

TEST(EpochPlanTest, OneViewPerCategoryIsAKeyedChoiceOfSeedEpochCategory) {
  const std::vector<Category> categories = Views(50);
  int same_epoch = 0, same_seed = 0;
  for (uint32_t c = 0; c < 50; ++c) {
    const uint64_t chosen = ChosenSample(categories[c], 7, 0);
    EXPECT_EQ(chosen / 12, c);  // one of the category's own samples
    EXPECT_EQ(ChosenSample(categories[c], 7, 0), chosen);  // a pure function
    same_epoch += ChosenSample(categories[c], 7, 1) == chosen;
    same_seed += ChosenSample(categories[c], 8, 0) == chosen;
  }
  // Another epoch or seed: another view for most categories (1 in 12 by chance).
  EXPECT_LT(same_epoch, 15);
  EXPECT_LT(same_seed, 15);
  // The category's id keys the choice (not its position among the others).
  Category renamed = categories[30];
  renamed.id = 7777;
  int moved = 0;
  for (uint64_t e = 0; e < 20; ++e) moved += ChosenSample(renamed, 7, e) != ChosenSample(categories[30], 7, e);
  EXPECT_GT(moved, 10);
  // The views are used evenly over many epochs.
  std::vector<int> seen(12, 0);
  for (uint64_t e = 0; e < 240; ++e) seen[ChosenSample(categories[0], 1, e) % 12]++;
  for (int n : seen) EXPECT_GT(n, 5);
}

// Two ranks together: every category once per epoch (an even count, or an odd
// one padded or wrapped), in a new order each epoch; drop leaves one out.
TEST(EpochPlanTest, OneViewPerCategoryAcrossRanks) {
  for (uint32_t n : {50u, 49u}) {
    const std::vector<Category> categories = Views(n);
    for (UnevenPolicy uneven : {UnevenPolicy::kDrop, UnevenPolicy::kPad, UnevenPolicy::kWrap}) {
      PlanOptions o;
      o.shuffle = ShuffleMode::kGlobal;
      o.seed = 3;
      o.epoch = 2;
      o.world = 2;
      o.uneven = uneven;
      std::vector<uint64_t> all;
      for (int r = 0; r < 2; ++r) {
        o.rank = r;
        const EpochPlan plan = MakeEpochPlanOnePerCategory(categories, o);
        EXPECT_EQ(plan.samples, SamplesPerRank(n, 2, uneven));
        all.insert(all.end(), plan.global_order.begin(), plan.global_order.end());
      }
      std::set<uint64_t> expected;
      for (const Category& c : categories) expected.insert(ChosenSample(c, 3, 2));
      const std::set<uint64_t> distinct(all.begin(), all.end());
      if (n % 2 == 1 && uneven == UnevenPolicy::kDrop) {
        EXPECT_EQ(distinct.size(), n - 1u);
        EXPECT_TRUE(std::includes(expected.begin(), expected.end(), distinct.begin(), distinct.end()));
      } else {
        EXPECT_EQ(distinct, expected) << n << " categories, uneven " << UnevenPolicyName(uneven);
        EXPECT_EQ(all.size(), n + n % 2);  // pad and wrap repeat one sample
      }
      o.rank = 0;
      const EpochPlan e2 = MakeEpochPlanOnePerCategory(categories, o);
      o.epoch = 3;
      EXPECT_NE(MakeEpochPlanOnePerCategory(categories, o).global_order, e2.global_order);
    }
  }
}

}  // namespace
}  // namespace synthub::loader

namespace synthub::loader {
namespace {

// A global shuffle holds nothing per sample: a 300-billion-sample epoch is
// planned at once, and its samples are drawn on demand.
TEST(EpochPlanTest, GlobalPlanHoldsNothingPerSample) {
  const std::vector<uint64_t> counts(300000, 1000000);  // 3e11 samples
  PlanOptions o;
  o.shuffle = ShuffleMode::kGlobal;
  o.world = 4;
  o.rank = 3;
  o.seed = 9;
  const EpochPlan plan = MakeEpochPlan(counts, o);
  EXPECT_EQ(plan.samples, 75000000000ull);
  EXPECT_TRUE(plan.global_order.empty());
  std::set<uint64_t> seen;
  for (uint64_t d : {uint64_t{0}, uint64_t{1}, plan.samples / 2, plan.samples - 1}) {
    const uint64_t g = plan.GlobalSample(d);
    EXPECT_LT(g, 300000ull * 1000000ull);
    seen.insert(g);
  }
  EXPECT_EQ(seen.size(), 4u);
}

}  // namespace
}  // namespace synthub::loader
