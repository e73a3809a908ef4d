#include "fractal3d/ifs3d.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <mutex>

#include "fractal/ifs.h"
#include "fractal/random.h"
#include "synthub/error.h"
#include "util/parallel.h"

namespace synthub::fractal3d {
namespace {

constexpr int kMaxMaps3 = fractal::kMaxMaps;  // the search draws 2..7; a file may hold more

// Table k (N = 1 + 24k rows): parameter a takes 10 - k .. 10 + k tenths
// (the identity included), then each of b..l the same factors without 10.
int TableSteps(int rows) { return (rows - 1) / 24; }

// The chaos game of the published IteratedFunctionSystem.calculate: `n`
// uniforms, n - 1 points. Coefficients live in flat arrays with one extra
// identity map: a uniform above every cumulative sum (rounding) keeps the
// point, as the published loop appends its previous result again.
void ChaosGame(const Ifs3& ifs, const double* weights, const double* u, int n,
               std::vector<double>* xyz) {
  const int count = static_cast<int>(ifs.maps.size());
  double c[kMaxMaps3 + 1][12];
  double cum[kMaxMaps3 + 1];
  double total = 0.0;
  for (int j = 0; j < count; ++j) {
    const Map3& m = ifs.maps[j];
    for (int k = 0; k < 9; ++k) c[j][k] = weights ? m.m[k] * weights[k] : m.m[k];
    for (int k = 0; k < 3; ++k) c[j][9 + k] = weights ? m.t[k] * weights[9 + k] : m.t[k];
    total += m.p;
    cum[j] = total;
  }
  const double identity[12] = {1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0};
  std::copy(identity, identity + 12, c[count]);

  xyz->resize(3 * static_cast<size_t>(std::max(n - 1, 0)));
  double* out = xyz->data();
  double x = 0.0, y = 0.0, z = 0.0;
  for (int i = 0; i + 1 < n; ++i) {
    const double r = u[i];
    // The first j with r <= cum[j]: cum is a running sum of p >= 0, so the
    // j with r > cum[j] are a prefix and counting them finds it without a
    // branch per map (a NaN sum compares false both ways, as in the loop).
    int j = 0;
    for (int k = 0; k < count; ++k) j += r > cum[k];
    const double* a = c[j];
    // x' = a x + b y + c z + j, evaluated left to right as the script does.
    const double nx = x * a[0] + y * a[1] + z * a[2] + a[9];
    const double ny = x * a[3] + y * a[4] + z * a[5] + a[10];
    const double nz = x * a[6] + y * a[7] + z * a[8] + a[11];
    x = nx, y = ny, z = nz;
    out[3 * i] = x, out[3 * i + 1] = y, out[3 * i + 2] = z;
  }
}

// Min-max over every coordinate to [-1, 1], then minus each axis's
// sequential sum / divisor (instance.py's min_max and centoroid).
void Normalize(std::vector<double>* xyz, int divisor) {
  if (xyz->empty()) return;
  // Min and max in four independent chains (the order changes neither, and
  // a zero's sign cannot change the results below), NaN noted apart:
  // numpy's min/max propagate it.
  const double* v = xyz->data();
  const size_t count = xyz->size();
  double lo4[4] = {v[0], v[0], v[0], v[0]}, hi4[4] = {v[0], v[0], v[0], v[0]};
  bool nan = false;
  size_t e = 0;
  for (; e + 4 <= count; e += 4) {
    for (int k = 0; k < 4; ++k) {
      nan |= v[e + k] != v[e + k];
      lo4[k] = std::min(lo4[k], v[e + k]);
      hi4[k] = std::max(hi4[k], v[e + k]);
    }
  }
  for (; e < count; ++e) {
    nan |= v[e] != v[e];
    lo4[0] = std::min(lo4[0], v[e]);
    hi4[0] = std::max(hi4[0], v[e]);
  }
  double lo = std::min(std::min(lo4[0], lo4[1]), std::min(lo4[2], lo4[3]));
  double hi = std::max(std::max(hi4[0], hi4[1]), std::max(hi4[2], hi4[3]));
  if (nan) lo = hi = std::numeric_limits<double>::quiet_NaN();
  for (double& x : *xyz) x = ((x - lo) / (hi - lo)) * (1.0 - (-1.0)) - 1.0;
  double sum[3] = {0, 0, 0};
  const size_t n = count / 3;
  for (size_t i = 0; i < n; ++i) {
    for (int k = 0; k < 3; ++k) sum[k] += (*xyz)[3 * i + k];
  }
  for (int k = 0; k < 3; ++k) sum[k] /= divisor;
  for (size_t i = 0; i < n; ++i) {
    for (int k = 0; k < 3; ++k) (*xyz)[3 * i + k] -= sum[k];
  }
}

// One trial of the published category search, drawn from `mt`.
Ifs3 SampleIfs3(fractal::Mt19937& mt) {
  const int n = static_cast<int>(fractal::NumpyRandInt(mt, 2, 8));
  Ifs3 ifs;
  ifs.maps.resize(n);
  double sum = 0.0;
  for (Map3& m : ifs.maps) {
    double v[12];
    for (double& x : v) x = fractal::NumpyUniform(mt, -1.0, 1.0);
    std::copy(v, v + 9, m.m);
    std::copy(v + 9, v + 12, m.t);
    const double* a = m.m;
    m.p = std::fabs(a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6]) +
                    a[2] * (a[3] * a[7] - a[4] * a[6]));
    sum += m.p;
  }
  for (Map3& m : ifs.maps) m.p /= sum;
  return ifs;
}

