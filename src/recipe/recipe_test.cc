#include "recipe/recipe.h"

#include <gtest/gtest.h>

#include "synthub/error.h"

namespace synthub::recipe {
namespace {

TEST(RecipeTest, JsonRoundTripIsCanonical) {
  for (const std::string& name : PresetNames()) {
    Recipe r = PresetRecipe(name);
    const std::string json = RecipeToJson(r);
    EXPECT_EQ(RecipeToJson(ParseRecipe(json, "r")), json) << name;
  }
}

TEST(RecipeTest, OutOfRangeNumbersAreErrorsNotUndefinedBehaviour) {
  // Found by fuzz/parsers_fuzz: a float far beyond int was converted.
  Recipe r = PresetRecipe("demo");
  std::string json = RecipeToJson(r);
  const std::string field = "\"categories\":10";
  ASSERT_NE(json.find(field), std::string::npos);
  for (const char* bad : {"\"categories\":3.33333e+104", "\"categories\":1.5",
                          "\"categories\":99999999999", "\"categories\":\"10\""}) {
    std::string broken = json;
    broken.replace(broken.find(field), field.size(), bad);
    EXPECT_THROW(ParseRecipe(broken, "r"), Error) << bad;
  }
}

TEST(RecipeTest, PresetsFollowThePaper) {
  const Recipe r = PresetRecipe("fractaldb-1k");
  EXPECT_EQ(r.render.size, 362);
  EXPECT_EQ(r.render.points, 200000);
  EXPECT_EQ(r.render.weight_k, 0.4);
  EXPECT_EQ(r.Instances(), 1000);
  EXPECT_EQ(r.search.mode, fractal::SearchMode::kNumpy);
  EXPECT_EQ(PresetRecipe("fractaldb-300k").categories, 300000);
  EXPECT_EQ(PresetRecipe("fractaldb-300k").search.mode, fractal::SearchMode::kKeyed);
  EXPECT_THROW(PresetRecipe("fractaldb-2k"), UsageError);
}

TEST(RecipeTest, ValidationNamesTheFlag) {
  Recipe r;
  r.shard_size = 10001;  // not a multiple of 4 flips
  try {
    ValidateRecipe(r);
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--shard-size"), std::string::npos);
  }
  r = Recipe();
  r.instances_per_category = 1001;
  EXPECT_THROW(ValidateRecipe(r), UsageError);
}

}  // namespace
}  // namespace synthub::recipe
