// Rendering one FractalDB instance: weight table, point cloud, patch/point
// drawing with counter-based masks, flips. Every image is a pure function of
// (dataset seed, category IFS, weight row, draw, flip) and the options.
#ifndef SYNTHUB_FRACTAL_RENDER_H_
#define SYNTHUB_FRACTAL_RENDER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "fractal/ifs.h"

namespace synthub::fractal {

enum class DrawMode { kPatchGray, kPatchColor, kPointGray, kPointColor };

std::string DrawModeName(DrawMode mode);
DrawMode ParseDrawMode(const std::string& name);  // throws UsageError
inline bool IsPatch(DrawMode m) {
  return m == DrawMode::kPatchGray || m == DrawMode::kPatchColor;
}
inline bool IsColor(DrawMode m) {
  return m == DrawMode::kPatchColor || m == DrawMode::kPointColor;
}

struct RenderOptions {
  int size = 362;  // square image
  int points = 200000;
  int pad = 6;
  DrawMode mode = DrawMode::kPatchGray;
  double weight_k = 0.4;
};

void ValidateRenderOptions(const RenderOptions& options);  // throws UsageError

constexpr int kWeightRows = 25;

// Row `row` of the published weight table: six multipliers for a..f.
// Row 0 is all ones; rows 1 + 4 * param + m multiply that parameter by
// 1-2k, 1-k, 1+k, 1+2k (as decimals, the way the reference CSV stores them).
void WeightRow(double k, int row, double out[6]);

// The rasterised point cloud of (category, weight row): shared by every
// mask draw and flip of that row. Uses the reference's per-image stream
// np.random.seed(100) for the walk, so it does not depend on the dataset seed.
Raster ComputeCloud(const Ifs& ifs, int row, const RenderOptions& options);

// Draws a cloud into a new canvas (size x size x channels, channels 1 for
// gray, 3 for colour), with patch masks from Philox keyed by
// (seed, category, row, draw). Returns the image already flipped
// top-bottom, as the reference saves it ("flip 0").
std::vector<uint8_t> DrawCloud(const Raster& cloud, const RenderOptions& options,
                               uint64_t seed, uint32_t category, uint32_t row,
                               uint32_t draw);

// Flip variant f of an image (0 as is, 1 top-bottom, 2 left-right, 3 both)
// into *out (resized; reuse it to avoid allocations).
void FlipImage(const uint8_t* image, int width, int height, int channels, int flip,
               std::vector<uint8_t>* out);

// The 3 x 3 mask of point i: 9 bits in 1..511, most significant bit first,
// row-major (bit set = value 127). Exposed for tests and docs.
uint32_t PatchMask(uint64_t seed, uint32_t category, uint32_t row,
                   uint32_t draw, uint32_t point);

}  // namespace synthub::fractal

#endif  // SYNTHUB_FRACTAL_RENDER_H_
