// Rendering one sample of a preset dataset: the pixels `synthub generate
// --preset NAME` encodes for that sample, as a pure function of the preset,
// the category's parameters and (category, row, draw, flip). For programs
// that render images themselves instead of reading shards.
//
// Thread-safety: the functions keep no state; call them from any thread.
#ifndef SYNTHUB_RENDER_H_
#define SYNTHUB_RENDER_H_

#include <cstdint>
#include <string>
#include <vector>

namespace synthub {

// An image, row-major: height x width x channels bytes (channels 1: gray,
// 3: RGB).
struct RenderedImage {
  int width = 0, height = 0, channels = 0;
  std::vector<uint8_t> pixels;
};

// Which sample of a category. FractalDB: the weight row (0..24), the patch
// mask draw (0..draws-1 of the preset) and the flip (0 as drawn, 1
// top-bottom, 2 left-right, 3 both). VisualAtom and RCDB: row 0, draw = the
// image index (0..999), flip 0.
struct SampleIndex {
  uint32_t category = 0, row = 0, draw = 0, flip = 0;
};

// The preset names, in a fixed order ("fractaldb-1k", ..., "demo").
std::vector<std::string> PresetNames();

// Renders one sample of `preset`. FractalDB and OFDB presets:
// `category_csv` is the IFS parameters of sample.category in the format
// `synthub search` writes (one CSV file per category, e.g.
// params/00042.csv). When it is empty the category is searched here, which
// presets with keyed categories allow (not fractaldb-1k and the OFDB
// presets, whose published categories come from one sequential search: pass
// their CSV). The VisualAtom, RCDB and 1p-frac presets draw the category
// from their seed: pass an empty `category_csv`. The 3D presets
// (mv-fractaldb-1k, exfractaldb-*, 3d-ofdb-*; keyed categories) take either:
// the category's 3D IFS CSV (NNNNN.csv in a dataset's params.ustar) or
// empty, which searches categories 0..sample.category here.
// Throws synthub::UsageError for an unknown preset, an index out of range or
// a CSV where none belongs, synthub::Error for a malformed CSV.
RenderedImage RenderPresetSample(const std::string& preset, const std::string& category_csv,
                                 const SampleIndex& sample);

}  // namespace synthub

#endif  // SYNTHUB_RENDER_H_
