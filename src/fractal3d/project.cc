#include "fractal3d/project.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "synthub/error.h"
#include "util/target_clones.h"

namespace synthub::fractal3d {
namespace {

struct Vec3 {
  float x, y, z;
};

Vec3 Sub(const Vec3& a, const Vec3& b) { return {a.x - b.x, a.y - b.y, a.z - b.z}; }
// glm::dot: (a.x * b.x + a.y * b.y) + a.z * b.z.
float Dot(const Vec3& a, const Vec3& b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
Vec3 Cross(const Vec3& a, const Vec3& b) {
  return {a.y * b.z - b.y * a.z, a.z * b.x - b.z * a.x, a.x * b.y - b.x * a.y};
}
// glm::normalize: v * inversesqrt(dot(v, v)), inversesqrt = 1 / sqrt.
Vec3 Normalize(const Vec3& v) {
  const float k = 1.0f / std::sqrt(Dot(v, v));
  return {v.x * k, v.y * k, v.z * k};
}

// The pipeline for `n` points (interleaved xyz), up to the pixels, as
// Mesa's llvmpipe computes it (measured with tests/gl_points_tool.cc):
//  - eye = view (x, y, z, 1), then clip = proj eye (the shader's
//    proj * view * model * p evaluated right to left; the identity model
//    multiplies exactly), each row ((m0 a + m1 b) + m2 c) + m3 d, no FMA;
//  - keep[i] = the vertex lies in the closed clip volume -w <= x, y, z <= w
//    (GL clips a point by its vertex) and passes the depth test;
//  - r = 1 / w, ndc = clip * r, window = fma(ndc, size/2, size/2) (one
//    rounding, as llvmpipe on FMA hosts and GPUs compute it; std::fma is
//    correctly rounded on every ISA);
//  - snapped to the nearest 1/2^bits pixel, halves away from zero as
//    llvmpipe rounds (the compatibility rule snaps w, the core rule w - 1/2);
//  - first[i] = the first covered pixel under `rule` (project.h); a point
//    of size s covers s pixels from there.
// Plain IEEE operations without contraction, so every ISA gives the same
// values (the file is compiled with -fno-trapping-math, which lets GCC
// vectorise floor and ceil; it changes no value).
//
// FirstPixelsLoop is one mode of that loop, so that the compiler sees no
// branch in it; it is always inlined, so that it is compiled for each
// instruction set FirstPixels dispatches to. With snapping, window
// coordinates are multiples of 1/2^bits below 2^16 and the edge arithmetic
// in float is exact; without, it runs in double.
template <bool kCore, bool kSnap>
__attribute__((always_inline)) inline void FirstPixelsLoop(
    const float* x, const float* y, const float* z, size_t n, const float* v, const float* p,
    float half, float grid, int point_size, float* __restrict first_x,
    float* __restrict first_y, uint8_t* __restrict keep) {
  const float inv_grid = 1.0f / grid;
  // first = floor(w + shift) - back (compatibility) or ceil(w - square) (core).
  const float shift = point_size % 2 == 0 ? 0.5f : 0.0f;
  const float back = static_cast<float>(point_size / 2);
  const float square = 0.5f * static_cast<float>(point_size) + 0.5f;
  for (size_t i = 0; i < n; ++i) {
    const float ex = v[0] * x[i] + v[4] * y[i] + v[8] * z[i] + v[12];
    const float ey = v[1] * x[i] + v[5] * y[i] + v[9] * z[i] + v[13];
    const float ez = v[2] * x[i] + v[6] * y[i] + v[10] * z[i] + v[14];
    const float ew = v[3] * x[i] + v[7] * y[i] + v[11] * z[i] + v[15];
    const float cx = p[0] * ex + p[4] * ey + p[8] * ez + p[12] * ew;
    const float cy = p[1] * ex + p[5] * ey + p[9] * ez + p[13] * ew;
    const float cz = p[2] * ex + p[6] * ey + p[10] * ez + p[14] * ew;
    const float cw = p[3] * ex + p[7] * ey + p[11] * ez + p[15] * ew;
    const float r = 1.0f / cw;
    // The depth test: GL_LESS against the 16-bit buffer cleared to 1.0 (the
    // published renderer's defaults) fails where the depth rounds to 65535,
    // on and near the far plane.
    const float depth = std::nearbyint(std::fma(cz * r, 0.5f, 0.5f) * 65535.0f);
    keep[i] = (cx >= -cw) & (cx <= cw) & (cy >= -cw) & (cy <= cw) & (cz >= -cw) & (cz <= cw) &
              (depth < 65535.0f);
    float wx = std::fma(cx * r, half, half);
    float wy = std::fma(cy * r, half, half);
    if (kSnap && kCore) {  // llvmpipe snaps w - 1/2, rounding halves away from zero
      const float tx = (wx - 0.5f) * grid, ty = (wy - 0.5f) * grid;
      wx = std::trunc(tx + std::copysign(0.5f, tx)) * inv_grid + 0.5f;
      wy = std::trunc(ty + std::copysign(0.5f, ty)) * inv_grid + 0.5f;
    } else if (kSnap) {  // w >= 0 for a kept point: halves up is away from zero
      wx = std::floor(wx * grid + 0.5f) * inv_grid;
      wy = std::floor(wy * grid + 0.5f) * inv_grid;
    }
    if (kSnap) {
      first_x[i] = kCore ? std::ceil(wx - square) : std::floor(wx + shift) - back;
      first_y[i] = kCore ? std::ceil(wy - square) : std::floor(wy + shift) - back;
    } else {
      const double dx = wx, dy = wy;
      first_x[i] = static_cast<float>(kCore ? std::ceil(dx - square) : std::floor(dx + shift) - back);
      first_y[i] = static_cast<float>(kCore ? std::ceil(dy - square) : std::floor(dy + shift) - back);
    }
  }
}

// Deinterleaves a block of points and runs the loop of its mode.
__attribute__((always_inline)) inline void FirstPixelsBody(
    const float* xyz, size_t n, const ViewTransform& t, int size, int point_size, int bits,
    PointRule rule, float* __restrict first_x, float* __restrict first_y,
    uint8_t* __restrict keep) {
  float v[16], p[16];  // local copies: the stores below cannot alias them
  std::copy(t.view.m, t.view.m + 16, v);
  std::copy(t.proj.m, t.proj.m + 16, p);
  constexpr size_t kMax = 256;
  float x[kMax], y[kMax], z[kMax];
  for (size_t i = 0; i < n; ++i) {
    x[i] = xyz[3 * i], y[i] = xyz[3 * i + 1], z[i] = xyz[3 * i + 2];
  }
  const float half = 0.5f * static_cast<float>(size);
  const float grid = static_cast<float>(1 << bits);
  const bool core = rule == PointRule::kCore;
  if (core && bits > 0) {
    FirstPixelsLoop<true, true>(x, y, z, n, v, p, half, grid, point_size, first_x, first_y, keep);
  } else if (bits > 0) {
    FirstPixelsLoop<false, true>(x, y, z, n, v, p, half, grid, point_size, first_x, first_y, keep);
  } else if (core) {
    FirstPixelsLoop<true, false>(x, y, z, n, v, p, half, grid, point_size, first_x, first_y, keep);
  } else {
    FirstPixelsLoop<false, false>(x, y, z, n, v, p, half, grid, point_size, first_x, first_y, keep);
  }
}

// FirstPixelsBody compiled twice: for AVX2 with FMA (vectorised, fused
// multiply-adds in hardware) and for the baseline (std::fma through fmaf),
// chosen by the CPU's features. Both give the same values: std::fma is
// correctly rounded on every ISA. (target_clones' "arch=haswell" would test
// the CPU model, not its features.)
#if defined(__x86_64__) && !defined(SYNTHUB_NO_CLONES)
__attribute__((target("avx2,fma"))) void FirstPixelsAvx2(
    const float* xyz, size_t n, const ViewTransform& t, int size, int point_size, int bits,
    PointRule rule, float* first_x, float* first_y, uint8_t* keep) {
  FirstPixelsBody(xyz, n, t, size, point_size, bits, rule, first_x, first_y, keep);
}
#endif

void FirstPixels(const float* xyz, size_t n, const ViewTransform& t, int size, int point_size,
                 int bits, PointRule rule, float* first_x, float* first_y, uint8_t* keep) {
#if defined(__x86_64__) && !defined(SYNTHUB_NO_CLONES)
  static const bool avx2_fma = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (avx2_fma) {
    FirstPixelsAvx2(xyz, n, t, size, point_size, bits, rule, first_x, first_y, keep);
    return;
  }
#endif
  FirstPixelsBody(xyz, n, t, size, point_size, bits, rule, first_x, first_y, keep);
}

// The presets' case, one gray pixel per point, apart from the general loop
// so that its few values stay in registers.
void ScatterOnePixel(const float* first_x, const float* first_y, const uint8_t* keep,
                     size_t count, int size, uint8_t color, uint8_t* __restrict px) {
  const unsigned limit = static_cast<unsigned>(size);
  for (size_t i = 0; i < count; ++i) {
    if (!keep[i]) continue;  // a kept point's first pixels are small integers
    const int x0 = static_cast<int>(first_x[i]), y0 = static_cast<int>(first_y[i]);
    if (static_cast<unsigned>(x0) < limit && static_cast<unsigned>(y0) < limit) {
      px[static_cast<size_t>(y0) * size + x0] = color;
    }
  }
}

}  // namespace

void TransformPoint(const Mat4& m, const float v[4], float out[4]) {
  // glm's mat4 * vec4 pairs the columns: (c0 v0 + c1 v1) + (c2 v2 + c3 v3).
  for (int r = 0; r < 4; ++r) {
    out[r] = (m.m[r] * v[0] + m.m[4 + r] * v[1]) + (m.m[8 + r] * v[2] + m.m[12 + r] * v[3]);
  }
}

void ClipCoordinates(const ViewTransform& t, const float p[3], float clip[4]) {
  const float* v = t.view.m;
  const float* q = t.proj.m;
  float e[4];
  for (int r = 0; r < 4; ++r) e[r] = v[r] * p[0] + v[4 + r] * p[1] + v[8 + r] * p[2] + v[12 + r];
  for (int r = 0; r < 4; ++r) {
    clip[r] = q[r] * e[0] + q[4 + r] * e[1] + q[8 + r] * e[2] + q[12 + r] * e[3];
  }
}

Mat4 Identity4() {
  Mat4 m{};
  m.m[0] = m.m[5] = m.m[10] = m.m[15] = 1.0f;
  return m;
}

float Radians(float degrees) { return degrees * 0.01745329251994329576923690768489f; }

Mat4 Perspective(float fovy_rad, float aspect, float near, float far) {
  const float tan_half = std::tan(fovy_rad / 2.0f);
  Mat4 r{};
  r.m[0] = 1.0f / (aspect * tan_half);
  r.m[5] = 1.0f / tan_half;
  r.m[10] = -(far + near) / (far - near);
  r.m[11] = -1.0f;
  r.m[14] = -(2.0f * far * near) / (far - near);
  return r;
}

Mat4 Rotate(const Mat4& m, float angle_rad, float ax, float ay, float az) {
  const float c = std::cos(angle_rad);
  const float s = std::sin(angle_rad);
  const Vec3 axis = Normalize({ax, ay, az});
  const Vec3 temp = {(1.0f - c) * axis.x, (1.0f - c) * axis.y, (1.0f - c) * axis.z};
  float rot[3][3];
  rot[0][0] = c + temp.x * axis.x;
  rot[0][1] = temp.x * axis.y + s * axis.z;
  rot[0][2] = temp.x * axis.z - s * axis.y;
  rot[1][0] = temp.y * axis.x - s * axis.z;
  rot[1][1] = c + temp.y * axis.y;
  rot[1][2] = temp.y * axis.z + s * axis.x;
  rot[2][0] = temp.z * axis.x + s * axis.y;
  rot[2][1] = temp.z * axis.y - s * axis.x;
  rot[2][2] = c + temp.z * axis.z;
  Mat4 r;
  for (int col = 0; col < 3; ++col) {
    for (int row = 0; row < 4; ++row) {
      r.m[4 * col + row] = m.m[row] * rot[col][0] + m.m[4 + row] * rot[col][1] +
                           m.m[8 + row] * rot[col][2];
    }
  }
  for (int row = 0; row < 4; ++row) r.m[12 + row] = m.m[12 + row];
  return r;
}

Mat4 LookAt(const float eye[3], const float center[3], const float up[3]) {
  const Vec3 e = {eye[0], eye[1], eye[2]};
  const Vec3 f = Normalize(Sub({center[0], center[1], center[2]}, e));
  const Vec3 s = Normalize(Cross(f, {up[0], up[1], up[2]}));
  const Vec3 u = Cross(s, f);
  Mat4 r = Identity4();
  r.m[0] = s.x, r.m[4] = s.y, r.m[8] = s.z;
  r.m[1] = u.x, r.m[5] = u.y, r.m[9] = u.z;
  r.m[2] = -f.x, r.m[6] = -f.y, r.m[10] = -f.z;
  r.m[12] = -Dot(s, e);
  r.m[13] = -Dot(u, e);
  r.m[14] = Dot(f, e);
  return r;
}

Mat4 Multiply(const Mat4& a, const Mat4& b) {
  // glm's mat4 * mat4 sums the columns in order: ((a0 b0 + a1 b1) + a2 b2) + a3 b3.
  Mat4 r;
  for (int col = 0; col < 4; ++col) {
    const float* v = &b.m[4 * col];
    for (int row = 0; row < 4; ++row) {
      r.m[4 * col + row] =
          a.m[row] * v[0] + a.m[4 + row] * v[1] + a.m[8 + row] * v[2] + a.m[12 + row] * v[3];
    }
  }
  return r;
}

ViewTransform PublishedView(const Camera& camera, const std::vector<float>& y_rotations_rad,
                            int width, int height) {
  Mat4 rot = Identity4();
  for (float angle : y_rotations_rad) rot = Rotate(rot, angle, 0.0f, 1.0f, 0.0f);
  const float x_axis[4] = {1, 0, 0, 0}, y_axis[4] = {0, 1, 0, 0};
  float dir[4], up[4];
  TransformPoint(rot, x_axis, dir);
  TransformPoint(rot, y_axis, up);
  // camPos = gazePos - camDir * camDist, with gazePos the origin.
  const float eye[3] = {0.0f - dir[0] * camera.distance, 0.0f - dir[1] * camera.distance,
                        0.0f - dir[2] * camera.distance};
  const float center[3] = {0, 0, 0};
  return {Perspective(Radians(camera.fov_deg),
                      static_cast<float>(width) / static_cast<float>(height), camera.near,
                      camera.far),
          LookAt(eye, center, up)};
}

int ColorChannels(const uint8_t color[3], const uint8_t background[3]) {
  const auto gray = [](const uint8_t c[3]) { return c[0] == c[1] && c[1] == c[2]; };
  return gray(color) && gray(background) ? 1 : 3;
}

std::string PointRuleName(PointRule rule) {
  return rule == PointRule::kCore ? "core" : "compat";
}

PointRule ParsePointRule(const std::string& name) {
  if (name == "compat") return PointRule::kCompatibility;
  if (name == "core") return PointRule::kCore;
  throw UsageError("--point-rule: expected compat or core, got '" + name + "'");
}

void ProjectPoints(const float* xyz, size_t n, const ViewTransform& transform,
                   const RasterOptions& o, codec::Image* out) {
  if (o.size < 1 || o.size > 16384) throw UsageError("--size must be in [1, 16384]");
  if (o.point_size < 1 || o.point_size > 64) throw UsageError("--point-size must be in [1, 64]");
  if (o.subpixel_bits < 0 || o.subpixel_bits > 16) {
    throw UsageError("--subpixel-bits must be in [0, 16]");
  }
  if (o.channels != 1 && o.channels != 3) throw Error("ProjectPoints: channels must be 1 or 3");
  const int size = o.size;
  out->width = out->height = size;
  out->channels = o.channels;
  out->pixels.resize(static_cast<size_t>(size) * size * o.channels);
  uint8_t* px = out->pixels.data();
  if (o.channels == 1) {
    std::memset(px, o.background[0], out->pixels.size());
  } else {
    for (size_t i = 0; i < out->pixels.size(); i += 3) std::memcpy(px + i, o.background, 3);
  }
  // Blocks of points: their first pixels in a loop the compiler vectorises
  // (FirstPixels), then the writes.
  constexpr size_t kBlock = 256;
  float fx[kBlock], fy[kBlock];
  uint8_t keep[kBlock];
  const int s = o.point_size;
  for (size_t begin = 0; begin < n; begin += kBlock) {
    const size_t count = std::min(kBlock, n - begin);
    FirstPixels(xyz + 3 * begin, count, transform, size, s, o.subpixel_bits, o.rule, fx, fy,
                keep);
    if (s == 1 && o.channels == 1) {
      ScatterOnePixel(fx, fy, keep, count, size, o.color[0], px);
      continue;
    }
    for (size_t i = 0; i < count; ++i) {
      if (!keep[i]) continue;  // a kept point's first pixels are small integers
      const int x0 = static_cast<int>(fx[i]), y0 = static_cast<int>(fy[i]);
      for (int y = std::max(y0, 0); y < std::min(y0 + s, size); ++y) {
        uint8_t* row = px + static_cast<size_t>(y) * size * o.channels;
        for (int x = std::max(x0, 0); x < std::min(x0 + s, size); ++x) {
          if (o.channels == 1) {
            row[x] = o.color[0];
          } else {
            std::memcpy(row + 3 * x, o.color, 3);
          }
        }
      }
    }
  }
}

}  // namespace synthub::fractal3d
