#include "fractal/ifs.h"

#include <cmath>
#include <gtest/gtest.h>
#include <limits>

#include "synthub/error.h"

namespace synthub::fractal {
namespace {

TEST(IfsCsvTest, RoundTripsExactly) {
  Ifs ifs;
  ifs.maps.push_back({0.1, -0.2, 0.3, -0.4, 0.5, -0.6, 0.25});
  ifs.maps.push_back({1.0 / 3, 2.0 / 3, -1e-300, 0.0, 0.999, -0.999, 0.75});
  const std::string csv = FormatIfsCsv(ifs);
  EXPECT_EQ(csv.substr(0, 25), "1.000000000000000056e-01,");
  const Ifs back = ParseIfsCsv(csv, "x.csv");
  ASSERT_EQ(back.maps.size(), 2u);
  EXPECT_EQ(back.maps[1].a, 1.0 / 3);
  EXPECT_EQ(FormatIfsCsv(back), csv);
}

TEST(IfsCsvTest, RejectsMalformedInputNamingTheLine) {
  EXPECT_THROW(ParseIfsCsv("", "e.csv"), Error);
  try {
    ParseIfsCsv("1,2,3,4,5,6,0.5\n1,2,x,4,5,6,0.5\n", "bad.csv");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.csv:2"), std::string::npos) << e.what();
  }
  EXPECT_THROW(ParseIfsCsv("1,2,3,4,5,6\n", "short.csv"), Error);
  EXPECT_THROW(ParseIfsCsv("1,2,3,4,5,6,0.5,9\n", "long.csv"), Error);
  EXPECT_THROW(ParseIfsCsv("1,2,3,4,5,6,nan\n", "nan.csv"), Error);
  EXPECT_THROW(ParseIfsCsv("1,2,3,4,5,6,-1\n", "neg.csv"), Error);
}

TEST(ChaosGameTest, StartsAtOriginAndFollowsMaps) {
  Ifs ifs;
  ifs.maps.push_back({0.5, 0, 0, 0.5, 0, 0, 0.5});
  ifs.maps.push_back({0.5, 0, 0, 0.5, 0.5, 0.5, 0.5});
  const double r[4] = {0.9, 0.1, 0.5, 0.0};
  std::vector<double> xs, ys;
  ChaosGame(ifs, nullptr, r, 4, &xs, &ys);
  ASSERT_EQ(xs.size(), 4u);
  EXPECT_EQ(xs[0], 0.0);
  EXPECT_EQ(xs[1], 0.5);   // map 1
  EXPECT_EQ(xs[2], 0.25);  // map 0
  EXPECT_EQ(xs[3], 0.125); // r = 0.5 <= cumsum 0.5 selects map 0
}

TEST(RasterizeTest, ShiftsScalesAndTruncates) {
  std::vector<double> xs = {0.0, -1.0, 1.0}, ys = {0.0, 2.0, 1.0};
  Raster r;
  Rasterize(&xs, &ys, 512, 512, 6, &r);
  ASSERT_EQ(r.x.size(), 3u);
  EXPECT_EQ(r.x[1], 6);    // min
  EXPECT_EQ(r.x[2], 506);  // max
  EXPECT_EQ(r.x[0], 256);  // 0.5 * 500 + 6
  EXPECT_EQ(r.y[1], 506);
}

TEST(RasterizeTest, DivergentWalkTrimmedNotCrashed) {
  // A walk that overflows to inf and NaN: the 100 rows before the first NaN
  // and all NaN rows are dropped, the rest is drawn.
  Ifs ifs;
  ifs.maps.push_back({3.0, 0, 0, 3.0, 1.0, 1.0, 1.0});
  std::vector<double> rand(2000, 0.5), xs, ys;
  ChaosGame(ifs, nullptr, rand.data(), rand.size(), &xs, &ys);
  EXPECT_TRUE(std::isnan(xs.back()) || std::isinf(xs.back()));
  Raster r;
  Rasterize(&xs, &ys, 64, 64, 6, &r);
  for (size_t i = 0; i < r.x.size(); ++i) {
    EXPECT_LT(r.x[i], 64);
    EXPECT_LT(r.y[i], 64);
  }
}

TEST(RasterizeTest, NanTrimmingRule) {
  std::vector<double> xs(300), ys(300);
  for (int i = 0; i < 300; ++i) xs[i] = ys[i] = i;
  for (int i = 250; i < 300; ++i) xs[i] = ys[i] = std::numeric_limits<double>::quiet_NaN();
  Raster r;
  Rasterize(&xs, &ys, 512, 512, 6, &r);
  EXPECT_EQ(xs.size(), 150u);  // rows 150..249 and the 50 NaN rows removed
  EXPECT_EQ(r.x.size(), 150u);
}

}  // namespace
}  // namespace synthub::fractal
