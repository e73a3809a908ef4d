#include "contour/perlin.h"

#include <array>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include "synthub/error.h"
#include "util/target_clones.h"

namespace synthub::contour {
namespace {

// Ken Perlin's permutation of 0..255 ("Improving Noise", SIGGRAPH 2002), the
// hash of every improved-noise implementation including the noise package's.
// clang-format off
constexpr uint8_t kPerm[256] = {
    151, 160, 137, 91,  90,  15,  131, 13,  201, 95,  96,  53,  194, 233, 7,   225,
    140, 36,  103, 30,  69,  142, 8,   99,  37,  240, 21,  10,  23,  190, 6,   148,
    247, 120, 234, 75,  0,   26,  197, 62,  94,  252, 219, 203, 117, 35,  11,  32,
    57,  177, 33,  88,  237, 149, 56,  87,  174, 20,  125, 136, 171, 168, 68,  175,
    74,  165, 71,  134, 139, 48,  27,  166, 77,  146, 158, 231, 83,  111, 229, 122,
    60,  211, 133, 230, 220, 105, 92,  41,  55,  46,  245, 40,  244, 102, 143, 54,
    65,  25,  63,  161, 1,   216, 80,  73,  209, 76,  132, 187, 208, 89,  18,  169,
    200, 196, 135, 130, 116, 188, 159, 86,  164, 100, 109, 198, 173, 186, 3,   64,
    52,  217, 226, 250, 124, 123, 5,   202, 38,  147, 118, 126, 255, 82,  85,  212,
    207, 206, 59,  227, 47,  16,  58,  17,  182, 189, 28,  42,  223, 183, 170, 213,
    119, 248, 152, 2,   44,  154, 163, 70,  221, 153, 101, 155, 167, 43,  172, 9,
    129, 22,  39,  253, 19,  98,  108, 110, 79,  113, 224, 232, 178, 185, 112, 104,
    218, 246, 97,  228, 251, 34,  242, 193, 238, 210, 144, 12,  191, 179, 162, 241,
    81,  51,  145, 235, 249, 14,  239, 107, 49,  192, 214, 31,  181, 199, 106, 157,
    184, 84,  204, 176, 115, 121, 50,  45,  127, 4,   150, 254, 138, 236, 205, 93,
    222, 114, 67,  29,  24,  72,  243, 141, 128, 195, 78,  66,  215, 61,  156, 180,
};
// clang-format on

// The 1-D gradient of lattice point k: hash = kPerm[k]; -1 when bit 3 of the
// hash is set, else (hash & 7) + 1. Small integers, so g * x rounds exactly
// as the extension's float product does.
constexpr std::array<float, 256> MakeGradients() {
  std::array<float, 256> g{};
  for (int k = 0; k < 256; ++k) {
    const int hash = kPerm[k];
    g[k] = (hash & 8) != 0 ? -1.0f : static_cast<float>((hash & 7) + 1);
  }
  return g;
}
alignas(64) constexpr std::array<float, 256> kGrad = MakeGradients();

// Eight floats or ints: the lanes of PNoise1Batch.
typedef float F8 __attribute__((vector_size(32)));
typedef int32_t I8 __attribute__((vector_size(32)));

// floorf(x) for every float (-0 stays -0; NaN, infinities and |x| >= 2^23
// are their own floor), without a branch or a libm call.
inline float FloorExact(float x) {
  const bool small = std::fabs(x) < 8388608.0f;
  const float xs = small ? x : 0.0f;
  const int trunc = static_cast<int>(xs);
  // Integer arithmetic on the comparison: no data-dependent branch.
  const int down = trunc - static_cast<int>(static_cast<float>(trunc) > xs);
  return small ? std::copysign(static_cast<float>(down), x) : x;
}

// (int)f as x86-64's cvttss2si does it: truncation, INT_MIN when f is NaN
// or outside the int range.
inline int TruncToInt(float f) {
  const bool in_range = (f >= -2147483648.0f) & (f < 2147483648.0f);
  return static_cast<int>(in_range ? f : -2147483648.0f);
}

// The end of the extension's noise1 once the lattice indices are known:
// i0 and i1 are the (wrapped, based) cells left and right of x, and frac
// is x - floorf(x).
inline float Blend(float frac, int i0, int i1) {
  const float fade = frac * frac * frac * (frac * (frac * 6 - 15) + 10);
  const float a = kGrad[i0 & 255] * frac;
  const float b = kGrad[i1 & 255] * (frac - 1);
  return (a + fade * (b - a)) * 0.4f;
}

// The extension's noise1(x, repeat, base): one octave.
float Noise1(float x, int repeat, int base) {
  if (repeat == 0) throw Error("pnoise1: repeat is 0");
  const float floor_x = FloorExact(x);
  const int cell = TruncToInt(floor_x);
  int i0, i1;
  if (repeat > 0 && repeat % 256 == 0) {
    // cell % repeat and cell + 1 agree with cell modulo 256.
    i0 = cell;
    i1 = static_cast<int>(static_cast<unsigned>(cell) + 1u);
  } else {
    const int64_t wrapped = static_cast<int64_t>(cell) % repeat;
    i0 = static_cast<int>(wrapped);
    i1 = static_cast<int>((wrapped + 1) % repeat);
  }
  // The package's table holds the permutation twice, so PERM[(i & 255) +
  // base] for base <= 256 is kPerm[(i + base) & 255].
  return Blend(x - floor_x, (i0 & 255) + base, (i1 & 255) + base);
}

}  // namespace

float PNoise1(float x, int octaves, float persistence, float lacunarity, int repeat, int base) {
  if (base < 0 || base > 256) {
    throw Error("pnoise1: base " + std::to_string(base) + " is outside 0..256");
  }
  if (octaves == 1) return Noise1(x, repeat, base);
  if (octaves < 1) throw Error("pnoise1: octaves " + std::to_string(octaves) + " < 1");
  float freq = 1.0f, amp = 1.0f, max = 0.0f, total = 0.0f;
  for (int i = 0; i < octaves; ++i) {
    total += Noise1(x * freq, TruncToInt(static_cast<float>(repeat) * freq), base) * amp;
    max += amp;
    freq *= lacunarity;
    amp *= persistence;
  }
  return total / max;
}

// Eight values at a time in GCC/Clang vector types: the same IEEE
// operations as FloorExact, TruncToInt and Blend, lane by lane (selects as
// bit masks; a vector cast (I8)f reinterprets the bits, __builtin_convertvector
// converts, only in-range values); the two gradient lookups per value are
// plain loads. The AVX2 clone does each step in one instruction, the
// baseline one in two.
SYNTHUB_CLONES
void PNoise1Batch(const float* x, float* out, int n) {
  constexpr int kLanes = 8;
  const I8 abs_mask = I8{} + 0x7fffffff;
  const I8 sign_mask = ~abs_mask;
  const I8 int_min_float = (I8)(F8{} - 2147483648.0f);
  int i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    F8 v;
    std::memcpy(&v, x + i, sizeof(v));
    const I8 bits = (I8)v;
    // FloorExact.
    const I8 small = (F8)(bits & abs_mask) < 8388608.0f;
    const F8 xs = (F8)(bits & small);
    const I8 trunc = __builtin_convertvector(xs, I8);
    const I8 down = trunc + (__builtin_convertvector(trunc, F8) > xs);  // true is -1
    const I8 down_bits = (I8) __builtin_convertvector(down, F8) | (bits & sign_mask);
    const F8 floor_v = (F8)((down_bits & small) | (bits & ~small));
    // TruncToInt.
    const I8 in_range = (floor_v >= -2147483648.0f) & (floor_v < 2147483648.0f);
    const I8 clamped = ((I8)floor_v & in_range) | (int_min_float & ~in_range);
    const I8 cell = __builtin_convertvector((F8)clamped, I8);
    // Blend.
    const F8 frac = v - floor_v;
    const F8 fade = frac * frac * frac * (frac * (frac * 6.0f - 15.0f) + 10.0f);
    F8 g0, g1;
    for (int k = 0; k < kLanes; ++k) {
      g0[k] = kGrad[cell[k] & 255];
      g1[k] = kGrad[(cell[k] + 1) & 255];
    }
    const F8 a = g0 * frac;
    const F8 b = g1 * (frac - 1.0f);
    const F8 result = (a + fade * (b - a)) * 0.4f;
    std::memcpy(out + i, &result, sizeof(result));
  }
  for (; i < n; ++i) {
    const float v = x[i];
    const float floor_v = FloorExact(v);
    const int cell = TruncToInt(floor_v);
    out[i] = Blend(v - floor_v, cell, static_cast<int>(static_cast<unsigned>(cell) + 1u));
  }
}

void PNoise1Batch(const double* x, float* out, int n) {
  constexpr int kChunk = 256;
  float args[kChunk];
  for (int start = 0; start < n; start += kChunk) {
    const int count = n - start < kChunk ? n - start : kChunk;
    for (int i = 0; i < count; ++i) args[i] = PNoise1ArgFromDouble(x[start + i]);
    PNoise1Batch(args, out + start, count);
  }
}

}  // namespace synthub::contour
