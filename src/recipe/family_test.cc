#include "recipe/family.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "fractal/render.h"
#include "recipe/plan.h"
#include "recipe/small_recipe_test_util.h"
#include "synthub/error.h"
#include "util/test_util.h"

namespace synthub::recipe {
namespace {

using test::SmallRecipe;

TEST(FamilyTest, EveryPresetBelongsToAFamily) {
  for (const std::string& name : PresetNames()) {
    const Recipe r = PresetRecipe(name);
    EXPECT_EQ(&FamilyOf(r), &FamilyNamed(r.family)) << name;
  }
  EXPECT_EQ(PresetRecipe("fractaldb-1k").family, "fractaldb");
  EXPECT_THROW(FamilyNamed("nosuchfamily"), UsageError);
}

TEST(FamilyTest, FractalDbRecipeJsonHasNoFamilyKey) {
  // Today's recipe text (and so every published manifest) stays as it was.
  const std::string json = RecipeToJson(PresetRecipe("fractaldb-1k"));
  EXPECT_EQ(json.find("\"family\""), std::string::npos);
  std::string other = json;
  other.insert(1, "\"family\":\"nosuchfamily\",");
  EXPECT_THROW(ParseRecipe(other, "r"), Error);
  std::string named = json;
  named.insert(1, "\"family\":\"fractaldb\",");
  EXPECT_EQ(RecipeToJson(ParseRecipe(named, "r")), json);
}

// The renderer's caches change speed, never pixels: any order of samples,
// one renderer or a fresh one per sample, gives the same images, and they
// are the published render path (cloud -> canvas -> flip).
TEST(FamilyTest, RendererIsAPureFunctionOfTheSampleId) {
  const Recipe r = SmallRecipe();
  const Family& family = FamilyOf(r);
  const CategoryParams params = family.MakeParams(r, 1, false);
  ASSERT_EQ(params.size(), 3u);
  const DatasetPlan plan(r);
  std::vector<SampleId> ids;
  for (uint64_t s = 0; s < plan.num_shards(); ++s) {
    for (const SampleId& id : plan.ShardSamplesInOrder(s)) ids.push_back(id);
  }
  ASSERT_EQ(ids.size(), plan.num_samples());

  std::vector<std::vector<uint8_t>> expected;
  for (const SampleId& id : ids) {
    const fractal::Raster cloud = fractal::ComputeCloud(params.ifs[id.category], id.row, r.render);
    const std::vector<uint8_t> canvas =
        fractal::DrawCloud(cloud, r.render, r.seed, id.category, id.row, id.draw);
    std::vector<uint8_t> flipped;
    fractal::FlipImage(canvas.data(), r.render.size, r.render.size, 1, id.flip, &flipped);
    expected.push_back(flipped);
  }

  std::vector<size_t> order(ids.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937(7));
  std::unique_ptr<SampleRenderer> renderer = family.NewRenderer(r, params);
  codec::Image image;
  for (size_t i : order) {
    renderer->Render(ids[i], &image);
    ASSERT_EQ(image.width, r.render.size);
    ASSERT_EQ(image.channels, 1);
    ASSERT_EQ(image.pixels, expected[i]) << "sample " << i;
  }
}

TEST(FamilyTest, RendererRefusesAnUnknownCategory) {
  const Recipe r = SmallRecipe();
  const CategoryParams params{};  // no categories
  std::unique_ptr<SampleRenderer> renderer = FamilyOf(r).NewRenderer(r, params);
  codec::Image image;
  EXPECT_THROW(renderer->Render({0, 0, 0, 0}, &image), Error);
}

TEST(FamilyTest, ParamsArchiveRoundTrip) {
  const Recipe r = SmallRecipe();
  const Family& family = FamilyOf(r);
  const CategoryParams params = family.MakeParams(r, 2, false);
  const test::TempDir dir;
  const std::string path = dir.File("params.ustar");
  const std::string sha = family.WriteParamsArchive(path, params);
  EXPECT_EQ(sha.size(), 64u);
  const CategoryParams back = family.ReadParamsArchive(path);
  ASSERT_EQ(back.size(), params.size());
  for (size_t c = 0; c < params.size(); ++c) {
    EXPECT_EQ(fractal::FormatIfsCsv(back.ifs[c]), fractal::FormatIfsCsv(params.ifs[c]));
  }
  EXPECT_EQ(family.WriteParamsArchive(path, back), sha);  // deterministic
}

}  // namespace
}  // namespace synthub::recipe
