// Properties and known values of the contour families' primitives. The
// comparison against the real CPython random, noise.pnoise1 and Pillow
// over many inputs is the ctest contour_primitives_match_python
// (tests/contour_primitives_check.py).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <utility>
#include <vector>

#include "contour/perlin.h"
#include "contour/pil_line.h"
#include "contour/py_random.h"
#include "synthub/error.h"

namespace synthub::contour {
namespace {

uint32_t FloatBits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof(u));
  return u;
}

TEST(PyRandomTest, KnownValues) {
  // CPython 3.11: random.seed(0); random.random(), random.random()
  PyRandom zero(0);
  EXPECT_EQ(zero.Random(), 0.8444218515250481);
  EXPECT_EQ(zero.Random(), 0.7579544029403025);
  // random.seed(1); getrandbits(32), randint(0, 255), randint(-400, 400),
  // uniform(0, 10000), expovariate(1 / 100)
  PyRandom one(1);
  EXPECT_EQ(one.GetRandBits(32), 577090037u);
  EXPECT_EQ(one.RandInt(0, 255), 32);
  EXPECT_EQ(one.RandInt(-400, 400), -139);
  EXPECT_EQ(one.Uniform(0, 10000), 1179.1870367106105);
  EXPECT_EQ(one.ExpoVariate(1.0 / 100), 143.11346051379147);
  // random.seed(2**32 + 5): two key words; getrandbits(64), getrandbits(33)
  PyRandom wide(4294967301u);
  EXPECT_EQ(wide.GetRandBits(64), 8955819811489906899u);
  EXPECT_EQ(wide.GetRandBits(33), 5508238133u);
  // random.seed(7): the 1001st getrandbits(32), across a block boundary.
  PyRandom seven(7);
  for (int i = 0; i < 1000; ++i) seven.NextU32();
  EXPECT_EQ(seven.NextU32(), 3192093819u);
}

TEST(PyRandomTest, SeedsDifferAndAreStable) {
  PyRandom a(20), b(20), c(21), d(uint64_t{20} + (uint64_t{1} << 32));
  const uint32_t first = a.NextU32();
  EXPECT_EQ(first, b.NextU32());
  EXPECT_NE(first, c.NextU32());
  EXPECT_NE(first, d.NextU32());
}

TEST(PyRandomTest, DiscardEqualsDrawing) {
  for (uint64_t offset : {0u, 1u, 300u, 623u, 624u}) {
    for (uint64_t n : {0u, 1u, 2u, 323u, 324u, 623u, 624u, 625u, 1248u, 1249u, 5000u, 100003u}) {
      PyRandom drawn(3), skipped(3);
      for (uint64_t i = 0; i < offset; ++i) {
        drawn.NextU32();
        skipped.NextU32();
      }
      for (uint64_t i = 0; i < n; ++i) drawn.NextU32();
      skipped.Discard(n);
      for (int i = 0; i < 700; ++i) {
        ASSERT_EQ(drawn.NextU32(), skipped.NextU32()) << "offset " << offset << " n " << n;
      }
    }
  }
}

TEST(PyRandomTest, CopyIsASnapshot) {
  PyRandom a(5);
  a.Discard(1000);
  PyRandom b = a;
  std::vector<double> from_a, from_b;
  for (int i = 0; i < 1000; ++i) from_a.push_back(a.Random());
  for (int i = 0; i < 1000; ++i) from_b.push_back(b.Random());
  EXPECT_EQ(from_a, from_b);
}

TEST(PyRandomTest, RandBelowRejectsAboveN) {
  // randbelow(5) draws 3-bit values and redraws 5, 6 and 7.
  PyRandom r(11), words(11);
  for (int i = 0; i < 200; ++i) {
    const int64_t v = r.RandBelow(5);
    uint64_t w;
    while ((w = words.NextU32() >> 29) >= 5) {
    }
    ASSERT_EQ(v, static_cast<int64_t>(w)) << i;
  }
  // randint(a, a) still draws: randbelow(1) takes one bit, redrawn while 1.
  PyRandom one(12), bits(12);
  EXPECT_EQ(one.RandInt(9, 9), 9);
  while (bits.NextU32() >> 31 != 0) {
  }
  EXPECT_EQ(one.NextU32(), bits.NextU32());
}

TEST(PyRandomTest, BadArgumentsThrow) {
  PyRandom r(1);
  EXPECT_THROW(r.RandInt(3, 2), Error);
  EXPECT_THROW(r.RandBelow(0), Error);
  EXPECT_THROW(r.GetRandBits(0), Error);
  EXPECT_THROW(r.GetRandBits(65), Error);
  EXPECT_THROW(r.RandInt(std::numeric_limits<int64_t>::min(), 0), Error);
  EXPECT_LE(r.RandInt(std::numeric_limits<int64_t>::min() + 2, 0), 0);  // width 2^63 - 1
}

