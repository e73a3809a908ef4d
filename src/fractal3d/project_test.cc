#include "fractal3d/project.h"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

namespace synthub::fractal3d {
namespace {

constexpr double kPi = 3.141592653589793;

// The lit pixels of a single point seen through the published camera,
// as (column, row) with row in glReadPixels order (0 = bottom).
std::vector<std::pair<int, int>> Lit(const std::vector<float>& points,
                                     const std::vector<float>& rotations, int point_size = 1) {
  RasterOptions o;
  o.point_size = point_size;
  codec::Image img;
  ProjectPoints(points.data(), points.size() / 3,
                PublishedViewProjection(Camera{}, rotations, o.size, o.size), o, &img);
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
  // 111 and 112 on each axis. The pixel whose centre lies in
  // [x - 0.5, x + 0.5) is 111 (its centre 111.5 is on the square's lower edge).
  for (float angle : {0.0f, 0.7f, 2.0f, 4.5f}) {
    const auto lit = Lit({0, 0, 0}, {angle});
    ASSERT_EQ(lit.size(), 1u) << angle;
    EXPECT_EQ(lit[0], std::make_pair(111, 111)) << angle;
  }
  // A size-2 point covers the four pixels around the corner, size 3 nine.
  EXPECT_EQ(Lit({0, 0, 0}, {0.0f}, 2).size(), 4u);
  const auto nine = Lit({0, 0, 0}, {0.0f}, 3);
  ASSERT_EQ(nine.size(), 9u);
  EXPECT_EQ(nine.front(), std::make_pair(110, 110));
  EXPECT_EQ(nine.back(), std::make_pair(112, 112));
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

TEST(ProjectTest, NearAndFarPlanesAreKeptBeyondThemClipped) {
  // Camera at (-4, 0, 0) looking along +x (no rotation): the near plane is
  // x = -3, the far plane x = 96.
  EXPECT_TRUE(Lit({-2.99f, 0, 0}, {0.0f}).size() == 1);
  EXPECT_TRUE(Lit({-3.01f, 0, 0}, {0.0f}).empty());
  EXPECT_TRUE(Lit({95.9f, 0, 0}, {0.0f}).size() == 1);
  EXPECT_TRUE(Lit({96.1f, 0, 0}, {0.0f}).empty());
  // On the planes: a point whose clip z equals -w (or w) exactly is inside
  // GL's closed clip volume. Walk the floats around each plane.
  const Mat4 mvp = PublishedViewProjection(Camera{}, {0.0f}, 224, 224);
  int exact = 0;
  for (float plane : {-3.0f, 96.0f}) {
    float x = plane;
    for (int k = 0; k < 64; ++k) x = std::nextafter(x, -1e9f);
    for (int k = 0; k < 128; ++k, x = std::nextafter(x, 1e9f)) {
      const float v[4] = {x, 0, 0, 1};
      float c[4];
      TransformPoint(mvp, v, c);
      const bool inside = c[2] >= -c[3] && c[2] <= c[3];
      if (c[2] == -c[3] || c[2] == c[3]) ++exact;
      EXPECT_EQ(Lit({x, 0, 0}, {0.0f}).size(), inside ? 1u : 0u) << x;
    }
  }
  EXPECT_GT(exact, 0);  // the boundary itself was tested
}

TEST(ProjectTest, ColoursAndBackground) {
  RasterOptions o;
  o.size = 16;
  o.channels = 3;
  o.color[0] = 10, o.color[1] = 20, o.color[2] = 30;
  o.background[0] = 1, o.background[1] = 2, o.background[2] = 3;
  codec::Image img;
  const float origin[3] = {0, 0, 0};
  ProjectPoints(origin, 1, PublishedViewProjection(Camera{}, {0.0f}, 16, 16), o, &img);
  ASSERT_EQ(img.pixels.size(), 16u * 16 * 3);
  const size_t at = (7 * 16 + 7) * 3;
  EXPECT_EQ(img.pixels[at], 10);
  EXPECT_EQ(img.pixels[at + 2], 30);
  EXPECT_EQ(img.pixels[0], 1);
  EXPECT_EQ(img.pixels[2], 3);
}

TEST(ProjectTest, SubpixelSnapMovesPointsNearAnEdge) {
  // Window x just above a pixel edge (113 + 1/1024): pixel 113 without
  // snapping; with 8 sub-pixel bits it snaps onto 113.0, whose square
  // [112.5, 113.5) holds the centre of pixel 112.
  const float quarter = static_cast<float>(kPi / 2);
  const double t = std::tan(kPi / 8);
  // window x = 113 + 1/1024 at depth 4: x = (113 + 1/1024 - 112) / 112 * 4 t
  const float px = static_cast<float>((1.0 + 1.0 / 1024) / 112.0 * 4.0 * t);
  RasterOptions o;
  codec::Image img;
  const float p[3] = {px, 0.3f, 0.0f};
  const Mat4 mvp = PublishedViewProjection(Camera{}, {quarter}, 224, 224);
  auto column = [&](int bits) {
    o.subpixel_bits = bits;
    ProjectPoints(p, 1, mvp, o, &img);
    for (size_t i = 0; i < img.pixels.size(); ++i) {
      if (img.pixels[i]) return static_cast<int>(i % 224);
    }
    return -1;
  };
  EXPECT_EQ(column(0), 113);
  EXPECT_EQ(column(8), 112);
}

}  // namespace
}  // namespace synthub::fractal3d
