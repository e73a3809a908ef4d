// The contour engine's closed polylines, fast: the pixels of
// DrawPilPolyline(closed = true) (contour/pil_line.h, Pillow 9.4's width-1
// lines), drawn from coordinates already truncated to ints, optionally into
// a class-id mask at the same time.
//
// Most segments of a contour are a few pixels long and inside the canvas, or
// wholly off it. The segments of a polyline are first sorted into lists
// (AVX2 where the CPU has it): short ones inside the canvas (fewer than 8
// major steps) are drawn from a table of Bresenham patterns, a fixed number
// of stores each and no branch on their length; long ones inside it step
// eight pixels at a time (AVX2); segments whose bounding box misses the
// canvas are dropped; the rest are clipped to the steps on the canvas and
// walk those (eight at a time with AVX2). Not thread-safe
// (scratch lists); one per thread.
#ifndef SYNTHUB_CONTOUR_POLYLINE_H_
#define SYNTHUB_CONTOUR_POLYLINE_H_

#include <climits>
#include <cstdint>
#include <vector>

namespace synthub::contour {

// (int)v as Pillow converts a coordinate on x86-64: truncation toward zero,
// INT_MIN for NaN or outside the int range.
inline int32_t PilCoordinate(double v) {
  return v > -2147483649.0 && v < 2147483648.0 ? static_cast<int32_t>(v) : INT_MIN;
}

class PolylineRasterizer {
 public:
  // width x height canvases. portable: sort the segments without AVX2 even
  // where the CPU has it (the tests compare both ways).
  PolylineRasterizer(int width, int height, bool portable = false);

  // The closed polyline through (xs[k], ys[k]), k = 0 .. n-1, back to
  // (xs[0], ys[0]): every pixel Pillow sets for draw.line((x_k, y_k,
  // x_k+1, y_k+1), width=1) over all its segments, set to `value` on the
  // canvas and, when `mask` is not null, to `mask_value` in the mask.
  void DrawClosed(const int32_t* xs, const int32_t* ys, int n, uint8_t* canvas, uint8_t value,
                  uint16_t* mask, uint16_t mask_value);

 private:
  void SortPortable(const int32_t* xs, const int32_t* ys, int n);
  void SortAvx2(const int32_t* xs, const int32_t* ys, int n);
  template <bool kMask>
  void Draw(const int32_t* xs, const int32_t* ys, int n, uint8_t* canvas, uint8_t value,
            uint16_t* mask, uint16_t mask_value) const;

  const int width_, height_;
  const bool avx2_;
  // Pixel offsets of the short segments' walks, kPatternSteps per pattern
  // (steps past the end repeat the end point, which is set anyway).
  std::vector<int32_t> patterns_;
  // The sorted segments: tiny (fewer than 4 major steps) and short ones
  // inside the canvas as (start pixel, pattern offset); long ones inside it
  // (AVX2 sorting only) and the others as the index of their first vertex.
  std::vector<int32_t> tiny_start_, tiny_pattern_, short_start_, short_pattern_, long_, other_;
  int tiny_ = 0, short_ = 0, longs_ = 0, others_ = 0;
};

}  // namespace synthub::contour

#endif  // SYNTHUB_CONTOUR_POLYLINE_H_
