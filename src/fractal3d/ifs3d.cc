// The 3D IFS search, weight tables, chaos game and normalisation of the
// published ExFractalDB / MV-FractalDB scripts (see ifs3d.h).
#include "fractal3d/ifs3d.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>

#include "fractal/ifs.h"
#include "fractal/random.h"
#include "synthub/error.h"
#include "util/parallel.h"
#include "util/target_clones.h"

namespace synthub::fractal3d {
namespace {

constexpr int kMaxMaps3 = fractal::kMaxMaps;  // the search draws 2..7; a file may hold more
static_assert(kMaxMaps3 % 4 == 0, "the map selection compares sums four at a time");
// numpy reduces a contiguous row in pieces of its ufunc buffer (8192
// elements, np.getbufsize()), each summed pairwise.
constexpr size_t kNumpyBufferSize = 8192;

// %g of a flag's value, for messages.
std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%g", v);
  return buf;
}

// Table k (N = 1 + 24k rows): parameter a takes 10 - k .. 10 + k tenths
// (the identity included), then each of b..l the same factors without 10.
int TableSteps(int rows) { return (rows - 1) / 24; }

// An IFS laid out for the chaos game: weighted coefficients a..l per map
// and the running sums of p, padded with +inf up to `slots`.
struct Walk3 {
  int count = 0;
  int slots = 0;  // count rounded up to 4: the selection compares this many sums
  double c[kMaxMaps3][12];
  double cum[kMaxMaps3];
};

Walk3 MakeWalk(const Ifs3& ifs, const double* weights) {
  Walk3 w;
  w.count = static_cast<int>(ifs.maps.size());
  if (w.count > kMaxMaps3) {
    throw Error("3D IFS with " + std::to_string(w.count) + " maps, at most " +
                std::to_string(kMaxMaps3) + " supported");
  }
  w.slots = (w.count + 3) / 4 * 4;
  double total = 0.0;
  for (int j = 0; j < w.count; ++j) {
    const Map3& m = ifs.maps[j];
    // float(param) * float(weight), as set_param scales a..l.
    for (int k = 0; k < 9; ++k) w.c[j][k] = weights ? m.m[k] * weights[k] : m.m[k];
    for (int k = 0; k < 3; ++k) w.c[j][9 + k] = weights ? m.t[k] * weights[9 + k] : m.t[k];
    total += m.p;
    w.cum[j] = total;
  }
  std::fill(w.cum + w.count, w.cum + kMaxMaps3, std::numeric_limits<double>::infinity());
  return w;
}

// The raw cloud as the published (3, n) array: rows x, y, z of n points.
struct Planar {
  double* row[3];
  size_t n = 0;
  double lo = 0.0, hi = 0.0;  // numpy's min and max over all 3n values
  bool finite = false;        // every value finite and hi > lo: normalising stays finite
};

// Buffers of one chaos game, reused from trial to trial.
struct WalkBuffers {
  std::vector<int32_t> selection;
  std::vector<double> cloud;
};

typedef double Double4 __attribute__((vector_size(32)));
typedef int64_t Int4 __attribute__((vector_size(32)));

// The map each step takes. The published loop takes the first map j with
// u <= cum[j]; as the sums never decrease (p >= 0) that j is the count of
// sums that u is not <= to, which vectorises. A u above every sum
// (rounding) or sums that are NaN (every p zero) give j = count: no map.
// Comparisons are exact at any vector width, so the AVX2 clone agrees.
template <int kSlots>
__attribute__((always_inline)) inline void SelectMapsN(const double* cum, const double* u, size_t n,
                                                       int32_t* selection) {
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    Double4 r;
    std::memcpy(&r, u + i, sizeof(r));
    Int4 j = {0, 0, 0, 0};
    // (r <= cum[k]) is -1 where true; its complement counts the sums u is
    // not <= to.
    for (int k = 0; k < kSlots; ++k) j -= ~(r <= cum[k]);
    for (int l = 0; l < 4; ++l) selection[i + l] = static_cast<int32_t>(j[l]);
  }
  for (; i < n; ++i) {
    int32_t j = 0;
    for (int k = 0; k < kSlots; ++k) j += !(u[i] <= cum[k]);
    selection[i] = j;
  }
}

SYNTHUB_CLONES
void SelectMaps(const double* cum, int slots, const double* u, size_t n, int32_t* selection) {
  switch (slots) {
    case 4: return SelectMapsN<4>(cum, u, n, selection);
    case 8: return SelectMapsN<8>(cum, u, n, selection);
    case 12: return SelectMapsN<12>(cum, u, n, selection);
    default: return SelectMapsN<kMaxMaps3>(cum, u, n, selection);
  }
}

