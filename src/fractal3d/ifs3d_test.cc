#include "fractal3d/ifs3d.h"

#include <algorithm>
#include <cmath>

#include <gtest/gtest.h>

#include "synthub/error.h"

namespace synthub::fractal3d {
namespace {

Map3 ScaleMap(double scale, double tx, double ty, double tz, double p) {
  Map3 m{};
  m.m[0] = m.m[4] = m.m[8] = scale;
  m.t[0] = tx, m.t[1] = ty, m.t[2] = tz;
  m.p = p;
  return m;
}

Ifs3 OneMap(double scale, double p = 1.0) { return {{ScaleMap(scale, 1.0, 2.0, 3.0, p)}}; }

// The published normalisation written out for raw interleaved points:
// ((v - min) / (max - min)) * (1 - (-1)) - 1, minus each axis's sum / points.
std::vector<double> NormaliseByHand(const std::vector<double>& raw, int points) {
  const double lo = *std::min_element(raw.begin(), raw.end());
  const double hi = *std::max_element(raw.begin(), raw.end());
  std::vector<double> out(raw.size());
  double sum[3] = {0, 0, 0};
  for (size_t i = 0; i < raw.size(); ++i) {
    out[i] = ((raw[i] - lo) / (hi - lo)) * 2.0 - 1.0;
    sum[i % 3] += out[i];
  }
  for (size_t i = 0; i < raw.size(); ++i) out[i] -= sum[i % 3] / points;
  return out;
}

Ifs3 SearchedCategory(uint64_t seed, int category) {
  Search3Options o;
  o.seed = seed;
  std::vector<Ifs3> found(category + 1);
  Search3(o, category + 1, 1, [&](int c, const Ifs3& ifs, uint64_t) { found[c] = ifs; },
          nullptr);
  return found[category];
}

TEST(Ifs3dTest, WeightTablesFollowThePublishedFileOrder) {
  double w[12];
  WeightRow3(145, 0, w);  // 3D-OFDB's row: a x 0.4
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
  WeightRow3(1, 0, w);
  for (int k = 0; k < 12; ++k) EXPECT_EQ(w[k], 1.0);
  EXPECT_EQ(IdentityRow(145), 6);
  EXPECT_EQ(IdentityRow(25), 1);
  EXPECT_EQ(IdentityRow(1), 0);

  // Every table N = 1 + 24k: a takes (10-k .. 10+k) / 10, then b..l the
  // same tenths without 10, one parameter changed per row.
  for (int k = 1; k <= 6; ++k) {
    const int rows = 1 + 24 * k;
    ASSERT_TRUE(ValidTableRows(rows));
    int row = 0;
    for (int param = 0; param < 12; ++param) {
      for (int tenths = 10 - k; tenths <= 10 + k; ++tenths) {
        if (param > 0 && tenths == 10) continue;
        WeightRow3(rows, row, w);
        for (int q = 0; q < 12; ++q) {
          EXPECT_EQ(w[q], q == param ? tenths / 10.0 : 1.0) << rows << " row " << row;
        }
        ++row;
      }
    }
    EXPECT_EQ(row, rows);
  }
  WeightRow3(25, 0, w);  // the 25-row table: 0.9, 1.1 around the identity
  EXPECT_EQ(w[0], 0.9);
  WeightRow3(25, 2, w);
  EXPECT_EQ(w[0], 1.1);
  WeightRow3(25, 24, w);
  EXPECT_EQ(w[11], 1.1);
  EXPECT_FALSE(ValidTableRows(144));
  EXPECT_FALSE(ValidTableRows(169));
  EXPECT_THROW(WeightRow3(144, 0, w), UsageError);
  EXPECT_THROW(WeightRow3(25, 25, w), Error);
  EXPECT_THROW(WeightRow3(25, -1, w), Error);
}

TEST(Ifs3dTest, ChaosGameAndNormalisationByHand) {
  // One map x' = x / 2 + (1, 2, 3): from the origin (1, 2, 3), (1.5, 3, 4.5), ...
  const std::vector<double> u = {0.1, 0.9, 0.5, 0.3};
  const std::vector<double> xyz = PublishedCloud(OneMap(0.5), nullptr, u.data(), 4);
  ASSERT_EQ(xyz.size(), 9u);  // points - 1 points
  // Raw: (1,2,3), (1.5,3,4.5), (1.75,3.5,5.25); global min 1, max 5.25.
  const std::vector<double> raw = {1, 2, 3, 1.5, 3, 4.5, 1.75, 3.5, 5.25};
  EXPECT_EQ(xyz, NormaliseByHand(raw, 4));
}

TEST(Ifs3dTest, TheFirstMapWhoseRunningSumReachesTheUniformIsTaken) {
  // Map 0 (p 0.25): x / 2 + (1, 0, 0); map 1 (p 0.75): x / 4 + (0, 1, -1).
  // u <= 0.25 takes map 0, the boundary included; above it map 1.
  const Ifs3 ifs{{ScaleMap(0.5, 1, 0, 0, 0.25), ScaleMap(0.25, 0, 1, -1, 0.75)}};
  const std::vector<double> u = {0.25, std::nextafter(0.25, 1.0), 0.0, 0.99, 0.7};
  std::vector<double> raw;
  double x = 0, y = 0, z = 0;
  for (int i = 0; i < 4; ++i) {
    if (u[i] <= 0.25) {
      x = x * 0.5 + 1, y = y * 0.5, z = z * 0.5;
    } else {
      x = x * 0.25, y = y * 0.25 + 1, z = z * 0.25 - 1;
    }
    raw.insert(raw.end(), {x, y, z});
  }
  EXPECT_EQ(raw[0], 1.0);   // map 0 at u = 0.25
  EXPECT_EQ(raw[4], 1.0);   // map 1 just above
  EXPECT_EQ(PublishedCloud(ifs, nullptr, u.data(), 5), NormaliseByHand(raw, 5));
}

TEST(Ifs3dTest, NormalisedCloudSpansMinusOneToOneAroundTheQuirkyCentre) {
  const Ifs3 ifs = SearchedCategory(5, 0);
  std::vector<double> u(10000);
  for (size_t i = 0; i < u.size(); ++i) u[i] = static_cast<double>((i * 7919) % 10007) / 10007.0;
  const std::vector<double> xyz = PublishedCloud(ifs, nullptr, u.data(), 10000);
  ASSERT_EQ(xyz.size(), 3u * 9999);
  // The centre is each axis's sum / 10,000 over 9,999 points, so the sum
  // of the centred axis is that centre again: adding it back gives the
  // min-max scaled cloud, whose global min and max are -1 and 1.
  double sum[3] = {0, 0, 0};
  for (size_t i = 0; i < xyz.size(); ++i) sum[i % 3] += xyz[i];
  double lo = 2, hi = -2;
  for (size_t i = 0; i < xyz.size(); ++i) {
    lo = std::min(lo, xyz[i] + sum[i % 3]);
    hi = std::max(hi, xyz[i] + sum[i % 3]);
  }
  EXPECT_NEAR(lo, -1.0, 1e-9);
  EXPECT_NEAR(hi, 1.0, 1e-9);
  for (int k = 0; k < 3; ++k) {
    EXPECT_LE(std::fabs(sum[k] / 9999), 1.0 / 10000 + 1e-12);  // nearly centred
  }
}

TEST(Ifs3dTest, WeightsScaleParametersNotProbabilities) {
  const Ifs3 ifs{{ScaleMap(0.5, 1, 0, 0, 0.25), ScaleMap(0.25, 0, 1, -1, 0.75)}};
  std::vector<double> u(200);
  for (size_t i = 0; i < u.size(); ++i) u[i] = static_cast<double>((i * 37) % 101) / 101.0;
  double w[12];
  std::fill(w, w + 12, 1.0);
  w[0] = 1.6;   // a
  w[10] = 0.4;  // k
  Ifs3 scaled = ifs;
  for (Map3& m : scaled.maps) m.m[0] *= 1.6, m.t[1] *= 0.4;
  EXPECT_EQ(PublishedCloud(ifs, w, u.data(), 200), PublishedCloud(scaled, nullptr, u.data(), 200));
  EXPECT_NE(PublishedCloud(ifs, w, u.data(), 200), PublishedCloud(ifs, nullptr, u.data(), 200));
}

TEST(Ifs3dTest, UniformAboveEverySumKeepsThePoint) {
  // p sums to 0.5: a uniform of 0.7 selects no map and repeats the point.
  const std::vector<double> u = {0.1, 0.7, 0.1};
  const std::vector<double> xyz = PublishedCloud(OneMap(0.5, 0.5), nullptr, u.data(), 4);
  EXPECT_EQ(xyz[3], xyz[0]);
  EXPECT_EQ(xyz[4], xyz[1]);
  EXPECT_NE(xyz[6], xyz[3]);
}

TEST(Ifs3dTest, StatsAreNumpyVarBitForBit) {
  // np.var(a, axis=1) of this (3, 9999) array, from numpy 1.24 (pairwise
  // sums in pieces of 8192); a plain sequential sum differs in the last
  // bits on every axis (0x1.eb7720a0350e7p-6, 0x1.5582903333cc8p-4,
  // 0x1.37ecb736aa829p+13).
  const int n = 9999;
  std::vector<double> xyz(3 * n);
  for (int64_t i = 0; i < n; ++i) {
    xyz[3 * i] = static_cast<double>((i * 7919) % 1000) / 1000.0 * 0.6 - 0.2;
    xyz[3 * i + 1] = static_cast<double>((i * 104729) % 997) / 997.0 - 0.4;
    xyz[3 * i + 2] = static_cast<double>((i * i) % 1009) / 3.0 + 7.0;
  }
  const CloudStats s = Stats(xyz);
  EXPECT_TRUE(s.finite);
  EXPECT_EQ(s.var[0], 0x1.eb7720a035133p-6);
  EXPECT_EQ(s.var[1], 0x1.5582903333cacp-4);
  EXPECT_EQ(s.var[2], 0x1.37ecb736aa854p+13);
}

TEST(Ifs3dTest, StatsFlagNonFinite) {
  std::vector<double> xyz = {0, 1, 2, 2, 1, 0};
  CloudStats s = Stats(xyz);
  EXPECT_TRUE(s.finite);
  EXPECT_EQ(s.var[0], 1.0);
  EXPECT_EQ(s.var[1], 0.0);
  xyz[4] = NAN;
  s = Stats(xyz);
  EXPECT_FALSE(s.finite);
  EXPECT_TRUE(std::isnan(s.var[0]));
  xyz[4] = INFINITY;
  EXPECT_FALSE(Stats(xyz).finite);
  EXPECT_FALSE(Stats({}).finite);
}

TEST(Ifs3dTest, ADivergingSystemGivesANonFiniteCloud) {
  // x' = 3x + 1: overflows after about 650 steps; the search rejects it.
  const std::vector<double> u(2000, 0.5);
  const std::vector<double> xyz = PublishedCloud(OneMap(3.0), nullptr, u.data(), 2000);
  EXPECT_FALSE(Stats(xyz).finite);
}

TEST(Ifs3dTest, CsvRoundTripIsExactAndErrorsNameTheLine) {
  const Ifs3 found = SearchedCategory(3, 1);
  const std::string csv = Ifs3ToCsv(found);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), static_cast<long>(found.maps.size()));
  EXPECT_EQ(std::count(csv.begin(), csv.end(), ','), 12 * static_cast<long>(found.maps.size()));
  const Ifs3 back = Ifs3FromCsv(csv, "x.csv");
  ASSERT_EQ(back.maps.size(), found.maps.size());
  EXPECT_EQ(Ifs3ToCsv(back), csv);
  for (size_t i = 0; i < back.maps.size(); ++i) {
    EXPECT_EQ(back.maps[i].p, found.maps[i].p);
    for (int k = 0; k < 9; ++k) EXPECT_EQ(back.maps[i].m[k], found.maps[i].m[k]);
    for (int k = 0; k < 3; ++k) EXPECT_EQ(back.maps[i].t[k], found.maps[i].t[k]);
  }
  const std::string good = "0,0,0,0,0,0,0,0,0,0,0,0,1\n";
  for (const char* bad : {"1,2,3\n", "0,0,0,0,0,0,0,0,0,0,0,0,1,5\n",
                          "nan,0,0,0,0,0,0,0,0,0,0,0,1\n", "0,inf,0,0,0,0,0,0,0,0,0,0,1\n",
                          "0,0,0,0,0,0,0,0,0,0,0,0,-1\n"}) {
    try {
      Ifs3FromCsv(good + bad, "params/00007.csv");
      ADD_FAILURE() << "accepted " << bad;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("params/00007.csv:2:"), std::string::npos) << e.what();
    }
  }
  try {
    Ifs3FromCsv("\n", "empty.csv");
    ADD_FAILURE() << "accepted a file without maps";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("empty.csv"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("no maps"), std::string::npos) << e.what();
  }
}

