#include "naive_fractal3d.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <string>

#include "fractal/random.h"

namespace synthub::bench {
namespace {

// A glm-style 4 x 4 matrix in double: m[column][row].
struct NaiveMat4 {
  double m[4][4] = {{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}};
};

struct NaiveVec3 {
  double x, y, z;
};

NaiveMat4 Mul(const NaiveMat4& a, const NaiveMat4& b) {
  NaiveMat4 r;
  for (int c = 0; c < 4; ++c) {
    for (int row = 0; row < 4; ++row) {
      double s = 0;
      for (int k = 0; k < 4; ++k) s += a.m[k][row] * b.m[c][k];
      r.m[c][row] = s;
    }
  }
  return r;
}

using NaiveVec4 = std::array<double, 4>;

NaiveVec4 MulVec(const NaiveMat4& a, const NaiveVec4& v) {
  NaiveVec4 r = {0, 0, 0, 0};
  for (int row = 0; row < 4; ++row) {
    for (int k = 0; k < 4; ++k) r[row] += a.m[k][row] * v[k];
  }
  return r;
}

NaiveVec3 Normalize(const NaiveVec3& v) {
  const double n = std::sqrt(v.x * v.x + v.y * v.y + v.z * v.z);
  return {v.x / n, v.y / n, v.z / n};
}

NaiveVec3 Cross(const NaiveVec3& a, const NaiveVec3& b) {
  return {a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x};
}

double Dot(const NaiveVec3& a, const NaiveVec3& b) { return a.x * b.x + a.y * b.y + a.z * b.z; }

// glm.perspective (right-handed, depth -1..1).
NaiveMat4 Perspective(double fovy, double aspect, double near, double far) {
  const double t = std::tan(fovy / 2);
  NaiveMat4 r;
  for (auto& col : r.m) std::fill(col, col + 4, 0.0);
  r.m[0][0] = 1 / (aspect * t);
  r.m[1][1] = 1 / t;
  r.m[2][2] = -(far + near) / (far - near);
  r.m[2][3] = -1;
  r.m[3][2] = -(2 * far * near) / (far - near);
  return r;
}

// glm.rotate(m, angle, (0, 1, 0)): m times the rotation about y.
NaiveMat4 RotateY(const NaiveMat4& m, double angle) {
  NaiveMat4 rot;
  rot.m[0][0] = std::cos(angle);
  rot.m[0][2] = -std::sin(angle);
  rot.m[2][0] = std::sin(angle);
  rot.m[2][2] = std::cos(angle);
  return Mul(m, rot);
}

// glm.lookAt (right-handed).
NaiveMat4 LookAt(const NaiveVec3& eye, const NaiveVec3& center, const NaiveVec3& up) {
  const NaiveVec3 f = Normalize({center.x - eye.x, center.y - eye.y, center.z - eye.z});
  const NaiveVec3 s = Normalize(Cross(f, up));
  const NaiveVec3 u = Cross(s, f);
  NaiveMat4 r;
  r.m[0][0] = s.x, r.m[1][0] = s.y, r.m[2][0] = s.z;
  r.m[0][1] = u.x, r.m[1][1] = u.y, r.m[2][1] = u.z;
  r.m[0][2] = -f.x, r.m[1][2] = -f.y, r.m[2][2] = -f.z;
  r.m[3][0] = -Dot(s, eye);
  r.m[3][1] = -Dot(u, eye);
  r.m[3][2] = Dot(f, eye);
  return r;
}

}  // namespace

std::vector<NaivePoint> NaiveInstanceCloud(const fractal3d::Ifs3& ifs, const double weights[12],
                                           const std::vector<uint32_t>& key, int points) {
  static const char* kNames[12] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l"};
  // set_param: the weighted coefficients in a dictionary, the running sum of p.
  std::vector<std::map<std::string, double>> function;
  std::vector<double> select;
  double total = 0;
  for (const fractal3d::Map3& map : ifs.maps) {
    std::map<std::string, double> f;
    for (int k = 0; k < 12; ++k) f[kNames[k]] = (k < 9 ? map.m[k] : map.t[k - 9]) * weights[k];
    f["proba"] = map.p;
    function.push_back(f);
    total += map.p;
    select.push_back(total);
  }
  // calculate(points): np.random.random(points), points - 1 steps.
  fractal::Mt19937 mt(key.data(), static_cast<int>(key.size()));
  std::vector<double> rand;
  for (int i = 0; i < points; ++i) rand.push_back(fractal::NumpyRandom(mt));
  std::vector<NaivePoint> cloud;
  double prev_x = 0, prev_y = 0, prev_z = 0, next_x = 0, next_y = 0, next_z = 0;
  for (int i = 0; i < points - 1; ++i) {
    for (size_t j = 0; j < select.size(); ++j) {
      if (rand[i] <= select[j]) {
        next_x = prev_x * function[j]["a"] + prev_y * function[j]["b"] +
                 prev_z * function[j]["c"] + function[j]["j"];
        next_y = prev_x * function[j]["d"] + prev_y * function[j]["e"] +
                 prev_z * function[j]["f"] + function[j]["k"];
        next_z = prev_x * function[j]["g"] + prev_y * function[j]["h"] +
                 prev_z * function[j]["i"] + function[j]["l"];
        break;
      }
    }
    cloud.push_back({next_x, next_y, next_z});
    prev_x = next_x, prev_y = next_y, prev_z = next_z;
  }
  // min_max over every coordinate (numpy's min/max propagate NaN).
  double lo = cloud.empty() ? 0 : cloud[0].x, hi = lo;
  bool nan = false;
  for (const NaivePoint& p : cloud) {
    for (double v : {p.x, p.y, p.z}) {
      nan = nan || std::isnan(v);
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
  }
  if (nan) lo = hi = std::nan("");
  for (NaivePoint& p : cloud) {
    p.x = ((p.x - lo) / (hi - lo)) * (1.0 - (-1.0)) - 1.0;
    p.y = ((p.y - lo) / (hi - lo)) * (1.0 - (-1.0)) - 1.0;
    p.z = ((p.z - lo) / (hi - lo)) * (1.0 - (-1.0)) - 1.0;
  }
  // centoroid: each axis's sum divided by the point count asked for.
  double sum_x = 0, sum_y = 0, sum_z = 0;
  for (const NaivePoint& p : cloud) sum_x += p.x;
  for (const NaivePoint& p : cloud) sum_y += p.y;
  for (const NaivePoint& p : cloud) sum_z += p.z;
  const NaivePoint centre = {sum_x / points, sum_y / points, sum_z / points};
  for (NaivePoint& p : cloud) {
    p.x -= centre.x;
    p.y -= centre.y;
    p.z -= centre.z;
  }
  return cloud;
}

std::vector<NaiveVertex> NaiveVertices(const std::vector<NaivePoint>& cloud) {
  std::vector<NaiveVertex> out;
  for (const NaivePoint& p : cloud) {
    out.push_back({static_cast<float>(p.x), static_cast<float>(p.y), static_cast<float>(p.z)});
  }
  return out;
}

std::vector<uint8_t> NaiveRenderView(const std::vector<NaiveVertex>& vertices,
                                     const std::vector<double>& y_rotations, int size) {
  const double pi = 3.14159265358979323846;
  const NaiveMat4 proj = Perspective(45.0 * pi / 180.0, 1.0, 1.0, 100.0);
  NaiveMat4 rot;
  for (double angle : y_rotations) rot = RotateY(rot, angle);
  const NaiveVec4 cam_dir = MulVec(rot, {1, 0, 0, 0});
  const NaiveVec4 up = MulVec(rot, {0, 1, 0, 0});
  const NaiveVec3 eye = {0 - cam_dir[0] * 4, 0 - cam_dir[1] * 4, 0 - cam_dir[2] * 4};
  const NaiveMat4 view = LookAt(eye, {0, 0, 0}, {up[0], up[1], up[2]});
  const NaiveMat4 mvp = Mul(proj, view);

  std::vector<uint8_t> rgb(static_cast<size_t>(size) * size * 3, 0);
  for (const NaiveVertex& v : vertices) {
    const NaiveVec4 clip = MulVec(mvp, {v.x, v.y, v.z, 1.0});
    const double w = clip[3];
    if (clip[0] < -w || clip[0] > w || clip[1] < -w || clip[1] > w || clip[2] < -w ||
        clip[2] > w) {
      continue;  // outside the view volume: GL drops the point
    }
    const double xw = (clip[0] / w + 1) * size / 2;  // viewport (0, 0, size, size)
    const double yw = (clip[1] / w + 1) * size / 2;
    const int px = static_cast<int>(std::floor(xw)), py = static_cast<int>(std::floor(yw));
    if (px < 0 || px >= size || py < 0 || py >= size) continue;
    uint8_t* p = &rgb[(static_cast<size_t>(py) * size + px) * 3];
    p[0] = p[1] = p[2] = 255;
  }
  return rgb;
}

}  // namespace synthub::bench
