#include "fractal3d/project.h"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "synthub/error.h"

namespace synthub::fractal3d {
namespace {

constexpr double kPi = 3.141592653589793;

// The lit pixels of a single point seen through the published camera,
// as (column, row) with row in glReadPixels order (0 = bottom).
std::vector<std::pair<int, int>> Lit(const std::vector<float>& points,
                                     const std::vector<float>& rotations, int point_size = 1,
                                     PointRule rule = PointRule::kCompatibility) {
  RasterOptions o;
  o.point_size = point_size;
  o.rule = rule;
  codec::Image img;
  ProjectPoints(points.data(), points.size() / 3, PublishedView(Camera{}, rotations, o.size, o.size),
                o, &img);
  std::vector<std::pair<int, int>> lit;
  for (int y = 0; y < img.height; ++y) {
    for (int x = 0; x < img.width; ++x) {
      if (img.pixels[y * img.width + x]) lit.push_back({x, y});
    }
  }
  return lit;
}

TEST(ProjectTest, PerspectiveMatchesGlm) {
  const Mat4 p = Perspective(Radians(45.0f), 1.0f, 1.0f, 100.0f);
  EXPECT_NEAR(p.m[0], 1.0 / std::tan(kPi / 8), 1e-6);
  EXPECT_NEAR(p.m[5], 1.0 / std::tan(kPi / 8), 1e-6);
  EXPECT_NEAR(p.m[10], -101.0 / 99.0, 1e-6);
  EXPECT_EQ(p.m[11], -1.0f);
  EXPECT_NEAR(p.m[14], -200.0 / 99.0, 1e-6);
  EXPECT_EQ(p.m[15], 0.0f);
}

TEST(ProjectTest, OriginLandsOnTheCentreCorner) {
  // The origin projects to window (112, 112): the corner shared by pixels
  // 111 and 112 on each axis. Without sprites (a compatibility context, the
  // published renderer's) a size-1 point is the pixel floor(x_w) = 112; as a
  // sprite (core) it covers the pixel whose centre lies in [x - 0.5, x + 0.5),
  // 111, whose centre is on the square's lower edge.
  for (float angle : {0.0f, 0.7f, 2.0f, 4.5f}) {
    const auto compat = Lit({0, 0, 0}, {angle});
    ASSERT_EQ(compat.size(), 1u) << angle;
    EXPECT_EQ(compat[0], std::make_pair(112, 112)) << angle;
    const auto core = Lit({0, 0, 0}, {angle}, 1, PointRule::kCore);
    ASSERT_EQ(core.size(), 1u) << angle;
    EXPECT_EQ(core[0], std::make_pair(111, 111)) << angle;
  }
  // Even sizes round the centre: 2 x 2 around the corner in both rules.
  EXPECT_EQ(Lit({0, 0, 0}, {0.0f}, 2).front(), std::make_pair(111, 111));
  EXPECT_EQ(Lit({0, 0, 0}, {0.0f}, 2, PointRule::kCore).front(), std::make_pair(111, 111));
  // Size 3: centred on pixel 112 (compat), on the corner's lower pixel (core).
  const auto nine = Lit({0, 0, 0}, {0.0f}, 3);
  ASSERT_EQ(nine.size(), 9u);
  EXPECT_EQ(nine.front(), std::make_pair(111, 111));
  EXPECT_EQ(nine.back(), std::make_pair(113, 113));
  EXPECT_EQ(Lit({0, 0, 0}, {0.0f}, 3, PointRule::kCore).front(), std::make_pair(110, 110));
  EXPECT_EQ(ParsePointRule(PointRuleName(PointRule::kCore)), PointRule::kCore);
  EXPECT_THROW(ParsePointRule("sprite"), UsageError);
}

TEST(ProjectTest, QuarterTurnPutsTheCameraOnZ) {
  // Rotating the camera 90 degrees about y puts it at (0, 0, 4) looking down
  // -z, the textbook GL camera: a point (x, y, z) lands at
  // ndc = (x, y) / ((4 - z) tan 22.5 deg), window = 112 ndc + 112.
  const float quarter = static_cast<float>(kPi / 2);
  const double t = std::tan(kPi / 8);
  for (const auto& p : std::vector<std::vector<float>>{{0.5f, 0.25f, 0.0f}, {0.5f, 0.25f, -1.0f},
                                                       {-0.8f, 0.6f, 1.5f}}) {
    const double depth = 4.0 - p[2];
    const int x = static_cast<int>(std::floor(112.0 * p[0] / (depth * t) + 112.0));
    const int y = static_cast<int>(std::floor(112.0 * p[1] / (depth * t) + 112.0));
    const auto lit = Lit(p, {quarter});
    ASSERT_EQ(lit.size(), 1u);
    EXPECT_EQ(lit[0], std::make_pair(x, y)) << p[0] << "," << p[1] << "," << p[2];
  }
  // Up is +y: a point above the origin lands in a higher window row.
  EXPECT_GT(Lit({0, 0.5f, 0}, {quarter})[0].second, 111);
}

TEST(ProjectTest, NearPlaneKeptFarPlaneFailsTheDepthTest) {
  // Camera at (-4, 0, 0) looking along +x (no rotation): the near plane is
  // x = -3, the far plane x = 96.
  EXPECT_EQ(Lit({-2.99f, 0, 0}, {0.0f}).size(), 1u);
  EXPECT_TRUE(Lit({-3.01f, 0, 0}, {0.0f}).empty());
  EXPECT_EQ(Lit({95.0f, 0, 0}, {0.0f}).size(), 1u);
  EXPECT_TRUE(Lit({96.1f, 0, 0}, {0.0f}).empty());
  // GL's clip volume is closed: with identity matrices clip = (x, y, z, 1),
  // and a point exactly on the near plane (z = -w) or the left or bottom
  // plane (x or y = -w) is drawn; one float step beyond is not.
  ViewTransform identity{Identity4(), Identity4()};
  RasterOptions o;
  codec::Image img;
  auto drawn = [&](float x, float y, float z) {
    const float p[3] = {x, y, z};
    ProjectPoints(p, 1, identity, o, &img);
    for (size_t i = 0; i < img.pixels.size(); ++i) {
      if (img.pixels[i]) return static_cast<int>(i);
    }
    return -1;
  };
  const float beyond = std::nextafter(-1.0f, -2.0f);
  EXPECT_EQ(drawn(0, 0, -1.0f), 112 * 224 + 112);
  EXPECT_EQ(drawn(0, 0, beyond), -1);
  EXPECT_EQ(drawn(-1.0f, 0, 0), 112 * 224);  // column 0
  EXPECT_EQ(drawn(beyond, 0, 0), -1);
  EXPECT_EQ(drawn(0, -1.0f, 0), 112);  // row 0: the window's bottom
  EXPECT_EQ(drawn(0, beyond, 0), -1);
  const ViewTransform t = PublishedView(Camera{}, {0.0f}, 224, 224);
  // The far plane is inside the clip volume, but its depth (1.0, 65535 in
  // the 16-bit buffer) fails GL_LESS against the cleared 1.0: not drawn,
  // nor is anything whose depth rounds there (the last 0.08 before it).
  for (float far : {96.0f, 95.95f}) {
    const float v[3] = {far, 0, 0};
    float c[4];
    ClipCoordinates(t, v, c);
    EXPECT_LE(c[2], c[3]);
    EXPECT_TRUE(Lit({far, 0, 0}, {0.0f}).empty()) << far;
  }
}

TEST(ProjectTest, ColoursAndBackground) {
  RasterOptions o;
  o.size = 16;
  o.channels = 3;
  o.color[0] = 10, o.color[1] = 20, o.color[2] = 30;
  o.background[0] = 1, o.background[1] = 2, o.background[2] = 3;
  codec::Image img;
  const float origin[3] = {0, 0, 0};
  ProjectPoints(origin, 1, PublishedView(Camera{}, {0.0f}, 16, 16), o, &img);
  ASSERT_EQ(img.pixels.size(), 16u * 16 * 3);
  const size_t at = (8 * 16 + 8) * 3;
  EXPECT_EQ(img.pixels[at], 10);
  EXPECT_EQ(img.pixels[at + 2], 30);
  EXPECT_EQ(img.pixels[0], 1);
  EXPECT_EQ(img.pixels[2], 3);
}

TEST(ProjectTest, SubpixelSnapMovesPointsNearAnEdge) {
  // Window x just below a pixel edge (113 - 1/1024): pixel 112 without
  // snapping; with 8 sub-pixel bits it snaps onto 113.0, pixel 113.
  const float quarter = static_cast<float>(kPi / 2);
  const double t = std::tan(kPi / 8);
  // window x = 113 - 1/1024 at depth 4: x = (113 - 1/1024 - 112) / 112 * 4 t
  const float px = static_cast<float>((1.0 - 1.0 / 1024) / 112.0 * 4.0 * t);
  RasterOptions o;
  codec::Image img;
  const float p[3] = {px, 0.3f, 0.0f};
  const ViewTransform view = PublishedView(Camera{}, {quarter}, 224, 224);
  auto column = [&](int bits) {
    o.subpixel_bits = bits;
    ProjectPoints(p, 1, view, o, &img);
    for (size_t i = 0; i < img.pixels.size(); ++i) {
      if (img.pixels[i]) return static_cast<int>(i % 224);
    }
    return -1;
  };
  EXPECT_EQ(column(0), 112);
  EXPECT_EQ(column(8), 113);
}

}  // namespace
}  // namespace synthub::fractal3d
