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

// The pipeline for `n` points (interleaved xyz), up to the pixels:
//  - clip = mvp (x, y, z, 1) in glm's order; keep[i] = the vertex lies in the
//    closed clip volume -w <= x, y, z <= w (GL clips a point by its vertex);
//  - window = size/2 * clip/w + size/2 (viewport 0, 0, size, size), snapped
//    to the nearest 1/2^bits pixel, halves up (as Mesa's llvmpipe);
//  - a point of size S covers the S pixels i whose centre i + 0.5 lies in
//    [w - S/2, w + S/2): the lower (left, bottom) edge is included and the
//    upper one excluded, so a centre exactly on an edge belongs to one
//    square (GL leaves that tie to the implementation; docs/families.md,
//    "Projection"). first[i] = ceil(w - S/2 - 0.5) is the first of them.
// Plain IEEE float operations without contraction, so every ISA gives the
// same values (the file is compiled with -fno-trapping-math, which lets the
// compiler vectorise floor and ceil; it changes no value).
SYNTHUB_CLONES void FirstPixels(const float* xyz, size_t n, const Mat4& mvp, int size,
                                int point_size, int bits, float* __restrict first_x,
                                float* __restrict first_y, uint8_t* __restrict keep) {
  float m[16];  // a local copy: the stores below cannot alias it
  std::copy(mvp.m, mvp.m + 16, m);
  const float half = 0.5f * static_cast<float>(size);
  const float grid = static_cast<float>(1 << bits), inv_grid = 1.0f / grid;
  const float square = 0.5f * static_cast<float>(point_size);
  constexpr size_t kMax = 256;
  float x[kMax], y[kMax], z[kMax];
  for (size_t i = 0; i < n; ++i) {
    x[i] = xyz[3 * i], y[i] = xyz[3 * i + 1], z[i] = xyz[3 * i + 2];
  }
  for (size_t i = 0; i < n; ++i) {
    // m[12 + r] * 1.0f is exact: written without the multiplication.
    const float cx = m[0] * x[i] + m[4] * y[i] + m[8] * z[i] + m[12];
    const float cy = m[1] * x[i] + m[5] * y[i] + m[9] * z[i] + m[13];
    const float cz = m[2] * x[i] + m[6] * y[i] + m[10] * z[i] + m[14];
    const float cw = m[3] * x[i] + m[7] * y[i] + m[11] * z[i] + m[15];
    keep[i] = (cx >= -cw) & (cx <= cw) & (cy >= -cw) & (cy <= cw) & (cz >= -cw) & (cz <= cw);
    float wx = half * (cx / cw) + half;
    float wy = half * (cy / cw) + half;
    if (bits > 0) {
      wx = std::floor(wx * grid + 0.5f) * inv_grid;
      wy = std::floor(wy * grid + 0.5f) * inv_grid;
    }
    first_x[i] = std::ceil(wx - square - 0.5f);
    first_y[i] = std::ceil(wy - square - 0.5f);
  }
}

}  // namespace

void TransformPoint(const Mat4& m, const float v[4], float out[4]) {
  for (int r = 0; r < 4; ++r) {
    out[r] = m.m[r] * v[0] + m.m[4 + r] * v[1] + m.m[8 + r] * v[2] + m.m[12 + r] * v[3];
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
  Mat4 r;
  for (int col = 0; col < 4; ++col) TransformPoint(a, &b.m[4 * col], &r.m[4 * col]);
  return r;
}

Mat4 PublishedViewProjection(const Camera& camera, const std::vector<float>& y_rotations_rad,
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
  const Mat4 view = LookAt(eye, center, up);
  const Mat4 proj = Perspective(Radians(camera.fov_deg),
                                static_cast<float>(width) / static_cast<float>(height),
                                camera.near, camera.far);
  return Multiply(proj, view);
}

void ProjectPoints(const float* xyz, size_t n, const Mat4& mvp, const RasterOptions& o,
                   codec::Image* out) {
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
    FirstPixels(xyz + 3 * begin, count, mvp, size, s, o.subpixel_bits, fx, fy, keep);
    for (size_t i = 0; i < count; ++i) {
      if (!keep[i]) continue;  // a kept point's first pixels are small integers
      const int x0 = static_cast<int>(fx[i]), y0 = static_cast<int>(fy[i]);
      if (s == 1 && o.channels == 1) {  // the common case: one pixel
        if (x0 >= 0 && x0 < size && y0 >= 0 && y0 < size) {
          px[static_cast<size_t>(y0) * size + x0] = o.color[0];
        }
        continue;
      }
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