// The smallest per-axis variance of a cloud (-1 when it is not finite): a
// trial is accepted when this exceeds the threshold.
double MinVariance(const CloudStats& s) {
  if (!s.finite) return -1.0;
  return std::min({s.var[0], s.var[1], s.var[2]});
}

// Draws trials from `mt` until one passes; throws after max trials.
Ifs3 SearchOne(fractal::Mt19937& mt, const Search3Options& o, int category, uint64_t* trials,
               const Progress3Fn& progress) {
  double best = -1.0;
  for (uint64_t t = 1; t <= o.max_trials_per_category; ++t) {
    Trial3 trial = DrawTrial3(mt, o.points);
    const double v = MinVariance(trial.stats);
    if (v > o.variance) {
      *trials = t;
      return std::move(trial.ifs);
    }
    best = std::max(best, v);
    if (progress && t % 1000 == 0) progress(category, t);
  }
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.4f", best);
  throw Error("3D search: category " + std::to_string(category) + " passed nothing in " +
              std::to_string(o.max_trials_per_category) + " trials (--variance " +
              std::to_string(o.variance) + "; the best trial's smallest per-axis variance was " +
              buf + "); lower --variance or raise --max-trials");
}

}  // namespace

Trial3 DrawTrial3(fractal::Mt19937& mt, int points) {
  thread_local std::vector<double> u, xyz;
  Trial3 trial;
  trial.ifs = SampleIfs3(mt);
  u.resize(points);
  fractal::NumpyRandomFill(mt, u.data(), u.size());
  ChaosGame(trial.ifs, nullptr, u.data(), points, &xyz);
  Normalize(&xyz, points);
  trial.stats = Stats(xyz);
  return trial;
}

bool ValidTableRows(int rows) { return rows >= 1 && rows <= 145 && (rows - 1) % 24 == 0; }

int IdentityRow(int table_rows) { return TableSteps(table_rows); }

void WeightRow3(int table_rows, int row, double out[12]) {
  if (!ValidTableRows(table_rows)) {
    throw UsageError("--weight-rows must be 1 + 24k (1, 25, 49, 73, 97, 121 or 145), got " +
                     std::to_string(table_rows));
  }
  if (row < 0 || row >= table_rows) {
    throw Error("weight row " + std::to_string(row) + " out of range [0, " +
                std::to_string(table_rows) + ")");
  }
  std::fill(out, out + 12, 1.0);
  const int k = TableSteps(table_rows);
  if (k == 0) return;
  // Parameter a: 2k + 1 rows (identity in the middle); b..l: 2k rows each.
  int param, tenths;
  if (row < 2 * k + 1) {
    param = 0;
    tenths = 10 - k + row;
  } else {
    const int r = row - (2 * k + 1);
    param = 1 + r / (2 * k);
    const int step = r % (2 * k);
    tenths = step < k ? 10 - k + step : 11 + (step - k);
  }
  out[param] = tenths / 10.0;  // the decimal the published CSV holds
}

std::vector<double> PublishedCloud(const Ifs3& ifs, const double* weights,
                                   const double* uniforms, int points) {
  std::vector<double> xyz;
  ChaosGame(ifs, weights, uniforms, points, &xyz);
  Normalize(&xyz, points);
  return xyz;
}

