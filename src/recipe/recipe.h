// A dataset recipe: everything that determines a generated dataset's bytes
// (docs/formats/recipe.md). The same recipe gives byte-identical shards on
// any machine and any thread/process count.
#ifndef SYNTHUB_RECIPE_RECIPE_H_
#define SYNTHUB_RECIPE_RECIPE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "codec/image.h"
#include "fractal/render.h"
#include "fractal/search.h"
#include "fractal3d/project.h"

namespace synthub::recipe {

struct IntRange {
  int min = 0, max = 0;  // inclusive
};
struct RealRange {
  double min = 0, max = 0;
};

// VisualAtom and RCDB (src/recipe/visualatom.cc, rcdb.cc): the ranges the
// category parameters and the per-image redraws are drawn from. Defaults are
// set by each family (Family::Defaults, the presets).
struct ContourOptions {
  int size = 512;            // canvas, pixels (square)
  int reference_layout = 0;  // 0: keyed; P: the published script run with P processes
  bool masks = false;        // rcdb: a class-id mask per sample (SegRCDB-style)
  IntRange vertices, orbits, frequency, radius, centre, gray;
  RealRange noise, line_width, ellipse;
};

// 1p-frac (src/recipe/onepfrac.cc): one base IFS, each class a perturbation.
// Its images use `render` (size, points, pad; patch_gray) and `draws`
// (images per class).
struct OnePFracOptions {
  double delta = 0.1;      // per-class multiplicative perturbation in [1-delta, 1+delta]
  double sigma = 3.5;      // sigma-factor of the contractive SVD sampler (drawn in +- 0.1)
  double fill_min = 0.05;  // a class is redrawn until more of its pixels are set
};

// MV-FractalDB, ExFractalDB and 3D-OFDB (src/recipe/fractal3d_family.cc):
// the 3D search, the instance table, the published camera's views and the
// point rendering. Defaults: the published scripts'.
enum class CloudMembers {
  kNone,        // images only
  kWithImages,  // the first sample of each instance also carries <key>.npy
  kOnly,        // one <key>.npy per instance, no images
};
struct Fractal3dOptions {
  fractal::SearchMode search_mode = fractal::SearchMode::kKeyed;
  uint64_t search_seed = 1;
  double variance = 0.05;       // accepted when every axis's variance is above
  int points = 10000;           // chaos-game draws per cloud (the cloud has points - 1)
  uint64_t max_trials = 20000;  // per category, before the search gives up
  int table_rows = 145;         // weights_insN.csv: 1 + 24k rows
  int views = 12;               // fixed views (mv-fractaldb, 3d-ofdb)
  double jitter_deg = 3.141592653589793;  // +- degrees per view (published: uniform(-pi, pi))
  int size = 224;
  int point_size = 1;
  int subpixel_bits = 8;
  // GL's point rule: the compatibility context's (the published renderer's)
  // or point sprites' (a core context); fractal3d/project.h.
  fractal3d::PointRule point_rule = fractal3d::PointRule::kCompatibility;
  uint8_t point_color[3] = {255, 255, 255};
  uint8_t background[3] = {0, 0, 0};
  CloudMembers clouds = CloudMembers::kNone;
};

// The fields of every family sit side by side; FractalDB's are the search,
// render, draws and flips settings. A family adds its own group of fields
// (and its keys in the JSON) when it joins (recipe/family.h).
struct Recipe {
  std::string family = "fractaldb";  // recipe/family.h; absent from the JSON of fractaldb
  std::string name = "fractaldb";   // shard prefix: <name>-000000.tar
  uint64_t seed = 0;                // keys patch masks and sample order
  int categories = 1000;
  // Where the categories come from: a search with these settings for
  // categories 0 .. categories-1 (run when no parameter folder is given; the
  // count is `categories` above, never a copy), and the SHA-256 of the
  // parameter file, filled in once the parameters are known.
  fractal::SearchOptions search;
  std::string params_sha256;
  fractal::RenderOptions render;
  int draws = 10;                   // patch mask draws per weight row; other families:
                                    // images per category (recipe/family.h)
  int flips = 4;
  int instances_per_category = 0;   // 0: all rows x draws x flips
  ContourOptions contour;
  OnePFracOptions onepfrac;
  Fractal3dOptions fractal3d;
  codec::EncodeOptions encode;
  int shard_size = 10000;           // samples per shard (a multiple of flips)

  // Derived, through the recipe's family (recipe/family.h): the plan's axes.
  int Rows() const;            // FractalDB: the 25 weight rows; others 1
  int EffectiveDraws() const;  // FractalDB: draws of patch modes, else 1; others: draws
  int Instances() const;       // samples per category
};

// Throws UsageError naming the bad setting.
void ValidateRecipe(const Recipe& r);

// The named presets of every family (fractaldb-1k, -10k, -21k, -50k,
// -100k, -300k and demo). Defined in family.cc.
Recipe PresetRecipe(const std::string& name);  // throws UsageError
std::vector<std::string> PresetNames();

std::string RecipeToJson(const Recipe& r);  // canonical: same recipe, same text
Recipe ParseRecipe(const std::string& json, const std::string& where);

}  // namespace synthub::recipe

#endif  // SYNTHUB_RECIPE_RECIPE_H_
