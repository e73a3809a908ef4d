// For tests: a small FractalDB recipe whose categories a keyed search finds
// in milliseconds (3 categories, 48 px, 3,000 points, shards of 40).
#ifndef SYNTHUB_RECIPE_SMALL_RECIPE_TEST_UTIL_H_
#define SYNTHUB_RECIPE_SMALL_RECIPE_TEST_UTIL_H_

#include "recipe/recipe.h"

namespace synthub::test {

inline recipe::Recipe SmallRecipe() {
  recipe::Recipe r = recipe::PresetRecipe("demo");
  r.categories = 3;
  r.render.size = 48;
  r.render.points = 3000;
  r.search.size = 64;
  r.search.points = 4000;
  r.shard_size = 40;
  return r;
}

}  // namespace synthub::test

#endif  // SYNTHUB_RECIPE_SMALL_RECIPE_TEST_UTIL_H_
