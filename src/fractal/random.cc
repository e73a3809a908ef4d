#include "fractal/random.h"

#include <algorithm>
#include <cstring>

#include "util/target_clones.h"

#if defined(__x86_64__) && !defined(SYNTHUB_NO_CLONES)
#include <immintrin.h>
#define SYNTHUB_PHILOX_AVX2 1
#endif

namespace synthub::fractal {

Mt19937::Mt19937(uint32_t seed) : index_(kN) {
  state_[0] = seed;
  for (int i = 1; i < kN; ++i) {
    state_[i] = 1812433253u * (state_[i - 1] ^ (state_[i - 1] >> 30)) + i;
  }
}

void Mt19937InitByArray(const uint32_t* key, int length, uint32_t state[624]) {
  constexpr int kN = 624;
  state[0] = 19650218u;  // init_genrand(19650218)
  for (int i = 1; i < kN; ++i) {
    state[i] = 1812433253u * (state[i - 1] ^ (state[i - 1] >> 30)) + static_cast<uint32_t>(i);
  }
  int i = 1, j = 0;
  for (int k = (kN > length ? kN : length); k > 0; --k) {
    state[i] = (state[i] ^ ((state[i - 1] ^ (state[i - 1] >> 30)) * 1664525u)) + key[j] +
               static_cast<uint32_t>(j);
    ++i;
    ++j;
    if (i >= kN) {
      state[0] = state[kN - 1];
      i = 1;
    }
    if (j >= length) j = 0;
  }
  for (int k = kN - 1; k > 0; --k) {
    state[i] = (state[i] ^ ((state[i - 1] ^ (state[i - 1] >> 30)) * 1566083941u)) -
               static_cast<uint32_t>(i);
    ++i;
    if (i >= kN) {
      state[0] = state[kN - 1];
      i = 1;
    }
  }
  state[0] = 0x80000000u;
}

Mt19937::Mt19937(const uint32_t* key, int length) : index_(kN) {
  Mt19937InitByArray(key, length, state_);
}

void Mt19937::FillDoubles(double* out, size_t n) {
  while (n > 0) {
    if (index_ >= kN) Refill();
    const size_t pairs = std::min(n, static_cast<size_t>(kN - index_) / 2);
    if (pairs == 0) {  // one word left in this block: straddle it
      const uint32_t a = NextU32() >> 5;
      const uint32_t b = NextU32() >> 6;
      *out++ = (a * 67108864.0 + b) / 9007199254740992.0;
      --n;
      continue;
    }
    const uint32_t* w = out_ + index_;
    for (size_t i = 0; i < pairs; ++i) {
      const uint32_t a = w[2 * i] >> 5, b = w[2 * i + 1] >> 6;
      out[i] = (a * 67108864.0 + b) / 9007199254740992.0;
    }
    index_ += static_cast<int>(2 * pairs);
    out += pairs;
    n -= pairs;
  }
}

namespace {

// The MT19937 twist and tempering of one block (AVX2 clone chosen at run time).
SYNTHUB_CLONES
void TwistBlock(uint32_t* state_, uint32_t* out_) {
  constexpr int kN = 624;
  constexpr int kM = 397;
  constexpr uint32_t kMatrixA = 0x9908b0dfu;
  constexpr uint32_t kUpper = 0x80000000u, kLower = 0x7fffffffu;
  int i = 0;
  for (; i < kN - kM; ++i) {
    uint32_t y = (state_[i] & kUpper) | (state_[i + 1] & kLower);
    state_[i] = state_[i + kM] ^ (y >> 1) ^ ((y & 1u) ? kMatrixA : 0u);
  }
  for (; i < kN - 1; ++i) {
    uint32_t y = (state_[i] & kUpper) | (state_[i + 1] & kLower);
    state_[i] = state_[i + kM - kN] ^ (y >> 1) ^ ((y & 1u) ? kMatrixA : 0u);
  }
  uint32_t y = (state_[kN - 1] & kUpper) | (state_[0] & kLower);
  state_[kN - 1] = state_[kM - 1] ^ (y >> 1) ^ ((y & 1u) ? kMatrixA : 0u);
  for (int k = 0; k < kN; ++k) {
    uint32_t t = state_[k];
    t ^= t >> 11;
    t ^= (t << 7) & 0x9d2c5680u;
    t ^= (t << 15) & 0xefc60000u;
    t ^= t >> 18;
    out_[k] = t;
  }
}

}  // namespace

void Mt19937::Refill() {
  TwistBlock(state_, out_);
  index_ = 0;
}

PhiloxBlock Philox4x32(const uint32_t key[2], const uint32_t ctr[4]) {
  constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;
  constexpr uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
  uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3];
  uint32_t k0 = key[0], k1 = key[1];
  for (int round = 0; round < 10; ++round) {
    uint64_t p0 = static_cast<uint64_t>(kM0) * c0;
    uint64_t p1 = static_cast<uint64_t>(kM1) * c2;
    uint32_t hi0 = p0 >> 32, lo0 = static_cast<uint32_t>(p0);
    uint32_t hi1 = p1 >> 32, lo1 = static_cast<uint32_t>(p1);
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
    k0 += kW0;
    k1 += kW1;
  }
  return PhiloxBlock{{c0, c1, c2, c3}};
}

