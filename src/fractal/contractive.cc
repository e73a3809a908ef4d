#include "fractal/contractive.h"

#include <algorithm>
#include <cmath>

#include "synthub/error.h"

namespace synthub::fractal {
namespace {

constexpr double kPi = 3.14159265358979323846;

// numpy Generator.uniform(lo, hi) from one uniform in [0, 1).
inline double Uniform(double lo, double hi, double u) { return lo + (hi - lo) * u; }

// np.sign(u - 0.5).
inline double Sign(double u) { return u > 0.5 ? 1.0 : (u < 0.5 ? -1.0 : 0.0); }

}  // namespace

void ContractiveSingularValues(int n, double a, const double* u, double (*s)[2]) {
  // p: what the weighted sum still needs; q: how much of it the remaining
  // pairs cannot hold (each holds at most 3), so the next draw must.
  double p = a;
  double q = a - 3.0 * n + 3.0;
  for (int i = 0; i < n - 1; ++i) {
    const double s1 = Uniform(std::max(0.0, q / 3.0), std::min(1.0, p), *u++);
    q -= s1;
    p -= s1;
    const double s2 = Uniform(std::max(0.0, q / 2.0), std::min(s1, p / 2.0), *u++);
    q = q - 2.0 * s2 + 3.0;
    p -= 2.0 * s2;
    s[i][0] = s1;
    s[i][1] = s2;
  }
  const double s2 = Uniform(std::max(0.0, (p - 1.0) / 2.0), p / 3.0, *u);
  s[n - 1][0] = p - 2.0 * s2;
  s[n - 1][1] = s2;
}

Ifs ContractiveMaps(int n, const double* u, double sigma_lo, double sigma_hi, double range,
                    double* sigma_factor) {
  SYNTHUB_CHECK(n >= 1 && n <= kMaxMaps);
  SYNTHUB_CHECK(sigma_lo > 0.0 && sigma_lo <= sigma_hi && sigma_hi < 3.0 * n);
  const double* sign = u;            // [k][axis], k < n: U of map k; k >= n: V of map k - n
  const double* angle = u + 4 * n;   // [k], same k
  const double a = Uniform(sigma_lo, sigma_hi, u[6 * n]);
  double s[kMaxMaps][2];
  ContractiveSingularValues(n, a, u + 6 * n + 1, s);
  const double* shift = u + 8 * n;   // [map][e, f]
  if (sigma_factor) *sigma_factor = a;

  Ifs ifs;
  ifs.maps.resize(n);
  double sum = 0.0;
  for (int i = 0; i < n; ++i) {
    // U = R(t) diag(su0, su1), V = R(w) diag(sv0, sv1); M = U diag(s1, s2) V.
    const double ct = std::cos(Uniform(-kPi, kPi, angle[i]));
    const double st = std::sin(Uniform(-kPi, kPi, angle[i]));
    const double cw = std::cos(Uniform(-kPi, kPi, angle[n + i]));
    const double sw = std::sin(Uniform(-kPi, kPi, angle[n + i]));
    const double su0 = Sign(sign[2 * i]), su1 = Sign(sign[2 * i + 1]);
    const double sv0 = Sign(sign[2 * (n + i)]), sv1 = Sign(sign[2 * (n + i) + 1]);
    // U diag(s): columns of U scaled by s1, s2.
    const double us00 = ct * su0 * s[i][0], us01 = -st * su1 * s[i][1];
    const double us10 = st * su0 * s[i][0], us11 = ct * su1 * s[i][1];
    const double v00 = cw * sv0, v01 = -sw * sv1;
    const double v10 = sw * sv0, v11 = cw * sv1;
    AffineMap& m = ifs.maps[i];
    m.a = us00 * v00 + us01 * v10;
    m.b = us00 * v01 + us01 * v11;
    m.c = us10 * v00 + us11 * v10;
    m.d = us10 * v01 + us11 * v11;
    m.e = Uniform(-range, range, shift[2 * i]);
    m.f = Uniform(-range, range, shift[2 * i + 1]);
    m.p = std::fabs(m.a * m.d - m.b * m.c);
    sum += m.p;
  }
  for (AffineMap& m : ifs.maps) m.p /= sum;
  return ifs;
}

}  // namespace synthub::fractal
