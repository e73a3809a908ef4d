#include "fractal/render.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>

#include "fractal/random.h"
#include "synthub/error.h"

namespace synthub::fractal {
namespace {

constexpr uint8_t kGray = 127;
constexpr uint32_t kWalkSeed = 100;  // the reference reseeds per image

// The walk's random numbers are the same for every image of a given point
// count: compute them once per count and share them (read-only).
const std::vector<double>& WalkRandoms(int points) {
  static std::mutex mu;
  static std::map<int, std::unique_ptr<std::vector<double>>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto& slot = cache[points];
  if (!slot) {
    slot = std::make_unique<std::vector<double>>(points);
    Mt19937 mt(kWalkSeed);
    NumpyRandomFill(mt, slot->data(), slot->size());
  }
  return *slot;
}

// HSV(h, 0.75, 0.75) -> RGB bytes (truncated), h = (i mod 128) / 128 turns.
void PointColor(uint32_t i, uint8_t rgb[3]) {
  const double h = static_cast<double>(i % 128) / 128.0 * 6.0;
  const double s = 0.75, v = 0.75;
  const int sector = static_cast<int>(h) % 6;
  const double f = h - std::floor(h);
  const double p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
  double r, g, b;
  switch (sector) {
    case 0: r = v, g = t, b = p; break;
    case 1: r = q, g = v, b = p; break;
    case 2: r = p, g = v, b = t; break;
    case 3: r = p, g = q, b = v; break;
    case 4: r = t, g = p, b = v; break;
    default: r = v, g = p, b = q; break;
  }
  rgb[0] = static_cast<uint8_t>(r * 255.0);
  rgb[1] = static_cast<uint8_t>(g * 255.0);
  rgb[2] = static_cast<uint8_t>(b * 255.0);
}

// Philox counter for the masks of points 4*block .. 4*block+3.
inline PhiloxBlock MaskBlock(const uint32_t key[2], uint32_t category,
                             uint32_t row_draw, uint32_t block) {
  const uint32_t ctr[4] = {block, category, row_draw, kTagMask};
  return Philox4x32(key, ctr);
}

inline uint32_t MaskFromWord(uint32_t word) { return 1 + ScaleU32(word, 511); }

inline uint32_t RowDraw(uint32_t row, uint32_t draw) {
  return (row << 16) | (draw & 0xffffu);
}

}  // namespace

std::string DrawModeName(DrawMode mode) {
  switch (mode) {
    case DrawMode::kPatchGray: return "patch_gray";
    case DrawMode::kPatchColor: return "patch_color";
    case DrawMode::kPointGray: return "point_gray";
    case DrawMode::kPointColor: return "point_color";
  }
  return "?";
}

DrawMode ParseDrawMode(const std::string& name) {
  for (DrawMode m : {DrawMode::kPatchGray, DrawMode::kPatchColor,
                     DrawMode::kPointGray, DrawMode::kPointColor}) {
    if (DrawModeName(m) == name) return m;
  }
  throw UsageError("--draw: expected patch_gray, patch_color, point_gray or "
                   "point_color, got '" + name + "'");
}

void ValidateRenderOptions(const RenderOptions& o) {
  if (o.size < 16 || o.size > 8192) throw UsageError("--size must be in [16, 8192]");
  if (o.points < 2) throw UsageError("--points must be >= 2");
  if (o.pad < 4 || 2 * o.pad >= o.size) {
    throw UsageError("--pad must be >= 4 (the 3x3 patch sits at x+1..x+3) "
                     "and below half the size");
  }
  if (!(o.weight_k >= 0.0 && o.weight_k < 0.5)) {
    throw UsageError("--weight-k must be in [0, 0.5)");
  }
}

void WeightRow(double k, int row, double out[6]) {
  SYNTHUB_CHECK(row >= 0 && row < kWeightRows);
  for (int i = 0; i < 6; ++i) out[i] = 1.0;
  if (row == 0) return;
  static const int kMultiples[4] = {-2, -1, 1, 2};
  const int param = (row - 1) / 4;
  const double w = 1.0 + kMultiples[(row - 1) % 4] * k;
  // The reference reads its table from a CSV of decimals ("0.2", not
  // 0.19999999999999996): round-trip through 12 significant digits.
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.12g", w);
  out[param] = std::strtod(buf, nullptr);
}

Raster ComputeCloud(const Ifs& ifs, int row, const RenderOptions& o) {
  double weights[6];
  WeightRow(o.weight_k, row, weights);
  const std::vector<double>& rand = WalkRandoms(o.points);
  thread_local std::vector<double> xs, ys;
  ChaosGame(ifs, weights, rand.data(), o.points, &xs, &ys);
  Raster raster;
  Rasterize(&xs, &ys, o.size, o.size, o.pad, &raster);
  return raster;
}

uint32_t PatchMask(uint64_t seed, uint32_t category, uint32_t row,
                   uint32_t draw, uint32_t point) {
  const uint32_t key[2] = {static_cast<uint32_t>(seed),
                           static_cast<uint32_t>(seed >> 32)};
  PhiloxBlock b = MaskBlock(key, category, RowDraw(row, draw), point / 4);
  return MaskFromWord(b.v[point % 4]);
}

std::vector<uint8_t> DrawCloud(const Raster& cloud, const RenderOptions& o,
                               uint64_t seed, uint32_t category, uint32_t row,
                               uint32_t draw) {
  const int w = o.size;
  const int channels = IsColor(o.mode) ? 3 : 1;
  const size_t stride = static_cast<size_t>(w) * channels;
  std::vector<uint8_t> canvas(stride * w, 0);
  uint8_t* img = canvas.data();
  const size_t n = cloud.x.size();
  const uint16_t* xs = cloud.x.data();
  const uint16_t* ys = cloud.y.data();
  // Points sit in [pad, size - pad]; the patch covers x+1..x+3, y+1..y+3.
  const int limit = w - 3;
  if (o.mode == DrawMode::kPointGray) {
    for (size_t i = 0; i < n; ++i) img[ys[i] * stride + xs[i]] = kGray;
  } else if (o.mode == DrawMode::kPointColor) {
    for (size_t i = 0; i < n; ++i) {
      PointColor(static_cast<uint32_t>(i), img + ys[i] * stride + xs[i] * 3);
    }
  } else {
    const uint32_t key[2] = {static_cast<uint32_t>(seed),
                             static_cast<uint32_t>(seed >> 32)};
    const uint32_t rd = RowDraw(row, draw);
    // Row patterns: 3 bits -> 3 bytes of 0/127, most significant bit left.
    uint8_t pattern[8][3];
    for (int bits = 0; bits < 8; ++bits) {
      for (int c = 0; c < 3; ++c) pattern[bits][c] = (bits >> (2 - c)) & 1 ? kGray : 0;
    }
    uint8_t color[3] = {kGray, kGray, kGray};
    thread_local std::vector<uint32_t> words;
    words.resize((n + 3) / 4 * 4);
    PhiloxFill(key, 0, category, rd, kTagMask, words.size() / 4, words.data());
    for (size_t i = 0; i < n; ++i) {
      const uint32_t mask = MaskFromWord(words[i]);
      const int x = xs[i], y = ys[i];
      if (x >= limit || y >= limit) continue;  // only degenerate clouds
      if (channels == 1) {
        uint8_t* p = img + static_cast<size_t>(y + 1) * stride + (x + 1);
        for (int r = 0; r < 3; ++r, p += stride) {
          const uint8_t* row_pattern = pattern[(mask >> (6 - 3 * r)) & 7];
          p[0] = row_pattern[0];
          p[1] = row_pattern[1];
          p[2] = row_pattern[2];
        }
      } else {
        PointColor(static_cast<uint32_t>(i), color);
        for (int r = 0; r < 3; ++r) {
          uint8_t* p = img + static_cast<size_t>(y + 1 + r) * stride + (x + 1) * 3;
          for (int c = 0; c < 3; ++c) {
            const bool on = (mask >> (8 - 3 * r - c)) & 1;
            p[3 * c + 0] = on ? color[0] : 0;
            p[3 * c + 1] = on ? color[1] : 0;
            p[3 * c + 2] = on ? color[2] : 0;
          }
        }
      }
    }
  }
  // The reference flips top-bottom before saving: swap rows in place.
  for (int y = 0; y < w / 2; ++y) {
    std::swap_ranges(img + y * stride, img + (y + 1) * stride, img + (w - 1 - y) * stride);
  }
  return canvas;
}

void FlipImage(const uint8_t* image, int width, int height, int channels, int flip,
               std::vector<uint8_t>* out) {
  const bool ud = flip & 1, lr = flip & 2;
  const size_t stride = static_cast<size_t>(width) * channels;
  out->resize(stride * height);
  for (int y = 0; y < height; ++y) {
    const uint8_t* src = image + (ud ? height - 1 - y : y) * stride;
    uint8_t* dst = out->data() + y * stride;
    if (!lr) {
      std::memcpy(dst, src, stride);
    } else if (channels == 1) {
      for (int x = 0; x < width; ++x) dst[x] = src[width - 1 - x];
    } else {
      for (int x = 0; x < width; ++x) {
        std::memcpy(dst + x * channels, src + (width - 1 - x) * channels, channels);
      }
    }
  }
}

}  // namespace synthub::fractal