TEST(Ifs3dTest, KeyedSearchIsTheSameOnAnyThreadCount) {
  Search3Options o;
  o.seed = 11;
  std::vector<std::string> one(6), two(6);
  std::vector<uint64_t> trials_one(6), trials_two(6);
  const uint64_t total_one = Search3(o, 6, 1, [&](int c, const Ifs3& ifs, uint64_t t) {
    one[c] = Ifs3ToCsv(ifs);
    trials_one[c] = t;
  }, nullptr);
  const uint64_t total_two = Search3(o, 6, 2, [&](int c, const Ifs3& ifs, uint64_t t) {
    two[c] = Ifs3ToCsv(ifs);
    trials_two[c] = t;
  }, nullptr);
  EXPECT_EQ(one, two);
  EXPECT_EQ(trials_one, trials_two);
  EXPECT_EQ(total_one, total_two);
  uint64_t sum = 0;
  for (uint64_t t : trials_one) sum += t;
  EXPECT_EQ(sum, total_one);
  // A category is its own stream: the first categories of a longer search
  // are the same.
  std::vector<std::string> three(3);
  Search3(o, 3, 2, [&](int c, const Ifs3& ifs, uint64_t) { three[c] = Ifs3ToCsv(ifs); }, nullptr);
  EXPECT_TRUE(std::equal(three.begin(), three.end(), one.begin()));

  o.mode = fractal::SearchMode::kNumpy;
  std::vector<std::string> numpy(6);
  Search3(o, 6, 2, [&](int c, const Ifs3& ifs, uint64_t) { numpy[c] = Ifs3ToCsv(ifs); }, nullptr);
  for (int c = 0; c < 6; ++c) EXPECT_NE(numpy[c], one[c]) << c;
}

