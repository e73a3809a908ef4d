#include "loader/transform.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "fractal/random.h"
#include "util/target_clones.h"

namespace synthub::loader {
namespace {

constexpr uint32_t kTagAugment = 0x4155474d;  // "AUGM"

// Filter weights for one output coordinate: `taps` source indices
// (clamped to the crop) and weights summing to 1.
struct Taps {
  int first;          // first source index (may be clamped per tap)
  float weight[4];
  int index[4];
  int count;
};

float Cubic(float x) {  // Keys, a = -0.5 (PIL's bicubic)
  const float a = -0.5f;
  x = std::fabs(x);
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

std::vector<Taps> MakeTaps(int src_offset, int src_len, int dst_len, Interpolation interp) {
  std::vector<Taps> taps(dst_len);
  const double scale = static_cast<double>(src_len) / dst_len;
  for (int d = 0; d < dst_len; ++d) {
    const double center = (d + 0.5) * scale - 0.5;  // half-pixel centres
    Taps& t = taps[d];
    if (interp == Interpolation::kBilinear) {
      const int i0 = static_cast<int>(std::floor(center));
      const float f = static_cast<float>(center - i0);
      t.count = 2;
      t.index[0] = i0;
      t.index[1] = i0 + 1;
      t.weight[0] = 1 - f;
      t.weight[1] = f;
    } else {
      const int i0 = static_cast<int>(std::floor(center)) - 1;
      const float f = static_cast<float>(center - std::floor(center));
      t.count = 4;
      float sum = 0;
      for (int k = 0; k < 4; ++k) {
        t.index[k] = i0 + k;
        t.weight[k] = Cubic(f + 1 - k);
        sum += t.weight[k];
      }
      for (int k = 0; k < 4; ++k) t.weight[k] /= sum;
    }
    for (int k = 0; k < t.count; ++k) {
      t.index[k] = src_offset + std::clamp(t.index[k], 0, src_len - 1);
    }
    t.first = t.index[0];
  }
  return taps;
}

}  // namespace

AugmentRng::AugmentRng(uint64_t seed, uint64_t epoch, uint64_t sample)
    : key_{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)},
      ctr_{0, static_cast<uint32_t>(sample), static_cast<uint32_t>(sample >> 32) ^
                                                  static_cast<uint32_t>(epoch << 20),
           kTagAugment ^ static_cast<uint32_t>(epoch)} {}

double AugmentRng::Uniform() {
  if (used_ >= 3) {
    const fractal::PhiloxBlock b = fractal::Philox4x32(key_, ctr_);
    ++ctr_[0];
    for (int k = 0; k < 4; ++k) words_[k] = b.v[k];
    used_ = 0;
  }
  const uint32_t a = words_[used_++] >> 5, b = words_[used_++] >> 6;
  return (a * 67108864.0 + b) / 9007199254740992.0;
}

CropBox RandomResizedCropBox(int width, int height, const LoaderOptions& o, AugmentRng& rng) {
  const double area = static_cast<double>(width) * height;
  const double log_r0 = std::log(o.ratio_min), log_r1 = std::log(o.ratio_max);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target = area * (o.scale_min + (o.scale_max - o.scale_min) * rng.Uniform());
    const double aspect = std::exp(log_r0 + (log_r1 - log_r0) * rng.Uniform());
    const int w = static_cast<int>(std::lround(std::sqrt(target * aspect)));
    const int h = static_cast<int>(std::lround(std::sqrt(target / aspect)));
    if (w > 0 && h > 0 && w <= width && h <= height) {
      const int y = static_cast<int>(rng.Uniform() * (height - h + 1));
      const int x = static_cast<int>(rng.Uniform() * (width - w + 1));
      return {x, y, w, h};
    }
  }
  const double in_ratio = static_cast<double>(width) / height;
  int w = width, h = height;
  if (in_ratio < o.ratio_min) {
    h = static_cast<int>(std::lround(w / o.ratio_min));
  } else if (in_ratio > o.ratio_max) {
    w = static_cast<int>(std::lround(h * o.ratio_max));
  }
  return {(width - w) / 2, (height - h) / 2, w, h};
}

