#include "loader/augment.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "synthub/error.h"
#include "util/target_clones.h"

namespace synthub::loader {
namespace {

constexpr double kMaxLevel = 10.0;  // timm's _MAX_LEVEL
constexpr double kPi = 3.14159265358979323846;

size_t Bytes(RgbImage img) { return static_cast<size_t>(img.width) * img.height * 3; }

// One table per channel, applied to every pixel (Pillow's Image.point).
using Luts = uint8_t[3][256];

void ApplyLuts(RgbImage img, const Luts& lut) {
  uint8_t* p = img.pixels;
  const size_t n = Bytes(img);
  for (size_t i = 0; i < n; i += 3) {
    p[i] = lut[0][p[i]];
    p[i + 1] = lut[1][p[i + 1]];
    p[i + 2] = lut[2][p[i + 2]];
  }
}

void ApplyLut(RgbImage img, const uint8_t lut[256]) {
  uint8_t* p = img.pixels;
  const size_t n = Bytes(img);
  for (size_t i = 0; i < n; ++i) p[i] = lut[p[i]];
}

void Histograms(RgbImage img, uint32_t hist[3][256]) {
  std::memset(hist, 0, sizeof(uint32_t) * 3 * 256);
  const uint8_t* p = img.pixels;
  const size_t n = Bytes(img);
  for (size_t i = 0; i < n; i += 3) {
    ++hist[0][p[i]];
    ++hist[1][p[i + 1]];
    ++hist[2][p[i + 2]];
  }
}

// Image.blend(degenerate, image, alpha) for one byte: Pillow computes
// in1 + alpha * (in2 - in1) in float, then truncates (clipping outside [0, 1]).
inline uint8_t Blend(int degenerate, int value, float alpha) {
  const float t = static_cast<float>(degenerate) + alpha * static_cast<float>(value - degenerate);
  return t <= 0.0f ? 0 : t >= 255.0f ? 255 : static_cast<uint8_t>(t);
}

// Blend over n bytes: img[i] = Blend(degenerate[i], img[i], alpha), in a
// loop the compiler vectorises (clipping then truncating is Pillow's rule).
SYNTHUB_CLONES
void BlendBytes(const uint8_t* degenerate, uint8_t* img, size_t n, float alpha) {
  for (size_t i = 0; i < n; ++i) {
    const float d = degenerate[i];
    const float t = d + alpha * (static_cast<float>(img[i]) - d);
    img[i] = static_cast<uint8_t>(static_cast<int>(std::min(std::max(t, 0.0f), 255.0f)));
  }
}

// floor for x >= -1 without a libm call (Pillow's FLOOR on these coordinates).
inline int FloorFrom(double x) { return x < 0 ? -1 : static_cast<int>(x); }

// Pillow's RGB -> L: ITU-R 601-2 luma in 16-bit fixed point, rounded.
inline int Luma(const uint8_t* rgb) {
  return (rgb[0] * 19595 + rgb[1] * 38470 + rgb[2] * 7471 + 0x8000) >> 16;
}

// A pixel's three channels (and one unused lane) as one vector of doubles:
// the avx2 clone computes a pixel in one register, the baseline in two, with
// the same IEEE operations.
typedef double Lanes __attribute__((vector_size(32)));

// Pixel i of a plane of 4 doubles per pixel (an unaligned load). The vector
// helpers take and give vectors by address: they are inlined, and no vector
// crosses a call (whose ABI would differ between the clones).
inline void Load(const double* plane, int i, Lanes* v) {
  std::memcpy(v, plane + 4 * static_cast<size_t>(i), sizeof(*v));
}

// Pillow's bicubic kernel in Image.transform: cubic convolution with
// a = -1, in Pillow's order of operations (so that results truncate alike).
inline void Cubic(const Lanes& v1, const Lanes& v2, const Lanes& v3, const Lanes& v4, double d,
                  Lanes* out) {
  const Lanes p1 = v2, p2 = -v1 + v3, p3 = 2 * (v1 - v2) + v3 - v4, p4 = -v1 + v2 - v3 + v4;
  *out = p1 + d * (p2 + d * (p3 + d * p4));
}

// Python's round(x, 15), as Image.rotate rounds its matrix (so that a
// rotation by 90 degrees has exact zeros).
double Round15(double x) { return std::nearbyint(x * 1e15) / 1e15; }

double Negated(double v, AugmentRng& rng) { return rng.Uniform() > 0.5 ? -v : v; }  // timm's _randomly_negate

// n standard normal values, four from each block of random words (Box-
// Muller in float: the noise of random erasing, a few ns a value).
void FillNormal(float* out, int n, AugmentRng& rng) {
  constexpr float kUnit = 1.0f / 16777216.0f;  // 2^-24
  for (int i = 0; i < n; i += 4) {
    uint32_t w[4];
    rng.NextBlock(w);
    float z[4];
    for (int k = 0; k < 4; k += 2) {
      const float u = static_cast<float>((w[k] >> 8) + 1) * kUnit;  // (0, 1]
      const float t = static_cast<float>(w[k + 1] >> 8) * (kUnit * 6.2831853f);
      const float r = std::sqrt(-2.0f * std::log(u));
      z[k] = r * std::cos(t);
      z[k + 1] = r * std::sin(t);
    }
    for (int k = 0; k < 4 && i + k < n; ++k) out[i + k] = z[k];
  }
}

bool ParseNumber(const std::string& text, double* value) {
  if (text.empty()) return false;
  char* end = nullptr;
  *value = std::strtod(text.c_str(), &end);
  return *end == '\0' && std::isfinite(*value);
}

}  // namespace

RandAugmentConfig ParseRandAugment(const std::string& text) {
  auto fail = [&](const std::string& why) -> void {
    throw UsageError("rand_augment: " + why + " in '" + text +
                     "' (timm syntax: rand-mM-nN-mstdS-incB, e.g. rand-m9-mstd0.5-inc1)");
  };
  RandAugmentConfig c;
  size_t start = 0;
  bool first = true;
  while (start <= text.size()) {
    size_t dash = text.find('-', start);
    if (dash == std::string::npos) dash = text.size();
    const std::string section = text.substr(start, dash - start);
    start = dash + 1;
    if (first) {
      if (section != "rand") fail("expected 'rand' first");
      first = false;
      continue;
    }
    size_t k = 0;
    while (k < section.size() && std::isalpha(static_cast<unsigned char>(section[k]))) ++k;
    const std::string key = section.substr(0, k);
    double v = 0;
    if (key.empty() || !ParseNumber(section.substr(k), &v)) fail("bad section '" + section + "'");
    if (key == "m") {
      if (v < 0 || v > kMaxLevel) fail("magnitude m must be in [0, 10]");
      c.magnitude = v;
    } else if (key == "n") {
      if (v != std::floor(v) || v < 1 || v > 16) fail("ops per image n must be an integer in [1, 16]");
      c.num_layers = static_cast<int>(v);
    } else if (key == "mstd") {
      if (v < 0) fail("mstd must be >= 0");
      c.magnitude_std = v;
    } else if (key == "inc") {
      if (v != 0 && v != 1) fail("inc must be 0 or 1");
      c.increasing = v == 1;
    } else {
      fail("unknown section '" + section + "' (known: m, n, mstd, inc)");
    }
  }
  return c;
}

void AutoContrast(RgbImage img) {
  uint32_t hist[3][256];
  Histograms(img, hist);
  Luts lut;
  for (int c = 0; c < 3; ++c) {
    int lo = 0, hi = 255;
    while (lo < 255 && hist[c][lo] == 0) ++lo;
    while (hi > 0 && hist[c][hi] == 0) --hi;
    for (int i = 0; i < 256; ++i) lut[c][i] = static_cast<uint8_t>(i);
    if (hi <= lo) continue;
    const double scale = 255.0 / (hi - lo), offset = -lo * scale;
    for (int i = 0; i < 256; ++i) lut[c][i] = static_cast<uint8_t>(std::clamp(static_cast<int>(i * scale + offset), 0, 255));
  }
  ApplyLuts(img, lut);
}

void Equalize(RgbImage img) {
  uint32_t hist[3][256];
  Histograms(img, hist);
  Luts lut;
  for (int c = 0; c < 3; ++c) {
    for (int i = 0; i < 256; ++i) lut[c][i] = static_cast<uint8_t>(i);
    const uint32_t* h = hist[c];
    int used = 0, last = 0;
    uint64_t total = 0;
    for (int i = 0; i < 256; ++i) {
      if (h[i]) ++used, last = i;
      total += h[i];
    }
    if (used <= 1) continue;
    // Pillow: step = (pixels - the count of the highest value) // 255; each
    // value maps to (step // 2 + pixels below it) // step.
    const uint64_t step = (total - h[last]) / 255;
    if (step == 0) continue;
    uint64_t n = step / 2;
    for (int i = 0; i < 256; ++i) {
      lut[c][i] = static_cast<uint8_t>(std::min<uint64_t>(n / step, 255));
      n += h[i];
    }
  }
  ApplyLuts(img, lut);
}

void Invert(RgbImage img) {
  uint8_t lut[256];
  for (int i = 0; i < 256; ++i) lut[i] = static_cast<uint8_t>(255 - i);
  ApplyLut(img, lut);
}

void Posterize(RgbImage img, int bits) {
  if (bits >= 8) return;  // timm returns the image as it is
  const int mask = ~((1 << (8 - std::max(bits, 0))) - 1);
  uint8_t lut[256];
  for (int i = 0; i < 256; ++i) lut[i] = static_cast<uint8_t>(i & mask);
  ApplyLut(img, lut);
}

void Solarize(RgbImage img, int threshold) {
  uint8_t lut[256];
  for (int i = 0; i < 256; ++i) lut[i] = static_cast<uint8_t>(i < threshold ? i : 255 - i);
  ApplyLut(img, lut);
}

void SolarizeAdd(RgbImage img, int add, int threshold) {
  uint8_t lut[256];
  for (int i = 0; i < 256; ++i) lut[i] = static_cast<uint8_t>(i < threshold ? std::min(255, i + add) : i);
  ApplyLut(img, lut);
}

void AdjustColor(RgbImage img, double factor, std::vector<uint8_t>* scratch) {
  const size_t n = Bytes(img);
  scratch->resize(n);
  uint8_t* gray = scratch->data();
  for (size_t i = 0; i < n; i += 3) gray[i] = gray[i + 1] = gray[i + 2] = static_cast<uint8_t>(Luma(img.pixels + i));
  BlendBytes(gray, img.pixels, n, static_cast<float>(factor));
}

void AdjustContrast(RgbImage img, double factor) {
  uint64_t sum = 0;
  const size_t n = Bytes(img);
  for (size_t i = 0; i < n; i += 3) sum += Luma(img.pixels + i);
  const int mean = static_cast<int>(static_cast<double>(sum) / (n / 3) + 0.5);
  uint8_t lut[256];
  for (int i = 0; i < 256; ++i) lut[i] = Blend(mean, i, static_cast<float>(factor));
  ApplyLut(img, lut);
}

void AdjustBrightness(RgbImage img, double factor) {
  uint8_t lut[256];
  for (int i = 0; i < 256; ++i) lut[i] = Blend(0, i, static_cast<float>(factor));
  ApplyLut(img, lut);
}

void AdjustSharpness(RgbImage img, double factor, std::vector<uint8_t>* scratch) {
  // ImageFilter.SMOOTH: [1 1 1; 1 5 1; 1 1 1] / 13, rounded; Pillow copies
  // the one-pixel border unfiltered.
  const int w = img.width, h = img.height;
  const size_t row = static_cast<size_t>(w) * 3;
  scratch->assign(img.pixels, img.pixels + Bytes(img));
  uint8_t* smooth = scratch->data();
  for (int y = 1; y + 1 < h; ++y) {
    const uint8_t* up = img.pixels + (y - 1) * row;
    const uint8_t* mid = up + row;
    const uint8_t* down = mid + row;
    uint8_t* out = smooth + y * row;
    for (size_t i = 3; i + 3 < row; ++i) {
      const int s = up[i - 3] + up[i] + up[i + 3] + mid[i - 3] + 5 * mid[i] + mid[i + 3] +
                    down[i - 3] + down[i] + down[i + 3];
      out[i] = static_cast<uint8_t>((s + 6) / 13);
    }
  }
  BlendBytes(smooth, img.pixels, Bytes(img), static_cast<float>(factor));
}

SYNTHUB_CLONES
void AffineTransform(RgbImage img, const double m[6], Interpolation interp, const uint8_t fill[3],
                     std::vector<double>* scratch) {
  const int w = img.width, h = img.height;
  const size_t row = static_cast<size_t>(w) * 3;
  // The input as 4 doubles per pixel, converted once (the taps of
  // neighbouring output pixels overlap up to 16 times).
  scratch->assign(4 * static_cast<size_t>(w) * h, 0.0);
  double* src = scratch->data();
  for (size_t i = 0; i < static_cast<size_t>(w) * h; ++i) {
    for (int c = 0; c < 3; ++c) src[4 * i + c] = img.pixels[3 * i + c];
  }
  for (int y = 0; y < h; ++y) {
    uint8_t* out = img.pixels + y * row;
    const double yc = y + 0.5;
    for (int x = 0; x < w; ++x, out += 3) {
      const double xc = x + 0.5;
      double xin = m[0] * xc + m[1] * yc + m[2];
      double yin = m[3] * xc + m[4] * yc + m[5];
      if (!(xin >= 0 && xin < w && yin >= 0 && yin < h)) {
        out[0] = fill[0], out[1] = fill[1], out[2] = fill[2];
        continue;
      }
      xin -= 0.5;  // to pixel centres
      yin -= 0.5;
      const int x0 = FloorFrom(xin), y0 = FloorFrom(yin);
      const double dx = xin - x0, dy = yin - y0;
      Lanes v;
      if (interp == Interpolation::kBilinear) {  // Pillow's: rows first, then columns
        const int top = std::max(y0, 0) * w, bottom = std::min(y0 + 1, h - 1) * w;
        const int xa = std::max(x0, 0), xb = std::min(x0 + 1, w - 1);
        Lanes ta, tb, ba, bb;
        Load(src, top + xa, &ta);
        Load(src, top + xb, &tb);
        Load(src, bottom + xa, &ba);
        Load(src, bottom + xb, &bb);
        const Lanes t = ta + (tb - ta) * dx, b = ba + (bb - ba) * dx;
        v = t + (b - t) * dy;
      } else {
        // 4 x 4 taps from (x0 - 1, y0 - 1), clamped to the edge near it.
        int xs[4], ys[4];
        const bool inside = x0 >= 1 && x0 + 2 < w && y0 >= 1 && y0 + 2 < h;
        for (int k = 0; k < 4; ++k) {
          xs[k] = inside ? x0 - 1 + k : std::clamp(x0 - 1 + k, 0, w - 1);
          ys[k] = (inside ? y0 - 1 + k : std::clamp(y0 - 1 + k, 0, h - 1)) * w;
        }
        Lanes a0, a1, a2, a3, across[4];
        for (int r = 0; r < 4; ++r) {
          Load(src, ys[r] + xs[0], &a0);
          Load(src, ys[r] + xs[1], &a1);
          Load(src, ys[r] + xs[2], &a2);
          Load(src, ys[r] + xs[3], &a3);
          Cubic(a0, a1, a2, a3, dx, &across[r]);
        }
        Cubic(across[0], across[1], across[2], across[3], dy, &v);
      }
      // Pillow: 0 at or below 0, 255 at or above 255, else truncated.
      const Lanes zero = {0, 0, 0, 0}, top = {255, 255, 255, 255};
      v = v < zero ? zero : v;
      v = v > top ? top : v;
      for (int c = 0; c < 3; ++c) out[c] = static_cast<uint8_t>(static_cast<int>(v[c]));
    }
  }
}

void Rotate(RgbImage img, double degrees, Interpolation interp, const uint8_t fill[3],
            std::vector<double>* scratch) {
  double a = std::fmod(degrees, 360.0);  // Python's angle % 360
  if (a < 0) a += 360.0;
  const double r = -a * kPi / 180.0;
  double m[6] = {Round15(std::cos(r)), Round15(std::sin(r)), 0.0,
                 Round15(-std::sin(r)), Round15(std::cos(r)), 0.0};
  const double cx = img.width / 2.0, cy = img.height / 2.0;
  m[2] = m[0] * -cx + m[1] * -cy + cx;
  m[5] = m[3] * -cx + m[4] * -cy + cy;
  AffineTransform(img, m, interp, fill, scratch);
}

CropBox RandomErasingBox(double probability, int size, AugmentRng& rng) {
  if (rng.Uniform() > probability) return {};
  const double area = static_cast<double>(size) * size;
  const double log_lo = std::log(0.3), log_hi = std::log(1 / 0.3);
  for (int attempt = 0; attempt < 10; ++attempt) {
    const double target = (0.02 + (1.0 / 3 - 0.02) * rng.Uniform()) * area;
    const double aspect = std::exp(log_lo + (log_hi - log_lo) * rng.Uniform());
    const int h = static_cast<int>(std::nearbyint(std::sqrt(target * aspect)));  // Python's round
    const int w = static_cast<int>(std::nearbyint(std::sqrt(target / aspect)));
    if (w < size && h < size) {
      const int top = static_cast<int>(rng.Uniform() * (size - h + 1));
      const int left = static_cast<int>(rng.Uniform() * (size - w + 1));
      return {left, top, w, h};
    }
  }
  return {};
}

void EraseWithNoise(const CropBox& box, int size, const LoaderOptions& o, AugmentRng& rng,
                    float* out_f32, uint8_t* out_u8) {
  thread_local std::vector<float> noise;
  noise.resize(box.width);
  for (int c = 0; c < 3; ++c) {
    for (int y = box.y; y < box.y + box.height; ++y) {
      if (out_f32) {
        FillNormal(out_f32 + (static_cast<size_t>(c) * size + y) * size + box.x, box.width, rng);
        continue;
      }
      FillNormal(noise.data(), box.width, rng);
      uint8_t* dst = out_u8 + (static_cast<size_t>(y) * size + box.x) * 3 + c;
      for (int x = 0; x < box.width; ++x) {
        const float v = std::nearbyint((noise[x] * o.std[c] + o.mean[c]) * 255.0f);
        dst[3 * x] = static_cast<uint8_t>(std::clamp(v, 0.0f, 255.0f));
      }
    }
  }
}

ImageAugmenter::ImageAugmenter(const LoaderOptions& o)
    : rand_augment_(!o.rand_augment.empty()), jitter_(o.color_jitter), interp_(o.interpolation) {
  if (rand_augment_) config_ = ParseRandAugment(o.rand_augment);
  for (int c = 0; c < 3; ++c) {
    // timm: img_mean = min(255, round(255 * mean)), Python's round (half to even).
    fill_[c] = static_cast<uint8_t>(std::clamp(std::nearbyint(255.0 * o.mean[c]), 0.0, 255.0));
  }
}

void ImageAugmenter::Apply(RgbImage img, AugmentRng& rng) {
  if (rand_augment_) {
    RandAugment(img, rng);
  } else if (jitter_ > 0) {
    ColorJitter(img, rng);
  }
}

// timm's RandAugment: num_layers ops drawn uniformly with replacement; each
// applied with probability 0.5 at magnitude N(m, mstd) clipped to [0, 10].
void ImageAugmenter::RandAugment(RgbImage img, AugmentRng& rng) {
  RandOp ops[16];
  for (int i = 0; i < config_.num_layers; ++i) {
    ops[i] = static_cast<RandOp>(std::min(static_cast<int>(rng.Uniform() * kRandOpCount), kRandOpCount - 1));
  }
  for (int i = 0; i < config_.num_layers; ++i) {
    if (rng.Uniform() > 0.5) continue;
    double m = config_.magnitude;
    if (config_.magnitude_std > 0) m += config_.magnitude_std * rng.Normal();
    ApplyOp(ops[i], std::clamp(m, 0.0, kMaxLevel), img, rng);
  }
}

// One op at magnitude m with timm's level functions (the *Increasing ones
// with inc1).
void ImageAugmenter::ApplyOp(RandOp op, double m, RgbImage img, AugmentRng& rng) {
  const double level = m / kMaxLevel;
  const bool inc = config_.increasing;
  auto enhance = [&] { return inc ? 1.0 + Negated(level * 0.9, rng) : level * 1.8 + 0.1; };
  switch (op) {
    case RandOp::kAutoContrast: return AutoContrast(img);
    case RandOp::kEqualize: return Equalize(img);
    case RandOp::kInvert: return Invert(img);
    case RandOp::kRotate: return Rotate(img, Negated(level * 30.0, rng), interp_, fill_, &plane_);
    case RandOp::kPosterize: {
      const int bits = static_cast<int>(level * 4);
      return Posterize(img, inc ? 4 - bits : bits);
    }
    case RandOp::kSolarize: {
      const int threshold = static_cast<int>(level * 256);
      return Solarize(img, inc ? 256 - threshold : threshold);
    }
    case RandOp::kSolarizeAdd: return SolarizeAdd(img, static_cast<int>(level * 110), 128);
    case RandOp::kColor: return AdjustColor(img, enhance(), &scratch_);
    case RandOp::kContrast: return AdjustContrast(img, enhance());
    case RandOp::kBrightness: return AdjustBrightness(img, enhance());
    case RandOp::kSharpness: return AdjustSharpness(img, enhance(), &scratch_);
    case RandOp::kShearX:
    case RandOp::kShearY: {
      const double s = Negated(level * 0.3, rng);
      const double m6[6] = {1, op == RandOp::kShearX ? s : 0, 0, op == RandOp::kShearY ? s : 0, 1, 0};
      return AffineTransform(img, m6, interp_, fill_, &plane_);
    }
    case RandOp::kTranslateXRel:
    case RandOp::kTranslateYRel: {
      const double pct = Negated(level * 0.45, rng);
      const bool x = op == RandOp::kTranslateXRel;
      const double m6[6] = {1, 0, x ? pct * img.width : 0, 0, 1, x ? 0 : pct * img.height};
      return AffineTransform(img, m6, interp_, fill_, &plane_);
    }
  }
}

// torchvision's ColorJitter(b, b, b) on a PIL image: brightness, contrast
// and saturation (ImageEnhance.Color) in a random order, each factor
// uniform in [max(0, 1 - b), 1 + b].
void ImageAugmenter::ColorJitter(RgbImage img, AugmentRng& rng) {
  int order[3] = {0, 1, 2};
  for (int i = 2; i > 0; --i) std::swap(order[i], order[std::min(static_cast<int>(rng.Uniform() * (i + 1)), i)]);
  const double lo = std::max(0.0, 1.0 - jitter_), hi = 1.0 + jitter_;
  for (int k : order) {
    const double f = lo + (hi - lo) * rng.Uniform();
    if (k == 0) AdjustBrightness(img, f);
    if (k == 1) AdjustContrast(img, f);
    if (k == 2) AdjustColor(img, f, &scratch_);
  }
}

}  // namespace synthub::loader
