#include "synthub/render.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "codec/image.h"
#include "fractal/ifs.h"
#include "fractal/search.h"
#include "fractal3d/ifs3d.h"
#include "recipe/fractal3d_family.h"
#include "recipe/family.h"
#include "recipe/recipe.h"
#include "synthub/error.h"
#include "util/file.h"

namespace synthub {
namespace {

TEST(RenderApiTest, PresetNamesAreTheRecipePresets) {
  EXPECT_EQ(PresetNames(), recipe::PresetNames());
}

// The public function gives the pixels of the family's renderer, with the
// category searched here or given as its CSV.
TEST(RenderApiTest, KeyedPresetMatchesTheFamilyRenderer) {
  const recipe::Recipe r = recipe::PresetRecipe("demo");
  const fractal::SearchOptions& search = r.search;
  recipe::CategoryParams params;
  params.ifs = {fractal::SearchKeyed(search, 0, nullptr), fractal::SearchKeyed(search, 1, nullptr)};
  codec::Image want;
  recipe::FamilyOf(r).NewRenderer(r, params)->Render({1, 2, 1, 3}, &want);

  SampleIndex s;
  s.category = 1;
  s.row = 2;
  s.draw = 1;
  s.flip = 3;
  const RenderedImage searched = RenderPresetSample("demo", "", s);
  EXPECT_EQ(searched.width, 128);
  EXPECT_EQ(searched.height, 128);
  EXPECT_EQ(searched.channels, 1);
  EXPECT_EQ(searched.pixels, want.pixels);
  EXPECT_TRUE(std::any_of(want.pixels.begin(), want.pixels.end(), [](uint8_t p) { return p; }));
  const RenderedImage given = RenderPresetSample("demo", fractal::FormatIfsCsv(params.ifs[1]), s);
  EXPECT_EQ(given.pixels, want.pixels);
}

// A 3D preset renders a category searched here, or given as its CSV, as
// the family's renderer does (instance row and view from the preset's seed).
TEST(RenderApiTest, Fractal3dPresetTakesTheCategoryOrItsCsv) {
  const recipe::Recipe r = recipe::PresetRecipe("3d-ofdb-1k");
  recipe::Recipe two = r;
  two.categories = 2;
  const recipe::CategoryParams params = recipe::FamilyOf(r).MakeParams(two, 1, false);
  codec::Image want;
  recipe::FamilyOf(r).NewRenderer(r, params)->Render({1, 0, 5, 0}, &want);
  SampleIndex s;
  s.category = 1;
  s.draw = 5;
  const RenderedImage searched = RenderPresetSample("3d-ofdb-1k", "", s);
  EXPECT_EQ(searched.width, 224);
  EXPECT_EQ(searched.channels, 1);
  EXPECT_EQ(searched.pixels, want.pixels);
  EXPECT_TRUE(std::any_of(want.pixels.begin(), want.pixels.end(), [](uint8_t p) { return p; }));
  const RenderedImage given =
      RenderPresetSample("3d-ofdb-1k", fractal3d::Ifs3ToCsv(params.ifs3[1]), s);
  EXPECT_EQ(given.pixels, want.pixels);
  EXPECT_THROW(RenderPresetSample("3d-ofdb-1k", "0.1,0.2\n", s), Error);
  s.draw = 12;  // 12 views
  EXPECT_THROW(RenderPresetSample("3d-ofdb-1k", "", s), UsageError);
  // The keyed search finds a category alone: the last of a 21k preset
  // renders without searching the 20,999 before it.
  EXPECT_EQ(fractal3d::Ifs3ToCsv(fractal3d::KeyedCategory(recipe::Search3OptionsOf(r), 1, nullptr,
                                                          nullptr)),
            fractal3d::Ifs3ToCsv(params.ifs3[1]));
  s.category = 20999;
  s.draw = 0;
  EXPECT_EQ(RenderPresetSample("3d-ofdb-21k", "", s).width, 224);
}

TEST(RenderApiTest, PublishedPresetNeedsTheCategoryCsv) {
  SampleIndex s;
  EXPECT_THROW(RenderPresetSample("fractaldb-1k", "", s), UsageError);
  const std::string csv =
      ReadFile(std::string(SYNTHUB_TEST_DATA_DIR) + "/fractaldb-1k-published-params/00000.csv");
  const RenderedImage image = RenderPresetSample("fractaldb-1k", csv, s);
  EXPECT_EQ(image.width, 362);
  EXPECT_EQ(image.pixels.size(), 362u * 362u);
}

TEST(RenderApiTest, RefusesWhatIsNotThere) {
  const std::string csv = "0.5,0,0,0.5,0,0,0.5\n0.5,0,0,0.5,0.5,0.5,0.5\n";
  SampleIndex s;
  EXPECT_THROW(RenderPresetSample("no-such-preset", csv, s), UsageError);
  EXPECT_THROW(RenderPresetSample("fractaldb-1k", "1,2,x\n", s), Error);
  s.category = 1000;
  EXPECT_THROW(RenderPresetSample("fractaldb-1k", csv, s), UsageError);
  s = {};
  s.row = 25;
  EXPECT_THROW(RenderPresetSample("fractaldb-1k", csv, s), UsageError);
  s = {};
  s.draw = 10;
  EXPECT_THROW(RenderPresetSample("fractaldb-1k", csv, s), UsageError);
  s = {};
  s.flip = 4;
  EXPECT_THROW(RenderPresetSample("fractaldb-1k", csv, s), UsageError);
}

}  // namespace
}  // namespace synthub
