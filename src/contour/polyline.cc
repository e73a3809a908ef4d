#include "contour/polyline.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "contour/pil_line.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define SYNTHUB_POLYLINE_AVX2 1
#endif

namespace synthub::contour {
namespace {

// Coordinates within +-2^24 keep every product of the clipped walk in int64;
// segments with larger ones (vertices that wandered far off the canvas) go
// through DrawPilLine.
constexpr int64_t kSmall = int64_t{1} << 24;

// One segment, end point included: Pillow's Bresenham walk from (x0, y0),
// step j of n = max(|dx|, |dy|) on the major axis (x only when |dx| > |dy|)
// and the minor one moved while the error term is >= 0; step n lands on
// (x1, y1), which Pillow sets as the end of the segment's draw.line call.
#ifdef SYNTHUB_POLYLINE_AVX2
template <bool kMask>
__attribute__((target("avx2"))) void WalkAvx2(int32_t x0, int32_t y0, int32_t x1, int32_t y1,
                                              int32_t j_lo, int32_t j_hi, int width,
                                              uint8_t* canvas, uint8_t value, uint16_t* mask,
                                              uint16_t mask_value);
#endif

template <bool kMask>
inline void Segment(bool avx2, int64_t x0, int64_t y0, int64_t x1, int64_t y1, int64_t width,
                    int64_t height, uint8_t* canvas, uint8_t value, uint16_t* mask,
                    uint16_t mask_value) {
  // The walk stays in the bounding box of its end points.
  if (((x0 < 0) & (x1 < 0)) | ((x0 >= width) & (x1 >= width)) | ((y0 < 0) & (y1 < 0)) |
      ((y0 >= height) & (y1 >= height))) {
    return;
  }
  int64_t dx = x1 - x0, dy = y1 - y0;
  const int64_t xs = dx < 0 ? -1 : 1, ys = dy < 0 ? -1 : 1;
  if (dx < 0) dx = -dx;
  if (dy < 0) dy = -dy;
  const bool x_major = dx > dy;
  const int64_t d_major = x_major ? dx : dy, d_minor = x_major ? dy : dx;
  const int64_t twice_major = 2 * d_major, twice_minor = 2 * d_minor;

  if ((static_cast<uint64_t>(x0) < static_cast<uint64_t>(width)) &
      (static_cast<uint64_t>(x1) < static_cast<uint64_t>(width)) &
      (static_cast<uint64_t>(y0) < static_cast<uint64_t>(height)) &
      (static_cast<uint64_t>(y1) < static_cast<uint64_t>(height))) {
    // Inside throughout: no bounds checks, no branch on the error term.
#ifdef SYNTHUB_POLYLINE_AVX2
    if (avx2 && d_major >= 8 && width < (int64_t{1} << 13)) {
      WalkAvx2<kMask>(static_cast<int32_t>(x0), static_cast<int32_t>(y0),
                      static_cast<int32_t>(x1), static_cast<int32_t>(y1), 0,
                      static_cast<int32_t>(d_major), static_cast<int>(width), canvas, value,
                      mask, mask_value);
      return;
    }
#endif
    const int64_t major_step = x_major ? xs : ys * width;
    const int64_t minor_step = x_major ? ys * width : xs;
    int64_t at = y0 * width + x0;
    int64_t e = twice_minor - d_major;
    for (int64_t j = 0; j <= d_major; ++j) {
      canvas[at] = value;
      if (kMask) mask[at] = mask_value;
      const int64_t move = -static_cast<int64_t>(e >= 0);  // all ones when the minor moves
      at += major_step + (minor_step & move);
      e += twice_minor - (twice_major & move);
    }
    return;
  }
  if (x0 <= -kSmall || x0 >= kSmall || y0 <= -kSmall || y0 >= kSmall || x1 <= -kSmall ||
      x1 >= kSmall || y1 <= -kSmall || y1 >= kSmall) {
    DrawPilLine(canvas, static_cast<int>(width), static_cast<int>(height),
                static_cast<double>(x0), static_cast<double>(y0), static_cast<double>(x1),
                static_cast<double>(y1), value);
    if (kMask) {
      DrawPilLine(mask, static_cast<int>(width), static_cast<int>(height),
                  static_cast<double>(x0), static_cast<double>(y0), static_cast<double>(x1),
                  static_cast<double>(y1), mask_value);
    }
    return;
  }

  // Partly outside: only the steps whose major coordinate is on the canvas,
  // from the closed form of the walk: at step j the minor coordinate is
  // start + floor((2 j d_minor + d_major) / (2 d_major)).
  const int64_t major0 = x_major ? x0 : y0, minor0 = x_major ? y0 : x0;
  const int64_t major_sign = x_major ? xs : ys, minor_sign = x_major ? ys : xs;
  const int64_t major_size = x_major ? width : height, minor_size = x_major ? height : width;
  int64_t j_lo, j_hi;
  if (major_sign > 0) {
    j_lo = -major0;
    j_hi = major_size - 1 - major0;
  } else {
    j_lo = major0 - (major_size - 1);
    j_hi = major0;
  }
  if (j_lo < 0) j_lo = 0;
  if (j_hi > d_major) j_hi = d_major;
  // And those whose minor coordinate is: the offset floor((2 j d_minor +
  // d_major) / (2 d_major)) grows with j; it is >= t from j = ceil((2 t
  // d_major - d_major) / (2 d_minor)) on and <= t up to j = floor((2 t
  // d_major + d_major - 1) / (2 d_minor)).
  const int64_t t_lo = minor_sign > 0 ? -minor0 : minor0 - (minor_size - 1);
  const int64_t t_hi = minor_sign > 0 ? minor_size - 1 - minor0 : minor0;
  if (t_hi < 0) return;
  if (d_minor == 0) {
    if (t_lo > 0) return;
  } else {
    if (t_lo > 0) {
      const int64_t from = (2 * t_lo * d_major - d_major + twice_minor - 1) / twice_minor;
      if (from > j_lo) j_lo = from;
    }
    const int64_t to = (2 * t_hi * d_major + d_major - 1) / twice_minor;
    if (to < j_hi) j_hi = to;
  }
  if (j_lo > j_hi) return;
#ifdef SYNTHUB_POLYLINE_AVX2
  constexpr int64_t kAvx2Small = int64_t{1} << 13;  // keeps 2 j d_minor in int32
  if (avx2 && x0 > -kAvx2Small && x0 < kAvx2Small && y0 > -kAvx2Small && y0 < kAvx2Small &&
      x1 > -kAvx2Small && x1 < kAvx2Small && y1 > -kAvx2Small && y1 < kAvx2Small &&
      width < kAvx2Small) {
    WalkAvx2<kMask>(static_cast<int32_t>(x0), static_cast<int32_t>(y0),
                    static_cast<int32_t>(x1), static_cast<int32_t>(y1),
                    static_cast<int32_t>(j_lo), static_cast<int32_t>(j_hi),
                    static_cast<int>(width), canvas, value, mask, mask_value);
    return;
  }
#else
  (void)avx2;
#endif
  int64_t minor_offset = 0, e = twice_minor - d_major;
  if (d_major > 0) {
    minor_offset = (twice_minor * j_lo + d_major) / twice_major;
    e += twice_minor * j_lo - twice_major * minor_offset;
  }
  int64_t major = major0 + major_sign * j_lo;
  int64_t minor = minor0 + minor_sign * minor_offset;
  for (int64_t j = j_lo; j <= j_hi; ++j) {
    if (minor >= 0 && minor < minor_size) {
      const int64_t at = x_major ? minor * width + major : major * width + minor;
      canvas[at] = value;
      if (kMask) mask[at] = mask_value;
    }
    if (e >= 0) {
      minor += minor_sign;
      e -= twice_major;
    }
    e += twice_minor;
    major += major_sign;
  }
}

constexpr int kPatternSteps = 8;  // short segments: fewer major steps than this
constexpr int kTinySteps = 4;     // tiny ones: fewer than this (four stores)

// The pattern of a short segment: its offset in the table.
inline int32_t PatternOffset(int32_t adx, int32_t ady, bool x_negative, bool y_negative) {
  return (((adx * kPatternSteps + ady) * 2 + x_negative) * 2 + y_negative) * kPatternSteps;
}

#ifdef SYNTHUB_POLYLINE_AVX2
// For a mask of 8 lanes: the lanes set, first, then zeros (left-packing
// with vpermd).
struct PackTable {
  int32_t lanes[256][8];
};
constexpr PackTable MakePackTable() {
  PackTable t{};
  for (int m = 0; m < 256; ++m) {
    int j = 0;
    for (int l = 0; l < 8; ++l) {
      if ((m >> l) & 1) t.lanes[m][j++] = l;
    }
  }
  return t;
}
alignas(32) constexpr PackTable kPack = MakePackTable();

__attribute__((target("avx2"))) inline __m256i InRange(__m256i v, __m256i size) {
  return _mm256_and_si256(_mm256_cmpgt_epi32(v, _mm256_set1_epi32(-1)),
                          _mm256_cmpgt_epi32(size, v));
}

// Appends the lanes of `mask` of `values` at list + *count.
__attribute__((target("avx2"))) inline void Pack(__m256i values, int mask, int32_t* list,
                                                 int* count) {
  const __m256i lanes = _mm256_load_si256(reinterpret_cast<const __m256i*>(kPack.lanes[mask]));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(list + *count),
                      _mm256_permutevar8x32_epi32(values, lanes));
  *count += __builtin_popcount(static_cast<unsigned>(mask));
}
// Steps j_lo .. j_hi of a segment's walk (all on the canvas: the caller
// clips), eight at a time; lanes past j_hi set step j_hi's pixel again.
// Step j's minor coordinate is floor((2 j d_minor + d_major) / (2 d_major))
// (the value Pillow's error term keeps track of). The first eight come from
// a double product with the reciprocal, exact while d_major <= 2^14
// (coordinates within +-2^13, or a canvas up to 2^14 a side; 2 j d_minor
// and the pixel offsets then fit in int32): the product is
// within 2^-38 of the quotient, which is an integer or at least
// 1 / (2 d_major) >= 2^-15 below the next one, so adding 2^-30 before
// truncating gives the floor; so do step j_hi's and the quotient and
// remainder of eight steps' growth, 16 d_minor / (2 d_major). Each lane then
// moves eight steps at a time with integer adds, carrying its remainder.
template <bool kMask>
__attribute__((target("avx2"))) void WalkAvx2(int32_t x0, int32_t y0, int32_t x1, int32_t y1,
                                              int32_t j_lo, int32_t j_hi, int width,
                                              uint8_t* canvas, uint8_t value, uint16_t* mask,
                                              uint16_t mask_value) {
  const int32_t dx = x1 - x0, dy = y1 - y0;
  const int32_t adx = dx < 0 ? -dx : dx, ady = dy < 0 ? -dy : dy;
  const bool x_major = adx > ady;
  const int32_t d_major = x_major ? adx : ady, d_minor = x_major ? ady : adx;
  const int32_t step_x = dx < 0 ? -1 : 1, step_y = dy < 0 ? -width : width;
  const int32_t major_step = x_major ? step_x : step_y, minor_step = x_major ? step_y : step_x;
  const int32_t twice_major = 2 * d_major;
  const double inverse = 1.0 / twice_major, epsilon = 1.0 / 1073741824.0;
  const int32_t growth = static_cast<int32_t>(16.0 * d_minor * inverse + epsilon);
  const int32_t growth_rest = 16 * d_minor - twice_major * growth;

  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256d twice_minor = _mm256_set1_pd(2.0 * d_minor), half = _mm256_set1_pd(d_major);
  const __m256d inverse4 = _mm256_set1_pd(inverse), epsilon4 = _mm256_set1_pd(epsilon);
  const __m256d first = _mm256_set1_pd(j_lo);
  const __m256d a = _mm256_add_pd(first, _mm256_setr_pd(0, 1, 2, 3));
  const __m256d b = _mm256_add_pd(first, _mm256_setr_pd(4, 5, 6, 7));
  const __m256d minor_a = _mm256_add_pd(
      _mm256_mul_pd(_mm256_add_pd(_mm256_mul_pd(a, twice_minor), half), inverse4), epsilon4);
  const __m256d minor_b = _mm256_add_pd(
      _mm256_mul_pd(_mm256_add_pd(_mm256_mul_pd(b, twice_minor), half), inverse4), epsilon4);
  const __m256i minors =
      _mm256_setr_m128i(_mm256_cvttpd_epi32(minor_a), _mm256_cvttpd_epi32(minor_b));
  const __m256i twice_major8 = _mm256_set1_epi32(twice_major);
  const __m256i major_step8 = _mm256_set1_epi32(major_step);
  const __m256i minor_step8 = _mm256_set1_epi32(minor_step);
  __m256i step = _mm256_add_epi32(lane, _mm256_set1_epi32(j_lo));
  // 2 j d_minor + d_major - 2 d_major minor_j, in [0, 2 d_major).
  __m256i rest = _mm256_sub_epi32(
      _mm256_add_epi32(_mm256_mullo_epi32(step, _mm256_set1_epi32(2 * d_minor)),
                       _mm256_set1_epi32(d_major)),
      _mm256_mullo_epi32(minors, twice_major8));
  __m256i pixel = _mm256_add_epi32(
      _mm256_set1_epi32(y0 * width + x0),
      _mm256_add_epi32(_mm256_mullo_epi32(step, major_step8),
                       _mm256_mullo_epi32(minors, minor_step8)));
  const __m256i advance = _mm256_set1_epi32(8 * major_step + growth * minor_step);
  const __m256i rest_growth = _mm256_set1_epi32(growth_rest);
  const __m256i rest_last = _mm256_set1_epi32(twice_major - 1);
  const int32_t last_minor = static_cast<int32_t>(
      ((2.0 * d_minor) * j_hi + d_major) * inverse + epsilon);
  const __m256i end =
      _mm256_set1_epi32(y0 * width + x0 + j_hi * major_step + last_minor * minor_step);
  const __m256i last = _mm256_set1_epi32(j_hi), eight = _mm256_set1_epi32(8);
  alignas(32) int32_t where[8];
  for (int32_t j = j_lo; j <= j_hi; j += 8) {
    const __m256i past = _mm256_cmpgt_epi32(step, last);
    _mm256_store_si256(reinterpret_cast<__m256i*>(where), _mm256_blendv_epi8(pixel, end, past));
    for (int l = 0; l < 8; ++l) {
      canvas[where[l]] = value;
      if (kMask) mask[where[l]] = mask_value;
    }
    rest = _mm256_add_epi32(rest, rest_growth);
    const __m256i carry = _mm256_cmpgt_epi32(rest, rest_last);
    rest = _mm256_sub_epi32(rest, _mm256_and_si256(carry, twice_major8));
    pixel = _mm256_add_epi32(_mm256_add_epi32(pixel, advance),
                             _mm256_and_si256(carry, minor_step8));
    step = _mm256_add_epi32(step, eight);
  }
}
#endif

}  // namespace