// Smallest and largest of n values, NaN skipped (v < lo is false for NaN).
SYNTHUB_CLONES
void MinMax(const double* v, size_t n, double* lo_out, double* hi_out) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  Double4 lo[2] = {{kInf, kInf, kInf, kInf}, {kInf, kInf, kInf, kInf}};
  Double4 hi[2] = {-lo[0], -lo[0]};
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    for (int h = 0; h < 2; ++h) {
      Double4 x;
      std::memcpy(&x, v + i + 4 * h, sizeof(x));
      lo[h] = x < lo[h] ? x : lo[h];
      hi[h] = x > hi[h] ? x : hi[h];
    }
  }
  double l = kInf, h = -kInf;
  for (int k = 0; k < 8; ++k) l = std::min(l, lo[k / 4][k % 4]), h = std::max(h, hi[k / 4][k % 4]);
  for (; i < n; ++i) l = v[i] < l ? v[i] : l, h = v[i] > h ? v[i] : h;
  *lo_out = l;
  *hi_out = h;
}

// The walk of IteratedFunctionSystem.calculate over the first n uniforms,
// from the origin. A step that selects no map appends the previous point
// again, as the script does (at the first step the script fails instead,
// having no previous point; we repeat the origin).
//
// A point that is not finite makes every later point not finite (each new
// coordinate adds every old one times a finite coefficient), so the last
// point tells whether the whole cloud is finite. With `stop_if_not_finite`
// (the search, which rejects such clouds) the walk ends at the first check
// (every 1024 steps) that finds the point not finite.
void Walk(const Walk3& w, const int32_t* selection, Planar* out, bool stop_if_not_finite) {
  double* xs = out->row[0];
  double* ys = out->row[1];
  double* zs = out->row[2];
  const int count = w.count;
  double x = 0.0, y = 0.0, z = 0.0;
  for (size_t i = 0; i < out->n; ++i) {
    const int j = selection[i];
    if (j < count) {
      const double* a = w.c[j];
      // x' = a x + b y + c z + j, evaluated left to right as the script does.
      const double nx = x * a[0] + y * a[1] + z * a[2] + a[9];
      const double ny = x * a[3] + y * a[4] + z * a[5] + a[10];
      const double nz = x * a[6] + y * a[7] + z * a[8] + a[11];
      x = nx, y = ny, z = nz;
    }
    xs[i] = x, ys[i] = y, zs[i] = z;
    if (stop_if_not_finite && (i & 1023) == 1023 &&
        !(std::isfinite(x) && std::isfinite(y) && std::isfinite(z))) {
      out->finite = false;
      return;
    }
  }
  const bool last_finite = std::isfinite(x) && std::isfinite(y) && std::isfinite(z);
  MinMax(xs, 3 * out->n, &out->lo, &out->hi);  // the rows are consecutive
  if (!last_finite) {
    // numpy's min and max return NaN when there is one.
    for (size_t i = 0; i < 3 * out->n; ++i) {
      if (std::isnan(xs[i])) out->lo = out->hi = std::numeric_limits<double>::quiet_NaN();
    }
  }
  const double range = out->hi - out->lo;
  out->finite = last_finite && out->n > 0 && std::isfinite(range) && range > 0.0;
}

// Runs the chaos game of `w` over uniforms[0, points - 1) into `b`.
Planar ChaosGame(const Walk3& w, const double* uniforms, int points, bool stop_if_not_finite,
                 WalkBuffers* b) {
  Planar c;
  c.n = static_cast<size_t>(std::max(points - 1, 0));
  b->cloud.resize(3 * c.n);
  b->selection.resize(c.n);
  for (int k = 0; k < 3; ++k) c.row[k] = b->cloud.data() + k * c.n;
  SelectMaps(w.cum, w.slots, uniforms, c.n, b->selection.data());
  Walk(w, b->selection.data(), &c, stop_if_not_finite);
  return c;
}

// numpy's pairwise summation (pairwise_sum in loops_utils.h: below 8
// values in order; up to 128, eight accumulators; above, two halves) of
// v[0..n) or, with kSquares, of (v[i] - mean)^2 (np.var's second sum).
// Lane-wise vector arithmetic rounds as scalar code does.
template <bool kSquares>
double PairwiseSum(const double* v, size_t n, double mean) {
  if (n < 8) {
    double res = 0.0;
    for (size_t i = 0; i < n; ++i) res += kSquares ? (v[i] - mean) * (v[i] - mean) : v[i];
    return res;
  }
  if (n <= 128) {
    Double4 lo = {0, 0, 0, 0}, hi = lo;  // accumulators r[0..3], r[4..7]
    size_t i = 0;
    for (; i < n - n % 8; i += 8) {
      Double4 a, b;
      std::memcpy(&a, v + i, sizeof(a));
      std::memcpy(&b, v + i + 4, sizeof(b));
      if (kSquares) {
        a -= mean, b -= mean;
        a *= a, b *= b;
      }
      if (i == 0) {
        lo = a, hi = b;
      } else {
        lo += a, hi += b;
      }
    }
    double res = ((lo[0] + lo[1]) + (lo[2] + lo[3])) + ((hi[0] + hi[1]) + (hi[2] + hi[3]));
    for (; i < n; ++i) res += kSquares ? (v[i] - mean) * (v[i] - mean) : v[i];
    return res;
  }
  size_t n2 = n / 2;
  n2 -= n2 % 8;
  return PairwiseSum<kSquares>(v, n2, mean) + PairwiseSum<kSquares>(v + n2, n - n2, mean);
}