SYNTHUB_CLONES
void ResizeInto(const uint8_t* rgb, int width, int height, const CropBox& box, int size,
                Interpolation interp, bool hflip, bool vflip, const LoaderOptions& o,
                float* out_f32, uint8_t* out_u8) {
  (void)height;
  std::vector<Taps> xt = MakeTaps(box.x, box.width, size, interp);
  std::vector<Taps> yt = MakeTaps(box.y, box.height, size, interp);
  // Flips reorder the output: fold them into the tap tables.
  if (hflip) std::reverse(xt.begin(), xt.end());
  if (vflip) std::reverse(yt.begin(), yt.end());
  int row_lo = std::numeric_limits<int>::max(), row_hi = -1;
  for (const Taps& t : yt) {
    for (int k = 0; k < t.count; ++k) {
      row_lo = std::min(row_lo, t.index[k]);
      row_hi = std::max(row_hi, t.index[k]);
    }
  }
  const int rows = row_hi - row_lo + 1;
  const int taps = xt[0].count;
  // Horizontal pass into planar rows: tmp[c][row][x].
  thread_local std::vector<float> tmp;
  thread_local std::vector<int> xi;
  thread_local std::vector<float> xw;
  const size_t plane_rows = static_cast<size_t>(rows) * size;
  tmp.resize(3 * plane_rows);
  xi.resize(static_cast<size_t>(size) * taps);
  xw.resize(static_cast<size_t>(size) * taps);
  for (int x = 0; x < size; ++x) {
    for (int k = 0; k < taps; ++k) {
      xi[x * taps + k] = xt[x].index[k] * 3;
      xw[x * taps + k] = xt[x].weight[k];
    }
  }
  // Columns the taps touch; each needed row is converted to float once
  // (vectorised), so the gathering loop does no int-to-float conversions.
  int col_lo = std::numeric_limits<int>::max(), col_hi = -1;
  for (int x = 0; x < size; ++x) {
    for (int k = 0; k < taps; ++k) {
      col_lo = std::min(col_lo, xt[x].index[k]);
      col_hi = std::max(col_hi, xt[x].index[k]);
    }
  }
  for (int i = 0; i < size * taps; ++i) xi[i] -= col_lo * 3;
  thread_local std::vector<float> frow;
  const int span = (col_hi - col_lo + 1) * 3;
  frow.resize(span);
  for (int r = 0; r < rows; ++r) {
    const uint8_t* src = rgb + (static_cast<size_t>(row_lo + r) * width + col_lo) * 3;
    for (int i = 0; i < span; ++i) frow[i] = src[i];
    const float* f = frow.data();
    float* t0 = tmp.data() + static_cast<size_t>(r) * size;
    float* t1 = t0 + plane_rows;
    float* t2 = t1 + plane_rows;
    if (taps == 2) {
      for (int x = 0; x < size; ++x) {
        const float* a = f + xi[2 * x];
        const float* b = f + xi[2 * x + 1];
        const float w0 = xw[2 * x], w1 = xw[2 * x + 1];
        t0[x] = w0 * a[0] + w1 * b[0];
        t1[x] = w0 * a[1] + w1 * b[1];
        t2[x] = w0 * a[2] + w1 * b[2];
      }
    } else {
      for (int x = 0; x < size; ++x) {
        float c0 = 0, c1 = 0, c2 = 0;
        for (int k = 0; k < taps; ++k) {
          const float* p = f + xi[x * taps + k];
          const float w = xw[x * taps + k];
          c0 += w * p[0];
          c1 += w * p[1];
          c2 += w * p[2];
        }
        t0[x] = c0, t1[x] = c1, t2[x] = c2;
      }
    }
  }
  // Vertical pass, normalisation (float CHW) or rounding (uint8 HWC).
  const size_t plane = static_cast<size_t>(size) * size;
  for (int y = 0; y < size; ++y) {
    const Taps& t = yt[y];
    for (int c = 0; c < 3; ++c) {
      const float* base = tmp.data() + c * plane_rows;
      const float* r[4];
      for (int k = 0; k < t.count; ++k) r[k] = base + static_cast<size_t>(t.index[k] - row_lo) * size;
      const float scale = 1.0f / (255.0f * o.std[c]), shift = -o.mean[c] / o.std[c];
      if (out_f32) {
        float* dst = out_f32 + c * plane + static_cast<size_t>(y) * size;
        if (t.count == 2) {
          const float w0 = t.weight[0] * scale, w1 = t.weight[1] * scale;
          for (int x = 0; x < size; ++x) dst[x] = w0 * r[0][x] + w1 * r[1][x] + shift;
        } else {
          const float w0 = t.weight[0] * scale, w1 = t.weight[1] * scale;
          const float w2 = t.weight[2] * scale, w3 = t.weight[3] * scale;
          for (int x = 0; x < size; ++x) {
            dst[x] = w0 * r[0][x] + w1 * r[1][x] + w2 * r[2][x] + w3 * r[3][x] + shift;
          }
        }
      } else {
        thread_local std::vector<float> line;
        line.assign(size, 0.5f);
        for (int k = 0; k < t.count; ++k) {
          const float w = t.weight[k];
          const float* src = r[k];
          for (int x = 0; x < size; ++x) line[x] += w * src[x];
        }
        uint8_t* dst = out_u8 + static_cast<size_t>(y) * size * 3 + c;
        for (int x = 0; x < size; ++x) {
          const float v = line[x] < 0.0f ? 0.0f : (line[x] > 255.0f ? 255.0f : line[x]);
          dst[3 * x] = static_cast<uint8_t>(v);
        }
      }
    }
  }
}

}  // namespace synthub::loader
