#include "fractal/contractive.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace synthub::fractal {
namespace {

// Singular values of [[a b][c d]], largest first.
void SingularValues(const AffineMap& m, double* s1, double* s2) {
  const double t = m.a * m.a + m.b * m.b + m.c * m.c + m.d * m.d;
  const double det = std::fabs(m.a * m.d - m.b * m.c);
  const double r = std::sqrt(std::max(0.0, t * t - 4 * det * det));
  *s1 = std::sqrt((t + r) / 2);
  *s2 = det / *s1;
}

std::vector<double> Uniforms(std::mt19937_64& gen, int n) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<double> out(n);
  for (double& v : out) v = u(gen);
  return out;
}

// sample_svs's promise: 1 >= s1 >= s2 >= 0 for every pair, and the
// weighted sum sum(s1 + 2 s2) is the sigma-factor asked for.
TEST(ContractiveTest, SingularValuesMeetTheConstraints) {
  std::mt19937_64 gen(5);
  for (int n = 2; n <= 7; ++n) {
    for (double a : {0.5 * (5 + n), 0.5 * (6 + n) - 1e-9, 3.4, 3.6, 0.3}) {
      for (int trial = 0; trial < 200; ++trial) {
        const std::vector<double> u = Uniforms(gen, 2 * n - 1);
        double s[kMaxMaps][2];
        ContractiveSingularValues(n, a, u.data(), s);
        double sum = 0;
        for (int i = 0; i < n; ++i) {
          ASSERT_LE(s[i][0], 1.0 + 1e-12) << "n " << n << " a " << a;
          ASSERT_GE(s[i][0], s[i][1] - 1e-12);
          ASSERT_GE(s[i][1], -1e-12);
          sum += s[i][0] + 2 * s[i][1];
        }
        ASSERT_NEAR(sum, a, 1e-9);
      }
    }
  }
}

// The maps are U diag(s) V with orthogonal U, V: their singular values are
// the ones drawn, the sigma-factor lies in the range, p is |det| / sum and
// the translations stay within the range.
TEST(ContractiveTest, MapsHaveTheDrawnSingularValues) {
  std::mt19937_64 gen(11);
  for (int n : {2, 3, 7}) {
    for (int trial = 0; trial < 100; ++trial) {
      const std::vector<double> u = Uniforms(gen, kContractiveUniformsPerMap * n);
      const double lo = n == 2 ? 3.4 : 0.5 * (5 + n), hi = n == 2 ? 3.6 : 0.5 * (6 + n);
      double sigma = 0;
      const Ifs ifs = ContractiveMaps(n, u.data(), lo, hi, 0.5, &sigma);
      ASSERT_EQ(ifs.maps.size(), static_cast<size_t>(n));
      ASSERT_GE(sigma, lo);
      ASSERT_LE(sigma, hi);
      double want[kMaxMaps][2];
      ContractiveSingularValues(n, sigma, u.data() + 6 * n + 1, want);
      double psum = 0, detsum = 0, weighted = 0;
      for (const AffineMap& m : ifs.maps) detsum += std::fabs(m.a * m.d - m.b * m.c);
      for (int i = 0; i < n; ++i) {
        const AffineMap& m = ifs.maps[i];
        double s1, s2;
        SingularValues(m, &s1, &s2);
        EXPECT_NEAR(s1, want[i][0], 1e-12);
        EXPECT_NEAR(s2, want[i][1], 1e-12);
        EXPECT_LT(s1, 1.0);
        weighted += s1 + 2 * s2;
        EXPECT_LE(std::fabs(m.e), 0.5);
        EXPECT_LE(std::fabs(m.f), 0.5);
        EXPECT_NEAR(m.p, std::fabs(m.a * m.d - m.b * m.c) / detsum, 1e-15);
        psum += m.p;
      }
      EXPECT_NEAR(weighted, sigma, 1e-9);
      EXPECT_NEAR(psum, 1.0, 1e-12);
    }
  }
}

// Rotations and reflections are drawn: over many systems every sign pattern
// of (a, b, c, d) turns up, and both orientations (det < 0 and > 0).
TEST(ContractiveTest, OrientationsAreRandom) {
  std::mt19937_64 gen(3);
  int negative_det = 0, patterns = 0;
  bool seen[16] = {};
  for (int trial = 0; trial < 400; ++trial) {
    const std::vector<double> u = Uniforms(gen, kContractiveUniformsPerMap * 2);
    const Ifs ifs = ContractiveMaps(2, u.data(), 3.4, 3.6, 1.0, nullptr);
    for (const AffineMap& m : ifs.maps) {
      negative_det += m.a * m.d - m.b * m.c < 0;
      seen[(m.a > 0) | (m.b > 0) << 1 | (m.c > 0) << 2 | (m.d > 0) << 3] = true;
    }
  }
  for (bool s : seen) patterns += s;
  EXPECT_EQ(patterns, 16);
  EXPECT_GT(negative_det, 300);
  EXPECT_LT(negative_det, 500);
}

}  // namespace
}  // namespace synthub::fractal