// np.add.reduce along a contiguous row: buffer-sized pieces, each summed
// pairwise, added in order to 0.
template <bool kSquares>
double NumpySum(const double* v, size_t n, double mean) {
  double sum = 0.0;
  for (size_t begin = 0; begin < n; begin += kNumpyBufferSize) {
    sum += PairwiseSum<kSquares>(v + begin, std::min(kNumpyBufferSize, n - begin), mean);
  }
  return sum;
}

// np.var (population) of a contiguous row: mean = sum / n, then the sum of
// the squared deviations / n.
double NumpyVar(const double* v, size_t n) {
  const double count = static_cast<double>(n);
  const double mean = NumpySum<false>(v, n, 0.0) / count;
  return NumpySum<true>(v, n, mean) / count;
}

// Normalises row k in place as min_max + centoroid do: to [-1, 1] over the
// whole cloud's min and max, then minus the row's sequential sum (Python's
// builtin sum) divided by `divisor`.
void NormalizeRow(Planar* c, int k, int divisor) {
  double* v = c->row[k];
  const double lo = c->lo, range = c->hi - c->lo;
  double sum = 0.0;
  for (size_t i = 0; i < c->n; ++i) {
    v[i] = ((v[i] - lo) / range) * (1.0 - (-1.0)) - 1.0;
    sum += v[i];
  }
  const double centre = sum / divisor;
  for (size_t i = 0; i < c->n; ++i) v[i] -= centre;
}

// np.var of row k after NormalizeRow.
double RowVariance(Planar* c, int k, int divisor) {
  NormalizeRow(c, k, divisor);
  const double* v = c->row[k];
  return NumpyVar(v, c->n);
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
    // The script's np.linalg.det goes through an LU factorisation and
    // exp(sum of logs); the cofactor expansion differs in the last bits,
    // which moves p (and a cumulative sum) by an ulp or so.
    const double* a = m.m;
    m.p = std::fabs(a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6]) +
                    a[2] * (a[3] * a[7] - a[4] * a[6]));
    sum += m.p;
  }
  for (Map3& m : ifs.maps) m.p /= sum;
  return ifs;
}

// Scratch memory of one thread (a cloud's buffers are too large to
// allocate per trial: each allocation would fault its pages in again).
// Each use ends before any callback runs, so the search's callbacks may
// compute clouds on the same thread.
struct Scratch {
  std::vector<double> uniforms;
  WalkBuffers walk;
};

Scratch& ThreadScratch() {
  thread_local Scratch scratch;
  return scratch;
}

// The published cloud of `ifs` scaled by `weights`, normalised, as rows.
Planar NormalizedCloud(const Ifs3& ifs, const double* weights, const double* uniforms,
                       int points, WalkBuffers* b) {
  Planar c = ChaosGame(MakeWalk(ifs, weights), uniforms, points, false, b);
  for (int k = 0; k < 3; ++k) NormalizeRow(&c, k, points);
  return c;
}

// Draws a trial from `mt` and runs its chaos game into `s`.
Planar DrawCloud(fractal::Mt19937& mt, int points, Scratch* s, Ifs3* ifs) {
  *ifs = SampleIfs3(mt);
  s->uniforms.resize(points);
  fractal::NumpyRandomFill(mt, s->uniforms.data(), s->uniforms.size());
  return ChaosGame(MakeWalk(*ifs, nullptr), s->uniforms.data(), points, true, &s->walk);
}

// Whether the trial passes: finite and np.var along every axis above
// `variance` (the published test). The axes are normalised one at a time,
// and once one fails the rest are only computed while the trial may still
// raise *best, the largest smallest-per-axis variance seen (for the error
// of a search that finds nothing).
bool Passes(Planar* c, int points, double variance, double* best) {
  if (!c->finite) return false;
  bool pass = true;
  double smallest = std::numeric_limits<double>::infinity();
  for (int k = 0; k < 3; ++k) {
    const double v = RowVariance(c, k, points);
    smallest = std::min(smallest, v);
    pass = pass && v > variance;
    if (!pass && !(smallest > *best)) return false;
  }
  if (!pass) *best = smallest;
  return pass;
}

