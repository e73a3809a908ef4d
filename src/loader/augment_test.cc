#include "loader/augment.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "synthub/error.h"

namespace synthub::loader {
namespace {

// A w x h RGB image with every byte from f(x, y, c).
template <class F>
std::vector<uint8_t> Make(int w, int h, F f) {
  std::vector<uint8_t> px(static_cast<size_t>(w) * h * 3);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      for (int c = 0; c < 3; ++c) px[(static_cast<size_t>(y) * w + x) * 3 + c] = static_cast<uint8_t>(f(x, y, c));
    }
  }
  return px;
}

std::vector<uint8_t> Ramp(int w, int h) {
  return Make(w, h, [](int x, int y, int c) { return (x * 37 + y * 11 + c * 71) % 256; });
}

RgbImage View(std::vector<uint8_t>& px, int w, int h) { return RgbImage{px.data(), w, h}; }

TEST(RandAugmentConfigTest, ParsesTimmStrings) {
  const RandAugmentConfig a = ParseRandAugment("rand-m9-mstd0.5-inc1");
  EXPECT_EQ(a.magnitude, 9);
  EXPECT_EQ(a.num_layers, 2);
  EXPECT_EQ(a.magnitude_std, 0.5);
  EXPECT_TRUE(a.increasing);
  const RandAugmentConfig b = ParseRandAugment("rand-n3-m7.5");
  EXPECT_EQ(b.magnitude, 7.5);
  EXPECT_EQ(b.num_layers, 3);
  EXPECT_EQ(b.magnitude_std, 0);
  EXPECT_FALSE(b.increasing);
  EXPECT_EQ(ParseRandAugment("rand").magnitude, 10);  // timm's defaults
  for (const char* bad : {"", "augmix-m3", "rand-m11", "rand-m", "rand-x9", "rand-w0", "rand-inc2",
                          "rand-n0", "rand-mstd-1", "rand-m9-", "rand--m9"}) {
    try {
      ParseRandAugment(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const UsageError& e) {
      EXPECT_EQ(std::string(e.what()).rfind("rand_augment: ", 0), 0u) << e.what();
      EXPECT_NE(std::string(e.what()).find("'" + std::string(bad) + "'"), std::string::npos) << e.what();
    }
  }
}

TEST(AugmentOpsTest, LookupTableOps) {
  std::vector<uint8_t> all = Make(16, 16, [](int x, int y, int c) { return (y * 16 + x + c) % 256; });
  const std::vector<uint8_t> orig = all;
  auto each = [&](auto want) {
    for (size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i], want(orig[i])) << "byte " << i;
    all = orig;
  };
  Invert(View(all, 16, 16));
  each([](int v) { return 255 - v; });
  Solarize(View(all, 16, 16), 128);
  each([](int v) { return v < 128 ? v : 255 - v; });
  Solarize(View(all, 16, 16), 256);  // inc1 at magnitude 0: nothing
  each([](int v) { return v; });
  Solarize(View(all, 16, 16), 0);
  each([](int v) { return 255 - v; });
  Posterize(View(all, 16, 16), 1);
  each([](int v) { return v & 0x80; });
  Posterize(View(all, 16, 16), 3);
  each([](int v) { return v & 0xe0; });
  Posterize(View(all, 16, 16), 0);
  each([](int) { return 0; });
  Posterize(View(all, 16, 16), 8);
  each([](int v) { return v; });
  SolarizeAdd(View(all, 16, 16), 110, 128);
  each([](int v) { return v < 128 ? std::min(255, v + 110) : v; });
}

TEST(AugmentOpsTest, EqualizeFollowsPillowHistogramRule) {
  // Channel 0: 255 zeros, 255 x 100, 2 x 200. step = (512 - 2) / 255 = 2;
  // v -> (step / 2 + pixels below v) / step: 0 -> 0, 100 -> 128, 200 -> 255.
  // Channel 1: one value (unchanged). Channel 2: every value twice (a flat
  // histogram stays as it is).
  std::vector<uint8_t> px = Make(512, 1, [](int x, int, int c) {
    if (c == 0) return x < 255 ? 0 : x < 510 ? 100 : 200;
    if (c == 1) return 77;
    return x / 2;
  });
  Equalize(View(px, 512, 1));
  for (int x = 0; x < 512; ++x) {
    ASSERT_EQ(px[x * 3], x < 255 ? 0 : x < 510 ? 128 : 255) << x;
    ASSERT_EQ(px[x * 3 + 1], 77);
    ASSERT_EQ(px[x * 3 + 2], x / 2);
  }
}

