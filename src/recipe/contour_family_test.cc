#include "recipe/contour_family.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "recipe/plan.h"
#include "recipe/recipe.h"
#include "synthub/error.h"
#include "synthub/render.h"
#include "util/file.h"
#include "util/test_util.h"

namespace synthub::recipe {
namespace {

// A small dataset of `family` that renders in milliseconds.
Recipe Small(const std::string& family, int layout = 0) {
  Recipe r = FamilyNamed(family).Defaults();
  r.categories = 6;
  r.draws = 4;
  r.shard_size = 7;
  r.contour.size = 64;
  r.contour.vertices = family == "rcdb" ? IntRange{3, 40} : IntRange{5, 30};
  r.contour.orbits = {1, 12};
  r.contour.radius = {0, 20};
  r.contour.centre = {-40, 40};
  r.contour.reference_layout = layout;
  return r;
}

TEST(ContourFamilyTest, PresetsValidateAndRoundTripThroughJson) {
  const struct {
    const char* name;
    const char* family;
    int categories;
  } presets[] = {{"visualatom-1k", "visualatom", 1000}, {"visualatom-21k", "visualatom", 21000},
                 {"rcdb-1k", "rcdb", 1000},             {"rcdb-21k", "rcdb", 21000},
                 {"rcdb-50k", "rcdb", 50000}};
  for (const auto& p : presets) {
    const Recipe r = PresetRecipe(p.name);
    EXPECT_EQ(r.family, p.family);
    EXPECT_EQ(r.categories, p.categories);
    EXPECT_EQ(r.Rows(), 1);
    EXPECT_EQ(r.EffectiveDraws(), 1000);
    EXPECT_EQ(r.flips, 1);
    EXPECT_EQ(r.Instances(), 1000);
    EXPECT_EQ(r.contour.size, 512);
    EXPECT_EQ(r.contour.reference_layout, 0);
    EXPECT_FALSE(FamilyOf(r).SequentialPlan(r));
    ValidateRecipe(r);
    const std::string json = RecipeToJson(r);
    EXPECT_NE(json.find("\"family\":\"" + std::string(p.family) + "\""), std::string::npos);
    const Recipe back = ParseRecipe(json, p.name);
    EXPECT_EQ(RecipeToJson(back), json);
    EXPECT_EQ(back.contour.vertices.max, r.contour.vertices.max);
  }
  Recipe masked = PresetRecipe("rcdb-1k");
  masked.contour.masks = true;
  masked.contour.reference_layout = 10;
  EXPECT_TRUE(FamilyOf(masked).SequentialPlan(masked));
  const Recipe back = ParseRecipe(RecipeToJson(masked), "masked");
  EXPECT_TRUE(back.contour.masks);
  EXPECT_EQ(back.contour.reference_layout, 10);
  // The published settings.
  const Recipe va = FamilyNamed("visualatom").Defaults();
  EXPECT_EQ(va.contour.vertices.min, 200);
  EXPECT_EQ(va.contour.radius.max, 60);
  EXPECT_EQ(va.contour.centre.min, -512);
  const Recipe rc = FamilyNamed("rcdb").Defaults();
  EXPECT_EQ(rc.contour.vertices.max, 200);
  EXPECT_EQ(rc.contour.gray.max, 256);
  EXPECT_EQ(rc.contour.centre.max, 400);
}

// Every sample, rendered by one renderer in a shuffled order, equals the
// sample rendered alone by a fresh renderer: keyed images are keyed, and the
// reference cursor replays the stream to wherever it is sent.
TEST(ContourFamilyTest, RendererIsAPureFunctionOfTheSampleId) {
  for (const std::string family : {"visualatom", "rcdb"}) {
    for (int layout : {0, 3}) {
      const Recipe r = Small(family, layout);
      ValidateRecipe(r);
      const Family& f = FamilyOf(r);
      const CategoryParams params = f.MakeParams(r, 2, false);
      ASSERT_EQ(params.size(), 6u);
      const DatasetPlan plan(r);
      std::vector<SampleId> ids;
      for (uint64_t s = 0; s < plan.num_shards(); ++s) {
        for (const SampleId& id : plan.ShardSamplesInOrder(s)) ids.push_back(id);
      }
      ASSERT_EQ(ids.size(), 24u);
      std::vector<std::vector<uint8_t>> alone;
      for (const SampleId& id : ids) {
        codec::Image image;
        f.NewRenderer(r, params)->Render(id, &image);
        ASSERT_EQ(image.width, 64);
        ASSERT_EQ(image.channels, 1);
        alone.push_back(image.pixels);
      }
      std::vector<size_t> order(ids.size());
      for (size_t i = 0; i < order.size(); ++i) order[i] = i;
      std::shuffle(order.begin(), order.end(), std::mt19937(7));
      const std::unique_ptr<SampleRenderer> renderer = f.NewRenderer(r, params);
      codec::Image image;
      for (size_t i : order) {
        renderer->Render(ids[i], &image);
        ASSERT_EQ(image.pixels, alone[i]) << family << " layout " << layout << " sample "
                                          << DatasetPlan::SampleKey(ids[i]);
      }
      EXPECT_NE(alone[0], alone[1]);
    }
  }
}

// Keyed categories and images depend on (seed, category, image) alone: not
// on the thread count nor on how many categories the dataset has.
TEST(ContourFamilyTest, KeyedModeIsDeterministic) {
  Recipe r = Small("visualatom");
  const Family& f = FamilyOf(r);
  const CategoryParams one = f.MakeParams(r, 1, false);
  const CategoryParams two = f.MakeParams(r, 2, false);
  const test::TempDir dir;
  EXPECT_EQ(f.WriteParamsArchive(JoinPath(dir.path(), "one.ustar"), one),
            f.WriteParamsArchive(JoinPath(dir.path(), "two.ustar"), two));
  Recipe more = r;
  more.categories = 9;
  const CategoryParams nine = f.MakeParams(more, 2, false);
  codec::Image a, b;
  f.NewRenderer(r, one)->Render({5, 0, 3, 0}, &a);
  f.NewRenderer(more, nine)->Render({5, 0, 3, 0}, &b);
  EXPECT_EQ(a.pixels, b.pixels);
  Recipe reseeded = r;
  reseeded.seed = 1;
  const CategoryParams other = f.MakeParams(reseeded, 1, false);
  f.NewRenderer(reseeded, other)->Render({5, 0, 3, 0}, &b);
  EXPECT_NE(a.pixels, b.pixels);
}

TEST(ContourFamilyTest, ReferenceModeRefusesParametersOfAnotherLayout) {
  const Recipe two = Small("rcdb", 2);
  const Recipe three = Small("rcdb", 3);
  const CategoryParams params = FamilyOf(two).MakeParams(two, 1, false);
  codec::Image image;
  EXPECT_THROW(FamilyOf(three).NewRenderer(three, params)->Render({4, 0, 1, 0}, &image), Error);
  FamilyOf(two).NewRenderer(two, params)->Render({4, 0, 1, 0}, &image);  // its own layout
}

TEST(ContourFamilyTest, ParameterFileRoundTrips) {
  for (const std::string family : {"visualatom", "rcdb"}) {
    const Recipe r = Small(family, 2);
    const auto& f = static_cast<const ContourFamily&>(FamilyOf(r));
    const CategoryParams params = f.MakeParams(r, 1, false);
    const test::TempDir dir;
    const std::string path = dir.File("params.ustar");
    const std::string sha = f.WriteParamsArchive(path, params);
    EXPECT_EQ(sha.size(), 64u);
    const CategoryParams back = f.ReadParamsArchive(path);
    ASSERT_EQ(back.contour.size(), params.contour.size());
    for (size_t c = 0; c < params.contour.size(); ++c) {
      EXPECT_TRUE(back.contour[c] == params.contour[c]) << c;
    }
    EXPECT_EQ(f.WriteParamsArchive(path, back), sha);  // deterministic

    // The readable file: a header, one row per category.
    const std::string csv = f.FormatCsv(params.contour);
    EXPECT_EQ(csv.rfind(family == "visualatom"
                            ? "category,vertices,orbits,noise,line_width,frequency1,frequency2,"
                              "radius,"
                            : "category,vertices,orbits,noise,line_width,radius,",
                        0),
              0u);
    EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 7);
    WriteFileAtomic(dir.File(kContourParamsFile), csv);
    EXPECT_EQ(f.ReadParamsFolder(dir.path(), 0).size(), 6u);
    const CategoryParams four = f.ReadParamsFolder(dir.path(), 4);
    ASSERT_EQ(four.size(), 4u);
    EXPECT_TRUE(four.contour[3] == params.contour[3]);
    EXPECT_THROW(f.ReadParamsFolder(dir.path(), 7), Error);

    // Bad files name the line.
    std::string bad = csv;
    bad.replace(bad.find("\n1,") + 1, 1, "2");
    try {
      f.ParseCsv(bad, "x.csv");
      ADD_FAILURE() << "accepted a wrong category number";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("x.csv:3"), std::string::npos) << e.what();
    }
    EXPECT_THROW(f.ParseCsv("category,vertices\n", "x.csv"), Error);
    EXPECT_THROW(f.ParseCsv(csv.substr(0, csv.size() - 3) + "x\n", "x.csv"), Error);
    EXPECT_THROW(f.ReadParamsFolder(dir.File("none"), 0), Error);
  }
}

