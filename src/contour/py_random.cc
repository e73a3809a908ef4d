#include "contour/py_random.h"

#include <cmath>
#include <string>

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

  // init_genrand(19650218) followed by init_by_array(key).
  state_[0] = 19650218u;
  for (int i = 1; i < kN; ++i) {
    state_[i] = 1812433253u * (state_[i - 1] ^ (state_[i - 1] >> 30)) + static_cast<uint32_t>(i);
  }
  int i = 1, j = 0;
  for (int k = kN > key_length ? kN : key_length; k > 0; --k) {
    state_[i] = (state_[i] ^ ((state_[i - 1] ^ (state_[i - 1] >> 30)) * 1664525u)) + key[j] +
                static_cast<uint32_t>(j);
    ++i;
    ++j;
    if (i >= kN) {
      state_[0] = state_[kN - 1];
      i = 1;
    }
    if (j >= key_length) j = 0;
  }
  for (int k = kN - 1; k > 0; --k) {
    state_[i] = (state_[i] ^ ((state_[i - 1] ^ (state_[i - 1] >> 30)) * 1566083941u)) -
                static_cast<uint32_t>(i);
    ++i;
    if (i >= kN) {
      state_[0] = state_[kN - 1];
      i = 1;
    }
  }
  state_[0] = 0x80000000u;
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

}  // namespace synthub::contour