TEST(AugmentOpsTest, AutoContrastStretchesEachChannel) {
  // Channel 0 spans [50, 150]: v -> int(v scale + offset), scale = 255 /
  // (150 - 50), offset = -50 scale (Pillow's table). Channel 1 is constant
  // (unchanged); channel 2 already spans [0, 255].
  std::vector<uint8_t> px = Make(101, 1, [](int x, int, int c) { return c == 0 ? 50 + x : c == 1 ? 9 : x * 255 / 100; });
  AutoContrast(View(px, 101, 1));
  const double scale = 255.0 / 100, offset = -50 * scale;
  for (int x = 0; x <= 100; ++x) {
    ASSERT_EQ(px[x * 3], static_cast<int>((50 + x) * scale + offset)) << x;
    ASSERT_EQ(px[x * 3 + 1], 9);
    ASSERT_EQ(px[x * 3 + 2], x * 255 / 100);
  }
  EXPECT_EQ(px[0], 0);
  EXPECT_EQ(px[100 * 3], 255);
}

TEST(AugmentOpsTest, EnhanceOpsAtFactorOneAreIdentityAndBlendOtherwise) {
  const std::vector<uint8_t> orig = Ramp(23, 19);
  std::vector<uint8_t> px = orig, scratch;
  AdjustColor(View(px, 23, 19), 1.0, &scratch);
  AdjustContrast(View(px, 23, 19), 1.0);
  AdjustBrightness(View(px, 23, 19), 1.0);
  AdjustSharpness(View(px, 23, 19), 1.0, &scratch);
  EXPECT_EQ(px, orig);

  AdjustBrightness(View(px, 23, 19), 0.5);  // blend with black, truncated
  for (size_t i = 0; i < px.size(); ++i) ASSERT_EQ(px[i], orig[i] / 2);
  px = orig;
  AdjustBrightness(View(px, 23, 19), 1.9);  // extrapolation clips
  for (size_t i = 0; i < px.size(); ++i) ASSERT_EQ(px[i], std::min(255, static_cast<int>(orig[i] * 1.9f)));
  px = orig;
  AdjustColor(View(px, 23, 19), 0.0, &scratch);  // Pillow's luma, on every channel
  for (size_t i = 0; i < px.size(); i += 3) {
    const int luma = (orig[i] * 19595 + orig[i + 1] * 38470 + orig[i + 2] * 7471 + 0x8000) >> 16;
    ASSERT_EQ(px[i], luma);
    ASSERT_EQ(px[i + 1], luma);
    ASSERT_EQ(px[i + 2], luma);
  }
  // Contrast 0: every byte the rounded mean luma.
  std::vector<uint8_t> two = Make(2, 1, [](int x, int, int) { return x == 0 ? 10 : 21; });
  AdjustContrast(View(two, 2, 1), 0.0);
  for (uint8_t v : two) EXPECT_EQ(v, 16);  // (10 + 21) / 2 = 15.5 -> 16
}

TEST(AugmentOpsTest, SharpnessBlendsWithTheSmoothFilterInside) {
  // One bright pixel: SMOOTH = [1 1 1; 1 5 1; 1 1 1] / 13, rounded; the
  // border is not filtered (Pillow copies it).
  std::vector<uint8_t> px = Make(5, 5, [](int x, int y, int) { return x == 2 && y == 2 ? 130 : 0; });
  std::vector<uint8_t> scratch;
  AdjustSharpness(View(px, 5, 5), 0.0, &scratch);
  for (int y = 0; y < 5; ++y) {
    for (int x = 0; x < 5; ++x) {
      const bool inside = x >= 1 && x <= 3 && y >= 1 && y <= 3;
      const int want = !inside ? 0 : (x == 2 && y == 2) ? 50 : 10;  // 650 / 13, 130 / 13
      ASSERT_EQ(px[(y * 5 + x) * 3], want) << x << "," << y;
    }
  }
}

