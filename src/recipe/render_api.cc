// include/synthub/render.h on top of the family layer: the same
// SampleRenderer that generate and the loader's render: sources use.
#include "synthub/render.h"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "codec/image.h"
#include "fractal/ifs.h"
#include "fractal/search.h"
#include "fractal3d/ifs3d.h"
#include "recipe/family.h"
#include "recipe/fractal3d_family.h"
#include "recipe/plan.h"
#include "recipe/recipe.h"
#include "synthub/error.h"

namespace synthub {
namespace {

void CheckIndex(const std::string& preset, const char* what, uint32_t value, int limit) {
  if (value >= static_cast<uint32_t>(limit)) {
    throw UsageError(preset + ": " + what + " " + std::to_string(value) + " out of range [0, " +
                     std::to_string(limit) + ")");
  }
}

}  // namespace

std::vector<std::string> PresetNames() { return recipe::PresetNames(); }

RenderedImage RenderPresetSample(const std::string& preset, const std::string& category_csv,
                                 const SampleIndex& sample) {
  const recipe::Recipe r = recipe::PresetRecipe(preset);
  CheckIndex(preset, "category", sample.category, r.categories);
  CheckIndex(preset, "row", sample.row, r.Rows());
  CheckIndex(preset, "draw", sample.draw, r.EffectiveDraws());
  CheckIndex(preset, "flip", sample.flip, r.flips);

  recipe::CategoryParams params;
  if (r.family == "fractaldb" || r.family == "ofdb") {  // one IFS per category
    fractal::Ifs ifs;
    if (!category_csv.empty()) {
      ifs = fractal::ParseIfsCsv(category_csv, preset + " category " +
                                                   std::to_string(sample.category) + " CSV");
    } else if (r.search.mode == fractal::SearchMode::kKeyed) {
      ifs = fractal::SearchKeyed(r.search, static_cast<int>(sample.category), nullptr);
    } else {
      throw UsageError(preset + ": its categories come from one sequential search; pass the "
                       "CSV of category " + std::to_string(sample.category) +
                       " (synthub search --out DIR writes them)");
    }
    // The renderer indexes the parameters by category (the patch masks are
    // keyed by it too): only this category's entry is filled in.
    params.ifs.resize(sample.category + 1);
    params.ifs[sample.category] = std::move(ifs);
  } else if (r.family == "mv-fractaldb" || r.family == "exfractaldb" || r.family == "3d-ofdb") {
    // The 3D presets: the given category's system, or the keyed search's for
    // this category alone; its instances and views come from the preset's seed.
    params.ifs3.resize(sample.category + 1);
    if (!category_csv.empty()) {
      params.ifs3[sample.category] = fractal3d::Ifs3FromCsv(
          category_csv, preset + " category " + std::to_string(sample.category) + " CSV");
    } else if (r.fractal3d.search_mode == fractal::SearchMode::kKeyed) {
      params.ifs3[sample.category] = fractal3d::KeyedCategory(
          recipe::Search3OptionsOf(r), static_cast<int>(sample.category), nullptr, nullptr);
    } else {
      throw UsageError(preset + ": its categories come from one sequential search; pass the "
                       "CSV of category " + std::to_string(sample.category));
    }
  } else {
    // The other families' presets (VisualAtom, RCDB, 1p-frac) draw category
    // c from (seed, c) alone, so the first c + 1 categories hold it.
    if (!category_csv.empty()) {
      throw UsageError(preset + ": a " + r.family + " preset draws its categories from its "
                       "seed; pass an empty category_csv");
    }
    recipe::Recipe prefix = r;
    prefix.categories = static_cast<int>(sample.category) + 1;
    params = recipe::FamilyOf(r).MakeParams(prefix, 1, false);
  }
  const std::unique_ptr<recipe::SampleRenderer> renderer =
      recipe::FamilyOf(r).NewRenderer(r, params);
  codec::Image image;
  renderer->Render({sample.category, sample.row, sample.draw, sample.flip}, &image);

  RenderedImage out;
  out.width = image.width;
  out.height = image.height;
  out.channels = image.channels;
  out.pixels = std::move(image.pixels);
  return out;
}

}  // namespace synthub
