// The per-core measurements of bench/fractal3d_run.sh (Google Benchmark; one
// thread, so items_per_second = items per CPU-second): the 3D families'
// stages against the PNG decode of the same views (the goal: a view from a
// cached cloud costs less than decoding it) and against the naive C++
// transcription of the published pipeline (naive_fractal3d.h) on the same
// categories, clouds and views:
//   BM_Search3Trial          one trial of the category search (10,000 points)
//   BM_InstanceCloud         one instance cloud (chaos game + normalisation)
//   BM_ProjectView           a 224^2 view of a cached cloud (ProjectPoints)
//   BM_EncodePng             that view's PNG, the presets' encoding
//   BM_DecodePng             that PNG decoded (the loader's decoder, to RGB)
//   BM_DecodePngNative       the same, libspng to 8-bit gray (no conversion)
//   BM_RenderSample/FAMILY   the family's SampleRenderer per sample, in
//                            generate's order (views of an instance together)
//   BM_Naive*                the naive transcription's cloud (+ float32
//                            copy), view and RGB PNG (libpng defaults)
// Before timing, the naive transcription is checked against synthub on the
// same inputs (clouds bit for bit, views pixel by pixel); the results are in
// the JSON context (naive_clouds_identical, naive_view_pixels).
//   synthub_fractal3d_bench [benchmark flags] [--categories C] [--csv-dir DIR]
// --csv-dir writes the searched categories (NNNNNN.csv, a..l,p per map) for
// bench/fractal3d_python.py.
#include <benchmark/benchmark.h>
#include <spng.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "codec/image.h"
#include "fractal/random.h"
#include "fractal3d/ifs3d.h"
#include "fractal3d/project.h"
#include "naive_fractal3d.h"
#include "naive_reference.h"
#include "recipe/family.h"
#include "recipe/fractal3d_family.h"
#include "recipe/plan.h"
#include "util/file.h"