TEST(AugmentOpsTest, RotateByNinetyIsAnExactPermutation) {
  const int n = 9;
  const std::vector<uint8_t> orig = Ramp(n, n);
  const uint8_t fill[3] = {1, 2, 3};
  for (Interpolation interp : {Interpolation::kBilinear, Interpolation::kBicubic}) {
    std::vector<uint8_t> px = orig;
    std::vector<double> scratch;
    Rotate(View(px, n, n), 90, interp, fill, &scratch);  // counter-clockwise
    for (int y = 0; y < n; ++y) {
      for (int x = 0; x < n; ++x) {
        for (int c = 0; c < 3; ++c) {
          ASSERT_EQ(px[(y * n + x) * 3 + c], orig[(x * n + (n - 1 - y)) * 3 + c]) << x << "," << y;
        }
      }
    }
    px = orig;
    Rotate(View(px, n, n), -270, interp, fill, &scratch);  // the same rotation
    std::vector<uint8_t> again = orig;
    Rotate(View(again, n, n), 90, interp, fill, &scratch);
    EXPECT_EQ(px, again);
  }
}

TEST(AugmentOpsTest, AffineTranslatesAndFillsOutside) {
  const int w = 12, h = 7;
  const std::vector<uint8_t> orig = Ramp(w, h);
  const uint8_t fill[3] = {128, 64, 32};
  for (Interpolation interp : {Interpolation::kBilinear, Interpolation::kBicubic}) {
    std::vector<uint8_t> px = orig;
    std::vector<double> scratch;
    const double by3[6] = {1, 0, 3, 0, 1, 0};  // out(x) = in(x + 3)
    AffineTransform(View(px, w, h), by3, interp, fill, &scratch);
    for (int y = 0; y < h; ++y) {
      for (int x = 0; x < w; ++x) {
        for (int c = 0; c < 3; ++c) {
          const int want = x + 3 < w ? orig[(y * w + x + 3) * 3 + c] : fill[c];
          ASSERT_EQ(px[(y * w + x) * 3 + c], want) << x << "," << y;
        }
      }
    }
    // Half a pixel: bilinear is the truncated mean of two neighbours.
    px = orig;
    const double half[6] = {1, 0, 0, 0, 1, 0.5};
    AffineTransform(View(px, w, h), half, interp, fill, &scratch);
    if (interp == Interpolation::kBilinear) {
      for (int y = 0; y + 1 < h; ++y) {
        ASSERT_EQ(px[y * w * 3], (orig[y * w * 3] + orig[(y + 1) * w * 3]) / 2) << y;
      }
    }
    for (int x = 0; x < w; ++x) ASSERT_EQ(px[((h - 1) * w + x) * 3], fill[0]);  // below the image
  }
}

TEST(RandomErasingTest, BoxFollowsTimmBounds) {
  const int size = 64;
  int erased = 0;
  for (uint64_t s = 0; s < 2000; ++s) {
    AugmentRng rng(7, 0, s);
    const CropBox b = RandomErasingBox(0.5, size, rng);
    if (b.width == 0) continue;
    ++erased;
    ASSERT_GE(b.x, 0);
    ASSERT_GE(b.y, 0);
    ASSERT_LE(b.x + b.width, size);
    ASSERT_LE(b.y + b.height, size);
    ASSERT_LT(b.width, size);
    ASSERT_LT(b.height, size);
    const double area = static_cast<double>(b.width) * b.height / (size * size);
    ASSERT_GT(area, 0.015);  // 0.02 .. 1/3 before rounding the sides
    ASSERT_LT(area, 0.36);
    const double aspect = static_cast<double>(b.height) / b.width;
    ASSERT_GT(aspect, 0.25);
    ASSERT_LT(aspect, 3.7);
  }
  EXPECT_NEAR(erased / 2000.0, 0.5, 0.05);
  AugmentRng rng(7, 0, 0);
  EXPECT_GT(RandomErasingBox(1.0, size, rng).width, 0);
}