TEST(Ifs3dTest, NumpySearchTakesTheStreamsAcceptedTrialsInOrder) {
  // The search's shortcuts (stopping a divergent walk, normalising one
  // axis at a time) decide as the full statistics of DrawTrial3 do.
  Search3Options o;
  o.mode = fractal::SearchMode::kNumpy;
  o.seed = 4;
  std::vector<std::string> found(3);
  std::vector<uint64_t> trials(3);
  Search3(o, 3, 1, [&](int c, const Ifs3& ifs, uint64_t t) {
    found[c] = Ifs3ToCsv(ifs);
    trials[c] = t;
  }, nullptr);
  fractal::Mt19937 mt(4u);
  for (int c = 0; c < 3; ++c) {
    uint64_t t = 0;
    while (true) {
      const Trial3 trial = DrawTrial3(mt, o.points);
      ++t;
      const CloudStats& s = trial.stats;
      if (s.finite && s.var[0] > o.variance && s.var[1] > o.variance && s.var[2] > o.variance) {
        EXPECT_EQ(Ifs3ToCsv(trial.ifs), found[c]) << c;
        break;
      }
    }
    EXPECT_EQ(t, trials[c]) << c;
  }
}

TEST(Ifs3dTest, AcceptedCategoriesGiveFiniteInstanceClouds) {
  const Ifs3 ifs = SearchedCategory(11, 0);
  const std::vector<float> a = InstanceCloud(ifs, 145, 6, 10000, 7, 0);
  ASSERT_EQ(a.size(), 3u * 9999);
  EXPECT_TRUE(std::all_of(a.begin(), a.end(), [](float v) { return std::isfinite(v); }));
  EXPECT_EQ(InstanceCloud(ifs, 145, 6, 10000, 7, 0), a);  // keyed: the same again
  EXPECT_NE(InstanceCloud(ifs, 145, 6, 10000, 8, 0), a);  // another dataset seed
  EXPECT_NE(InstanceCloud(ifs, 145, 6, 10000, 7, 1), a);  // another category's stream
  EXPECT_NE(InstanceCloud(ifs, 145, 0, 10000, 7, 0), a);  // another row
}