PolylineRasterizer::PolylineRasterizer(int width, int height, bool portable)
    : width_(width),
      height_(height),
#ifdef SYNTHUB_POLYLINE_AVX2
      avx2_(!portable && __builtin_cpu_supports("avx2")) {
#else
      avx2_(false) {
#endif
  // Pillow's walk of every short segment from (0, 0), end point included.
  patterns_.assign(kPatternSteps * kPatternSteps * 4 * kPatternSteps, 0);
  for (int adx = 0; adx < kPatternSteps; ++adx) {
    for (int ady = 0; ady < kPatternSteps; ++ady) {
      for (int nx = 0; nx < 2; ++nx) {
        for (int ny = 0; ny < 2; ++ny) {
          int32_t* out = patterns_.data() + PatternOffset(adx, ady, nx, ny);
          const bool x_major = adx > ady;
          const int d_major = x_major ? adx : ady, d_minor = x_major ? ady : adx;
          const int step_x = nx ? -1 : 1, step_y = ny ? -1 : 1;
          int x = 0, y = 0, e = 2 * d_minor - d_major;
          for (int j = 0; j < kPatternSteps; ++j) {
            out[j] = y * width + x;
            if (j >= d_major) continue;  // past the end: the end point again
            if (e >= 0) {
              (x_major ? y : x) += x_major ? step_y : step_x;
              e -= 2 * d_major;
            }
            e += 2 * d_minor;
            (x_major ? x : y) += x_major ? step_x : step_y;
          }
        }
      }
    }
  }
}

void PolylineRasterizer::SortPortable(const int32_t* xs, const int32_t* ys, int n) {
  int32_t *tiny_start = tiny_start_.data(), *tiny_pattern = tiny_pattern_.data();
  int32_t *short_start = short_start_.data(), *short_pattern = short_pattern_.data();
  int32_t* other = other_.data();
  const int64_t w = width_, h = height_;
  for (int k = 0; k < n; ++k) {
    const int next = k + 1 == n ? 0 : k + 1;
    const int64_t x0 = xs[k], y0 = ys[k], x1 = xs[next], y1 = ys[next];
    const bool inside = (static_cast<uint64_t>(x0) < static_cast<uint64_t>(w)) &
                        (static_cast<uint64_t>(x1) < static_cast<uint64_t>(w)) &
                        (static_cast<uint64_t>(y0) < static_cast<uint64_t>(h)) &
                        (static_cast<uint64_t>(y1) < static_cast<uint64_t>(h));
    const bool missing = ((x0 < 0) & (x1 < 0)) | ((x0 >= w) & (x1 >= w)) |
                         ((y0 < 0) & (y1 < 0)) | ((y0 >= h) & (y1 >= h));
    const int64_t dx = x1 - x0, dy = y1 - y0;
    const int64_t adx = dx < 0 ? -dx : dx, ady = dy < 0 ? -dy : dy;
    const int64_t d_major = adx > ady ? adx : ady;
    const bool tiny = inside & (d_major < kTinySteps);
    const bool is_short = inside & (d_major < kPatternSteps) & !tiny;
    const int32_t start = static_cast<int32_t>(inside ? y0 * w + x0 : 0);
    const int32_t pattern = static_cast<int32_t>(
        inside && d_major < kPatternSteps ? PatternOffset(static_cast<int32_t>(adx),
                                                          static_cast<int32_t>(ady), dx < 0,
                                                          dy < 0)
                                          : 0);
    tiny_start[tiny_] = start;
    tiny_pattern[tiny_] = pattern;
    tiny_ += tiny;
    short_start[short_] = start;
    short_pattern[short_] = pattern;
    short_ += is_short;
    other[others_] = k;
    others_ += !(inside & (d_major < kPatternSteps)) & !missing;
  }
}

#ifdef SYNTHUB_POLYLINE_AVX2
__attribute__((target("avx2"))) void PolylineRasterizer::SortAvx2(const int32_t* xs,
                                                                  const int32_t* ys, int n) {
  const __m256i w = _mm256_set1_epi32(width_), h = _mm256_set1_epi32(height_);
  const __m256i zero = _mm256_setzero_si256(), all = _mm256_set1_epi32(-1);
  const __m256i w_last = _mm256_set1_epi32(width_ - 1), h_last = _mm256_set1_epi32(height_ - 1);
  const __m256i tiny_steps = _mm256_set1_epi32(kTinySteps);
  const __m256i pattern_steps = _mm256_set1_epi32(kPatternSteps);
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  int k = 0;
  for (; k + 8 < n; k += 8) {  // vertices k .. k + 8 exist
    const __m256i x0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xs + k));
    const __m256i x1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xs + k + 1));
    const __m256i y0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ys + k));
    const __m256i y1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(ys + k + 1));
    const __m256i inside = _mm256_and_si256(_mm256_and_si256(InRange(x0, w), InRange(x1, w)),
                                            _mm256_and_si256(InRange(y0, h), InRange(y1, h)));
    const __m256i left = _mm256_and_si256(_mm256_cmpgt_epi32(zero, x0),
                                          _mm256_cmpgt_epi32(zero, x1));
    const __m256i right = _mm256_and_si256(_mm256_cmpgt_epi32(x0, w_last),
                                           _mm256_cmpgt_epi32(x1, w_last));
    const __m256i above = _mm256_and_si256(_mm256_cmpgt_epi32(zero, y0),
                                           _mm256_cmpgt_epi32(zero, y1));
    const __m256i below = _mm256_and_si256(_mm256_cmpgt_epi32(y0, h_last),
                                           _mm256_cmpgt_epi32(y1, h_last));
    const __m256i missing = _mm256_or_si256(_mm256_or_si256(left, right),
                                            _mm256_or_si256(above, below));
    // Wrapping differences on far-off lanes are not used.
    const __m256i dx = _mm256_sub_epi32(x1, x0), dy = _mm256_sub_epi32(y1, y0);
    const __m256i adx = _mm256_abs_epi32(dx), ady = _mm256_abs_epi32(dy);
    const __m256i d_major = _mm256_max_epi32(adx, ady);
    const __m256i tiny = _mm256_and_si256(inside, _mm256_cmpgt_epi32(tiny_steps, d_major));
    const __m256i patterned =
        _mm256_and_si256(inside, _mm256_cmpgt_epi32(pattern_steps, d_major));
    const __m256i is_short = _mm256_andnot_si256(tiny, patterned);
    const __m256i is_long = _mm256_andnot_si256(patterned, inside);
    const __m256i other =
        _mm256_andnot_si256(_mm256_or_si256(_mm256_or_si256(patterned, missing), is_long), all);
    // PatternOffset: (((adx * 8 + ady) * 2 + (dx < 0)) * 2 + (dy < 0)) * 8;
    // a compare gives -1 for true, so it is subtracted.
    __m256i pattern = _mm256_add_epi32(_mm256_slli_epi32(adx, 3), ady);
    pattern = _mm256_sub_epi32(_mm256_slli_epi32(pattern, 1), _mm256_cmpgt_epi32(zero, dx));
    pattern = _mm256_sub_epi32(_mm256_slli_epi32(pattern, 1), _mm256_cmpgt_epi32(zero, dy));
    pattern = _mm256_slli_epi32(pattern, 3);
    const __m256i start = _mm256_add_epi32(_mm256_mullo_epi32(y0, w), x0);
    const int tiny_lanes = _mm256_movemask_ps(_mm256_castsi256_ps(tiny));
    const int short_lanes = _mm256_movemask_ps(_mm256_castsi256_ps(is_short));
    const int long_lanes = _mm256_movemask_ps(_mm256_castsi256_ps(is_long));
    const int other_lanes = _mm256_movemask_ps(_mm256_castsi256_ps(other));
    int count = tiny_;
    Pack(start, tiny_lanes, tiny_start_.data(), &count);
    Pack(pattern, tiny_lanes, tiny_pattern_.data(), &tiny_);
    count = short_;
    Pack(start, short_lanes, short_start_.data(), &count);
    Pack(pattern, short_lanes, short_pattern_.data(), &short_);
    const __m256i index = _mm256_add_epi32(lane, _mm256_set1_epi32(k));
    Pack(index, long_lanes, long_.data(), &longs_);
    Pack(index, other_lanes, other_.data(), &others_);
  }
  for (; k < n; ++k) other_[others_++] = k;  // the last few, closing segment included
}
#else
void PolylineRasterizer::SortAvx2(const int32_t*, const int32_t*, int) {}
#endif

