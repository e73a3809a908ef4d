#include "fractal/search.h"

#include <algorithm>
#include <cmath>
#include <gtest/gtest.h>

#include "util/file.h"

namespace synthub::fractal {
namespace {

// The published CSVs live in the tree (tests/data/fractaldb-1k-published-params/,
// with their licence), so that a failing category can be diffed against its file.
std::string PublishedCsvPath(int category) {
  char name[64];
  std::snprintf(name, sizeof(name), "/fractaldb-1k-published-params/%05d.csv", category);
  return std::string(SYNTHUB_TEST_DATA_DIR) + name;
}

// The whole published FractalDB-1k search: 1,000 categories, 42,655 trials,
// every CSV byte-identical to the published one.
TEST(SearchNumpyTest, ReproducesPublishedFractalDb1k) {
  SearchOptions o;  // published defaults: seed 1, 0.2, 100k points, 512, pad 6
  int mismatches = 0, next = 0;
  const uint64_t trials = SearchNumpy(o, 1000, 2, [&](int c, const Ifs& ifs, uint64_t) {
    EXPECT_EQ(c, next++);
    if (FormatIfsCsv(ifs) != ReadFile(PublishedCsvPath(c))) {
      if (++mismatches < 5) {
        ADD_FAILURE() << "category " << c << " differs from " << PublishedCsvPath(c);
      }
    }
  });
  EXPECT_EQ(next, 1000);
  EXPECT_EQ(mismatches, 0);
  EXPECT_EQ(trials, 42655u);
}

TEST(SearchNumpyTest, ThreadCountDoesNotChangeResult) {
  SearchOptions o;
  std::string one, two;
  uint64_t t1 = SearchNumpy(o, 5, 1, [&](int, const Ifs& ifs, uint64_t) { one += FormatIfsCsv(ifs); });
  uint64_t t2 = SearchNumpy(o, 5, 3, [&](int, const Ifs& ifs, uint64_t) { two += FormatIfsCsv(ifs); });
  EXPECT_EQ(one, two);
  EXPECT_EQ(t1, t2);
}

TEST(SearchKeyedTest, CategoryIsAPureFunctionOfSeedAndIndex) {
  SearchOptions o;
  o.mode = SearchMode::kKeyed;
  o.points = 20000;
  o.size = 256;
  const Ifs a = SearchKeyed(o, 7, nullptr);
  const Ifs b = SearchKeyed(o, 7, nullptr);
  const Ifs c = SearchKeyed(o, 8, nullptr);
  EXPECT_EQ(FormatIfsCsv(a), FormatIfsCsv(b));
  EXPECT_NE(FormatIfsCsv(a), FormatIfsCsv(c));
  EXPECT_GE(a.maps.size(), 2u);
  EXPECT_LE(a.maps.size(), 7u);
}

TEST(SearchKeyedTest, SvdSamplerGivesContractiveMaps) {
  SearchOptions o;
  o.mode = SearchMode::kKeyed;
  o.sampler = MapSampler::kSvd;
  o.points = 20000;
  o.size = 256;
  o.threshold = 0.05;
  for (int c = 0; c < 3; ++c) {
    const Ifs ifs = SearchKeyed(o, c, nullptr);
    double psum = 0;
    for (const AffineMap& m : ifs.maps) {
      // Spectral norm < 1: the largest singular value of [[a b][c d]].
      const double t = m.a * m.a + m.b * m.b + m.c * m.c + m.d * m.d;
      const double det = m.a * m.d - m.b * m.c;
      const double s1 = std::sqrt((t + std::sqrt(std::max(0.0, t * t - 4 * det * det))) / 2);
      EXPECT_LT(s1, 1.0 + 1e-9);
      psum += m.p;
    }
    EXPECT_NEAR(psum, 1.0, 1e-12);
  }
}

TEST(SearchOptionsTest, RejectsBadSettings) {
  SearchOptions o;
  o.threshold = 1.5;
  EXPECT_ANY_THROW(ValidateSearchOptions(o));
  o = SearchOptions();
  o.max_maps = 1;
  EXPECT_ANY_THROW(ValidateSearchOptions(o));
  o = SearchOptions();
  o.points = 1000;  // cannot cover 20 % of 512 x 512
  EXPECT_ANY_THROW(ValidateSearchOptions(o));
}

}  // namespace
}  // namespace synthub::fractal
