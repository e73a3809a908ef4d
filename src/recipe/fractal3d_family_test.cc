#include "recipe/fractal3d_family.h"

#include <algorithm>
#include <cmath>

#include <gtest/gtest.h>

#include "recipe/plan.h"
#include "synthub/error.h"

namespace synthub::recipe {
namespace {

Recipe Small(const std::string& family) {
  Recipe r = FamilyNamed(family).Defaults();
  r.categories = 2;
  r.fractal3d.table_rows = 25;
  r.fractal3d.views = 4;
  r.fractal3d.size = 64;
  r.draws = 50;
  return r;
}

TEST(Fractal3dFamilyTest, PresetsAndAxes) {
  Recipe mv = PresetRecipe("mv-fractaldb-1k");
  EXPECT_EQ(mv.family, "mv-fractaldb");
  EXPECT_EQ(mv.categories, 1000);
  EXPECT_EQ(mv.Instances(), 145 * 12);
  Recipe ex = PresetRecipe("exfractaldb-21k");
  EXPECT_EQ(ex.categories, 21000);
  EXPECT_EQ(ex.Instances(), 1000);
  Recipe ofdb = PresetRecipe("3d-ofdb-1k");
  EXPECT_EQ(ofdb.Instances(), 12);
  EXPECT_EQ(PresetRecipe("3d-ofdb-21k").categories, 21000);
  EXPECT_EQ(PresetRecipe("exfractaldb-1k").fractal3d.size, 224);
  ofdb.fractal3d.clouds = CloudMembers::kOnly;
  EXPECT_EQ(ofdb.Instances(), 1);
  mv.fractal3d.clouds = CloudMembers::kOnly;
  EXPECT_EQ(mv.Instances(), 145);
  ex.fractal3d.clouds = CloudMembers::kOnly;
  EXPECT_EQ(ex.Instances(), 145);
}

TEST(Fractal3dFamilyTest, JsonRoundTrip) {
  for (const char* family : {"mv-fractaldb", "exfractaldb", "3d-ofdb"}) {
    Recipe r = Small(family);
    r.fractal3d.point_color[1] = 7;
    r.fractal3d.jitter_deg = 0;
    r.fractal3d.clouds = CloudMembers::kWithImages;
    r.fractal3d.search_mode = fractal::SearchMode::kNumpy;
    const std::string json = RecipeToJson(r);
    const Recipe back = ParseRecipe(json, "recipe.json");
    EXPECT_EQ(RecipeToJson(back), json) << family;
    EXPECT_EQ(back.fractal3d.point_color[1], 7);
    EXPECT_EQ(back.fractal3d.clouds, CloudMembers::kWithImages);
  }
}

TEST(Fractal3dFamilyTest, ValidateNamesTheFlag) {
  auto message = [](Recipe r) {
    try {
      ValidateRecipe(r);
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  Recipe r = Small("mv-fractaldb");
  r.fractal3d.views = 0;
  EXPECT_NE(message(r).find("--views"), std::string::npos);
  r = Small("3d-ofdb");
  r.fractal3d.table_rows = 30;
  EXPECT_NE(message(r).find("--weight-rows"), std::string::npos);
  r = Small("exfractaldb");
  r.fractal3d.variance = 1.5;
  EXPECT_NE(message(r).find("--variance"), std::string::npos);
  r = Small("exfractaldb");
  r.fractal3d.point_size = 0;
  EXPECT_NE(message(r).find("--point-size"), std::string::npos);
  uint8_t c[3];
  EXPECT_THROW(ParseColor("point-color", "fff", c), UsageError);
  ParseColor("point-color", "#10ff0A", c);
  EXPECT_EQ(c[0], 16);
  EXPECT_EQ(c[2], 10);
  EXPECT_EQ(ColorHex(c), "10ff0a");
}

TEST(Fractal3dFamilyTest, RendererIsAPureFunctionOfTheSample) {
  for (const char* family : {"mv-fractaldb", "exfractaldb", "3d-ofdb"}) {
    const Recipe r = Small(family);
    const Family& f = FamilyOf(r);
    const CategoryParams params = f.MakeParams(r, 2, false);
    ASSERT_EQ(params.ifs3.size(), 2u);
    auto a = f.NewRenderer(r, params), b = f.NewRenderer(r, params);
    codec::Image x, y, z;
    const SampleId s1{1, static_cast<uint32_t>(r.Rows() - 1), 3, 0}, s0{0, 0, 0, 0};
    a->Render(s1, &x);
    a->Render(s0, &z);
    b->Render(s0, &y);
    b->Render(s1, &y);
    EXPECT_EQ(x.pixels, y.pixels) << family;
    EXPECT_EQ(x.width, 64);
    EXPECT_EQ(x.channels, 1);
    EXPECT_NE(x.pixels, z.pixels) << family;
    EXPECT_EQ(a->LastCloud(), nullptr);
    EXPECT_THROW(a->Render({2, 0, 0, 0}, &x), Error);
    EXPECT_THROW(a->Render({0, 0, 60, 0}, &x), Error);
  }
}

TEST(Fractal3dFamilyTest, CloudMembers) {
  Recipe r = Small("mv-fractaldb");
  r.fractal3d.clouds = CloudMembers::kWithImages;
  const Family& f = FamilyOf(r);
  const CategoryParams params = f.MakeParams(r, 1, false);
  auto renderer = f.NewRenderer(r, params);
  codec::Image img;
  renderer->Render({1, 3, 0, 0}, &img);
  const std::vector<float>* cloud = renderer->LastCloud();
  ASSERT_NE(cloud, nullptr);
  EXPECT_EQ(cloud->size(), 3u * 9999);
  EXPECT_EQ(*cloud, fractal3d::InstanceCloud(params.ifs3[1], 25, 3, 10000, r.seed, 1));
  renderer->Render({1, 3, 1, 0}, &img);
  EXPECT_EQ(renderer->LastCloud(), nullptr);  // the next view carries none
  r.fractal3d.clouds = CloudMembers::kOnly;
  renderer = f.NewRenderer(r, params);
  EXPECT_FALSE(renderer->HasImage());
  renderer->Render({0, 7, 0, 0}, &img);
  EXPECT_TRUE(img.pixels.empty());
  ASSERT_NE(renderer->LastCloud(), nullptr);
}

TEST(Fractal3dFamilyTest, ExFractalDbWalksTheInstancesAndDrawsViews) {
  Recipe r = Small("exfractaldb");
  r.draws = 50;  // 25 instances, two images each
  r.fractal3d.clouds = CloudMembers::kWithImages;
  const Family& f = FamilyOf(r);
  const CategoryParams params = f.MakeParams(r, 1, false);
  auto renderer = f.NewRenderer(r, params);
  codec::Image img;
  int clouds = 0;
  for (uint32_t d = 0; d < 50; ++d) {
    renderer->Render({0, 0, d, 0}, &img);
    clouds += renderer->LastCloud() != nullptr;
  }
  EXPECT_EQ(clouds, 25);
}

TEST(Fractal3dFamilyTest, ADivergentInstanceShowsTheCategorysOwnSystem) {
  Recipe r = FamilyNamed("mv-fractaldb").Defaults();
  r.categories = 30;
  r.fractal3d.clouds = CloudMembers::kOnly;
  const Family& f = FamilyOf(r);
  const CategoryParams params = f.MakeParams(r, 2, false);
  auto renderer = f.NewRenderer(r, params);
  codec::Image img;
  int divergent = 0;
  for (uint32_t c = 0; c < 30; ++c) {
    for (int row = 0; row < 145; row += 1) {
      const std::vector<float> raw = fractal3d::InstanceCloud(params.ifs3[c], 145, row, 10000, 0, c);
      if (std::all_of(raw.begin(), raw.end(), [](float v) { return std::isfinite(v); })) continue;
      ++divergent;
      renderer->Render({c, static_cast<uint32_t>(row), 0, 0}, &img);
      ASSERT_NE(renderer->LastCloud(), nullptr);
      EXPECT_EQ(*renderer->LastCloud(), fractal3d::InstanceCloud(params.ifs3[c], 145, 6, 10000, 0, c));
    }
  }
  EXPECT_GT(divergent, 0);  // 16 of these 4,350 instances diverge
}

TEST(Fractal3dFamilyTest, FixedViewsAreThePublishedRotations) {
  const std::vector<float> v = FixedViewRotations(3, 12, 0.0);
  ASSERT_EQ(v.size(), 3u);
  EXPECT_FLOAT_EQ(v[0], static_cast<float>(3.0 / 12 * 3.141592653589793 * 2.0));
  EXPECT_FLOAT_EQ(v[1], 30.0f * 3.14159265f / 180.0f);
  EXPECT_EQ(v[2], 0.0f);
}

}  // namespace
}  // namespace synthub::recipe
