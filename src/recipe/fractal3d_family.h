// MV-FractalDB (IROS 2021), ExFractalDB (CVPR 2022) and 3D-OFDB (ICCV 2023)
// as families (recipe/family.h): one implementation, three ways to pick the
// samples of a category from its 3D IFS (fractal3d/ifs3d.h), each projected
// on the CPU the way the published OpenGL renderer draws points
// (fractal3d/project.h). docs/families.md, "3D families".
//   mv-fractaldb: every instance of the weight table x 12 fixed views;
//   exfractaldb:  N images per category, instances in turn, random views;
//   3d-ofdb:      one instance (table row 0) x 12 fixed views.
// Thread-safe (immutable).
#ifndef SYNTHUB_RECIPE_FRACTAL3D_FAMILY_H_
#define SYNTHUB_RECIPE_FRACTAL3D_FAMILY_H_

#include <string>
#include <vector>

#include "fractal3d/project.h"
#include "recipe/family.h"

namespace synthub::recipe {

const Family& MvFractalDbFamily();
const Family& ExFractalDbFamily();
const Family& Ofdb3dFamily();

// --clouds' spellings: none, with-images, only. Parse throws UsageError.
std::string CloudsName(CloudMembers clouds);
CloudMembers ParseClouds(const std::string& name);

// The 3D search settings of a recipe of these families.
fractal3d::Search3Options Search3OptionsOf(const Recipe& recipe);

// "ffffff" -> {255, 255, 255}; throws UsageError naming `flag`.
void ParseColor(const std::string& flag, const std::string& hex, uint8_t out[3]);
std::string ColorHex(const uint8_t rgb[3]);

// The y rotations (radians, float32) of the published renderer's view
// `view` of `views`: k / views * 2 pi, then 30 degrees, then the jitter
// (degrees) — three rotations, as render.py composes them.
std::vector<float> FixedViewRotations(int view, int views, double jitter_deg);

}  // namespace synthub::recipe

#endif  // SYNTHUB_RECIPE_FRACTAL3D_FAMILY_H_