// RCDB --masks: the class id (category + 1) wherever a line was drawn.
TEST(ContourFamilyTest, RcdbMasksCarryTheClassId) {
  Recipe r = Small("rcdb");
  r.contour.masks = true;
  ValidateRecipe(r);
  const CategoryParams params = FamilyOf(r).MakeParams(r, 1, false);
  const std::unique_ptr<SampleRenderer> renderer = FamilyOf(r).NewRenderer(r, params);
  codec::Image image;
  renderer->Render({4, 0, 2, 0}, &image);
  const std::vector<uint16_t>* mask = renderer->LastMask();
  ASSERT_NE(mask, nullptr);
  ASSERT_EQ(mask->size(), image.pixels.size());
  size_t labelled = 0;
  for (size_t p = 0; p < mask->size(); ++p) {
    ASSERT_TRUE((*mask)[p] == 0 || (*mask)[p] == 5);
    if (image.pixels[p] != 255) ASSERT_EQ((*mask)[p], 5);
    labelled += (*mask)[p] != 0;
  }
  EXPECT_GT(labelled, 0u);
  Recipe plain = Small("rcdb");
  EXPECT_EQ(FamilyOf(plain).NewRenderer(plain, params)->LastMask(), nullptr);
}

// Each bad setting is a UsageError naming its flag.
TEST(ContourFamilyTest, BadSettingsNameTheirFlag) {
  struct Case {
    const char* family;
    void (*edit)(Recipe*);
    const char* flag;
  };
  const Case cases[] = {
      {"visualatom", [](Recipe* r) { r->contour.vertices = {0, 10}; }, "--vertices"},
      {"rcdb", [](Recipe* r) { r->contour.vertices = {10, 5}; }, "--vertices"},
      {"rcdb", [](Recipe* r) { r->contour.vertices = {2000, 3000}; }, "--vertices"},
      {"visualatom", [](Recipe* r) { r->contour.orbits = {5, 1}; }, "--orbits"},
      {"visualatom", [](Recipe* r) { r->contour.noise = {4, 0}; }, "--noise"},
      {"visualatom", [](Recipe* r) { r->contour.frequency = {3, 3}; }, "--frequency"},
      {"visualatom", [](Recipe* r) { r->contour.frequency = {5, 2}; }, "--frequency"},
      {"rcdb", [](Recipe* r) { r->contour.line_width = {0.2, 0.1}; }, "--line-width"},
      {"rcdb", [](Recipe* r) { r->contour.radius = {50, 10}; }, "--radius"},
      {"rcdb", [](Recipe* r) { r->contour.ellipse = {2, 1}; }, "--ellipse"},
      {"visualatom", [](Recipe* r) { r->contour.centre = {1, -1}; }, "--centre"},
      {"visualatom", [](Recipe* r) { r->contour.gray = {0, 300}; }, "--gray"},
      {"rcdb", [](Recipe* r) { r->contour.reference_layout = 4; }, "--reference-layout"},
      {"rcdb", [](Recipe* r) { r->contour.reference_layout = -1; }, "--reference-layout"},
      {"visualatom", [](Recipe* r) { r->contour.masks = true; }, "--masks"},
      {"rcdb", [](Recipe* r) { r->contour.size = 0; }, "--size"},
      {"rcdb", [](Recipe* r) { r->draws = 0; }, "--images"},
      {"rcdb", [](Recipe* r) { r->flips = 2; }, "--flips"},
  };
  for (const Case& c : cases) {
    Recipe r = Small(c.family);
    ValidateRecipe(r);
    c.edit(&r);
    try {
      ValidateRecipe(r);
      ADD_FAILURE() << c.flag << ": accepted";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(c.flag), std::string::npos) << e.what();
    }
  }
}

// include/synthub/render.h renders a keyed preset's sample alone, with the
// pixels of the family's renderer over the whole dataset's parameters.
TEST(ContourFamilyTest, RenderPresetSampleMatchesTheDataset) {
  const Recipe r = PresetRecipe("rcdb-1k");
  const CategoryParams params = FamilyOf(r).MakeParams(r, 2, false);
  codec::Image want;
  FamilyOf(r).NewRenderer(r, params)->Render({7, 0, 2, 0}, &want);
  SampleIndex s;
  s.category = 7;
  s.draw = 2;
  const RenderedImage got = RenderPresetSample("rcdb-1k", "", s);
  EXPECT_EQ(got.width, 512);
  EXPECT_EQ(got.channels, 1);
  EXPECT_EQ(got.pixels, want.pixels);
  EXPECT_THROW(RenderPresetSample("rcdb-1k", "0.5,0,0,0.5,0,0,1\n", s), UsageError);
  s.row = 1;
  EXPECT_THROW(RenderPresetSample("rcdb-1k", "", s), UsageError);
  s.row = 0;
  s.draw = 1000;
  EXPECT_THROW(RenderPresetSample("visualatom-1k", "", s), UsageError);
}

}  // namespace
}  // namespace synthub::recipe
