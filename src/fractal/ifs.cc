#include "fractal/ifs.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "synthub/error.h"
#include "util/target_clones.h"

namespace synthub::fractal {

std::string FormatSavetxtRow(const double* values, int n) {
  std::string out;
  char buf[64];
  for (int k = 0; k < n; ++k) {
    std::snprintf(buf, sizeof(buf), "%.18e", values[k]);
    out += buf;
    out += k < n - 1 ? ',' : '\n';
  }
  return out;
}

std::vector<std::vector<double>> ParseSavetxtRows(const std::string& text, const std::string& where,
                                                  int columns) {
  std::vector<std::vector<double>> rows;
  size_t pos = 0;
  int line_no = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const std::string at = where + ":" + std::to_string(line_no) + ": ";
    std::vector<double> v(columns);
    const char* p = line.c_str();
    for (int k = 0; k < columns; ++k) {
      char* next = nullptr;
      v[k] = std::strtod(p, &next);
      if (next == p) {
        throw Error(at + "column " + std::to_string(k + 1) + " is not a number: '" + line + "'");
      }
      if (!std::isfinite(v[k])) {
        throw Error(at + "column " + std::to_string(k + 1) + " is " +
                    (std::isnan(v[k]) ? "NaN" : "infinite"));
      }
      p = next;
      while (*p == ' ' || *p == '\t') ++p;
      if (k < columns - 1) {
        if (*p != ',') {
          throw Error(at + "expected " + std::to_string(columns) +
                      " comma-separated columns, got " + std::to_string(k + 1));
        }
        ++p;
      }
    }
    if (*p != '\0') throw Error(at + "trailing text after " + std::to_string(columns) + " columns");
    if (v.back() < 0) {
      throw Error(at + "probability (column " + std::to_string(columns) + ") is negative");
    }
    rows.push_back(std::move(v));
  }
  if (rows.empty()) throw Error(where + ": no maps (empty file)");
  if (rows.size() > kMaxMaps) {
    throw Error(where + ": " + std::to_string(rows.size()) + " maps, at most " +
                std::to_string(kMaxMaps) + " supported");
  }
  return rows;
}

std::string FormatIfsCsv(const Ifs& ifs) {
  std::string out;
  for (const AffineMap& m : ifs.maps) {
    const double v[7] = {m.a, m.b, m.c, m.d, m.e, m.f, m.p};
    out += FormatSavetxtRow(v, 7);
  }
  return out;
}

Ifs ParseIfsCsv(const std::string& text, const std::string& where) {
  Ifs ifs;
  for (const std::vector<double>& v : ParseSavetxtRows(text, where, 7)) {
    ifs.maps.push_back({v[0], v[1], v[2], v[3], v[4], v[5], v[6]});
  }
  return ifs;
}

void ChaosGame(const Ifs& ifs, const double* weights, const double* rand,
               size_t n, std::vector<double>* xs, std::vector<double>* ys) {
  // Coefficients in arrays padded with +inf thresholds, so that the map
  // index is a branch-free count of thresholds below r. An r above every
  // threshold (rounding) selects the identity: the reference keeps the point.
  const int count = static_cast<int>(ifs.maps.size());
  double ca[kMaxMaps + 1], cb[kMaxMaps + 1], cc[kMaxMaps + 1],
      cd[kMaxMaps + 1], ce[kMaxMaps + 1], cf[kMaxMaps + 1];
  double cum[kMaxMaps];
  double total = 0.0;
  for (int j = 0; j < kMaxMaps; ++j) {
    if (j < count) {
      const AffineMap& m = ifs.maps[j];
      const double* w = weights;
      ca[j] = w ? m.a * w[0] : m.a;
      cb[j] = w ? m.b * w[1] : m.b;
      cc[j] = w ? m.c * w[2] : m.c;
      cd[j] = w ? m.d * w[3] : m.d;
      ce[j] = w ? m.e * w[4] : m.e;
      cf[j] = w ? m.f * w[5] : m.f;
      total += m.p;
      cum[j] = total;
    } else {
      cum[j] = std::numeric_limits<double>::infinity();
    }
  }
  ca[count] = 1.0, cb[count] = 0.0, cc[count] = 0.0;
  cd[count] = 1.0, ce[count] = 0.0, cf[count] = 0.0;

  xs->resize(n);
  ys->resize(n);
  if (n == 0) return;
  double* px = xs->data();
  double* py = ys->data();
  double x = 0.0, y = 0.0;
  px[0] = 0.0;
  py[0] = 0.0;
  for (size_t i = 0; i + 1 < n; ++i) {
    const double r = rand[i];
    int j = 0;
    for (int k = 0; k < count; ++k) j += r > cum[k];
    const double nx = x * ca[j] + y * cb[j] + ce[j];
    const double ny = x * cc[j] + y * cd[j] + cf[j];
    x = nx;
    y = ny;
    px[i + 1] = x;
    py[i + 1] = y;
  }
}

