#include "contour/contour.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "contour/pil_line.h"
#include "contour/polyline.h"
#include "synthub/error.h"

namespace synthub::contour {
namespace {

// Small categories that render fast: the engine's logic, not its speed.
ContourSpec SmallSpec(ContourStyle style) {
  ContourSpec s;
  s.style = style;
  s.size = 64;
  s.vertices = style == ContourStyle::kRcdb ? IntSpan{3, 40} : IntSpan{5, 30};
  s.orbits = {1, 12};
  s.noise = {0, 4};
  s.frequency = {0, 20};
  s.line_width = {0, 0.1};
  s.radius = {0, 20};
  s.ellipse = {1, 2};
  s.centre = {-40, 40};
  s.gray = style == ContourStyle::kRcdb ? IntSpan{0, 256} : IntSpan{0, 255};
  return s;
}

// The fast polyline sets exactly the pixels of Pillow's rule
// (DrawPilPolyline, closed), for polylines inside, across and far outside
// the canvas, including coordinates that overflow int, with the segments
// sorted by AVX2 (where the CPU has it) and portably.
TEST(ContourPolylineTest, MatchesPillowsRule) {
  std::mt19937 gen(5);
  const int sizes[][2] = {{37, 23}, {300, 200}};
  const double spans[] = {10, 40, 200, 5e7, 1e10};
  for (const auto& size : sizes) {
    const int w = size[0], h = size[1];
    PolylineRasterizer best(w, h), portable(w, h, true);
    for (int trial = 0; trial < (w < 100 ? 3000 : 600); ++trial) {
      const double span = spans[trial % 5] * (w / 37.0);
      std::uniform_real_distribution<double> coord(-span, span);
      const int n = 1 + static_cast<int>(gen() % 40);
      std::vector<double> xs(n), ys(n);
      for (int k = 0; k < n; ++k) {
        xs[k] = coord(gen) + w / 2.0;
        ys[k] = coord(gen) + h / 2.0;
      }
      if (trial % 7 == 0) xs[0] = std::numeric_limits<double>::quiet_NaN();
      std::vector<uint8_t> want(w * h, 9), got(w * h, 9);
      std::vector<uint16_t> want_mask(w * h, 0), got_mask(w * h, 0);
      DrawPilPolyline(want.data(), w, h, xs.data(), ys.data(), n, true, uint8_t{200});
      DrawPilPolyline(want_mask.data(), w, h, xs.data(), ys.data(), n, true, uint16_t{777});
      std::vector<int32_t> ix(n), iy(n);
      for (int k = 0; k < n; ++k) {
        ix[k] = PilCoordinate(xs[k]);
        iy[k] = PilCoordinate(ys[k]);
      }
      const bool with_mask = trial % 2 == 0;
      PolylineRasterizer& lines = trial % 3 == 0 ? portable : best;
      lines.DrawClosed(ix.data(), iy.data(), n, got.data(), 200,
                       with_mask ? got_mask.data() : nullptr, 777);
      ASSERT_EQ(got, want) << w << "x" << h << " trial " << trial << " span " << span;
      if (with_mask) ASSERT_EQ(got_mask, want_mask) << "trial " << trial;
    }
  }
}

TEST(ContourPolylineTest, TruncatesAsPillowDoes) {
  EXPECT_EQ(PilCoordinate(-0.5), 0);  // toward zero: -0.5 draws in column 0
  EXPECT_EQ(PilCoordinate(5.9), 5);
  EXPECT_EQ(PilCoordinate(-1.5), -1);
  EXPECT_EQ(PilCoordinate(2147483647.5), 2147483647);
  EXPECT_EQ(PilCoordinate(1e12), INT_MIN);
  EXPECT_EQ(PilCoordinate(-3e9), INT_MIN);
  EXPECT_EQ(PilCoordinate(std::numeric_limits<double>::quiet_NaN()), INT_MIN);
}

// The block-wise random() equals one call at a time, across block ends.
TEST(ContourPublishedTest, FillRandomEqualsRandom) {
  for (int skip : {0, 1, 622, 623, 700}) {
    PyRandom a(7), b(7);
    a.Discard(skip);
    b.Discard(skip);
    std::vector<double> filled(1500);
    a.FillRandom(filled.data(), filled.size());
    for (size_t i = 0; i < filled.size(); ++i) ASSERT_EQ(filled[i], b.Random()) << skip << " " << i;
    EXPECT_EQ(a.NextU32(), b.NextU32());
  }
}

// Reaching image i of category c directly (a cursor that jumps there and
// replays the stream) gives the pixels of a walk through every image of
// the blocks in order, for any order of requests.
TEST(ContourPublishedTest, SeekingEqualsWalkingTheStream) {
  for (ContourStyle style : {ContourStyle::kVisualAtom, ContourStyle::kRcdb}) {
    const ContourSpec spec = SmallSpec(style);
    const int categories = 6, layout = 2, images = 4;
    const std::vector<ContourCategory> cats =
        MakePublishedCategories(spec, categories, layout, images, 2, [](int) {});
    ASSERT_EQ(cats.size(), 6u);
    EXPECT_EQ(cats[0].stream_word, 0u);
    EXPECT_EQ(cats[3].stream_word, 0u);  // first of the second block
    EXPECT_GT(cats[1].stream_word, 0u);

    // The walk: one stream per block, every draw in the published order.
    const size_t pixels = static_cast<size_t>(spec.size) * spec.size;
    std::vector<std::vector<uint8_t>> walked;
    ContourPainter painter(spec);
    for (int b = 0; b < layout; ++b) {
      PublishedStream s(b + 1);
      for (int j = 0; j < categories / layout; ++j) {
        const int c = b * (categories / layout) + j;
        EXPECT_EQ(s.words(), cats[c].stream_word);
        ContourCategory drawn = DrawCategory(spec, s);
        drawn.stream_word = cats[c].stream_word;
        ASSERT_TRUE(drawn == cats[c]);
        Placement p = drawn.first;
        for (int i = 0; i < images; ++i) {
          std::vector<uint8_t> canvas(pixels);
          painter.PaintPublished(c, cats[c], p, s, canvas.data(), nullptr, 0);
          walked.push_back(canvas);
          p = DrawNextPlacement(spec, cats[c], s);
        }
      }
    }

    std::vector<int> order(walked.size());
    for (size_t k = 0; k < order.size(); ++k) order[k] = static_cast<int>(k);
    std::shuffle(order.begin(), order.end(), std::mt19937(3));
    PublishedCursor cursor(spec, cats, layout, images);
    ContourPainter seeker(spec);
    for (int k : order) {
      const uint32_t c = k / images, i = k % images;
      Placement p;
      PublishedStream& s = cursor.Seek(c, i, &p);
      std::vector<uint8_t> canvas(pixels);
      seeker.PaintPublished(c, cats[c], p, s, canvas.data(), nullptr, 0);
      cursor.Advance();
      ASSERT_EQ(canvas, walked[k]) << "category " << c << " image " << i;
    }
  }
}

TEST(ContourPublishedTest, CursorRefusesParametersOfAnotherStream) {
  const ContourSpec spec = SmallSpec(ContourStyle::kVisualAtom);
  std::vector<ContourCategory> cats = MakePublishedCategories(spec, 4, 1, 2, 1, [](int) {});
  cats[2].noise += 1;  // not what the stream draws
  PublishedCursor cursor(spec, cats, 1, 2);
  Placement p;
  cursor.Seek(1, 1, &p);
  EXPECT_THROW(cursor.Seek(2, 0, &p), Error);
  std::vector<ContourCategory> shifted = MakePublishedCategories(spec, 4, 1, 2, 1, [](int) {});
  shifted[3].stream_word += 4;
  PublishedCursor other(spec, shifted, 1, 2);
  EXPECT_THROW(other.Seek(3, 0, &p), Error);
}

// Moments of a distribution and the test of a sample against them: mean
// within 5 standard errors, variance within 5 standard errors of the sample
// variance ((mu4 - var^2) / N).
struct Moments {
  double mean, var, mu4;
};

Moments DiscreteMoments(const std::vector<std::pair<double, double>>& pmf) {
  double total = 0, mean = 0;
  for (const auto& [x, p] : pmf) total += p, mean += x * p;
  mean /= total;
  double var = 0, mu4 = 0;
  for (const auto& [x, p] : pmf) {
    const double d = x - mean;
    var += d * d * p / total;
    mu4 += d * d * d * d * p / total;
  }
  return {mean, var, mu4};
}

Moments UniformInts(int a, int b) {
  std::vector<std::pair<double, double>> pmf;
  for (int k = a; k <= b; ++k) pmf.push_back({static_cast<double>(k), 1.0});
  return DiscreteMoments(pmf);
}

Moments UniformReal(double a, double b) {
  const double w = b - a;
  return {(a + b) / 2, w * w / 12, w * w * w * w / 80};
}

// int(expovariate(1/100)) is geometric: P(k) proportional to e^(-k/100);
// conditioned on lo <= k <= hi.
Moments RcdbVertices(int lo, int hi) {
  std::vector<std::pair<double, double>> pmf;
  for (int k = lo; k <= hi; ++k) pmf.push_back({static_cast<double>(k), std::exp(-k / 100.0)});
  return DiscreteMoments(pmf);
}

void ExpectMoments(const std::vector<double>& xs, const Moments& m, const char* what) {
  const double n = static_cast<double>(xs.size());
  double mean = 0;
  for (double x : xs) mean += x;
  mean /= n;
  double var = 0;
  for (double x : xs) var += (x - mean) * (x - mean);
  var /= n - 1;
  EXPECT_NEAR(mean, m.mean, 5 * std::sqrt(m.var / n)) << what << " mean";
  EXPECT_NEAR(var, m.var, 5 * std::sqrt((m.mu4 - m.var * m.var) / n)) << what << " variance";
}

void ExpectPublishedDistributions(ContourStyle style, const std::vector<ContourCategory>& cats) {
  std::vector<double> q, k, c;
  for (const ContourCategory& cat : cats) {
    q.push_back(cat.vertices);
    k.push_back(cat.orbits);
    c.push_back(cat.noise);
  }
  if (style == ContourStyle::kVisualAtom) {
    ExpectMoments(q, UniformInts(200, 1000), "visualatom q = randint(200, 1000)");
  } else {
    ExpectMoments(q, RcdbVertices(3, 200), "rcdb q = int(expovariate(1/100)) in 3..200");
  }
  ExpectMoments(k, UniformInts(1, 200), "K = randint(1, 200)");
  ExpectMoments(c, UniformReal(0, 4), "c = uniform(0, 4)");
}

ContourSpec PaperSpec(ContourStyle style) {
  ContourSpec s = SmallSpec(style);
  s.size = 512;
  s.vertices = style == ContourStyle::kRcdb ? IntSpan{3, 200} : IntSpan{200, 1000};
  s.orbits = {1, 200};
  return s;
}

// 10,000 categories of each family, keyed and from the published CPython
// stream, against the published distributions of q, K and c.
TEST(ContourStatisticsTest, CategoriesFollowThePublishedDistributions) {
  for (ContourStyle style : {ContourStyle::kVisualAtom, ContourStyle::kRcdb}) {
    const ContourSpec spec = PaperSpec(style);
    ExpectPublishedDistributions(style, MakeKeyedCategories(spec, 11, 10000, 2, [](int) {}));
    PublishedStream s(1);
    std::vector<ContourCategory> published;
    for (int i = 0; i < 10000; ++i) published.push_back(DrawCategory(spec, s));
    ExpectPublishedDistributions(style, published);
  }
}

TEST(ContourStatisticsTest, KeyedCategoriesDependOnSeedAndIndexOnly) {
  const ContourSpec spec = PaperSpec(ContourStyle::kVisualAtom);
  const auto a = MakeKeyedCategories(spec, 3, 50, 1, [](int) {});
  const auto b = MakeKeyedCategories(spec, 3, 80, 2, [](int) {});
  const auto other = MakeKeyedCategories(spec, 4, 50, 1, [](int) {});
  int same_as_other_seed = 0;
  for (int c = 0; c < 50; ++c) {
    EXPECT_TRUE(a[c] == b[c]) << c;
    same_as_other_seed += a[c] == other[c];
    EXPECT_TRUE(a[c].frequency1 == 0 || a[c].frequency1 != a[c].frequency2);
  }
  EXPECT_EQ(same_as_other_seed, 0);
}

// Keyed images: a pure function of (seed, category, image), drawn on the
// family's background, and different from image to image.
TEST(ContourKeyedTest, ImagesArePureFunctionsOfTheirKey) {
  for (ContourStyle style : {ContourStyle::kVisualAtom, ContourStyle::kRcdb}) {
    const ContourSpec spec = SmallSpec(style);
    const auto cats = MakeKeyedCategories(spec, 9, 3, 1, [](int) {});
    const size_t pixels = static_cast<size_t>(spec.size) * spec.size;
    ContourPainter a(spec), b(spec);
    std::vector<uint8_t> x(pixels), y(pixels), z(pixels);
    std::vector<uint16_t> mask(pixels);
    a.PaintKeyed(9, 2, cats[2], 5, x.data(), nullptr, 0);
    b.PaintKeyed(9, 0, cats[0], 1, z.data(), nullptr, 0);
    b.PaintKeyed(9, 2, cats[2], 5, y.data(), mask.data(), 3);
    EXPECT_EQ(x, y);
    a.PaintKeyed(9, 2, cats[2], 6, z.data(), nullptr, 0);
    EXPECT_NE(x, z);
    const uint8_t bg = a.background();
    EXPECT_EQ(bg, style == ContourStyle::kRcdb ? 255 : 0);
    size_t drawn = 0;
    for (size_t p = 0; p < pixels; ++p) {
      ASSERT_TRUE(mask[p] == 0 || mask[p] == 3);
      if (y[p] != bg) ASSERT_EQ(mask[p], 3) << "a visible pixel outside the mask";
      drawn += mask[p] != 0;
    }
    EXPECT_GT(drawn, 0u);
  }
}

}  // namespace
}  // namespace synthub::contour