TEST(PNoise1Test, KnownValues) {
  // noise 1.2.3: pnoise1(...) as Python doubles (widened floats).
  EXPECT_EQ(static_cast<double>(PNoise1(PNoise1ArgFromDouble(1234.5678))), 0.2782515585422516);
  EXPECT_EQ(static_cast<double>(PNoise1(-3.75f)), 0.748242199420929);
  EXPECT_EQ(static_cast<double>(PNoise1(PNoise1ArgFromDouble(1023.9), 3)), -0.3886318504810333);
  EXPECT_EQ(static_cast<double>(PNoise1(PNoise1ArgFromDouble(5.3), 1, 0.5f, 2.0f, 100, 7)),
            0.34695374965667725);
  EXPECT_EQ(static_cast<double>(PNoise1(PNoise1ArgFromDouble(5.3), 4, PNoise1ArgFromDouble(0.7),
                                        PNoise1ArgFromDouble(1.9), 300, 256)),
            -0.1007949635386467);
  EXPECT_EQ(static_cast<double>(PNoise1(0.5f)), 0.699999988079071);
}

TEST(PNoise1Test, ZeroAtLatticePointsAndPeriodic) {
  for (int k = -3000; k < 3000; k += 7) {
    EXPECT_EQ(PNoise1(static_cast<float>(k)), 0.0f) << k;
  }
  for (float frac : {0.125f, 0.25f, 0.5f, 0.875f}) {
    for (int k = -2000; k < 2000; k += 13) {
      const float x = k + frac;
      EXPECT_EQ(PNoise1(x), PNoise1(x + 1024.0f)) << x;
      // Other periods wrap with C's %, which keeps the sign: periodic on
      // each side of 0 only.
      if (x >= 0) {
        EXPECT_EQ(PNoise1(x, 1, 0.5f, 2.0f, 100), PNoise1(x + 100.0f, 1, 0.5f, 2.0f, 100)) << x;
      } else {
        EXPECT_EQ(PNoise1(x - 100.0f, 1, 0.5f, 2.0f, 100), PNoise1(x, 1, 0.5f, 2.0f, 100)) << x;
      }
      // A period that is a multiple of 256 only matters through 256.
      EXPECT_EQ(PNoise1(x, 1, 0.5f, 2.0f, 512), PNoise1(x)) << x;
      EXPECT_EQ(PNoise1(x, 1, 0.5f, 2.0f, 256, 3), PNoise1(x, 1, 0.5f, 2.0f, 768, 3)) << x;
    }
  }
}

TEST(PNoise1Test, BatchMatchesScalarBitForBit) {
  std::mt19937 gen(42);
  std::uniform_real_distribution<double> wide(-1e4, 1e4);
  std::vector<double> xd;
  for (int i = 0; i < 20000; ++i) xd.push_back(wide(gen));
  // clang-format off
  const float specials[] = {0.0f,          -0.0f,      -1e-30f,       1e-30f,    -0.5f,
                            255.99998f,    256.0f,     1023.99994f,   1024.0f,   -1024.0f,
                            8388607.5f,    8388608.0f, -8388609.0f,   3e9f,      -3e9f,
                            2147483520.0f, -2147483648.0f, std::numeric_limits<float>::infinity(),
                            -std::numeric_limits<float>::infinity(),
                            std::numeric_limits<float>::quiet_NaN()};
  // clang-format on
  std::vector<float> xf;
  for (double d : xd) xf.push_back(PNoise1ArgFromDouble(d));
  for (float s : specials) xf.push_back(s);
  std::vector<float> batch(xf.size()), from_double(xd.size());
  PNoise1Batch(xf.data(), batch.data(), static_cast<int>(xf.size()));
  PNoise1Batch(xd.data(), from_double.data(), static_cast<int>(xd.size()));
  for (size_t i = 0; i < xf.size(); ++i) {
    ASSERT_EQ(FloatBits(batch[i]), FloatBits(PNoise1(xf[i]))) << xf[i];
    if (i < xd.size()) ASSERT_EQ(FloatBits(from_double[i]), FloatBits(batch[i])) << xd[i];
  }
  // In place.
  std::vector<float> in_place = xf;
  PNoise1Batch(in_place.data(), in_place.data(), static_cast<int>(in_place.size()));
  for (size_t i = 0; i < xf.size(); ++i) ASSERT_EQ(FloatBits(in_place[i]), FloatBits(batch[i]));
}

TEST(PNoise1Test, BadArgumentsThrow) {
  EXPECT_THROW(PNoise1(1.5f, 0), Error);
  EXPECT_THROW(PNoise1(1.5f, 1, 0.5f, 2.0f, 0), Error);
  EXPECT_THROW(PNoise1(1.5f, 1, 0.5f, 2.0f, 1024, 257), Error);
  EXPECT_THROW(PNoise1(1.5f, 1, 0.5f, 2.0f, 1024, -1), Error);
  // The third octave's period int(1 * 0.25) is 0.
  EXPECT_THROW(PNoise1(1.5f, 3, 0.5f, 0.5f, 1), Error);
}

std::vector<std::pair<int, int>> Pixels(const std::vector<uint8_t>& canvas, int width) {
  std::vector<std::pair<int, int>> out;
  for (size_t i = 0; i < canvas.size(); ++i) {
    if (canvas[i] != 0) out.emplace_back(static_cast<int>(i % width), static_cast<int>(i / width));
  }
  return out;
}