namespace synthub::bench {
namespace {

namespace f3 = fractal3d;

constexpr int kPoints = 10000;
constexpr int kViews = 12;
constexpr int kSize = 224;
// The instances measured per category: the first and last rows of the
// 145-row table, the identity and one in the middle.
constexpr int kRows[] = {0, 6, 72, 144};

// What every benchmark reads; built once in main() before timing.
struct Setup {
  recipe::Recipe mv, ex;
  recipe::CategoryParams params;
  struct Instance {
    uint32_t category;
    int row;
  };
  std::vector<Instance> instances;             // the finite clouds among C x kRows
  std::vector<std::vector<float>> clouds;      // synthub's, per instance
  std::vector<std::vector<double>> rotations;  // per view: render.py's three y angles
  std::vector<f3::ViewTransform> views;        // per view
  std::vector<codec::Image> images;            // instance-major, kViews per instance
  std::vector<std::string> pngs;               // the presets' encoding of `images`
  std::vector<std::vector<NaiveVertex>> naive_vertices;
  std::vector<std::vector<uint8_t>> naive_images;
};
Setup* g;

std::vector<uint32_t> InstanceKey(uint64_t seed, uint32_t category, int row) {
  return {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32), category,
          static_cast<uint32_t>(row)};
}

void BuildSetup(int categories, const std::string& csv_dir) {
  g->mv = recipe::PresetRecipe("mv-fractaldb-1k");
  g->mv.categories = categories;
  g->ex = recipe::PresetRecipe("exfractaldb-1k");
  g->ex.categories = categories;
  g->params = recipe::FamilyOf(g->mv).MakeParams(g->mv, 1, false);
  if (!csv_dir.empty()) {
    MakeDirs(csv_dir);
    for (int c = 0; c < categories; ++c) {
      char name[32];
      std::snprintf(name, sizeof(name), "%06d.csv", c);
      WriteFileAtomic(JoinPath(csv_dir, name), f3::Ifs3ToCsv(g->params.ifs3[c]));
    }
  }
  // Views: render.py's theta and 30 degrees, and a jitter drawn uniform in
  // (-pi, pi) degrees, as published.
  fractal::Mt19937 jitter(12345);
  for (int k = 0; k < kViews; ++k) {
    const double offset = fractal::NumpyUniform(jitter, -M_PI, M_PI);
    const std::vector<float> angles = recipe::FixedViewRotations(k, kViews, offset);
    g->rotations.emplace_back(angles.begin(), angles.end());
    g->views.push_back(f3::PublishedView(f3::Camera{}, angles, kSize, kSize));
  }
  f3::RasterOptions raster;
  raster.size = kSize;
  int identical = 0;
  uint64_t lit = 0, naive_lit = 0, differing = 0;
  for (int c = 0; c < categories; ++c) {
    for (int row : kRows) {
      std::vector<float> cloud = f3::InstanceCloud(g->params.ifs3[c], f3::kTableRows, row, kPoints,
                                                   g->mv.seed, c);
      bool finite = true;
      for (float v : cloud) finite = finite && std::isfinite(v);
      if (!finite) continue;  // a diverging instance (the family shows row 6 instead)
      double w[12];
      f3::WeightRow3(f3::kTableRows, row, w);
      const std::vector<NaiveVertex> vertices = NaiveVertices(
          NaiveInstanceCloud(g->params.ifs3[c], w, InstanceKey(g->mv.seed, c, row), kPoints));
      bool same = vertices.size() * 3 == cloud.size();
      for (size_t i = 0; same && i < vertices.size(); ++i) {
        same = vertices[i].x == cloud[3 * i] && vertices[i].y == cloud[3 * i + 1] &&
               vertices[i].z == cloud[3 * i + 2];
      }
      identical += same;
      for (int k = 0; k < kViews; ++k) {
        codec::Image image;
        f3::ProjectPoints(cloud.data(), cloud.size() / 3, g->views[k], raster, &image);
        std::vector<uint8_t> rgb = NaiveRenderView(vertices, g->rotations[k], kSize);
        for (size_t i = 0; i < image.pixels.size(); ++i) {
          lit += image.pixels[i] != 0;
          naive_lit += rgb[3 * i] != 0;
          differing += image.pixels[i] != rgb[3 * i];
        }
        g->pngs.push_back(
            codec::EncodeImage(image.pixels.data(), kSize, kSize, 1, g->mv.encode));
        g->images.push_back(std::move(image));
        g->naive_images.push_back(std::move(rgb));
      }
      g->instances.push_back({static_cast<uint32_t>(c), row});
      g->clouds.push_back(std::move(cloud));
      g->naive_vertices.push_back(vertices);
    }
  }
  benchmark::AddCustomContext("categories", std::to_string(categories));
  benchmark::AddCustomContext("instances", std::to_string(g->instances.size()));
  benchmark::AddCustomContext("naive_clouds_identical", std::to_string(identical) + " of " +
                                                            std::to_string(g->clouds.size()));
  benchmark::AddCustomContext("naive_view_pixels",
                              "synthub lit " + std::to_string(lit) + ", naive lit " +
                                  std::to_string(naive_lit) + ", differing " +
                                  std::to_string(differing) + ", views " +
                                  std::to_string(g->images.size()));
}

void BM_Search3Trial(benchmark::State& state) {
  const uint32_t key[3] = {1, 0, 0};  // category 0's keyed stream, search seed 1
  fractal::Mt19937 mt(key, 3);
  int64_t accepted = 0;
  for (auto _ : state) {
    const f3::Trial3 t = f3::DrawTrial3(mt, kPoints);
    accepted += t.stats.finite && t.stats.var[0] > 0.05 && t.stats.var[1] > 0.05 &&
                t.stats.var[2] > 0.05;
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["acceptance"] = static_cast<double>(accepted) / state.iterations();
}
BENCHMARK(BM_Search3Trial)->Unit(benchmark::kMicrosecond);

void BM_InstanceCloud(benchmark::State& state) {
  size_t i = 0;
  for (auto _ : state) {
    const Setup::Instance& in = g->instances[i++ % g->instances.size()];
    benchmark::DoNotOptimize(f3::InstanceCloud(g->params.ifs3[in.category], f3::kTableRows,
                                               in.row, kPoints, g->mv.seed, in.category));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_InstanceCloud)->Unit(benchmark::kMicrosecond);

void BM_ProjectView(benchmark::State& state) {
  f3::RasterOptions raster;
  raster.size = kSize;
  codec::Image image;
  size_t i = 0;
  for (auto _ : state) {
    const std::vector<float>& cloud = g->clouds[i / kViews % g->clouds.size()];
    f3::ProjectPoints(cloud.data(), cloud.size() / 3, g->views[i % kViews], raster, &image);
    benchmark::DoNotOptimize(image.pixels.data());
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ProjectView)->Unit(benchmark::kMicrosecond);

void BM_EncodePng(benchmark::State& state) {
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const codec::Image& image = g->images[i++ % g->images.size()];
    bytes += codec::EncodeImage(image.pixels.data(), kSize, kSize, 1, g->mv.encode).size();
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["bytes_per_image"] = static_cast<double>(bytes) / state.iterations();
}
BENCHMARK(BM_EncodePng)->Unit(benchmark::kMicrosecond);

void BM_DecodePng(benchmark::State& state) {
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(codec::DecodeImage(g->pngs[i++ % g->pngs.size()], "view.png"));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodePng)->Unit(benchmark::kMicrosecond);

// The same PNGs decoded by the same library in their own format (8-bit
// gray, no conversion to RGB, into a reused buffer): the cheapest decode of
// these files, so the goal's margin does not rest on the loader's RGB path.
void BM_DecodePngNative(benchmark::State& state) {
  std::vector<uint8_t> pixels(kSize * kSize);
  size_t i = 0;
  for (auto _ : state) {
    const std::string& png = g->pngs[i++ % g->pngs.size()];
    spng_ctx* ctx = spng_ctx_new(0);
    size_t size = 0;
    int rc = spng_set_png_buffer(ctx, png.data(), png.size());
    if (rc == 0) rc = spng_decoded_image_size(ctx, SPNG_FMT_PNG, &size);
    if (rc == 0 && size == pixels.size()) {
      rc = spng_decode_image(ctx, pixels.data(), size, SPNG_FMT_PNG, 0);
    }
    spng_ctx_free(ctx);
    if (rc != 0 || size != pixels.size()) {
      state.SkipWithError("spng: not a 224 x 224 8-bit gray PNG");
      break;
    }
    benchmark::DoNotOptimize(pixels.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecodePngNative)->Unit(benchmark::kMicrosecond);

// The family's renderer per sample, in generate's order: mv-fractaldb's 12
// views of an instance one after another (instances C x every 16th row);
// exfractaldb's 1,000 images of a category (about 7 per instance).
void BM_RenderSample(benchmark::State& state, const char* family) {
  const bool mv = std::string(family) == "mv-fractaldb";
  const recipe::Recipe& r = mv ? g->mv : g->ex;
  std::vector<recipe::SampleId> ids;
  for (uint32_t c = 0; c < static_cast<uint32_t>(r.categories); ++c) {
    if (mv) {
      for (uint32_t row = 0; row < f3::kTableRows; row += 16) {
        for (uint32_t v = 0; v < kViews; ++v) ids.push_back({c, row, v, 0});
      }
    } else {
      for (uint32_t d = 0; d < static_cast<uint32_t>(r.draws); ++d) ids.push_back({c, 0, d, 0});
    }
  }
  std::unique_ptr<recipe::SampleRenderer> renderer = recipe::FamilyOf(r).NewRenderer(r, g->params);
  codec::Image image;
  size_t i = 0;
  for (auto _ : state) {
    renderer->Render(ids[i++ % ids.size()], &image);
    benchmark::DoNotOptimize(image.pixels.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_RenderSample, mv-fractaldb, "mv-fractaldb")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_RenderSample, exfractaldb, "exfractaldb")->Unit(benchmark::kMicrosecond);

void BM_NaiveInstanceCloud(benchmark::State& state) {
  size_t i = 0;
  for (auto _ : state) {
    const Setup::Instance& in = g->instances[i++ % g->instances.size()];
    double w[12];
    f3::WeightRow3(f3::kTableRows, in.row, w);
    benchmark::DoNotOptimize(NaiveVertices(NaiveInstanceCloud(
        g->params.ifs3[in.category], w, InstanceKey(g->mv.seed, in.category, in.row), kPoints)));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NaiveInstanceCloud)->Unit(benchmark::kMicrosecond);

void BM_NaiveRenderView(benchmark::State& state) {
  size_t i = 0;
  for (auto _ : state) {
    const std::vector<NaiveVertex>& v = g->naive_vertices[i / kViews % g->naive_vertices.size()];
    benchmark::DoNotOptimize(NaiveRenderView(v, g->rotations[i % kViews], kSize));
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_NaiveRenderView)->Unit(benchmark::kMicrosecond);

void BM_NaiveEncodeRgbPng(benchmark::State& state) {
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    bytes += NaiveEncodeRgbPng(g->naive_images[i++ % g->naive_images.size()], kSize).size();
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["bytes_per_image"] = static_cast<double>(bytes) / state.iterations();
}
BENCHMARK(BM_NaiveEncodeRgbPng)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace synthub::bench

int main(int argc, char** argv) {
  using namespace synthub::bench;
  benchmark::Initialize(&argc, argv);
  int categories = 4;
  std::string csv_dir;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 < argc && flag == "--categories") {
      categories = std::atoi(argv[++i]);
    } else if (i + 1 < argc && flag == "--csv-dir") {
      csv_dir = argv[++i];
    } else {
      std::fprintf(stderr, "synthub_fractal3d_bench: unknown argument %s\n", argv[i]);
      return 2;
    }
  }
  if (categories < 1) {
    std::fprintf(stderr, "synthub_fractal3d_bench: --categories must be >= 1\n");
    return 2;
  }
  Setup setup;
  g = &setup;
  BuildSetup(categories, csv_dir);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
