#include "loader/transform.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "fractal/random.h"

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

void ResizeInto(const uint8_t* rgb, int width, int height, const CropBox& box, int size,
                Interpolation interp, bool hflip, bool vflip, const LoaderOptions& o,
                float* out_f32, uint8_t* out_u8) {
  const std::vector<Taps> xt = MakeTaps(box.x, box.width, size, interp);
  const std::vector<Taps> yt = MakeTaps(box.y, box.height, size, interp);
  // Horizontal pass over the rows the vertical pass needs.
  int row_lo = height, row_hi = -1;
  for (const Taps& t : yt) {
    for (int k = 0; k < t.count; ++k) {
      row_lo = std::min(row_lo, t.index[k]);
      row_hi = std::max(row_hi, t.index[k]);
    }
  }
  thread_local std::vector<float> tmp;
  const int rows = row_hi - row_lo + 1;
  tmp.resize(static_cast<size_t>(rows) * size * 3);
  for (int r = 0; r < rows; ++r) {
    const uint8_t* src = rgb + static_cast<size_t>(row_lo + r) * width * 3;
    float* dst = tmp.data() + static_cast<size_t>(r) * size * 3;
    for (int x = 0; x < size; ++x) {
      const Taps& t = xt[x];
      float c0 = 0, c1 = 0, c2 = 0;
      for (int k = 0; k < t.count; ++k) {
        const uint8_t* p = src + t.index[k] * 3;
        c0 += t.weight[k] * p[0];
        c1 += t.weight[k] * p[1];
        c2 += t.weight[k] * p[2];
      }
      dst[3 * x] = c0, dst[3 * x + 1] = c1, dst[3 * x + 2] = c2;
    }
  }
  // Vertical pass, flips, normalisation.
  const size_t plane = static_cast<size_t>(size) * size;
  float scale[3], shift[3];
  for (int c = 0; c < 3; ++c) {
    scale[c] = 1.0f / (255.0f * o.std[c]);
    shift[c] = -o.mean[c] / o.std[c];
  }
  for (int y = 0; y < size; ++y) {
    const Taps& t = yt[y];
    const int oy = vflip ? size - 1 - y : y;
    for (int x = 0; x < size; ++x) {
      float c[3] = {0, 0, 0};
      for (int k = 0; k < t.count; ++k) {
        const float* p = tmp.data() + (static_cast<size_t>(t.index[k] - row_lo) * size + x) * 3;
        c[0] += t.weight[k] * p[0];
        c[1] += t.weight[k] * p[1];
        c[2] += t.weight[k] * p[2];
      }
      const int ox = hflip ? size - 1 - x : x;
      if (out_f32) {
        for (int ch = 0; ch < 3; ++ch) {
          out_f32[ch * plane + static_cast<size_t>(oy) * size + ox] = c[ch] * scale[ch] + shift[ch];
        }
      } else {
        uint8_t* q = out_u8 + (static_cast<size_t>(oy) * size + ox) * 3;
        for (int ch = 0; ch < 3; ++ch) {
          q[ch] = static_cast<uint8_t>(std::clamp(c[ch] + 0.5f, 0.0f, 255.0f));
        }
      }
    }
  }
}

}  // namespace synthub::loader
