#include "fractal/render.h"

#include <gtest/gtest.h>
#include <set>

namespace synthub::fractal {
namespace {

Ifs Sierpinski() {
  Ifs ifs;
  ifs.maps.push_back({0.5, 0, 0, 0.5, 0, 0, 1.0 / 3});
  ifs.maps.push_back({0.5, 0, 0, 0.5, 0.5, 0, 1.0 / 3});
  ifs.maps.push_back({0.5, 0, 0, 0.5, 0.25, 0.5, 1.0 / 3});
  return ifs;
}

TEST(WeightRowTest, PublishedTable) {
  double w[6];
  WeightRow(0.4, 0, w);
  for (double v : w) EXPECT_EQ(v, 1.0);
  WeightRow(0.4, 1, w);
  EXPECT_EQ(w[0], 0.2);  // the decimal, not 1 - 2 * 0.4
  EXPECT_EQ(w[1], 1.0);
  WeightRow(0.4, 4, w);
  EXPECT_EQ(w[0], 1.8);
  WeightRow(0.1, 24, w);
  EXPECT_EQ(w[5], 1.2);
  EXPECT_EQ(w[4], 1.0);
}

TEST(PatchMaskTest, NeverZeroAndCounterBased) {
  std::set<uint32_t> seen;
  for (uint32_t i = 0; i < 20000; ++i) {
    const uint32_t m = PatchMask(7, 3, 2, 1, i);
    ASSERT_GE(m, 1u);
    ASSERT_LE(m, 511u);
    seen.insert(m);
  }
  EXPECT_EQ(seen.size(), 511u);
  EXPECT_EQ(PatchMask(7, 3, 2, 1, 99), PatchMask(7, 3, 2, 1, 99));
  EXPECT_NE(PatchMask(7, 3, 2, 1, 99) * 1000 + PatchMask(7, 3, 2, 1, 100),
            PatchMask(8, 3, 2, 1, 99) * 1000 + PatchMask(8, 3, 2, 1, 100));
}

TEST(RenderTest, PatchImageIsPureFunctionOfKey) {
  RenderOptions o;
  o.size = 96;
  o.points = 5000;
  const Raster cloud = ComputeCloud(Sierpinski(), 3, o);
  const auto a = DrawCloud(cloud, o, 1, 0, 3, 0);
  const auto b = DrawCloud(ComputeCloud(Sierpinski(), 3, o), o, 1, 0, 3, 0);
  const auto c = DrawCloud(cloud, o, 1, 0, 3, 1);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);  // another mask draw
  std::set<uint8_t> values(a.begin(), a.end());
  EXPECT_EQ(values, (std::set<uint8_t>{0, 127}));
}

TEST(RenderTest, PointModeAndFlips) {
  RenderOptions o;
  o.size = 64;
  o.points = 3000;
  o.mode = DrawMode::kPointGray;
  const Raster cloud = ComputeCloud(Sierpinski(), 0, o);
  const auto base = DrawCloud(cloud, o, 0, 0, 0, 0);
  // flip 0 is the canvas flipped top-bottom: the walk's first point (0, 0)
  // maps to pixel (6, 6) and lands in row 64 - 1 - 6.
  EXPECT_EQ(base[(64 - 1 - 6) * 64 + 6], 127);
  std::vector<uint8_t> lr, both, ud;
  FlipImage(base.data(), 64, 64, 1, 2, &lr);
  FlipImage(base.data(), 64, 64, 1, 3, &both);
  FlipImage(base.data(), 64, 64, 1, 1, &ud);
  for (int y = 0; y < 64; ++y) {
    for (int x = 0; x < 64; ++x) {
      ASSERT_EQ(lr[y * 64 + x], base[y * 64 + 63 - x]);
      ASSERT_EQ(ud[y * 64 + x], base[(63 - y) * 64 + x]);
      ASSERT_EQ(both[y * 64 + x], base[(63 - y) * 64 + 63 - x]);
    }
  }
}

TEST(RenderTest, ColourModeUsesHsvPalette) {
  RenderOptions o;
  o.size = 64;
  o.points = 2000;
  o.mode = DrawMode::kPatchColor;
  const auto img = DrawCloud(ComputeCloud(Sierpinski(), 0, o), o, 0, 0, 0, 0);
  ASSERT_EQ(img.size(), 64u * 64 * 3);
  bool coloured = false;
  for (size_t i = 0; i < img.size(); i += 3) coloured |= img[i] != img[i + 1];
  EXPECT_TRUE(coloured);
}

}  // namespace
}  // namespace synthub::fractal
