// The OpenGL pipeline for points, on the CPU: what the published 3D
// renderers (PyGLM matrices and a GLSL 4.1 shader through EGL, in the
// compatibility context pegl's default config gives) do to a point cloud,
// without OpenGL. float32 throughout: glm's matrices in glm's order of
// operations, then the vertex stage, clipping against the view volume,
// perspective divide, viewport transform, snapping to the sub-pixel grid and
// the GL rule for the pixels a point covers, as Mesa's llvmpipe computes
// them (tests/projection_check.py compares it with llvmpipe pixel for pixel;
// docs/families.md, "Projection").
#ifndef SYNTHUB_FRACTAL3D_PROJECT_H_
#define SYNTHUB_FRACTAL3D_PROJECT_H_

#include <cstddef>
#include <cstdint>
#include <string>
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
// m * v as glm computes it: (column 0 v[0] + column 1 v[1]) + (column 2 v[2] + column 3 v[3]).
void TransformPoint(const Mat4& m, const float v[4], float out[4]);

// The published camera.
struct Camera {
  float fov_deg = 45, near = 1, far = 100, distance = 4;
};

// The shader's two matrices (the model matrix is the identity).
struct ViewTransform {
  Mat4 proj, view;
};

// The published renderer's matrices for a view made of successive rotations
// about the y axis (radians, applied in order to the identity): the camera
// sits at -distance * (R * x-axis), looks at the origin, up R * y.
ViewTransform PublishedView(const Camera& camera, const std::vector<float>& y_rotations_rad,
                            int width, int height);

// The clip coordinates of point p as the shader's proj * view * model * p
// is evaluated (Mesa: right to left, each row summed in order, no FMA):
// what ProjectPoints clips.
void ClipCoordinates(const ViewTransform& transform, const float p[3], float clip[4]);

// Which pixels a point covers (GL 4.6, 14.4; both with 8 sub-pixel bits):
//  - kCompatibility: points without sprites, the rule of a compatibility
//    context (what the published renderer gets): size s odd, the s x s
//    square from floor(x_w) - (s - 1) / 2; s even, from
//    floor(x_w + 1/2) - s / 2. Size 1 is the pixel floor(x_w).
//  - kCore: point sprites (a core context): the pixels whose centre lies in
//    [x_w - s/2, x_w + s/2), lower edge included. Size 1 at an integer x_w
//    (a pixel corner) is the pixel x_w - 1.
enum class PointRule { kCompatibility, kCore };
std::string PointRuleName(PointRule rule);           // "compat", "core"
PointRule ParsePointRule(const std::string& name);   // throws UsageError

struct RasterOptions {
  int size = 224;          // square image
  int point_size = 1;      // GL point size, pixels
  int subpixel_bits = 8;   // window coordinates snap to 1 / 2^bits pixel
  PointRule rule = PointRule::kCompatibility;
  uint8_t color[3] = {255, 255, 255};
  uint8_t background[3] = {0, 0, 0};
  int channels = 1;        // 1: gray (color[0], background[0]); 3: RGB
};

// The image channels for these colours: 1 (gray) when both are gray, else 3.
int ColorChannels(const uint8_t color[3], const uint8_t background[3]);

// Draws the N x 3 float32 cloud `xyz` seen through `transform` into *out
// (resized to size x size x channels). Rows are in glReadPixels order (row
// 0 is the bottom of the window), as the published PNGs store them.
void ProjectPoints(const float* xyz, size_t n, const ViewTransform& transform,
                   const RasterOptions& options, codec::Image* out);

}  // namespace synthub::fractal3d

#endif  // SYNTHUB_FRACTAL3D_PROJECT_H_