TEST(PilLineTest, KnownPixels) {
  using P = std::vector<std::pair<int, int>>;
  // Pillow 9.4, Image.new("L", (8, 8)); draw.line(xy, fill=9, width=1):
  // pixels (x, y) in row-major order.
  auto draw = [](double x0, double y0, double x1, double y1) {
    std::vector<uint8_t> c(64, 0);
    DrawPilLine(c.data(), 8, 8, x0, y0, x1, y1, 9);
    return Pixels(c, 8);
  };
  EXPECT_EQ(draw(0, 0, 3, 1), (P{{0, 0}, {1, 0}, {2, 1}, {3, 1}}));
  EXPECT_EQ(draw(-0.5, 0.9, 2.99, -1.2), (P{{0, 0}}));
  EXPECT_EQ(draw(6.7, 1.2, 1.1, 5.9), (P{{6, 1}, {5, 2}, {3, 3}, {4, 3}, {2, 4}, {1, 5}}));
  EXPECT_EQ(draw(-3, -3, 2, 2), (P{{0, 0}, {1, 1}, {2, 2}}));
  EXPECT_EQ(draw(4.9, 4.9, 4.1, 4.0), (P{{4, 4}}));

  std::vector<uint8_t> c(64, 0);
  const double one_x[] = {1}, one_y[] = {1};
  DrawPilPolyline(c.data(), 8, 8, one_x, one_y, 1, false, 9);
  EXPECT_EQ(Pixels(c, 8), P{});  // a single point draws nothing
  DrawPilPolyline(c.data(), 8, 8, one_x, one_y, 1, true, 9);
  EXPECT_EQ(Pixels(c, 8), (P{{1, 1}}));
}

// Lines on integer coordinates in [-600, 1100] drawn on a 512 x 512 canvas
// (clipped walk) equal the same lines shifted by +1024 on a 2560 x 2560
// canvas (unclipped walk), cropped; and a polyline equals its segments.
TEST(PilLineTest, ClippedWalkEqualsFullWalk) {
  constexpr int kSmall = 512, kBig = 2560, kShift = 1024;
  std::mt19937 gen(7);
  std::uniform_int_distribution<int> coord(-600, 1100), len(0, 40);
  std::vector<uint8_t> small(kSmall * kSmall), big(kBig * kBig);
  for (int round = 0; round < 3000; ++round) {
    const int x0 = coord(gen), y0 = coord(gen);
    const bool is_short = round % 2 == 0;
    const int x1 = is_short ? x0 + len(gen) - 20 : coord(gen);
    const int y1 = is_short ? y0 + len(gen) - 20 : coord(gen);
    const uint8_t v = static_cast<uint8_t>(1 + round % 255);
    DrawPilLine(small.data(), kSmall, kSmall, x0, y0, x1, y1, v);
    DrawPilLine(big.data(), kBig, kBig, x0 + kShift, y0 + kShift, x1 + kShift, y1 + kShift, v);
  }
  for (int y = 0; y < kSmall; ++y) {
    ASSERT_EQ(0, std::memcmp(&small[y * kSmall], &big[(y + kShift) * kBig + kShift], kSmall))
        << "row " << y;
  }
}

TEST(PilLineTest, PolylineEqualsSegmentsAndUint16Agrees) {
  constexpr int kSize = 64;
  std::mt19937 gen(9);
  std::uniform_real_distribution<double> coord(-20.0, 84.0);
  for (int round = 0; round < 200; ++round) {
    const int n = 1 + round % 9;
    const bool closed = round % 3 != 0;
    std::vector<double> xs(n), ys(n);
    for (int i = 0; i < n; ++i) {
      xs[i] = coord(gen);
      ys[i] = coord(gen);
    }
    if (round % 5 == 0 && n > 1) {  // a repeated point: a zero-length segment
      xs[1] = xs[0];
      ys[1] = ys[0];
    }
    std::vector<uint8_t> poly(kSize * kSize), segments(kSize * kSize);
    std::vector<uint16_t> poly16(kSize * kSize);
    DrawPilPolyline(poly.data(), kSize, kSize, xs.data(), ys.data(), n, closed, 200);
    DrawPilPolyline(poly16.data(), kSize, kSize, xs.data(), ys.data(), n, closed, 700);
    const int count = closed ? n : n - 1;
    for (int i = 0; i < count; ++i) {
      const int j = (i + 1) % n;
      DrawPilLine(segments.data(), kSize, kSize, xs[i], ys[i], xs[j], ys[j], 200);
    }
    ASSERT_EQ(poly, segments) << "round " << round;
    for (int i = 0; i < kSize * kSize; ++i) {
      ASSERT_EQ(poly16[i] == 700, poly[i] == 200) << "round " << round << " pixel " << i;
    }
  }
}

TEST(PilLineTest, Clip8) {
  EXPECT_EQ(PilClip8(256), 255);
  EXPECT_EQ(PilClip8(-3), 0);
  EXPECT_EQ(PilClip8(128), 128);
}

}  // namespace
}  // namespace synthub::contour
