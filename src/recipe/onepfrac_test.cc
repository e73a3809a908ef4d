#include "recipe/onepfrac.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>

#include "fractal/ifs.h"
#include "recipe/params.h"
#include "recipe/plan.h"
#include "recipe/recipe.h"
#include "synthub/error.h"
#include "util/file.h"
#include "util/test_util.h"

namespace synthub::recipe {
namespace {

// 1p-frac at the published size and points, few classes.
Recipe SmallRecipe(int classes) {
  Recipe r = PresetRecipe("1p-frac");
  r.categories = classes;
  return r;
}

double FillRate(const codec::Image& image) {
  const size_t set = image.pixels.size() -
                     std::count(image.pixels.begin(), image.pixels.end(), uint8_t{0});
  return static_cast<double>(set) / static_cast<double>(image.pixels.size());
}

std::vector<std::vector<uint8_t>> RenderAll(const Recipe& r, const CategoryParams& params) {
  const auto renderer = OnePFracFamily().NewRenderer(r, params);
  std::vector<std::vector<uint8_t>> out;
  codec::Image image;
  for (uint32_t c = 0; c < params.size(); ++c) {
    for (uint32_t d = 0; d < static_cast<uint32_t>(r.draws); ++d) {
      renderer->Render({c, 0, d, 0}, &image);
      out.push_back(image.pixels);
    }
  }
  return out;
}

std::string Csvs(const CategoryParams& p) {
  std::string out = fractal::FormatIfsCsv(p.base);
  for (const fractal::Ifs& ifs : p.ifs) out += "\n" + fractal::FormatIfsCsv(ifs);
  return out;
}

TEST(OnePFracTest, PresetFollowsThePaperAndRoundTripsJson) {
  const Recipe r = PresetRecipe("1p-frac");
  EXPECT_EQ(r.family, "1p-frac");
  EXPECT_EQ(&FamilyOf(r), &OnePFracFamily());
  EXPECT_EQ(r.categories, 1000);
  EXPECT_EQ(r.onepfrac.delta, 0.1);
  EXPECT_EQ(r.onepfrac.sigma, 3.5);
  EXPECT_EQ(r.onepfrac.fill_min, 0.05);
  EXPECT_EQ(r.render.size, 512);
  EXPECT_EQ(r.render.points, 100000);
  EXPECT_EQ(r.render.pad, 6);
  EXPECT_EQ(r.Instances(), 1);
  ValidateRecipe(r);
  const std::string json = RecipeToJson(r);
  EXPECT_EQ(RecipeToJson(ParseRecipe(json, "r")), json);
  EXPECT_EQ(json.find("\"search\""), std::string::npos);  // no FractalDB keys

  Recipe other = r;
  other.onepfrac.delta = 0.2;
  other.onepfrac.sigma = 4.0;
  other.onepfrac.fill_min = 0.1;
  other.render.size = 256;
  other.render.points = 50000;
  other.draws = 3;
  other.seed = 9;
  const Recipe back = ParseRecipe(RecipeToJson(other), "r");
  EXPECT_EQ(back.onepfrac.delta, 0.2);
  EXPECT_EQ(back.onepfrac.sigma, 4.0);
  EXPECT_EQ(back.onepfrac.fill_min, 0.1);
  EXPECT_EQ(back.render.size, 256);
  EXPECT_EQ(back.render.points, 50000);
  EXPECT_EQ(back.Instances(), 3);
  EXPECT_EQ(RecipeToJson(back), RecipeToJson(other));
}

TEST(OnePFracTest, ValidationNamesTheFlag) {
  struct Case {
    void (*set)(Recipe*);
    const char* flag;
  };
  const Case cases[] = {
      {[](Recipe* r) { r->onepfrac.delta = 1.0; }, "--delta"},
      {[](Recipe* r) { r->onepfrac.delta = -0.1; }, "--delta"},
      {[](Recipe* r) { r->onepfrac.delta = NAN; }, "--delta"},
      {[](Recipe* r) { r->onepfrac.sigma = 0.0; }, "--sigma"},
      {[](Recipe* r) { r->onepfrac.sigma = 0.1; }, "--sigma"},
      {[](Recipe* r) { r->onepfrac.sigma = 5.95; }, "--sigma"},
      {[](Recipe* r) { r->onepfrac.fill_min = 1.0; }, "--fill-min"},
      {[](Recipe* r) { r->onepfrac.fill_min = -0.01; }, "--fill-min"},
      {[](Recipe* r) { r->render.size = 8; }, "--size"},
      {[](Recipe* r) { r->render.points = 1; }, "--points"},
      {[](Recipe* r) { r->draws = 0; }, "--images"},
  };
  for (const Case& c : cases) {
    Recipe r = PresetRecipe("1p-frac");
    c.set(&r);
    try {
      ValidateRecipe(r);
      ADD_FAILURE() << c.flag << " accepted";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(c.flag), std::string::npos) << e.what();
    }
  }
  Recipe edge = PresetRecipe("1p-frac");
  edge.onepfrac.delta = 0.0;  // every class the base: allowed
  edge.onepfrac.fill_min = 0.0;
  edge.onepfrac.sigma = 5.8;
  ValidateRecipe(edge);
}

// The base: two maps with singular values below 1 whose sigma-factor
// sum(s1 + 2 s2) lies in sigma +- 0.1, p from |det|; a pure function of
// the seed.
TEST(OnePFracTest, BaseIsContractiveAndKeyedBySeed) {
  std::string previous;
  for (uint64_t seed = 0; seed < 8; ++seed) {
    Recipe r = SmallRecipe(1);
    r.render.size = 128;  // the base does not depend on the image settings
    r.render.points = 20000;
    r.seed = seed;
    r.onepfrac.sigma = seed % 2 ? 3.5 : 4.5;
    const CategoryParams p = OnePFracFamily().MakeParams(r, 1, false);
    ASSERT_EQ(p.base.maps.size(), 2u);
    double sigma = 0, detsum = 0;
    for (const fractal::AffineMap& m : p.base.maps) detsum += std::fabs(m.a * m.d - m.b * m.c);
    for (const fractal::AffineMap& m : p.base.maps) {
      const double t = m.a * m.a + m.b * m.b + m.c * m.c + m.d * m.d;
      const double det = std::fabs(m.a * m.d - m.b * m.c);
      const double s1 = std::sqrt((t + std::sqrt(std::max(0.0, t * t - 4 * det * det))) / 2);
      EXPECT_LT(s1, 1.0);
      sigma += s1 + 2 * det / s1;
      EXPECT_NEAR(m.p, det / detsum, 1e-15);
      EXPECT_LE(std::fabs(m.e), 1.0);
      EXPECT_LE(std::fabs(m.f), 1.0);
    }
    EXPECT_GE(sigma, r.onepfrac.sigma - 0.1 - 1e-9);
    EXPECT_LE(sigma, r.onepfrac.sigma + 0.1 + 1e-9);
    const std::string text = fractal::FormatIfsCsv(p.base);
    EXPECT_NE(text, previous);
    previous = text;
    EXPECT_EQ(fractal::FormatIfsCsv(OnePFracFamily().MakeParams(r, 2, false).base), text);
  }
}

// Every class is the base with each of a..f of every map multiplied by a
// factor in [1 - delta, 1 + delta) (p unchanged); classes differ.
TEST(OnePFracTest, ClassesArePerturbationsOfTheBase) {
  for (double delta : {0.1, 0.3}) {
    Recipe r = SmallRecipe(12);
    r.onepfrac.delta = delta;
    const CategoryParams p = OnePFracFamily().MakeParams(r, 2, false);
    ASSERT_EQ(p.size(), 12u);
    double lowest = 2, highest = 0;
    for (const fractal::Ifs& ifs : p.ifs) {
      ASSERT_EQ(ifs.maps.size(), p.base.maps.size());
      for (size_t i = 0; i < ifs.maps.size(); ++i) {
        const fractal::AffineMap& m = ifs.maps[i];
        const fractal::AffineMap& b = p.base.maps[i];
        EXPECT_EQ(m.p, b.p);
        for (double f : {m.a / b.a, m.b / b.b, m.c / b.c, m.d / b.d, m.e / b.e, m.f / b.f}) {
          EXPECT_GE(f, 1 - delta - 1e-12);
          EXPECT_LE(f, 1 + delta + 1e-12);
          lowest = std::min(lowest, f);
          highest = std::max(highest, f);
        }
      }
    }
    // 144 factors spread over the range.
    EXPECT_LT(lowest, 1 - 0.8 * delta);
    EXPECT_GT(highest, 1 + 0.8 * delta);
    for (size_t c = 1; c < p.size(); ++c) {
      EXPECT_NE(fractal::FormatIfsCsv(p.ifs[c]), fractal::FormatIfsCsv(p.ifs[c - 1]));
    }
  }
  Recipe still = SmallRecipe(2);
  still.onepfrac.delta = 0.0;
  const CategoryParams same = OnePFracFamily().MakeParams(still, 1, false);
  EXPECT_EQ(fractal::FormatIfsCsv(same.ifs[0]), fractal::FormatIfsCsv(same.base));
  EXPECT_EQ(fractal::FormatIfsCsv(same.ifs[1]), fractal::FormatIfsCsv(same.base));
}

// The redraw: every class's first image sets more than fill_min of its
// pixels. With a demanding fill_min some classes need redraws (their
// parameters differ from the first attempt's) and still pass.
TEST(OnePFracTest, EveryClassFillsMoreThanFillMin) {
  Recipe r = SmallRecipe(16);
  r.onepfrac.fill_min = 0.0;
  const CategoryParams first = OnePFracFamily().MakeParams(r, 2, false);
  std::vector<double> fill;
  for (const auto& pixels : RenderAll(r, first)) {
    codec::Image image;
    image.pixels = pixels;
    fill.push_back(FillRate(image));
  }
  std::vector<double> sorted = fill;
  std::sort(sorted.begin(), sorted.end());
  // Half the first attempts miss this one.
  const double demanding = sorted[sorted.size() / 2];
  for (double fill_min : {0.05, demanding}) {
    r.onepfrac.fill_min = fill_min;
    const CategoryParams p = OnePFracFamily().MakeParams(r, 2, false);
    int redrawn = 0;
    const auto images = RenderAll(r, p);
    for (size_t c = 0; c < p.size(); ++c) {
      codec::Image image;
      image.pixels = images[c];
      EXPECT_GT(FillRate(image), fill_min) << "class " << c;
      const bool same = fractal::FormatIfsCsv(p.ifs[c]) == fractal::FormatIfsCsv(first.ifs[c]);
      EXPECT_EQ(same, fill[c] > fill_min) << "class " << c;  // kept when it already passed
      redrawn += !same;
    }
    if (fill_min == demanding) EXPECT_GE(redrawn, 8);
  }
}

// A base that no perturbation can make fill the image is an error naming
// the seed, never an endless loop.
TEST(OnePFracTest, AnUnreachableFillIsAnError) {
  Recipe r = SmallRecipe(1);
  r.render.size = 64;
  r.render.points = 50;
  r.onepfrac.fill_min = 0.5;
  try {
    OnePFracFamily().MakeParams(r, 1, false);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--seed"), std::string::npos) << e.what();
  }
}

// The renderer's cache changes speed, never pixels: a shuffled plan through
// one renderer gives the pixels of a fresh renderer per sample; masks differ
// between a class's images.
TEST(OnePFracTest, RendererIsAPureFunctionOfTheSampleId) {
  Recipe r = SmallRecipe(4);
  r.render.size = 128;
  r.render.points = 20000;
  r.draws = 3;
  r.shard_size = 5;
  const CategoryParams params = OnePFracFamily().MakeParams(r, 2, false);
  const DatasetPlan plan(r);
  std::vector<SampleId> ids;
  for (uint64_t s = 0; s < plan.num_shards(); ++s) {
    for (const SampleId& id : plan.ShardSamplesInOrder(s)) ids.push_back(id);
  }
  ASSERT_EQ(ids.size(), 12u);
  std::shuffle(ids.begin(), ids.end(), std::mt19937(3));
  const auto shared = OnePFracFamily().NewRenderer(r, params);
  const auto all = RenderAll(r, params);
  codec::Image image, fresh;
  for (const SampleId& id : ids) {
    shared->Render(id, &image);
    OnePFracFamily().NewRenderer(r, params)->Render(id, &fresh);
    ASSERT_EQ(image.width, 128);
    ASSERT_EQ(image.channels, 1);
    EXPECT_EQ(image.pixels, fresh.pixels);
    EXPECT_EQ(image.pixels, all[id.category * 3 + id.draw]);
  }
  EXPECT_NE(all[0], all[1]);
  EXPECT_THROW(shared->Render({4, 0, 0, 0}, &image), Error);
  EXPECT_THROW(shared->Render({0, 0, 0, 1}, &image), Error);
}

// The parameter file holds base.csv and every class's CSV; read back (as the
// archive or as the folder it unpacks to) it gives the same pixels, and its
// SHA-256 is deterministic.
TEST(OnePFracTest, ParamsArchiveRoundTripReproducesPixels) {
  Recipe r = SmallRecipe(3);
  r.render.size = 128;
  r.render.points = 20000;
  const Family& family = OnePFracFamily();
  const CategoryParams params = family.MakeParams(r, 2, false);
  const test::TempDir dir;
  const std::string path = dir.File("params.ustar");
  const std::string sha = family.WriteParamsArchive(path, params);
  const CategoryParams back = family.ReadParamsArchive(path);
  EXPECT_EQ(Csvs(back), Csvs(params));
  EXPECT_EQ(RenderAll(r, back), RenderAll(r, params));
  EXPECT_EQ(family.WriteParamsArchive(dir.File("again.ustar"), back), sha);

  const std::string folder = dir.File("params");
  MakeDirs(folder);
  WriteFileAtomic(JoinPath(folder, "base.csv"), fractal::FormatIfsCsv(params.base));
  for (int c = 0; c < 3; ++c) {
    WriteFileAtomic(JoinPath(folder, ParamsFileName(c)), fractal::FormatIfsCsv(params.ifs[c]));
  }
  const CategoryParams read = family.ReadParamsFolder(folder, 0);
  EXPECT_EQ(Csvs(read), Csvs(params));
  EXPECT_EQ(RenderAll(r, read), RenderAll(r, params));
}

TEST(OnePFracTest, BadParameterFilesAreNamed) {
  Recipe r = SmallRecipe(2);
  r.render.size = 64;
  r.render.points = 5000;
  r.onepfrac.fill_min = 0.0;
  const Family& family = OnePFracFamily();
  const CategoryParams params = family.MakeParams(r, 1, false);
  const test::TempDir dir;
  auto expect_error = [](const std::function<void()>& f, const std::string& text) {
    try {
      f();
      ADD_FAILURE() << "no error; expected " << text;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
    }
  };
  // A folder without base.csv.
  const std::string folder = dir.File("params");
  MakeDirs(folder);
  WriteFileAtomic(JoinPath(folder, "00000.csv"), fractal::FormatIfsCsv(params.ifs[0]));
  expect_error([&] { family.ReadParamsFolder(folder, 0); }, "base.csv");
  // A class that is not a perturbation of the base (another p column).
  fractal::Ifs other = params.ifs[0];
  other.maps[0].p = 0.5;
  other.maps[1].p = 0.5;
  WriteFileAtomic(JoinPath(folder, "base.csv"), fractal::FormatIfsCsv(params.base));
  WriteFileAtomic(JoinPath(folder, "00001.csv"), fractal::FormatIfsCsv(other));
  expect_error([&] { family.ReadParamsFolder(folder, 0); }, "00001.csv");
  // A FractalDB parameter file (no base.csv first).
  const std::string fdb = dir.File("fractaldb.ustar");
  WriteParamsTar(fdb, params.ifs);
  expect_error([&] { family.ReadParamsArchive(fdb); }, "base.csv");
}

}  // namespace
}  // namespace synthub::recipe
