#include "contour/polyline.h"

#include <climits>
#include <cstring>

#include "contour/pil_line.h"
#include "util/target_clones.h"

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
template <bool kMask>
inline void Segment(int64_t x0, int64_t y0, int64_t x1, int64_t y1, int64_t width,
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
  if (j_lo > j_hi) return;
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

// Eight segments at a time in GCC vector types (the AVX2 clone does each
// step in one instruction). Integer arithmetic is unsigned (it wraps on the
// lanes of far-off vertices, whose results are not used); comparisons are
// signed.
typedef int32_t I8 __attribute__((vector_size(32)));
typedef uint32_t U8 __attribute__((vector_size(32)));
constexpr int kLanes = 8;
constexpr int kShortSteps = 8;  // segments of fewer major steps walk lane-parallel

// The short segments inside the canvas (most of a contour's) walk
// kShortSteps steps together, each lane the walk of Segment; steps past a
// segment's end set its end point again (set anyway), and lanes of other
// segments set the end point of a short one. Segments whose bounding box
// misses the canvas are dropped; the rest go through Segment one by one.
template <bool kMask>
SYNTHUB_CLONES void Polyline(const int32_t* xs, const int32_t* ys, int n, int width,
                             int height, uint8_t* canvas, uint8_t value, uint16_t* mask,
                             uint16_t mask_value) {
  const I8 zero = {};
  const I8 w = zero + width, h = zero + height;
  alignas(32) int32_t where[kLanes];
  int k = 0;
  for (; k + kLanes < n; k += kLanes) {  // vertices k .. k + 8 exist
    I8 x0, y0, x1, y1;
    std::memcpy(&x0, xs + k, sizeof(x0));
    std::memcpy(&y0, ys + k, sizeof(y0));
    std::memcpy(&x1, xs + k + 1, sizeof(x1));
    std::memcpy(&y1, ys + k + 1, sizeof(y1));
    const I8 inside = (x0 >= 0) & (x0 < w) & (x1 >= 0) & (x1 < w) & (y0 >= 0) & (y0 < h) &
                      (y1 >= 0) & (y1 < h);
    const I8 missing = ((x0 < 0) & (x1 < 0)) | ((x0 >= w) & (x1 >= w)) |
                       ((y0 < 0) & (y1 < 0)) | ((y0 >= h) & (y1 >= h));
    const I8 dx = (I8)((U8)x1 - (U8)x0), dy = (I8)((U8)y1 - (U8)y0);
    const U8 neg_x = (U8)(dx < 0), neg_y = (U8)(dy < 0);
    const I8 adx = (I8)(((U8)dx ^ neg_x) - neg_x), ady = (I8)(((U8)dy ^ neg_y) - neg_y);
    const I8 x_major = adx > ady;  // Pillow walks x only when |dx| > |dy|
    const I8 d_major = x_major ? adx : ady, d_minor = x_major ? ady : adx;
    const I8 lane_short = inside & (d_major < kShortSteps);
    const U8 step_x = (U8)(dx < 0 ? zero - 1 : zero + 1);
    const U8 step_y = (U8)(dy < 0 ? zero - width : zero + width);
    const U8 major_step = (U8)x_major ? step_x : step_y;
    const U8 minor_step = (U8)x_major ? step_y : step_x;
    const U8 end = (U8)y1 * (U8)w + (U8)x1;
    int32_t fill = -1;  // a pixel this call sets anyway
    for (int l = 0; l < kLanes; ++l) fill = lane_short[l] ? static_cast<int32_t>(end[l]) : fill;
    if (fill >= 0) {
      U8 at = (U8)y0 * (U8)w + (U8)x0;
      U8 e = (U8)(2 * d_minor - d_major);
      const U8 twice_major = (U8)(2 * d_major), twice_minor = (U8)(2 * d_minor);
      for (int j = 0; j < kShortSteps; ++j) {
        const U8 pixel = (U8)lane_short ? ((U8)(d_major >= j) ? at : end) : (U8)(zero + fill);
        std::memcpy(where, &pixel, sizeof(pixel));
        for (int l = 0; l < kLanes; ++l) {
          canvas[where[l]] = value;
          if (kMask) mask[where[l]] = mask_value;
        }
        const U8 move = (U8)((I8)e >= 0);  // all ones where the minor coordinate moves
        at += major_step + (minor_step & move);
        e += twice_minor - (twice_major & move);
      }
    }
    const I8 other = ~(lane_short | missing);
    unsigned lanes = 0;
    for (int l = 0; l < kLanes; ++l) lanes |= (static_cast<unsigned>(other[l]) & 1u) << l;
    while (lanes != 0) {
      const int l = __builtin_ctz(lanes);
      lanes &= lanes - 1;
      Segment<kMask>(x0[l], y0[l], x1[l], y1[l], width, height, canvas, value, mask,
                     mask_value);
    }
  }
  for (; k < n; ++k) {
    const int next = k + 1 == n ? 0 : k + 1;
    Segment<kMask>(xs[k], ys[k], xs[next], ys[next], width, height, canvas, value, mask,
                   mask_value);
  }
}

}  // namespace

void DrawClosedPolyline(const int32_t* xs, const int32_t* ys, int n, int width, int height,
                        uint8_t* canvas, uint8_t value, uint16_t* mask, uint16_t mask_value) {
  if (mask) {
    Polyline<true>(xs, ys, n, width, height, canvas, value, mask, mask_value);
  } else {
    Polyline<false>(xs, ys, n, width, height, canvas, value, nullptr, 0);
  }
}

}  // namespace synthub::contour