TEST(RandomErasingTest, NoiseChangesOnlyTheBox) {
  const int size = 32;
  LoaderOptions o;
  const CropBox box{5, 9, 20, 11};
  std::vector<float> f32(3 * size * size, 7.0f);
  AugmentRng rng(1, 2, 3);
  EraseWithNoise(box, size, o, rng, f32.data(), nullptr);
  double sum = 0, sum2 = 0;
  int inside = 0;
  for (int c = 0; c < 3; ++c) {
    for (int y = 0; y < size; ++y) {
      for (int x = 0; x < size; ++x) {
        const float v = f32[(c * size + y) * size + x];
        const bool in = x >= box.x && x < box.x + box.width && y >= box.y && y < box.y + box.height;
        if (!in) {
          ASSERT_EQ(v, 7.0f) << c << " " << x << "," << y;
          continue;
        }
        ASSERT_NE(v, 7.0f);
        sum += v, sum2 += v * v, ++inside;
      }
    }
  }
  EXPECT_EQ(inside, 3 * 20 * 11);
  EXPECT_NEAR(sum / inside, 0.0, 0.15);  // standard normal noise
  EXPECT_NEAR(std::sqrt(sum2 / inside), 1.0, 0.1);
  // uint8: the noise through mean/std back to pixels, only in the box.
  std::vector<uint8_t> u8(3 * size * size, 200);
  EraseWithNoise(box, size, o, rng, nullptr, u8.data());
  int changed = 0;
  for (int y = 0; y < size; ++y) {
    for (int x = 0; x < size; ++x) {
      const bool in = x >= box.x && x < box.x + box.width && y >= box.y && y < box.y + box.height;
      for (int c = 0; c < 3; ++c) {
        const uint8_t v = u8[(y * size + x) * 3 + c];
        if (!in) ASSERT_EQ(v, 200);
        changed += in && v != 200;
      }
    }
  }
  EXPECT_GT(changed, 3 * 20 * 11 * 9 / 10);
}

TEST(ImageAugmenterTest, ColorJitterOnlyWithoutRandAugment) {
  LoaderOptions o;
  EXPECT_FALSE(ImageAugmenter(o).active());
  o.color_jitter = 1e-9;  // factors within 1e-9 of 1: float alpha 1, no change
  ImageAugmenter jitter(o);
  ASSERT_TRUE(jitter.active());
  const std::vector<uint8_t> orig = Ramp(16, 16);
  std::vector<uint8_t> px = orig;
  AugmentRng rng(1, 0, 0);
  jitter.Apply(View(px, 16, 16), rng);
  EXPECT_EQ(px, orig);
  // Strength 0.4: factors in [0.6, 1.4] change the image.
  o.color_jitter = 0.4;
  ImageAugmenter strong(o);
  strong.Apply(View(px, 16, 16), rng);
  EXPECT_NE(px, orig);
}

TEST(ImageAugmenterTest, RandAugmentIsAFunctionOfSeedEpochSample) {
  LoaderOptions o;
  o.rand_augment = "rand-m9-mstd0.5-inc1";
  o.color_jitter = 0.4;  // ignored, as timm
  o.interpolation = Interpolation::kBicubic;
  ImageAugmenter a(o), b(o);
  const std::vector<uint8_t> orig = Ramp(32, 32);
  int changed = 0, differ_by_epoch = 0;
  for (uint64_t s = 0; s < 200; ++s) {
    std::vector<uint8_t> x = orig, y = orig, z = orig;
    AugmentRng r1(5, 0, s), r2(5, 0, s), r3(5, 1, s);
    a.Apply(View(x, 32, 32), r1);
    b.Apply(View(y, 32, 32), r2);
    a.Apply(View(z, 32, 32), r3);
    ASSERT_EQ(x, y) << "sample " << s;
    changed += x != orig;
    differ_by_epoch += x != z;
  }
  // Two ops, each applied with probability 0.5: about 3/4 of the images
  // change (a few ops can leave this image as it is).
  EXPECT_GT(changed, 120);
  EXPECT_LT(changed, 175);
  EXPECT_GT(differ_by_epoch, 120);
}

}  // namespace
}  // namespace synthub::loader