CloudStats Stats(const std::vector<double>& xyz) {
  CloudStats s{{0, 0, 0}, false};
  const size_t n = xyz.size() / 3;
  if (n == 0) return s;
  // Each axis summed in point order, the three axes in one pass. A value
  // that is not finite makes its axis's sum non-finite, so the values are
  // looked at one by one only then (or after an overflow).
  double mean[3] = {0, 0, 0}, var[3] = {0, 0, 0};
  for (size_t i = 0; i < n; ++i) {
    for (int k = 0; k < 3; ++k) mean[k] += xyz[3 * i + k];
  }
  if (!(std::isfinite(mean[0]) && std::isfinite(mean[1]) && std::isfinite(mean[2])) ||
      xyz.size() != 3 * n) {
    for (double v : xyz) {
      if (!std::isfinite(v)) return s;
    }
  }
  s.finite = true;
  for (double& m : mean) m /= static_cast<double>(n);
  for (size_t i = 0; i < n; ++i) {
    for (int k = 0; k < 3; ++k) {
      const double d = xyz[3 * i + k] - mean[k];
      var[k] += d * d;
    }
  }
  for (int k = 0; k < 3; ++k) s.var[k] = var[k] / static_cast<double>(n);
  return s;
}

std::vector<float> InstanceCloud(const Ifs3& ifs, int table_rows, int row, int points,
                                 uint64_t seed, uint32_t category) {
  double w[12];
  WeightRow3(table_rows, row, w);
  const uint32_t key[4] = {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32),
                           category, static_cast<uint32_t>(row)};
  fractal::Mt19937 mt(key, 4);
  std::vector<double> u(points);
  fractal::NumpyRandomFill(mt, u.data(), u.size());
  const std::vector<double> xyz = PublishedCloud(ifs, w, u.data(), points);
  return std::vector<float>(xyz.begin(), xyz.end());
}

void ValidateSearch3Options(const Search3Options& o) {
  if (!(o.variance >= 0.0 && o.variance < 1.0)) {
    throw UsageError("--variance must be in [0, 1) (a cloud normalised to [-1, 1] has "
                     "per-axis variance below 1), got " + std::to_string(o.variance));
  }
  if (o.points < 3 || o.points > 100000000) {
    throw UsageError("--points must be in [3, 1e8], got " + std::to_string(o.points));
  }
  if (o.max_trials_per_category < 1) throw UsageError("--max-trials must be >= 1");
}

uint64_t Search3(const Search3Options& o, int categories, int threads,
                 const Accept3Fn& on_accept, const Progress3Fn& progress) {
  ValidateSearch3Options(o);
  if (o.mode == fractal::SearchMode::kNumpy) {
    fractal::Mt19937 mt(static_cast<uint32_t>(o.seed));
    uint64_t total = 0;
    for (int c = 0; c < categories; ++c) {
      uint64_t t = 0;
      Ifs3 ifs = SearchOne(mt, o, c, &t, progress);
      total += t;
      on_accept(c, ifs, total);
    }
    return total;
  }
  std::atomic<uint64_t> total{0};
  std::mutex mu;  // serialises on_accept and progress
  const Progress3Fn locked_progress = [&](int c, uint64_t t) {
    std::lock_guard<std::mutex> lock(mu);
    if (progress) progress(c, t);
  };
  ParallelFor(static_cast<size_t>(categories), threads, [&](size_t c) {
    const uint32_t key[3] = {static_cast<uint32_t>(o.seed), static_cast<uint32_t>(o.seed >> 32),
                             static_cast<uint32_t>(c)};
    fractal::Mt19937 mt(key, 3);
    uint64_t t = 0;
    Ifs3 ifs = SearchOne(mt, o, static_cast<int>(c), &t, locked_progress);
    total += t;
    std::lock_guard<std::mutex> lock(mu);
    on_accept(static_cast<int>(c), ifs, t);
  });
  return total;
}

std::string Ifs3ToCsv(const Ifs3& ifs) {
  std::string out;
  for (const Map3& m : ifs.maps) {
    double v[13];
    std::copy(m.m, m.m + 9, v);
    std::copy(m.t, m.t + 3, v + 9);
    v[12] = m.p;
    out += fractal::FormatSavetxtRow(v, 13);
  }
  return out;
}

Ifs3 Ifs3FromCsv(const std::string& text, const std::string& where) {
  Ifs3 ifs;
  for (const std::vector<double>& v : fractal::ParseSavetxtRows(text, where, 13)) {
    Map3 m;
    std::copy(v.begin(), v.begin() + 9, m.m);
    std::copy(v.begin() + 9, v.begin() + 12, m.t);
    m.p = v[12];
    ifs.maps.push_back(m);
  }
  return ifs;
}

}  // namespace synthub::fractal3d
