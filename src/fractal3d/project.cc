#include "fractal3d/project.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "synthub/error.h"

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

// The pixels [first, last] a point of size `size` covers along one axis at
// window coordinate w (already snapped): those whose centre i + 0.5 lies in
// [w - size / 2, w + size / 2). The left/bottom edge is included and the
// right/top one excluded, so a centre exactly on the edge between two
// points' squares belongs to one of them (the GL specification leaves this
// tie to the implementation; see docs/families.md, "Projection").
void CoveredRange(float w, int size, int* first, int* last) {
  const float half = 0.5f * static_cast<float>(size);
  // i + 0.5 >= w - half  <=>  i >= w - half - 0.5;  i + 0.5 < w + half  <=>  i < w + half - 0.5
  *first = static_cast<int>(std::ceil(w - half - 0.5f));
  *last = static_cast<int>(std::ceil(w + half - 0.5f)) - 1;
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
  // Viewport (0, 0, size, size): xw = (size / 2) xd + size / 2.
  const float half = 0.5f * static_cast<float>(size);
  const float grid = std::ldexp(1.0f, o.subpixel_bits);
  for (size_t i = 0; i < n; ++i) {
    const float v[4] = {xyz[3 * i], xyz[3 * i + 1], xyz[3 * i + 2], 1.0f};
    float c[4];
    TransformPoint(mvp, v, c);
    // A point is clipped by its vertex against the closed view volume.
    if (!(c[0] >= -c[3] && c[0] <= c[3] && c[1] >= -c[3] && c[1] <= c[3] && c[2] >= -c[3] &&
          c[2] <= c[3])) {
      continue;
    }
    float xw = half * (c[0] / c[3]) + half;
    float yw = half * (c[1] / c[3]) + half;
    if (o.subpixel_bits > 0) {  // to the nearest grid point, halves up (as Mesa's llvmpipe)
      xw = std::floor(xw * grid + 0.5f) / grid;
      yw = std::floor(yw * grid + 0.5f) / grid;
    }
    int x0, x1, y0, y1;
    CoveredRange(xw, o.point_size, &x0, &x1);
    CoveredRange(yw, o.point_size, &y0, &y1);
    x0 = std::max(x0, 0), y0 = std::max(y0, 0);
    x1 = std::min(x1, size - 1), y1 = std::min(y1, size - 1);
    for (int y = y0; y <= y1; ++y) {
      uint8_t* row = px + static_cast<size_t>(y) * size * o.channels;
      if (o.channels == 1) {
        for (int x = x0; x <= x1; ++x) row[x] = o.color[0];
      } else {
        for (int x = x0; x <= x1; ++x) std::memcpy(row + 3 * x, o.color, 3);
      }
    }
  }
}

}  // namespace synthub::fractal3d
