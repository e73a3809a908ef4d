#include "loader/transform.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

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

// One channel of the horizontal bilinear pass: t[x] = w0[x] p[i0[x]] +
// w1[x] p[i1[x]]. `group` is unused here (see the AVX2 version).
void HorizontalBilinear(const float* p, const int* i0, const int* i1, const int* /*group*/,
                        const float* w0, const float* w1, float* t, int size) {
  for (int x = 0; x < size; ++x) t[x] = w0[x] * p[i0[x]] + w1[x] * p[i1[x]];
}

// For each run of 8 outputs: the first source index `base` if all 16 taps lie
// in [base, base + 16) (always so when upsampling or mildly shrinking), else
// -1. Lets the AVX2 pass replace gathers (slow) with two loads and permutes.
void MakeGroups(const int* i0, const int* i1, int size, int* group) {
  for (int g = 0; g + 8 <= size; g += 8) {
    int lo = i0[g], hi = i0[g];
    for (int k = 0; k < 8; ++k) {
      lo = std::min({lo, i0[g + k], i1[g + k]});
      hi = std::max({hi, i0[g + k], i1[g + k]});
    }
    group[g / 8] = hi - lo < 16 ? lo : -1;
  }
}

#if defined(__x86_64__) && !defined(SYNTHUB_NO_CLONES)
__attribute__((target("avx2,fma"))) inline __m256 Pick16(__m256 lo, __m256 hi, __m256i rel) {
  const __m256i seven = _mm256_set1_epi32(7);
  const __m256 a = _mm256_permutevar8x32_ps(lo, _mm256_and_si256(rel, seven));
  const __m256 b = _mm256_permutevar8x32_ps(hi, _mm256_and_si256(rel, seven));
  return _mm256_blendv_ps(a, b, _mm256_castsi256_ps(_mm256_cmpgt_epi32(rel, seven)));
}

// The same with AVX2: each run of 8 outputs reads 16 consecutive source
// values (the plane has 16 values of padding) and picks its taps by permutes.
__attribute__((target("avx2,fma"))) void HorizontalBilinearAvx2(
    const float* p, const int* i0, const int* i1, const int* group, const float* w0,
    const float* w1, float* t, int size) {
  int x = 0;
  for (; x + 8 <= size; x += 8) {
    const int base = group[x / 8];
    if (base < 0) {
      for (int k = x; k < x + 8; ++k) t[k] = w0[k] * p[i0[k]] + w1[k] * p[i1[k]];
      continue;
    }
    const __m256 lo = _mm256_loadu_ps(p + base), hi = _mm256_loadu_ps(p + base + 8);
    const __m256i b = _mm256_set1_epi32(base);
    const __m256i r0 = _mm256_sub_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(i0 + x)), b);
    const __m256i r1 = _mm256_sub_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(i1 + x)), b);
    const __m256 v = _mm256_fmadd_ps(_mm256_loadu_ps(w1 + x), Pick16(lo, hi, r1),
                                     _mm256_mul_ps(_mm256_loadu_ps(w0 + x), Pick16(lo, hi, r0)));
    _mm256_storeu_ps(t + x, v);
  }
  for (; x < size; ++x) t[x] = w0[x] * p[i0[x]] + w1[x] * p[i1[x]];
}
#endif

using HorizontalFn = void (*)(const float*, const int*, const int*, const int*, const float*,
                              const float*, float*, int);

