#include "contour/py_random.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "fractal/random.h"
#include "synthub/error.h"
#include "util/target_clones.h"

namespace synthub::contour {
namespace {

constexpr int kN = 624;
constexpr int kM = 397;

inline uint32_t Mix(uint32_t upper_word, uint32_t lower_word, uint32_t far_word) {
  const uint32_t y = (upper_word & 0x80000000u) | (lower_word & 0x7fffffffu);
  return far_word ^ (y >> 1) ^ ((0u - (y & 1u)) & 0x9908b0dfu);
}

// The MT19937 recurrence over one block of kN words, in place. Written as
// three loops without a carried dependence shorter than kN - kM words, so
// that it vectorises (AVX2 clone chosen at run time; integer-only).
SYNTHUB_CLONES
void TwistInPlace(uint32_t* mt) {
  int i = 0;
  for (; i < kN - kM; ++i) mt[i] = Mix(mt[i], mt[i + 1], mt[i + kM]);
  for (; i < kN - 1; ++i) mt[i] = Mix(mt[i], mt[i + 1], mt[i + kM - kN]);
  mt[kN - 1] = Mix(mt[kN - 1], mt[0], mt[kM - 1]);
}

// random() of the tempered words of state[0 .. 2 pairs): pair i from words
// 2i and 2i + 1. Integer tempering and exact conversions: every ISA clone
// gives the same doubles.
SYNTHUB_CLONES
void RandomPairs(const uint32_t* state, size_t pairs, double* out) {
  for (size_t i = 0; i < pairs; ++i) {
    uint32_t y[2] = {state[2 * i], state[2 * i + 1]};
    for (uint32_t& v : y) {
      v ^= v >> 11;
      v ^= (v << 7) & 0x9d2c5680u;
      v ^= (v << 15) & 0xefc60000u;
      v ^= v >> 18;
    }
    const int32_t a = static_cast<int32_t>(y[0] >> 5), b = static_cast<int32_t>(y[1] >> 6);
    out[i] = (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
  }
}

int BitLength(uint64_t n) {
  int bits = 0;
  while (n != 0) {
    ++bits;
    n >>= 1;
  }
  return bits;
}

}  // namespace

PyRandom::PyRandom(uint64_t seed) {
  // random_seed: the absolute value of the int as little-endian 32-bit
  // words, at least one.
  uint32_t key[2] = {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)};
  const int key_length = (seed >> 32) != 0 ? 2 : 1;

  fractal::Mt19937InitByArray(key, key_length, state_);
  index_ = kN;
}

void PyRandom::Twist() {
  TwistInPlace(state_);
  index_ = 0;
}

uint64_t PyRandom::GetRandBits(int k) {
  if (k < 1 || k > 64) {
    throw Error("getrandbits: k = " + std::to_string(k) + " is outside 1..64");
  }
  if (k <= 32) return NextU32() >> (32 - k);
  const uint64_t low = NextU32();
  const uint64_t high = NextU32() >> (64 - k);
  return low | (high << 32);
}

int64_t PyRandom::RandBelow(int64_t n) {
  if (n < 1) throw Error("randbelow: n = " + std::to_string(n) + " is not positive");
  const int k = BitLength(static_cast<uint64_t>(n));
  uint64_t r = GetRandBits(k);
  while (r >= static_cast<uint64_t>(n)) r = GetRandBits(k);
  return static_cast<int64_t>(r);
}

int64_t PyRandom::RandInt(int64_t a, int64_t b) {
  if (b < a) {
    throw Error("randint: empty range (" + std::to_string(a) + ", " + std::to_string(b) + ")");
  }
  const uint64_t width = static_cast<uint64_t>(b) - static_cast<uint64_t>(a) + 1;
  if (width == 0 || width > static_cast<uint64_t>(INT64_MAX)) {
    throw Error("randint: range (" + std::to_string(a) + ", " + std::to_string(b) +
                ") is wider than 2^63 - 1");
  }
  return static_cast<int64_t>(static_cast<uint64_t>(a) +
                              static_cast<uint64_t>(RandBelow(static_cast<int64_t>(width))));
}

double PyRandom::ExpoVariate(double lambd) { return -std::log(1.0 - Random()) / lambd; }

void PyRandom::Discard(uint64_t n) {
  const uint64_t left = static_cast<uint64_t>(kN - index_);
  if (n <= left) {
    index_ += static_cast<int>(n);
    return;
  }
  n -= left;
  while (n > static_cast<uint64_t>(kN)) {
    TwistInPlace(state_);
    n -= kN;
  }
  TwistInPlace(state_);
  index_ = static_cast<int>(n);
}

void PyRandom::FillRandom(double* out, size_t n) {
  while (n > 0) {
    if (index_ >= kN) Twist();
    const size_t pairs = std::min(n, static_cast<size_t>(kN - index_) / 2);
    if (pairs == 0) {  // one word left in this block: the pair straddles it
      *out++ = Random();
      --n;
      continue;
    }
    RandomPairs(state_ + index_, pairs, out);
    index_ += static_cast<int>(2 * pairs);
    out += pairs;
    n -= pairs;
  }
}

}  // namespace synthub::contour