namespace {

// Integer-only, so every ISA clone gives the same values.
SYNTHUB_CLONES
void PhiloxFillLanes(const uint32_t key[2], uint32_t first_block, uint32_t c1, uint32_t c2,
                uint32_t c3, size_t blocks, uint32_t* out) {
  constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;
  constexpr uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
  constexpr size_t kLanes = 16;
  for (size_t base = 0; base < blocks; base += kLanes) {
    const size_t lanes = blocks - base < kLanes ? blocks - base : kLanes;
    uint32_t x0[kLanes], x1[kLanes], x2[kLanes], x3[kLanes];
    for (size_t l = 0; l < kLanes; ++l) {
      x0[l] = first_block + static_cast<uint32_t>(base + l);
      x1[l] = c1;
      x2[l] = c2;
      x3[l] = c3;
    }
    uint32_t k0 = key[0], k1 = key[1];
    for (int round = 0; round < 10; ++round) {
      for (size_t l = 0; l < kLanes; ++l) {
        const uint64_t p0 = static_cast<uint64_t>(kM0) * x0[l];
        const uint64_t p1 = static_cast<uint64_t>(kM1) * x2[l];
        const uint32_t n0 = static_cast<uint32_t>(p1 >> 32) ^ x1[l] ^ k0;
        const uint32_t n2 = static_cast<uint32_t>(p0 >> 32) ^ x3[l] ^ k1;
        x1[l] = static_cast<uint32_t>(p1);
        x3[l] = static_cast<uint32_t>(p0);
        x0[l] = n0;
        x2[l] = n2;
      }
      k0 += kW0;
      k1 += kW1;
    }
    for (size_t l = 0; l < lanes; ++l) {
      uint32_t* o = out + 4 * (base + l);
      o[0] = x0[l], o[1] = x1[l], o[2] = x2[l], o[3] = x3[l];
    }
  }
}

#ifdef SYNTHUB_PHILOX_AVX2
// Eight blocks per step in AVX2 registers: the 32 x 32 -> 64-bit products
// of a round on the even and the odd lanes (one vpmuludq each), high halves
// blended back; the four words of the eight blocks transposed on the way
// out. Same values as PhiloxFillLanes (integer operations only).
__attribute__((target("avx2"))) void PhiloxFillAvx2(const uint32_t key[2], uint32_t first_block,
                                                    uint32_t c1, uint32_t c2, uint32_t c3,
                                                    size_t blocks, uint32_t* out) {
  constexpr uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;
  constexpr uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
  const __m256i m0 = _mm256_set1_epi64x(kM0), m1 = _mm256_set1_epi64x(kM1);
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  alignas(32) uint32_t tail[32];
  for (size_t base = 0; base < blocks; base += 8) {
    __m256i x0 = _mm256_add_epi32(
        lane, _mm256_set1_epi32(static_cast<int>(first_block + static_cast<uint32_t>(base))));
    __m256i x1 = _mm256_set1_epi32(static_cast<int>(c1));
    __m256i x2 = _mm256_set1_epi32(static_cast<int>(c2));
    __m256i x3 = _mm256_set1_epi32(static_cast<int>(c3));
    uint32_t k0 = key[0], k1 = key[1];
    for (int round = 0; round < 10; ++round) {
      const __m256i p0_even = _mm256_mul_epu32(x0, m0);
      const __m256i p0_odd = _mm256_mul_epu32(_mm256_srli_epi64(x0, 32), m0);
      const __m256i p1_even = _mm256_mul_epu32(x2, m1);
      const __m256i p1_odd = _mm256_mul_epu32(_mm256_srli_epi64(x2, 32), m1);
      const __m256i hi0 = _mm256_blend_epi32(_mm256_srli_epi64(p0_even, 32), p0_odd, 0xaa);
      const __m256i lo0 = _mm256_blend_epi32(p0_even, _mm256_slli_epi64(p0_odd, 32), 0xaa);
      const __m256i hi1 = _mm256_blend_epi32(_mm256_srli_epi64(p1_even, 32), p1_odd, 0xaa);
      const __m256i lo1 = _mm256_blend_epi32(p1_even, _mm256_slli_epi64(p1_odd, 32), 0xaa);
      x0 = _mm256_xor_si256(_mm256_xor_si256(hi1, x1), _mm256_set1_epi32(static_cast<int>(k0)));
      x1 = lo1;
      x2 = _mm256_xor_si256(_mm256_xor_si256(hi0, x3), _mm256_set1_epi32(static_cast<int>(k1)));
      x3 = lo0;
      k0 += kW0;
      k1 += kW1;
    }
    // (x0, x1, x2, x3) of blocks 0..7 -> block-major words.
    const __m256i a = _mm256_unpacklo_epi32(x0, x1), b = _mm256_unpackhi_epi32(x0, x1);
    const __m256i c = _mm256_unpacklo_epi32(x2, x3), d = _mm256_unpackhi_epi32(x2, x3);
    const __m256i e = _mm256_unpacklo_epi64(a, c), f = _mm256_unpackhi_epi64(a, c);
    const __m256i g = _mm256_unpacklo_epi64(b, d), h = _mm256_unpackhi_epi64(b, d);
    const size_t lanes = blocks - base < 8 ? blocks - base : 8;
    uint32_t* o = lanes == 8 ? out + 4 * base : tail;
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(o), _mm256_permute2x128_si256(e, f, 0x20));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + 8), _mm256_permute2x128_si256(g, h, 0x20));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + 16), _mm256_permute2x128_si256(e, f, 0x31));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(o + 24), _mm256_permute2x128_si256(g, h, 0x31));
    if (lanes < 8) std::memcpy(out + 4 * base, tail, 4 * lanes * sizeof(uint32_t));
  }
}
#endif

}  // namespace

void PhiloxFill(const uint32_t key[2], uint32_t first_block, uint32_t c1, uint32_t c2,
                uint32_t c3, size_t blocks, uint32_t* out) {
#ifdef SYNTHUB_PHILOX_AVX2
  static const bool avx2 = __builtin_cpu_supports("avx2");
  if (avx2) return PhiloxFillAvx2(key, first_block, c1, c2, c3, blocks, out);
#endif
  PhiloxFillLanes(key, first_block, c1, c2, c3, blocks, out);
}

PhiloxStream::PhiloxStream(uint64_t seed, uint32_t c2, uint32_t c3)
    : key_{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)},
      ctr_{0, 0, c2, c3} {}

void PhiloxStream::Refill() {
  ctr_[0] = static_cast<uint32_t>(next_block_);
  ctr_[1] = static_cast<uint32_t>(next_block_ >> 32);
  ++next_block_;
  block_ = Philox4x32(key_, ctr_);
  used_ = 0;
}

}  // namespace synthub::fractal