namespace {

// numpy: k = first NaN index of v; delete rows k-100..k-1 (negative indices
// wrap to the end, as np.delete does) and every NaN row of v, from both arrays.
void TrimNan(std::vector<double>* v, std::vector<double>* other) {
  const size_t n = v->size();
  // NaN is absorbing in the chaos game (every map multiplies both
  // coordinates), so a walk without NaN at its end has none at all.
  if (n == 0 || (!std::isnan(v->back()) && !std::isnan(other->back()))) return;
  size_t first = n;
  for (size_t i = 0; i < n; ++i) {
    if (std::isnan((*v)[i])) {
      first = i;
      break;
    }
  }
  if (first == n) return;
  std::vector<char> drop(n, 0);
  for (long long j = static_cast<long long>(first) - 100;
       j < static_cast<long long>(first); ++j) {
    long long idx = j < 0 ? j + static_cast<long long>(n) : j;
    if (idx >= 0 && idx < static_cast<long long>(n)) drop[idx] = 1;
  }
  for (size_t i = first; i < n; ++i) {
    if (std::isnan((*v)[i])) drop[i] = 1;
  }
  size_t out = 0;
  for (size_t i = 0; i < n; ++i) {
    if (drop[i]) continue;
    (*v)[out] = (*v)[i];
    (*other)[out] = (*other)[i];
    ++out;
  }
  v->resize(out);
  other->resize(out);
}

// Shift (when min < 0) and scale one axis to pixel units:
// pixel = v' / range * span + pad, with v' = v - min when min < 0.
struct AxisScale {
  bool shift;
  double lo, range, span, offset;
};

AxisScale MakeScale(const std::vector<double>& v, int size, int pad) {
  // Four independent lanes (exact: min and max do not round).
  constexpr double kInf = std::numeric_limits<double>::infinity();
  double lo4[4] = {kInf, kInf, kInf, kInf}, hi4[4] = {-kInf, -kInf, -kInf, -kInf};
  const size_t n = v.size();
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    for (int k = 0; k < 4; ++k) {
      const double t = v[i + k];
      lo4[k] = t < lo4[k] ? t : lo4[k];
      hi4[k] = t > hi4[k] ? t : hi4[k];
    }
  }
  for (; i < n; ++i) {
    lo4[0] = v[i] < lo4[0] ? v[i] : lo4[0];
    hi4[0] = v[i] > hi4[0] ? v[i] : hi4[0];
  }
  const double lo = std::min(std::min(lo4[0], lo4[1]), std::min(lo4[2], lo4[3]));
  const double hi = std::max(std::max(hi4[0], hi4[1]), std::max(hi4[2], hi4[3]));
  // The reference subtracts min when it is negative; subtraction of a
  // constant is monotonic, so afterwards min = 0 and max = hi - lo exactly,
  // and the range is hi - lo either way.
  return AxisScale{lo < 0.0, lo, hi - lo, static_cast<double>(size - 2 * pad),
                   static_cast<double>(pad)};
}

// The reference's exact pixel value, (v' / range) * span + pad, over an
// array. IEEE division and multiplication are correctly
// rounded at any vector width (and this file is built without FP
// contraction), so the AVX2 clone gives the same bits, four at a time.
SYNTHUB_CLONES
void ToPixels(const AxisScale& s, const double* v, size_t n, double* out) {
  const double shift = s.shift ? s.lo : 0.0;
  for (size_t i = 0; i < n; ++i) out[i] = (v[i] - shift) / s.range * s.span + s.offset;
}

}  // namespace

void Rasterize(std::vector<double>* xs, std::vector<double>* ys, int width,
               int height, int pad, Raster* out) {
  TrimNan(xs, ys);
  TrimNan(ys, xs);
  out->x.clear();
  out->y.clear();
  if (xs->empty()) return;
  const AxisScale sx = MakeScale(*xs, width, pad);
  const AxisScale sy = MakeScale(*ys, height, pad);
  const size_t n = xs->size();
  thread_local std::vector<double> px, py;
  px.resize(n);
  py.resize(n);
  ToPixels(sx, xs->data(), n, px.data());
  ToPixels(sy, ys->data(), n, py.data());
  out->x.resize(n);
  out->y.resize(n);
  uint16_t* ox = out->x.data();
  uint16_t* oy = out->y.data();
  // Common case: every point inside; convert without compaction.
  size_t inside_count = 0;
  for (size_t i = 0; i < n; ++i) {
    inside_count += px[i] >= 0.0 && px[i] < width && py[i] >= 0.0 && py[i] < height;
  }
  if (inside_count == n) {
    for (size_t i = 0; i < n; ++i) {
      ox[i] = static_cast<uint16_t>(static_cast<int>(px[i]));
      oy[i] = static_cast<uint16_t>(static_cast<int>(py[i]));
    }
    return;
  }
  size_t kept = 0;
  for (size_t i = 0; i < n; ++i) {
    // uint16() truncates toward zero; anything outside the raster (inf,
    // NaN from a zero range, an unshifted cloud) is dropped, never indexed.
    const double fx = px[i], fy = py[i];
    const bool inside = fx >= 0.0 && fx < width && fy >= 0.0 && fy < height;
    ox[kept] = static_cast<uint16_t>(static_cast<int>(inside ? fx : 0.0));
    oy[kept] = static_cast<uint16_t>(static_cast<int>(inside ? fy : 0.0));
    kept += inside;
  }
  out->x.resize(kept);
  out->y.resize(kept);
}

}  // namespace synthub::fractal
