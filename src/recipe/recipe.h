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

namespace synthub::recipe {

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
  int draws = 10;                   // patch mask draws per weight row
  int flips = 4;
  int instances_per_category = 0;   // 0: all rows x draws x flips
  codec::EncodeOptions encode;
  int shard_size = 10000;           // samples per shard (a multiple of flips)

  // Derived.
  int EffectiveDraws() const { return fractal::IsPatch(render.mode) ? draws : 1; }
  int Instances() const;
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
