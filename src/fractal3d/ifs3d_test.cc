#include "fractal3d/ifs3d.h"

#include <cmath>

#include <gtest/gtest.h>

#include "synthub/error.h"

namespace synthub::fractal3d {
namespace {

Ifs3 OneMap(double scale, double p = 1.0) {
  Map3 m{};
  m.m[0] = m.m[4] = m.m[8] = scale;
  m.t[0] = 1.0, m.t[1] = 2.0, m.t[2] = 3.0;
  m.p = p;
  return {{m}};
}

TEST(Ifs3dTest, WeightTables) {
  double w[12];
  WeightRow3(145, 0, w);
  EXPECT_EQ(w[0], 0.4);
  for (int k = 1; k < 12; ++k) EXPECT_EQ(w[k], 1.0);
  WeightRow3(145, 6, w);  // the identity sits in the middle of a's rows
  for (int k = 0; k < 12; ++k) EXPECT_EQ(w[k], 1.0);
  WeightRow3(145, 13, w);  // b's rows start at 0.4 and skip 1.0
  EXPECT_EQ(w[1], 0.4);
  WeightRow3(145, 19, w);
  EXPECT_EQ(w[1], 1.1);
  WeightRow3(145, 144, w);
  EXPECT_EQ(w[11], 1.6);
  WeightRow3(25, 0, w);
  EXPECT_EQ(w[0], 0.9);
  WeightRow3(25, 24, w);
  EXPECT_EQ(w[11], 1.1);
  WeightRow3(1, 0, w);
  for (int k = 0; k < 12; ++k) EXPECT_EQ(w[k], 1.0);
  EXPECT_EQ(IdentityRow(145), 6);
  EXPECT_EQ(IdentityRow(25), 1);
  EXPECT_EQ(IdentityRow(1), 0);
  EXPECT_TRUE(ValidTableRows(49));
  EXPECT_FALSE(ValidTableRows(144));
  EXPECT_THROW(WeightRow3(144, 0, w), UsageError);
  EXPECT_THROW(WeightRow3(25, 25, w), Error);
}

TEST(Ifs3dTest, ChaosGameAndNormalisationByHand) {
  // One map x' = x / 2 + (1, 2, 3): from the origin (1, 2, 3), (1.5, 3, 4.5), ...
  const std::vector<double> u = {0.1, 0.9, 0.5, 0.3};
  const std::vector<double> xyz = PublishedCloud(OneMap(0.5), nullptr, u.data(), 4);
  ASSERT_EQ(xyz.size(), 9u);  // points - 1 points
  // Raw: (1,2,3), (1.5,3,4.5), (1.75,3.5,5.25); global min 1, max 5.25.
  const double raw[9] = {1, 2, 3, 1.5, 3, 4.5, 1.75, 3.5, 5.25};
  double scaled[9], sum[3] = {0, 0, 0};
  for (int i = 0; i < 9; ++i) {
    scaled[i] = ((raw[i] - 1.0) / 4.25) * 2.0 - 1.0;
    sum[i % 3] += scaled[i];
  }
  for (int i = 0; i < 9; ++i) EXPECT_DOUBLE_EQ(xyz[i], scaled[i] - sum[i % 3] / 4) << i;
}

TEST(Ifs3dTest, WeightsScaleParametersNotProbabilities) {
  const std::vector<double> u = {0.2, 0.2, 0.2};
  double w[12];
  for (double& x : w) x = 1.0;
  w[9] = 0.5;  // j: the x translation
  const Ifs3 ifs = OneMap(0.0);
  const auto a = PublishedCloud(ifs, w, u.data(), 3);
  const auto b = PublishedCloud(ifs, nullptr, u.data(), 3);
  EXPECT_NE(a, b);
}

TEST(Ifs3dTest, UniformAboveEverySumKeepsThePoint) {
  // p sums to 0.5: a uniform of 0.7 selects no map and repeats the point.
  const std::vector<double> u = {0.1, 0.7, 0.1};
  const std::vector<double> xyz = PublishedCloud(OneMap(0.5, 0.5), nullptr, u.data(), 4);
  EXPECT_EQ(xyz[3], xyz[0]);
  EXPECT_EQ(xyz[4], xyz[1]);
  EXPECT_NE(xyz[6], xyz[3]);
}

TEST(Ifs3dTest, StatsFlagNonFinite) {
  std::vector<double> xyz = {0, 1, 2, 2, 1, 0};
  CloudStats s = Stats(xyz);
  EXPECT_TRUE(s.finite);
  EXPECT_DOUBLE_EQ(s.var[0], 1.0);
  EXPECT_DOUBLE_EQ(s.var[1], 0.0);
  xyz[4] = NAN;
  EXPECT_FALSE(Stats(xyz).finite);
}

TEST(Ifs3dTest, CsvRoundTripIsExactAndErrorsNameTheLine) {
  Search3Options o;
  o.seed = 3;
  std::vector<Ifs3> found(2);
  Search3(o, 2, 1, [&](int c, const Ifs3& ifs, uint64_t) { found[c] = ifs; }, nullptr);
  const std::string csv = Ifs3ToCsv(found[1]);
  const Ifs3 back = Ifs3FromCsv(csv, "x.csv");
  ASSERT_EQ(back.maps.size(), found[1].maps.size());
  EXPECT_EQ(Ifs3ToCsv(back), csv);
  for (size_t i = 0; i < back.maps.size(); ++i) EXPECT_EQ(back.maps[i].p, found[1].maps[i].p);
  for (const char* bad : {"1,2,3\n", "nan,0,0,0,0,0,0,0,0,0,0,0,1\n", "0,0,0,0,0,0,0,0,0,0,0,0,-1\n",
                          ""}) {
    try {
      Ifs3FromCsv(std::string("0,0,0,0,0,0,0,0,0,0,0,0,1\n") + bad, "params/00007.csv");
      if (*bad) FAIL() << bad;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("params/00007.csv:2:"), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(Ifs3FromCsv("", "empty.csv"), Error);
}

TEST(Ifs3dTest, KeyedSearchIsTheSameOnAnyThreadCount) {
  Search3Options o;
  o.seed = 11;
  std::vector<std::string> one(6), two(6);
  Search3(o, 6, 1, [&](int c, const Ifs3& ifs, uint64_t) { one[c] = Ifs3ToCsv(ifs); }, nullptr);
  Search3(o, 6, 2, [&](int c, const Ifs3& ifs, uint64_t) { two[c] = Ifs3ToCsv(ifs); }, nullptr);
  EXPECT_EQ(one, two);
  o.mode = fractal::SearchMode::kNumpy;
  std::vector<std::string> numpy(6);
  Search3(o, 6, 2, [&](int c, const Ifs3& ifs, uint64_t) { numpy[c] = Ifs3ToCsv(ifs); }, nullptr);
  EXPECT_NE(numpy, one);
  for (const std::string& s : one) {
    const CloudStats st = Stats([&] {
      const Ifs3 ifs = Ifs3FromCsv(s, "x");
      const std::vector<float> f = InstanceCloud(ifs, 1, 0, 10000, 0, 0);
      return std::vector<double>(f.begin(), f.end());
    }());
    EXPECT_TRUE(st.finite);
  }
}

TEST(Ifs3dTest, AnImpossibleVarianceStopsWithAClearError) {
  Search3Options o;
  o.variance = 0.9;
  o.max_trials_per_category = 300;
  uint64_t reported = 0;
  try {
    Search3(o, 1, 1, [](int, const Ifs3&, uint64_t) {}, [&](int, uint64_t t) { reported = t; });
    FAIL();
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("--variance"), std::string::npos) << msg;
    EXPECT_NE(msg.find("--max-trials"), std::string::npos) << msg;
    EXPECT_NE(msg.find("300 trials"), std::string::npos) << msg;
  }
  EXPECT_EQ(reported, 0u);  // progress comes every 1,000 trials
  o.variance = 1.0;
  EXPECT_THROW(ValidateSearch3Options(o), UsageError);
  o.variance = 0.05;
  o.points = 2;
  EXPECT_THROW(ValidateSearch3Options(o), UsageError);
}

}  // namespace
}  // namespace synthub::fractal3d
