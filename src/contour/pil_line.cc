#include "contour/pil_line.h"

#include <climits>

namespace synthub::contour {
namespace {

// (int)v as Pillow's _draw_lines converts a coordinate on x86-64:
// truncation toward zero, INT_MIN when v is NaN or outside the int range.
inline int TruncToInt(double v) {
  return v > -2147483649.0 && v < 2147483648.0 ? static_cast<int>(v) : INT_MIN;
}

template <class T>
inline void PutChecked(T* canvas, int width, int height, int64_t x, int64_t y, T value) {
  if (x >= 0 && x < width && y >= 0 && y < height) canvas[y * width + x] = value;
}

// Pillow's line8/line32: the Bresenham walk from (x0, y0) toward (x1, y1),
// the end excluded. Step j of n = max(|dx|, |dy|) sets the pixel whose
// major coordinate is start + j and whose minor one is start +
// floor((2 j d_minor + d_major) / (2 d_major)) (Pillow's error term e
// keeps that invariant; the vertical and horizontal special cases are the
// same walk with d_minor = 0).
template <class T>
void Walk(T* canvas, int width, int height, int x0, int y0, int x1, int y1, T value) {
  int64_t dx = static_cast<int64_t>(x1) - x0;
  int64_t dy = static_cast<int64_t>(y1) - y0;
  const int64_t xs = dx < 0 ? -1 : 1;
  const int64_t ys = dy < 0 ? -1 : 1;
  if (dx < 0) dx = -dx;
  if (dy < 0) dy = -dy;
  // Pillow takes the x-major walk only when dx > dy strictly.
  const bool x_major = dx > dy;
  const int64_t n = x_major ? dx : dy;
  if (n == 0) return;

  if (x0 >= 0 && x0 < width && x1 >= 0 && x1 < width && y0 >= 0 && y0 < height && y1 >= 0 &&
      y1 < height) {
    // Inside the canvas throughout: no bounds checks.
    const int64_t step_x = xs, step_y = ys * width;
    const int64_t d_major = x_major ? dx : dy, d_minor = x_major ? dy : dx;
    const int64_t major_step = x_major ? step_x : step_y;
    const int64_t minor_step = x_major ? step_y : step_x;
    T* p = canvas + static_cast<int64_t>(y0) * width + x0;
    int64_t e = 2 * d_minor - d_major;
    for (int64_t j = 0; j < n; ++j) {
      *p = value;
      const int64_t step = -static_cast<int64_t>(e >= 0);  // all ones when stepping
      p += major_step + (minor_step & step);
      e += 2 * d_minor - (2 * d_major & step);
    }
    return;
  }

  // Partly or wholly outside: walk only the steps whose major coordinate is
  // on the canvas, starting from the closed form of the walk's state.
  const int64_t major0 = x_major ? x0 : y0, minor0 = x_major ? y0 : x0;
  const int64_t major_sign = x_major ? xs : ys, minor_sign = x_major ? ys : xs;
  const int64_t major_size = x_major ? width : height, minor_size = x_major ? height : width;
  const int64_t d_major = x_major ? dx : dy, d_minor = x_major ? dy : dx;
  int64_t j_lo, j_hi;  // steps with 0 <= major0 + major_sign * j < major_size
  if (major_sign > 0) {
    j_lo = -major0;
    j_hi = major_size - 1 - major0;
  } else {
    j_lo = major0 - (major_size - 1);
    j_hi = major0;
  }
  if (j_lo < 0) j_lo = 0;
  if (j_hi > n - 1) j_hi = n - 1;
  if (j_lo > j_hi) return;
  const __int128 num = static_cast<__int128>(2) * j_lo * d_minor + d_major;
  const int64_t minor_offset = static_cast<int64_t>(num / (2 * d_major));
  int64_t e =
      static_cast<int64_t>(2 * d_minor - d_major + static_cast<__int128>(2) * j_lo * d_minor -
                           static_cast<__int128>(2) * d_major * minor_offset);
  int64_t major = major0 + major_sign * j_lo;
  int64_t minor = minor0 + minor_sign * minor_offset;
  for (int64_t j = j_lo; j <= j_hi; ++j) {
    if (minor >= 0 && minor < minor_size) {
      if (x_major) {
        canvas[minor * width + major] = value;
      } else {
        canvas[major * width + minor] = value;
      }
    }
    if (e >= 0) {
      minor += minor_sign;
      e -= 2 * d_major;
    }
    e += 2 * d_minor;
    major += major_sign;
  }
}

template <class T>
void Line(T* canvas, int width, int height, double x0, double y0, double x1, double y1, T value) {
  const int ix1 = TruncToInt(x1), iy1 = TruncToInt(y1);
  Walk(canvas, width, height, TruncToInt(x0), TruncToInt(y0), ix1, iy1, value);
  PutChecked<T>(canvas, width, height, ix1, iy1, value);
}

template <class T>
void Polyline(T* canvas, int width, int height, const double* xs, const double* ys, int n,
              bool closed, T value) {
  if (n < 1 || (n == 1 && !closed)) return;  // Pillow draws nothing for one point
  int px = TruncToInt(xs[0]), py = TruncToInt(ys[0]);
  const int first_x = px, first_y = py;
  for (int i = 1; i < n; ++i) {
    const int qx = TruncToInt(xs[i]), qy = TruncToInt(ys[i]);
    Walk(canvas, width, height, px, py, qx, qy, value);
    px = qx;
    py = qy;
  }
  if (closed) {
    Walk(canvas, width, height, px, py, first_x, first_y, value);
    px = first_x;
    py = first_y;
  }
  PutChecked<T>(canvas, width, height, px, py, value);
}

}  // namespace

void DrawPilLine(uint8_t* canvas, int width, int height, double x0, double y0, double x1, double y1,
                 uint8_t value) {
  Line(canvas, width, height, x0, y0, x1, y1, value);
}

void DrawPilLine(uint16_t* canvas, int width, int height, double x0, double y0, double x1,
                 double y1, uint16_t value) {
  Line(canvas, width, height, x0, y0, x1, y1, value);
}

void DrawPilPolyline(uint8_t* canvas, int width, int height, const double* xs, const double* ys,
                     int n, bool closed, uint8_t value) {
  Polyline(canvas, width, height, xs, ys, n, closed, value);
}

void DrawPilPolyline(uint16_t* canvas, int width, int height, const double* xs, const double* ys,
                     int n, bool closed, uint16_t value) {
  Polyline(canvas, width, height, xs, ys, n, closed, value);
}

}  // namespace synthub::contour
