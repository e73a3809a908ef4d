// A naive, single-threaded C++ transcription of the published 3D pipeline
// (MV-FractalDB / ExFractalDB / 3D-OFDB), the baseline bench/fractal3d_run.sh
// compares synthub against in the same run, written the straightforward way
// so that the ratio measures implementation choices, not the algorithm:
//   - instance.py + IteratedFunctionSystem.calculate: np.random.random(n)
//     from the instance's stream, one std::map<std::string, double> per map
//     (the script's dicts) looked up per point, the points appended one by
//     one to a std::vector of structs, then min_max and centoroid;
//   - render.py: the points as float32 (np.float32 of the PLY), the camera's
//     matrices built per view as glm builds them (perspective, rotate,
//     lookAt; in double here), then per point the vertex shader's
//     proj * view * (x, y, z, 1), the clip test, the perspective divide, the
//     viewport transform and the GL specification's pixel for a point of
//     size 1 (floor of the window coordinates, no sub-pixel snapping); a
//     fresh 224 x 224 RGB canvas per image, rows in glReadPixels order;
//   - PIL's PNG save: NaiveEncodeRgbPng (naive_reference.h, libpng's
//     defaults: zlib level 6, adaptive filters).
// Left out, as the issue allows: the PLY write and read-back per instance.
// Pure functions; thread-safe.
#ifndef SYNTHUB_BENCH_NAIVE_FRACTAL3D_H_
#define SYNTHUB_BENCH_NAIVE_FRACTAL3D_H_

#include <cstdint>
#include <vector>

#include "fractal3d/ifs3d.h"

namespace synthub::bench {

struct NaivePoint {
  double x, y, z;
};

struct NaiveVertex {
  float x, y, z;
};

// The cloud of one instance: `weights` (12 multipliers of a..l) applied to
// the category's maps, `points` uniforms drawn from numpy's
// RandomState(key) (the stream synthub keys the instance with), the chaos
// game from the origin (points - 1 points), min-max to [-1, 1] over every
// coordinate, minus each axis's sum / points.
std::vector<NaivePoint> NaiveInstanceCloud(const fractal3d::Ifs3& ifs, const double weights[12],
                                           const std::vector<uint32_t>& key, int points);

// render.py's float32 copy of the cloud (what reaches the vertex buffer).
std::vector<NaiveVertex> NaiveVertices(const std::vector<NaivePoint>& cloud);

// One view: the camera turned about y by the successive angles `y_rotations`
// (radians; render.py: theta, 30 degrees, the jitter), eye at distance 4
// looking at the origin, perspective 45 degrees, near 1, far 100; white
// points on black, size x size RGB, row 0 = the bottom of the window.
std::vector<uint8_t> NaiveRenderView(const std::vector<NaiveVertex>& vertices,
                                     const std::vector<double>& y_rotations, int size);

}  // namespace synthub::bench

#endif  // SYNTHUB_BENCH_NAIVE_FRACTAL3D_H_
