// One-pixel lines as Pillow 9.4 draws them: ImageDraw.line(xy, fill, width=1)
// on a single-channel canvas. The published contour generators (VisualAtom,
// RCDB) draw their RGB canvases with equal channels, so one channel holds
// the whole image; a uint16 canvas takes class ids with the same pixel rule.
//
// The rule: every coordinate is truncated toward zero to an int (C's
// (int) cast), the segment is walked with Bresenham's algorithm from the
// first point up to but not including the last, and the last point of the
// call is set on its own; pixels outside the canvas are skipped, not
// clipped away. Exact for coordinates within +-2^30 (Pillow's int
// arithmetic overflows further out). Canvases are row-major, width * height
// values. Pure functions of their arguments; thread-safe on distinct
// canvases.
#ifndef SYNTHUB_CONTOUR_PIL_LINE_H_
#define SYNTHUB_CONTOUR_PIL_LINE_H_

#include <cstdint>

namespace synthub::contour {

// Pillow's ink for an 8-bit band (CLIP8): RCDB's fill=(r, r, r) with
// r = randint(0, 256) draws 255 for 256.
inline uint8_t PilClip8(int64_t v) {
  return static_cast<uint8_t>(v <= 0 ? 0 : (v >= 255 ? 255 : v));
}

// draw.line((x0, y0, x1, y1), fill=value, width=1).
void DrawPilLine(uint8_t* canvas, int width, int height, double x0, double y0, double x1, double y1,
                 uint8_t value);
void DrawPilLine(uint16_t* canvas, int width, int height, double x0, double y0, double x1,
                 double y1, uint16_t value);

// draw.line([(xs[0], ys[0]), ..., (xs[n-1], ys[n-1])], fill=value, width=1),
// with (xs[0], ys[0]) appended when `closed`. The pixels equal those of one
// draw.line call per segment (as the published scripts draw them): with one
// value, the points the single call leaves out are the starts of the next
// segments. n < 1 draws nothing.
void DrawPilPolyline(uint8_t* canvas, int width, int height, const double* xs, const double* ys,
                     int n, bool closed, uint8_t value);
void DrawPilPolyline(uint16_t* canvas, int width, int height, const double* xs, const double* ys,
                     int n, bool closed, uint16_t value);

}  // namespace synthub::contour

#endif  // SYNTHUB_CONTOUR_PIL_LINE_H_