// Draws trials from `mt` until one passes; throws after max trials.
Ifs3 SearchOne(fractal::Mt19937& mt, const Search3Options& o, int category, uint64_t* trials,
               const Progress3Fn& progress) {
  Scratch& scratch = ThreadScratch();
  Ifs3 ifs;
  double best = -std::numeric_limits<double>::infinity();
  for (uint64_t t = 1; t <= o.max_trials_per_category; ++t) {
    Planar cloud = DrawCloud(mt, o.points, &scratch, &ifs);
    if (Passes(&cloud, o.points, o.variance, &best)) {
      *trials = t;
      return ifs;
    }
    if (progress && t % 1000 == 0) progress(category, t);
  }
  char buf[160];
  if (best >= 0.0) {
    std::snprintf(buf, sizeof(buf), "the best trial's smallest per-axis variance was %.4g",
                  best);
  } else {
    std::snprintf(buf, sizeof(buf), "no trial gave a finite cloud");
  }
  throw Error("3D search: category " + std::to_string(category) + " passed nothing in " +
              std::to_string(o.max_trials_per_category) + " trials at --variance " +
              Number(o.variance) + " (" + buf +
              "); lower --variance or raise --max-trials");
}

}  // namespace

Trial3 DrawTrial3(fractal::Mt19937& mt, int points) {
  Trial3 trial;
  Planar c = DrawCloud(mt, points, &ThreadScratch(), &trial.ifs);
  trial.stats.finite = c.finite;
  for (int k = 0; k < 3; ++k) {
    trial.stats.var[k] =
        c.finite ? RowVariance(&c, k, points) : std::numeric_limits<double>::quiet_NaN();
  }
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
  const Planar c = NormalizedCloud(ifs, weights, uniforms, points, &ThreadScratch().walk);
  std::vector<double> xyz(3 * c.n);
  for (size_t i = 0; i < c.n; ++i) {
    for (int k = 0; k < 3; ++k) xyz[3 * i + k] = c.row[k][i];
  }
  return xyz;
}

CloudStats Stats(const std::vector<double>& xyz) {
  const size_t n = xyz.size() / 3;
  CloudStats s{{0, 0, 0}, n > 0};
  for (double v : xyz) s.finite = s.finite && std::isfinite(v);
  std::vector<double> row(n);
  for (int k = 0; k < 3; ++k) {
    for (size_t i = 0; i < n; ++i) row[i] = xyz[3 * i + k];
    s.var[k] = s.finite ? NumpyVar(row.data(), n) : std::numeric_limits<double>::quiet_NaN();
  }
  return s;
}

std::vector<float> InstanceCloud(const Ifs3& ifs, int table_rows, int row, int points,
                                 uint64_t seed, uint32_t category) {
  double w[12];
  WeightRow3(table_rows, row, w);
  const uint32_t key[4] = {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32),
                           category, static_cast<uint32_t>(row)};
  fractal::Mt19937 mt(key, 4);
  Scratch& s = ThreadScratch();
  s.uniforms.resize(std::max(points, 0));
  fractal::NumpyRandomFill(mt, s.uniforms.data(), s.uniforms.size());
  const Planar c = NormalizedCloud(ifs, w, s.uniforms.data(), points, &s.walk);
  std::vector<float> xyz(3 * c.n);
  for (size_t i = 0; i < c.n; ++i) {
    for (int k = 0; k < 3; ++k) xyz[3 * i + k] = static_cast<float>(c.row[k][i]);
  }
  return xyz;
}

void ValidateSearch3Options(const Search3Options& o) {
  if (!(o.variance >= 0.0 && o.variance < 1.0)) {
    throw UsageError("--variance must be in [0, 1) (a cloud normalised to [-1, 1] has "
                     "per-axis variance below 1), got " + Number(o.variance));
  }
  if (o.points < 3 || o.points > 100000000) {
    throw UsageError("--points must be in [3, 1e8], got " + std::to_string(o.points));
  }
  if (o.max_trials_per_category < 1) throw UsageError("--max-trials must be >= 1");
}

Ifs3 KeyedCategory(const Search3Options& o, int category, uint64_t* trials,
                   const Progress3Fn& progress) {
  ValidateSearch3Options(o);
  const uint32_t key[3] = {static_cast<uint32_t>(o.seed), static_cast<uint32_t>(o.seed >> 32),
                           static_cast<uint32_t>(category)};
  fractal::Mt19937 mt(key, 3);
  uint64_t t = 0;
  Ifs3 ifs = SearchOne(mt, o, category, &t, progress);
  if (trials) *trials = t;
  return ifs;
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
      on_accept(c, ifs, t);
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
    uint64_t t = 0;
    Ifs3 ifs = KeyedCategory(o, static_cast<int>(c), &t, locked_progress);
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