template <bool kMask>
void PolylineRasterizer::Draw(const int32_t* xs, const int32_t* ys, int n, uint8_t* canvas,
                              uint8_t value, uint16_t* mask, uint16_t mask_value) const {
  const int32_t* patterns = patterns_.data();
  for (int i = 0; i < tiny_; ++i) {
    const int32_t* step = patterns + tiny_pattern_[i];
    uint8_t* p = canvas + tiny_start_[i];
    for (int j = 0; j < kTinySteps; ++j) p[step[j]] = value;
    if (kMask) {
      uint16_t* m = mask + tiny_start_[i];
      for (int j = 0; j < kTinySteps; ++j) m[step[j]] = mask_value;
    }
  }
  for (int i = 0; i < short_; ++i) {
    const int32_t* step = patterns + short_pattern_[i];
    uint8_t* p = canvas + short_start_[i];
    for (int j = 0; j < kPatternSteps; ++j) p[step[j]] = value;
    if (kMask) {
      uint16_t* m = mask + short_start_[i];
      for (int j = 0; j < kPatternSteps; ++j) m[step[j]] = mask_value;
    }
  }
#ifdef SYNTHUB_POLYLINE_AVX2
  for (int i = 0; i < longs_; ++i) {  // filled by SortAvx2 only
    const int k = long_[i];
    const int next = k + 1 == n ? 0 : k + 1;
    const int32_t d_major = std::max(std::abs(xs[next] - xs[k]), std::abs(ys[next] - ys[k]));
    WalkAvx2<kMask>(xs[k], ys[k], xs[next], ys[next], 0, d_major, width_, canvas, value, mask,
                    mask_value);
  }
#endif
  for (int i = 0; i < others_; ++i) {
    const int k = other_[i];
    const int next = k + 1 == n ? 0 : k + 1;
    Segment<kMask>(avx2_, xs[k], ys[k], xs[next], ys[next], width_, height_, canvas, value, mask,
                   mask_value);
  }
}

void PolylineRasterizer::DrawClosed(const int32_t* xs, const int32_t* ys, int n,
                                    uint8_t* canvas, uint8_t value, uint16_t* mask,
                                    uint16_t mask_value) {
  if (n < 1) return;
  // Room for a full vector store past the last entry.
  const size_t room = static_cast<size_t>(n) + 8;
  if (other_.size() < room) {
    for (std::vector<int32_t>* list :
         {&tiny_start_, &tiny_pattern_, &short_start_, &short_pattern_, &long_, &other_}) {
      list->resize(room);
    }
  }
  tiny_ = short_ = longs_ = others_ = 0;
  if (avx2_) {
    SortAvx2(xs, ys, n);
  } else {
    SortPortable(xs, ys, n);
  }
  if (mask) {
    Draw<true>(xs, ys, n, canvas, value, mask, mask_value);
  } else {
    Draw<false>(xs, ys, n, canvas, value, nullptr, 0);
  }
}

}  // namespace synthub::contour
