// OFDB-2D (recipe/fractaldb.h): FractalDB's published categories, one
// image per category.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "fractal/ifs.h"
#include "fractal/render.h"
#include "recipe/family.h"
#include "recipe/params.h"
#include "recipe/plan.h"
#include "recipe/recipe.h"
#include "synthub/error.h"
#include "util/file.h"

namespace synthub::recipe {
namespace {

std::string PublishedCsv(int category) {
  return ReadFile(std::string(SYNTHUB_TEST_DATA_DIR) + "/fractaldb-1k-published-params/" +
                  ParamsFileName(category));
}

TEST(OfdbTest, PresetsAreFractalDbWithOneImagePerCategory) {
  const nlohmann::json fdb = nlohmann::json::parse(RecipeToJson(PresetRecipe("fractaldb-1k")));
  for (const char* name : {"ofdb-1k", "ofdb-21k"}) {
    const Recipe r = PresetRecipe(name);
    EXPECT_EQ(r.family, "ofdb");
    ValidateRecipe(r);
    EXPECT_EQ(r.Instances(), 1) << name;
    const std::string text = RecipeToJson(r);
    EXPECT_EQ(RecipeToJson(ParseRecipe(text, name)), text) << name;
    // The published search (numpy stream, seed 1) and rendering, unchanged.
    const nlohmann::json j = nlohmann::json::parse(text);
    EXPECT_EQ(j["family"], "ofdb");
    EXPECT_EQ(j["search"], fdb["search"]) << name;
    EXPECT_EQ(j["render"], fdb["render"]) << name;
    EXPECT_EQ(j["draws"], 1);
    EXPECT_EQ(j["flips"], 1);
  }
  EXPECT_EQ(PresetRecipe("ofdb-1k").categories, 1000);
  EXPECT_EQ(PresetRecipe("ofdb-21k").categories, 21000);
  Recipe defaults = FamilyNamed("ofdb").Defaults();
  defaults.name = "ofdb-1k";
  EXPECT_EQ(RecipeToJson(defaults), RecipeToJson(PresetRecipe("ofdb-1k")));
}

// The plan holds one sample per category: row 0, draw 0, flip 0.
TEST(OfdbTest, PlanHasOneSamplePerCategory) {
  Recipe r = PresetRecipe("ofdb-1k");
  r.categories = 5;
  const DatasetPlan plan(r);
  ASSERT_EQ(plan.num_samples(), 5u);
  std::vector<bool> seen(5);
  for (uint64_t s = 0; s < plan.num_shards(); ++s) {
    for (const SampleId& id : plan.ShardSamplesInOrder(s)) {
      EXPECT_EQ(DatasetPlan::SampleKey(id).substr(6), "_00_000_0");
      seen[id.category] = true;
    }
  }
  EXPECT_EQ(seen, std::vector<bool>(5, true));
}

// The first categories of the search are the published FractalDB-1k CSVs,
// and a longer search (ofdb-21k) continues the same stream: its first
// categories are the shorter one's.
TEST(OfdbTest, CategoriesArePublishedFractalDbAndPrefixesOfOneStream) {
  Recipe r = PresetRecipe("ofdb-21k");
  r.categories = 2;
  const CategoryParams first = FamilyOf(r).MakeParams(r, 2, false);
  for (int c = 0; c < 2; ++c) EXPECT_EQ(fractal::FormatIfsCsv(first.ifs[c]), PublishedCsv(c));

  Recipe small = PresetRecipe("ofdb-1k");
  small.search.points = 3000;
  small.search.size = 64;
  small.categories = 4;
  const CategoryParams shorter = FamilyOf(small).MakeParams(small, 2, false);
  small.categories = 9;
  const CategoryParams longer = FamilyOf(small).MakeParams(small, 1, false);
  for (int c = 0; c < 4; ++c) {
    EXPECT_EQ(fractal::FormatIfsCsv(shorter.ifs[c]), fractal::FormatIfsCsv(longer.ifs[c]));
  }
  EXPECT_NE(fractal::FormatIfsCsv(longer.ifs[4]), fractal::FormatIfsCsv(longer.ifs[3]));
}

// The one image is the published weight file's first row (a x 0.2, our
// row 1: our row 0 is the all-ones row), first mask draw, unflipped: the
// pixels of FractalDB-1k's sample (c, 1, 0, 0) of the same seed.
TEST(OfdbTest, ImageIsFractalDbWeightRowAx02) {
  double w[6];
  fractal::WeightRow(0.4, 1, w);
  EXPECT_EQ(std::vector<double>(w, w + 6), std::vector<double>({0.2, 1, 1, 1, 1, 1}));

  CategoryParams params;
  for (int c = 0; c < 3; ++c) params.ifs.push_back(fractal::ParseIfsCsv(PublishedCsv(c), "csv"));
  Recipe ofdb = PresetRecipe("ofdb-1k");
  Recipe fdb = PresetRecipe("fractaldb-1k");
  ofdb.seed = fdb.seed = 7;
  const auto ofdb_renderer = FamilyOf(ofdb).NewRenderer(ofdb, params);
  const auto fdb_renderer = FamilyOf(fdb).NewRenderer(fdb, params);
  codec::Image a, b, ones;
  for (uint32_t c = 0; c < 3; ++c) {
    ofdb_renderer->Render({c, 0, 0, 0}, &a);
    fdb_renderer->Render({c, 1, 0, 0}, &b);
    fdb_renderer->Render({c, 0, 0, 0}, &ones);
    EXPECT_EQ(a.width, 362);
    EXPECT_EQ(a.channels, 1);
    EXPECT_EQ(a.pixels, b.pixels) << c;
    EXPECT_NE(a.pixels, ones.pixels) << c;
  }
  EXPECT_THROW(ofdb_renderer->Render({0, 1, 0, 0}, &a), Error);
}

TEST(OfdbTest, FlagsThatDoNotFitAreRefused) {
  Recipe r = PresetRecipe("ofdb-1k");
  r.draws = 0;
  EXPECT_THROW(ValidateRecipe(r), UsageError);
  r = PresetRecipe("ofdb-1k");
  r.instances_per_category = 2;  // one row x one draw x one flip
  EXPECT_THROW(ValidateRecipe(r), UsageError);
  r = PresetRecipe("ofdb-1k");
  r.flips = 4;  // the flips of the one image, as FractalDB makes them
  r.shard_size = 4000;
  ValidateRecipe(r);
  EXPECT_EQ(r.Instances(), 4);
}

}  // namespace
}  // namespace synthub::recipe
