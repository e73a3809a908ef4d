// The contour engine's closed polylines, fast: the pixels of
// DrawPilPolyline(closed = true) (contour/pil_line.h, Pillow 9.4's width-1
// lines), drawn from coordinates already truncated to ints, optionally into
// a class-id mask at the same time. Segments whose bounding box misses the
// canvas cost a few comparisons; segments inside it run a branch-free
// Bresenham walk. Pure functions; thread-safe on distinct canvases.
#ifndef SYNTHUB_CONTOUR_POLYLINE_H_
#define SYNTHUB_CONTOUR_POLYLINE_H_

#include <climits>
#include <cstdint>

namespace synthub::contour {

// (int)v as Pillow converts a coordinate on x86-64: truncation toward zero,
// INT_MIN for NaN or outside the int range.
inline int32_t PilCoordinate(double v) {
  return v > -2147483649.0 && v < 2147483648.0 ? static_cast<int32_t>(v) : INT_MIN;
}

// The closed polyline through (xs[k], ys[k]), k = 0 .. n-1, back to
// (xs[0], ys[0]): every pixel Pillow sets for draw.line((x_k, y_k, x_k+1,
// y_k+1), width=1) over all segments, set to `value` on the width x height
// canvas and, when `mask` is not null, to `mask_value` in the mask.
void DrawClosedPolyline(const int32_t* xs, const int32_t* ys, int n, int width, int height,
                        uint8_t* canvas, uint8_t value, uint16_t* mask, uint16_t mask_value);

}  // namespace synthub::contour

#endif  // SYNTHUB_CONTOUR_POLYLINE_H_