TEST(Ifs3dTest, AnImpossibleVarianceStopsWithAClearError) {
  Search3Options o;
  o.variance = 0.9;
  o.max_trials_per_category = 2500;
  std::vector<uint64_t> reported;
  try {
    Search3(o, 1, 1, [](int, const Ifs3&, uint64_t) {},
            [&](int c, uint64_t t) {
              EXPECT_EQ(c, 0);
              reported.push_back(t);
            });
    FAIL() << "an impossible --variance was accepted";
  } catch (const UsageError& e) {
    FAIL() << "not a usage error: " << e.what();
  } catch (const Error& e) {
    const std::string msg = e.what();
    for (const char* part : {"category 0", "2500 trials", "--variance 0.9", "--max-trials",
                             "smallest per-axis variance was 0."}) {
      EXPECT_NE(msg.find(part), std::string::npos) << part << " in: " << msg;
    }
  }
  EXPECT_EQ(reported, (std::vector<uint64_t>{1000, 2000}));  // every 1,000 trials
}

TEST(Ifs3dTest, OptionsAreValidatedNamingTheFlag) {
  const auto message = [](const Search3Options& o) -> std::string {
    try {
      ValidateSearch3Options(o);
    } catch (const UsageError& e) {
      return e.what();
    }
    return "";
  };
  Search3Options o;
  EXPECT_EQ(message(o), "");
  for (double v : {-0.1, 1.0, 2.0, static_cast<double>(NAN)}) {
    o.variance = v;
    EXPECT_NE(message(o).find("--variance"), std::string::npos) << v;
  }
  o = Search3Options();
  o.points = 2;
  EXPECT_NE(message(o).find("--points"), std::string::npos);
  o = Search3Options();
  o.max_trials_per_category = 0;
  EXPECT_NE(message(o).find("--max-trials"), std::string::npos);
  EXPECT_THROW(Search3(o, 1, 1, [](int, const Ifs3&, uint64_t) {}, nullptr), UsageError);
}

}  // namespace
}  // namespace synthub::fractal3d