HorizontalFn PickHorizontal() {
#if defined(__x86_64__) && !defined(SYNTHUB_NO_CLONES)
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return HorizontalBilinearAvx2;
#endif
  return HorizontalBilinear;
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

void AugmentRng::NextBlock(uint32_t out[4]) {
  const fractal::PhiloxBlock b = fractal::Philox4x32(key_, ctr_);
  ++ctr_[0];
  for (int k = 0; k < 4; ++k) out[k] = b.v[k];
}

double AugmentRng::Normal() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  const double r = std::sqrt(-2.0 * std::log(1.0 - Uniform()));  // 1 - u: never log(0)
  const double t = 6.283185307179586 * Uniform();
  spare_ = r * std::sin(t);
  has_spare_ = true;
  return r * std::cos(t);
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
void ResizeInto(const uint8_t* pixels, int width, int height, int channels, const CropBox& box,
                int size, Interpolation interp, bool hflip, bool vflip, const LoaderOptions& o,
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
  // Columns the taps touch.
  int col_lo = std::numeric_limits<int>::max(), col_hi = -1;
  for (const Taps& t : xt) {
    for (int k = 0; k < t.count; ++k) {
      col_lo = std::min(col_lo, t.index[k]);
      col_hi = std::max(col_hi, t.index[k]);
    }
  }
  const int span = col_hi - col_lo + 1;
  // Tap tables as structure of arrays (xi[k * size + x]), so the gathering
  // loops below vectorise.
  thread_local std::vector<int> xi, groups;
  thread_local std::vector<float> xw;
  xi.resize(static_cast<size_t>(size) * taps);
  groups.resize(size / 8 + 1);
  xw.resize(static_cast<size_t>(size) * taps);
  for (int x = 0; x < size; ++x) {
    for (int k = 0; k < taps; ++k) {
      xi[k * size + x] = xt[x].index[k] - col_lo;
      xw[k * size + x] = xt[x].weight[k];
    }
  }
  if (taps == 2) MakeGroups(xi.data(), xi.data() + size, size, groups.data());
  // Horizontal pass into planar rows tmp[c][row][x], one plane per source
  // channel (a gray image stays one plane until the output): each needed
  // source row is split into float planes once, then each plane is a gather.
  thread_local std::vector<float> tmp, planes;
  const size_t plane_rows = static_cast<size_t>(rows) * size;
  tmp.resize(channels * plane_rows);
  const int stride = span + 16;  // padding read by the AVX2 pass
  planes.assign(channels * static_cast<size_t>(stride), 0.0f);
  float* p0 = planes.data();
  for (int r = 0; r < rows; ++r) {
    const uint8_t* src = pixels + (static_cast<size_t>(row_lo + r) * width + col_lo) * channels;
    if (channels == 1) {
      for (int i = 0; i < span; ++i) p0[i] = src[i];
    } else {
      float* p1 = p0 + stride;
      float* p2 = p1 + stride;
      for (int i = 0; i < span; ++i) {
        p0[i] = src[3 * i];
        p1[i] = src[3 * i + 1];
        p2[i] = src[3 * i + 2];
      }
    }
    for (int c = 0; c < channels; ++c) {
      const float* p = planes.data() + static_cast<size_t>(c) * stride;
      float* t = tmp.data() + c * plane_rows + static_cast<size_t>(r) * size;
      if (taps == 2) {
        static const HorizontalFn horizontal = PickHorizontal();
        horizontal(p, xi.data(), xi.data() + size, groups.data(), xw.data(), xw.data() + size, t, size);
      } else {
        for (int x = 0; x < size; ++x) t[x] = 0;
        for (int k = 0; k < taps; ++k) {
          const int* ik = xi.data() + k * size;
          const float* wk = xw.data() + k * size;
          for (int x = 0; x < size; ++x) t[x] += wk[x] * p[ik[x]];
        }
      }
    }
  }
  // Vertical pass, then normalisation (float CHW: each output channel from its
  // source plane, with that channel's mean and std) or rounding (uint8 HWC:
  // each source plane once, to bytes, then interleaved).
  const size_t plane = static_cast<size_t>(size) * size;
  thread_local std::vector<float> lines;
  thread_local std::vector<uint8_t> bytes;
  if (out_u8) {
    lines.resize(static_cast<size_t>(size));
    bytes.resize(3 * static_cast<size_t>(size));
  }
  for (int y = 0; y < size; ++y) {
    const Taps& t = yt[y];
    const int outputs = out_f32 ? 3 : channels;
    for (int c = 0; c < outputs; ++c) {
      const float* base = tmp.data() + (channels == 3 ? c : 0) * plane_rows;
      const float* r[4] = {};
      float w[4] = {};
      const float scale = out_f32 ? 1.0f / (255.0f * o.std[c]) : 1.0f;
      const float shift = out_f32 ? -o.mean[c] / o.std[c] : 0.5f;
      for (int k = 0; k < t.count; ++k) {
        r[k] = base + static_cast<size_t>(t.index[k] - row_lo) * size;
        w[k] = t.weight[k] * scale;
      }
      float* dst = out_f32 ? out_f32 + c * plane + static_cast<size_t>(y) * size : lines.data();
      if (t.count == 2) {
        for (int x = 0; x < size; ++x) dst[x] = w[0] * r[0][x] + w[1] * r[1][x] + shift;
      } else {
        for (int x = 0; x < size; ++x) {
          dst[x] = w[0] * r[0][x] + w[1] * r[1][x] + w[2] * r[2][x] + w[3] * r[3][x] + shift;
        }
      }
      if (out_u8) {
        uint8_t* b = bytes.data() + static_cast<size_t>(c) * size;
        for (int x = 0; x < size; ++x) {
          b[x] = static_cast<uint8_t>(static_cast<int>(std::min(std::max(dst[x], 0.0f), 255.0f)));
        }
      }
    }
    if (out_u8) {
      uint8_t* dst = out_u8 + static_cast<size_t>(y) * size * 3;
      const uint8_t* b0 = bytes.data();
      const uint8_t* b1 = channels == 3 ? b0 + size : b0;
      const uint8_t* b2 = channels == 3 ? b1 + size : b0;
      for (int x = 0; x < size; ++x) {
        dst[3 * x] = b0[x];
        dst[3 * x + 1] = b1[x];
        dst[3 * x + 2] = b2[x];
      }
    }
  }
}

void NormalizeInto(const uint8_t* rgb, int size, const LoaderOptions& o, float* out_f32) {
  const size_t plane = static_cast<size_t>(size) * size;
  for (int c = 0; c < 3; ++c) {
    const float scale = 1.0f / (255.0f * o.std[c]), shift = -o.mean[c] / o.std[c];
    float* dst = out_f32 + c * plane;
    for (size_t i = 0; i < plane; ++i) dst[i] = rgb[3 * i + c] * scale + shift;
  }
}

}  // namespace synthub::loader
