#include "family_flags.h"

#include <cstdlib>
#include <set>

#include "commands.h"
#include "recipe/fractal3d_family.h"
#include "synthub/error.h"

namespace synthub::cli {
namespace {

// The families each flag applies to.
struct FamilyFlag {
  FlagSpec spec;
  std::set<std::string> families;
};

const std::set<std::string> kFractal = {"fractaldb", "ofdb"};
const std::set<std::string> kContour = {"visualatom", "rcdb"};
const std::set<std::string> kOnePFrac = {"1p-frac"};
const std::set<std::string> k3d = {"mv-fractaldb", "exfractaldb", "3d-ofdb"};
// Chaos-game points; the category search's mode and seed.
const std::set<std::string> kWalk = {"fractaldb", "ofdb", "1p-frac", "mv-fractaldb",
                                     "exfractaldb", "3d-ofdb"};
const std::set<std::string> kSearch = {"fractaldb", "ofdb", "mv-fractaldb", "exfractaldb",
                                       "3d-ofdb"};

const std::vector<FamilyFlag>& AllFlags() {
  static const std::vector<FamilyFlag> flags = {
      // FractalDB (and OFDB, its one-image variant).
      {{"draw", "patch_gray", "fractaldb: patch_gray | patch_color | point_gray | point_color"},
       kFractal},
      {{"points", "200000",
        "fractaldb: chaos-game points per image (1p-frac: 100000; 3D families: 10000 per "
        "cloud, which holds points - 1)"},
       kWalk},
      {{"pad", "6", "fractaldb: padding in pixels"}, kFractal},
      {{"weight-k", "0.4", "fractaldb: weight table step k (rows 1-2k, 1-k, 1+k, 1+2k)"},
       kFractal},
      {{"draws", "10", "fractaldb: patch mask draws per weight row (the reference's 'instance')"},
       kFractal},
      {{"flips", "4", "fractaldb: flip variants per canvas (1..4)"}, kFractal},
      {{"search-mode", "numpy",
        "fractaldb: category search numpy (published) | keyed (scalable; the 3D families' "
        "default)"},
       kSearch},
      {{"search-seed", "1", "fractaldb, 3D families: category search seed"}, kSearch},
      {{"threshold", "0.2", "fractaldb search: minimum covered fraction"}, kFractal},
      {{"search-points", "100000", "fractaldb search: points per trial"}, kFractal},
      {{"search-size", "512", "fractaldb search: raster size"}, kFractal},
      {{"maps", "2..7", "fractaldb search: range of the number of maps"}, kFractal},
      {{"sampler", "uniform", "fractaldb search: uniform | svd"}, kFractal},
      // VisualAtom and RCDB (the contour families); defaults: the family's.
      {{"reference-layout", "0",
        "visualatom, rcdb: 0 = keyed draws; P = bit-exact to the published script run with "
        "--numof_thread P (must divide --categories)"},
       kContour},
      {{"vertices", "200..1000", "visualatom, rcdb: polygon vertices q (rcdb: 3..200)"},
       kContour},
      {{"orbits", "1..200", "visualatom, rcdb: orbits K drawn per image"}, kContour},
      {{"noise", "0,4", "visualatom, rcdb: range of the noise coefficient c"}, kContour},
      {{"frequency", "0..20", "visualatom: range of the sine frequencies n1, n2"},
       {"visualatom"}},
      {{"line-width", "0,0.1", "visualatom, rcdb: range of the line width w"}, kContour},
      {{"radius", "10..60", "visualatom, rcdb: radius range (rcdb: 0..100, per image)"},
       kContour},
      {{"ellipse", "1,2", "visualatom, rcdb: range of the ellipse factors ox, oy"}, kContour},
      {{"centre", "-512..512",
        "visualatom, rcdb: centre offset range, centre = (size + offset) / 2 (rcdb: "
        "-400..400)"},
       kContour},
      {{"gray", "0..255",
        "visualatom, rcdb: line gray range (rcdb: 0..size/2 as published, 256 draws 255)"},
       kContour},
      {{"masks", "false", "rcdb: a class-id mask <key>.mask.png per sample (SegRCDB-style)",
        true},
       {"rcdb"}},
      // 1p-frac.
      {{"delta", "0.1", "1p-frac: each class multiplies every map parameter by uniform(1-D, 1+D)"},
       kOnePFrac},
      {{"sigma", "3.5", "1p-frac: sigma-factor of the base system (drawn in sigma +- 0.1)"},
       kOnePFrac},
      {{"fill-min", "0.05", "1p-frac: a class is redrawn until more of its pixels are set"},
       kOnePFrac},
      // MV-FractalDB, ExFractalDB, 3D-OFDB.
      {{"variance", "0.05", "3D families: a category needs a per-axis variance above this"},
       k3d},
      {{"max-trials", "20000", "3D families: trials per category before the search gives up"},
       k3d},
      {{"weight-rows", "145", "3D families: instance table rows, 1 + 24k (1, 25, ..., 145)"},
       k3d},
      {{"views", "12", "mv-fractaldb, 3d-ofdb: fixed views per instance (k * 360 / N + 30 deg)"},
       {"mv-fractaldb", "3d-ofdb"}},
      {{"view-jitter", "3.14159", "mv-fractaldb, 3d-ofdb: +- degrees added to each view (0: none)"},
       {"mv-fractaldb", "3d-ofdb"}},
      {{"point-size", "1", "3D families: GL point size in pixels"}, k3d},
      {{"subpixel-bits", "8", "3D families: window coordinates snap to 1/2^bits pixel (0: off)"},
       k3d},
      {{"point-rule", "compat",
        "3D families: GL's point rule, compat (a compatibility context: the published "
        "renderer's) | core (point sprites)"},
       k3d},
      {{"point-color", "ffffff", "3D families: point colour RRGGBB (gray colours: 1-channel PNG)"},
       k3d},
      {{"background", "000000", "3D families: background colour RRGGBB"}, k3d},
      {{"clouds", "none",
        "3D families: none | with-images (the first sample of each instance adds <key>.npy, "
        "float32 N x 3) | only (one <key>.npy per instance, no images)"},
       k3d},
  };
  return flags;
}

// --search-mode (fractal::ParseSearchMode's message names `synthub search`'s --mode).
fractal::SearchMode SearchModeFlag(const Args& args) {
  const std::string mode = args.Str("search-mode");
  if (mode != "numpy" && mode != "keyed") {
    throw UsageError("--search-mode: expected numpy or keyed, got '" + mode + "'");
  }
  return fractal::ParseSearchMode(mode);
}

void ApplyFractal3d(const Args& args, recipe::Recipe* r) {
  recipe::Fractal3dOptions& o = r->fractal3d;
  if (args.Given("size")) o.size = args.Int("size");
  if (args.Given("points")) o.points = args.Int("points");
  if (args.Given("search-mode")) o.search_mode = SearchModeFlag(args);
  if (args.Given("search-seed")) o.search_seed = args.U64("search-seed");
  if (args.Given("variance")) o.variance = args.Double("variance");
  if (args.Given("max-trials")) {
    const int64_t trials = args.Int("max-trials");
    if (trials < 1) throw UsageError("--max-trials must be >= 1");
    o.max_trials = static_cast<uint64_t>(trials);
  }
  if (args.Given("weight-rows")) o.table_rows = args.Int("weight-rows");
  if (args.Given("views")) o.views = args.Int("views");
  if (args.Given("view-jitter")) o.jitter_deg = args.Double("view-jitter");
  if (args.Given("point-size")) o.point_size = args.Int("point-size");
  if (args.Given("subpixel-bits")) o.subpixel_bits = args.Int("subpixel-bits");
  if (args.Given("point-rule")) o.point_rule = fractal3d::ParsePointRule(args.Str("point-rule"));
  if (args.Given("point-color")) recipe::ParseColor("point-color", args.Str("point-color"), o.point_color);
  if (args.Given("background")) recipe::ParseColor("background", args.Str("background"), o.background);
  if (args.Given("clouds")) o.clouds = recipe::ParseClouds(args.Str("clouds"));

}

void ApplyFractalDb(const Args& args, recipe::Recipe* r) {
  if (args.Given("size")) r->render.size = args.Int("size");
  if (args.Given("draw")) r->render.mode = fractal::ParseDrawMode(args.Str("draw"));
  if (args.Given("points")) r->render.points = args.Int("points");
  if (args.Given("pad")) r->render.pad = args.Int("pad");
  if (args.Given("weight-k")) r->render.weight_k = args.Double("weight-k");
  if (args.Given("draws")) r->draws = args.Int("draws");
  if (args.Given("flips")) r->flips = args.Int("flips");
  if (args.Given("search-mode")) r->search.mode = SearchModeFlag(args);
  if (args.Given("search-seed")) r->search.seed = args.U64("search-seed");
  if (args.Given("threshold")) r->search.threshold = args.Double("threshold");
  if (args.Given("search-points")) r->search.points = args.Int("search-points");
  if (args.Given("search-size")) r->search.size = args.Int("search-size");
  if (args.Given("maps")) {
    ParseIntRange("maps", args.Str("maps"), &r->search.min_maps, &r->search.max_maps);
  }
  if (args.Given("sampler")) r->search.sampler = fractal::ParseMapSampler(args.Str("sampler"));
}

void ApplyContour(const Args& args, recipe::Recipe* r) {
  recipe::ContourOptions& o = r->contour;
  if (args.Given("size")) {
    o.size = args.Int("size");
    // The published RCDB script draws the gray with randint(0, image_size / 2).
    if (r->family == "rcdb" && !args.Given("gray")) o.gray.max = o.size / 2;
  }
  if (args.Given("reference-layout")) o.reference_layout = args.Int("reference-layout");
  const auto int_range = [&](const char* flag, recipe::IntRange* range) {
    if (args.Given(flag)) ParseIntRange(flag, args.Str(flag), &range->min, &range->max);
  };
  const auto real_range = [&](const char* flag, recipe::RealRange* range) {
    if (args.Given(flag)) ParseRealRange(flag, args.Str(flag), &range->min, &range->max);
  };
  int_range("vertices", &o.vertices);
  int_range("orbits", &o.orbits);
  real_range("noise", &o.noise);
  int_range("frequency", &o.frequency);
  real_range("line-width", &o.line_width);
  int_range("radius", &o.radius);
  real_range("ellipse", &o.ellipse);
  int_range("centre", &o.centre);
  int_range("gray", &o.gray);
  if (args.Given("masks")) o.masks = args.Switch("masks");
}

void ApplyOnePFrac(const Args& args, recipe::Recipe* r) {
  if (args.Given("size")) r->render.size = args.Int("size");
  if (args.Given("points")) r->render.points = args.Int("points");
  if (args.Given("delta")) r->onepfrac.delta = args.Double("delta");
  if (args.Given("sigma")) r->onepfrac.sigma = args.Double("sigma");
  if (args.Given("fill-min")) r->onepfrac.fill_min = args.Double("fill-min");
}

}  // namespace

void ParseRealRange(const std::string& flag, const std::string& value, double* lo, double* hi) {
  auto number = [&](const std::string& text) {
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0') {
      throw UsageError("--" + flag + ": need A,B (numbers), got '" + value + "'");
    }
    return v;
  };
  const size_t comma = value.find(',');
  *lo = number(value.substr(0, comma));
  *hi = comma == std::string::npos ? *lo : number(value.substr(comma + 1));
}

std::vector<FlagSpec> FamilyFlags() {
  std::vector<FlagSpec> out;
  for (const FamilyFlag& f : AllFlags()) out.push_back(f.spec);
  return out;
}

void ApplyFamilyFlags(const Args& args, recipe::Recipe* r) {
  for (const FamilyFlag& f : AllFlags()) {
    if (args.Given(f.spec.name) && !f.families.count(r->family)) {
      std::string names;
      for (const std::string& n : f.families) names += (names.empty() ? "" : ", ") + n;
      throw UsageError("--" + f.spec.name + " applies to " + names + ", not " + r->family);
    }
  }
  if (kFractal.count(r->family)) ApplyFractalDb(args, r);
  if (kContour.count(r->family)) ApplyContour(args, r);
  if (kOnePFrac.count(r->family)) ApplyOnePFrac(args, r);
  if (k3d.count(r->family)) ApplyFractal3d(args, r);
}

}  // namespace synthub::cli
