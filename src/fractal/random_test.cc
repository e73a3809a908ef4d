#include "fractal/random.h"

#include <gtest/gtest.h>
#include <random>
#include <vector>

namespace synthub::fractal {
namespace {

TEST(Mt19937Test, MatchesStdMt19937) {
  Mt19937 mine(5489u);
  std::mt19937 ref(5489u);
  for (int i = 0; i < 5000; ++i) ASSERT_EQ(mine.NextU32(), ref()) << i;
}

TEST(Mt19937Test, NumpyLegacyFirstValues) {
  // np.random.seed(1); np.random.random(2)
  Mt19937 mt(1);
  EXPECT_EQ(NumpyRandom(mt), 0.417022004702574);
  EXPECT_EQ(NumpyRandom(mt), 0.7203244934421581);
}

TEST(Mt19937Test, InitByArrayMatchesNumpy) {
  // np.random.RandomState([1, 2, 3]).random() in numpy's legacy seeding.
  const uint32_t key[3] = {1, 2, 3};
  Mt19937 a(key, 3), b(key, 3);
  const uint32_t other[3] = {1, 2, 4};
  Mt19937 c(other, 3);
  const double x = NumpyRandom(a);
  EXPECT_EQ(x, NumpyRandom(b));
  EXPECT_NE(x, NumpyRandom(c));
  // Reference init_by_array({0x123, 0x234, 0x345, 0x456}) first output
  // (mt19937ar.c test vector).
  const uint32_t vec[4] = {0x123, 0x234, 0x345, 0x456};
  Mt19937 d(vec, 4);
  EXPECT_EQ(d.NextU32(), 1067595299u);
  EXPECT_EQ(d.NextU32(), 955945823u);
}

TEST(NumpyRandIntTest, MaskedRejection) {
  // randint(2, 8) uses mask 7 and rejects 6 and 7.
  struct Words {
    uint32_t w[4] = {7, 6, 0xfffffff5u, 3};
    int i = 0;
    uint32_t NextU32() { return w[i++]; }
  } s;
  EXPECT_EQ(NumpyRandInt(s, 2, 8), 2 + 5);  // 7, 6 rejected; 0x..f5 & 7 = 5
  EXPECT_EQ(s.i, 3);
  EXPECT_EQ(NumpyRandInt(s, 4, 5), 4);  // one value: no word consumed
  EXPECT_EQ(s.i, 3);
}

TEST(PhiloxTest, KnownAnswer) {
  // Random123 kat_vectors: philox4x32 10 rounds, zero key and counter.
  const uint32_t key[2] = {0, 0};
  const uint32_t ctr[4] = {0, 0, 0, 0};
  const PhiloxBlock b = Philox4x32(key, ctr);
  EXPECT_EQ(b.v[0], 0x6627e8d5u);
  EXPECT_EQ(b.v[1], 0xe169c58du);
  EXPECT_EQ(b.v[2], 0xbc57ac4cu);
  EXPECT_EQ(b.v[3], 0x9b00dbd8u);
  const uint32_t key2[2] = {0xa4093822u, 0x299f31d0u};
  const uint32_t ctr2[4] = {0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u};
  const PhiloxBlock c = Philox4x32(key2, ctr2);
  EXPECT_EQ(c.v[0], 0xd16cfe09u);
  EXPECT_EQ(c.v[1], 0x94fdccebu);
  EXPECT_EQ(c.v[2], 0x5001e420u);
  EXPECT_EQ(c.v[3], 0x24126ea1u);
}

TEST(PhiloxTest, FillMatchesScalar) {
  const uint32_t key[2] = {12345u, 678u};
  std::vector<uint32_t> out(4 * 37);
  PhiloxFill(key, 1000, 7, 8, 9, 37, out.data());
  for (uint32_t b = 0; b < 37; ++b) {
    const uint32_t ctr[4] = {1000 + b, 7, 8, 9};
    const PhiloxBlock p = Philox4x32(key, ctr);
    for (int k = 0; k < 4; ++k) ASSERT_EQ(out[4 * b + k], p.v[k]) << b;
  }
}

TEST(ScaleU32Test, CoversRange) {
  EXPECT_EQ(ScaleU32(0, 511), 0u);
  EXPECT_EQ(ScaleU32(0xffffffffu, 511), 510u);
}

}  // namespace
}  // namespace synthub::fractal
