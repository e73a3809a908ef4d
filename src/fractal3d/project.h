// The OpenGL pipeline for points, on the CPU: what the published 3D
// renderers (PyGLM matrices + an OpenGL 4.1 core shader through EGL) do to a
// point cloud, without OpenGL. float32 throughout, in glm's order of
// operations: model-view-projection, clipping against the view volume,
// perspective divide, viewport transform, snapping to the sub-pixel grid and
// the GL rule for the pixels a point covers (docs/families.md, "Projection").
#ifndef SYNTHUB_FRACTAL3D_PROJECT_H_
#define SYNTHUB_FRACTAL3D_PROJECT_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "codec/image.h"

namespace synthub::fractal3d {

// A 4x4 float matrix, column-major as glm stores it: m[4 * column + row].
struct Mat4 {
  float m[16];
};

Mat4 Identity4();
Mat4 Perspective(float fovy_rad, float aspect, float near, float far);  // glm::perspectiveRH_NO
Mat4 Rotate(const Mat4& m, float angle_rad, float ax, float ay, float az);  // glm::rotate
Mat4 LookAt(const float eye[3], const float center[3], const float up[3]);  // glm::lookAtRH
Mat4 Multiply(const Mat4& a, const Mat4& b);                                // glm operator*
float Radians(float degrees);                                               // glm::radians
// m * v in glm's order (column 0 * v[0] + ... + column 3 * v[3]).
void TransformPoint(const Mat4& m, const float v[4], float out[4]);

// The published camera.
struct Camera {
  float fov_deg = 45, near = 1, far = 100, distance = 4;
};

// proj * view of the published renderer for a view made of successive
// rotations about the y axis (radians, applied in order to the identity):
// the camera sits at -distance * (R * x-axis), looks at the origin, up R * y.
Mat4 PublishedViewProjection(const Camera& camera, const std::vector<float>& y_rotations_rad,
                             int width, int height);

struct RasterOptions {
  int size = 224;          // square image
  int point_size = 1;      // GL point size, pixels
  int subpixel_bits = 8;   // window coordinates snap to 1 / 2^bits pixel
  uint8_t color[3] = {255, 255, 255};
  uint8_t background[3] = {0, 0, 0};
  int channels = 1;        // 1: gray (color[0], background[0]); 3: RGB
};

// Draws the N x 3 float32 cloud `xyz` seen through `mvp` into *out (resized
// to size x size x channels). Rows are in glReadPixels order (row 0 is the
// bottom of the window), as the published PNGs store them.
void ProjectPoints(const float* xyz, size_t n, const Mat4& mvp, const RasterOptions& options,
                   codec::Image* out);

}  // namespace synthub::fractal3d

#endif  // SYNTHUB_FRACTAL3D_PROJECT_H_
