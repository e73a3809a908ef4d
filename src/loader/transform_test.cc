#include "loader/transform.h"

#include <algorithm>
#include <cmath>
#include <tuple>
#include <gtest/gtest.h>
#include <vector>

namespace synthub::loader {
namespace {

// Direct bilinear sampling with half-pixel centres, clamped to the crop.
float Reference(const std::vector<uint8_t>& img, int w, const CropBox& b, int size, int y, int x,
                int c) {
  auto coord = [&](int d, int lo, int len) {
    double s = (d + 0.5) * len / size - 0.5;
    int i0 = static_cast<int>(std::floor(s));
    double f = s - i0;
    int a = lo + std::clamp(i0, 0, len - 1), bb = lo + std::clamp(i0 + 1, 0, len - 1);
    return std::tuple<int, int, double>(a, bb, f);
  };
  auto [x0, x1, fx] = coord(x, b.x, b.width);
  auto [y0, y1, fy] = coord(y, b.y, b.height);
  auto px = [&](int yy, int xx) { return static_cast<double>(img[(yy * w + xx) * 3 + c]); };
  const double top = px(y0, x0) * (1 - fx) + px(y0, x1) * fx;
  const double bottom = px(y1, x0) * (1 - fx) + px(y1, x1) * fx;
  return static_cast<float>(top * (1 - fy) + bottom * fy);
}

// Shrinking, enlarging (the vectorised permute path), sizes that are and are
// not multiples of 8, flips, both output layouts.
TEST(TransformTest, BilinearCropResizeMatchesDirectSampling) {
  const int w = 37, h = 29;
  std::vector<uint8_t> img(w * h * 3);
  for (size_t i = 0; i < img.size(); ++i) img[i] = static_cast<uint8_t>((i * 37 + i / 7) % 256);
  LoaderOptions o;
  for (int c = 0; c < 3; ++c) o.mean[c] = 0.0f, o.std[c] = 1.0f / 255.0f;  // identity scale
  for (int size : {16, 20, 64}) {
    for (const CropBox& box : {CropBox{0, 0, w, h}, CropBox{5, 3, 20, 11}, CropBox{30, 20, 7, 9}}) {
      for (bool hflip : {false, true}) {
        for (bool vflip : {false, true}) {
          std::vector<float> out(3 * size * size);
          std::vector<uint8_t> out8(3 * size * size);
          ResizeInto(img.data(), w, h, 3, box, size, Interpolation::kBilinear, hflip, vflip, o,
                     out.data(), nullptr);
          ResizeInto(img.data(), w, h, 3, box, size, Interpolation::kBilinear, hflip, vflip, o,
                     nullptr, out8.data());
          for (int c = 0; c < 3; ++c) {
            for (int y = 0; y < size; ++y) {
              for (int x = 0; x < size; ++x) {
                const int sx = hflip ? size - 1 - x : x, sy = vflip ? size - 1 - y : y;
                const float want = Reference(img, w, box, size, sy, sx, c);
                ASSERT_NEAR(out[(c * size + y) * size + x], want, 1e-2)
                    << "size " << size << " box " << box.x << "," << box.y << " c" << c << " y" << y
                    << " x" << x;
                ASSERT_NEAR(out8[(y * size + x) * 3 + c], want, 0.51) << "uint8 layout";
              }
            }
          }
        }
      }
    }
  }
}

// A gray image (one channel, as PNG decoding and rendering give it) is
// written exactly as its RGB expansion would be, in both layouts.
TEST(TransformTest, GrayInputEqualsItsRgbExpansion) {
  const int w = 41, h = 27;
  std::vector<uint8_t> gray(w * h), rgb(w * h * 3);
  for (size_t i = 0; i < gray.size(); ++i) {
    gray[i] = static_cast<uint8_t>((i * 53 + i / 5) % 256);
    rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = gray[i];
  }
  LoaderOptions o;
  o.mean[0] = 0.485f, o.mean[1] = 0.456f, o.mean[2] = 0.406f;
  o.std[0] = 0.229f, o.std[1] = 0.224f, o.std[2] = 0.225f;
  for (Interpolation interp : {Interpolation::kBilinear, Interpolation::kBicubic}) {
    for (const CropBox& box : {CropBox{0, 0, w, h}, CropBox{3, 2, 11, 9}}) {
      for (int size : {24, 13}) {
        std::vector<float> f1(3 * size * size), f3(3 * size * size);
        std::vector<uint8_t> u1(3 * size * size), u3(3 * size * size);
        ResizeInto(gray.data(), w, h, 1, box, size, interp, true, false, o, f1.data(), nullptr);
        ResizeInto(rgb.data(), w, h, 3, box, size, interp, true, false, o, f3.data(), nullptr);
        ResizeInto(gray.data(), w, h, 1, box, size, interp, false, true, o, nullptr, u1.data());
        ResizeInto(rgb.data(), w, h, 3, box, size, interp, false, true, o, nullptr, u3.data());
        EXPECT_EQ(f1, f3);
        EXPECT_EQ(u1, u3);
      }
    }
  }
}

TEST(TransformTest, RandomResizedCropStaysInsideAndFollowsScale) {
  LoaderOptions o;
  o.scale_min = 0.25;
  o.scale_max = 0.5;
  for (uint64_t s = 0; s < 200; ++s) {
    AugmentRng rng(1, 0, s);
    const CropBox b = RandomResizedCropBox(300, 200, o, rng);
    ASSERT_GE(b.x, 0);
    ASSERT_GE(b.y, 0);
    ASSERT_LE(b.x + b.width, 300);
    ASSERT_LE(b.y + b.height, 200);
    const double area = static_cast<double>(b.width) * b.height / (300.0 * 200.0);
    ASSERT_GT(area, 0.2);
    ASSERT_LT(area, 0.56);
  }
}

}  // namespace
}  // namespace synthub::loader
