// The contour families' primitives: PNoise1 (scalar and batch), PyRandom
// (Random, Discard) and Pillow-rule lines of 1-3 pixels, as VisualAtom and
// RCDB use them (inputs uniform in [0, 10000), segments a pixel or two long
// on a 512 x 512 canvas); and whole VisualAtom and RCDB images into memory.
#include <benchmark/benchmark.h>

#include <cmath>
#include <memory>
#include <vector>

#include "contour/perlin.h"
#include "contour/pil_line.h"
#include "contour/py_random.h"
#include "recipe/family.h"
#include "recipe/recipe.h"

namespace synthub::bench {
namespace {

constexpr int kValues = 4096;

std::vector<float> NoiseInputs() {
  contour::PyRandom rng(1);
  std::vector<float> x(kValues);
  for (float& v : x) v = contour::PNoise1ArgFromDouble(rng.Uniform(0, 10000));
  return x;
}

void BM_PNoise1Scalar(benchmark::State& state) {
  const std::vector<float> x = NoiseInputs();
  std::vector<float> out(kValues);
  for (auto _ : state) {
    for (int i = 0; i < kValues; ++i) out[i] = contour::PNoise1(x[i]);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kValues);
}
BENCHMARK(BM_PNoise1Scalar);

void BM_PNoise1Batch(benchmark::State& state) {
  const std::vector<float> x = NoiseInputs();
  std::vector<float> out(kValues);
  for (auto _ : state) {
    contour::PNoise1Batch(x.data(), out.data(), kValues);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kValues);
}
BENCHMARK(BM_PNoise1Batch);

void BM_PyRandomRandom(benchmark::State& state) {
  contour::PyRandom rng(1);
  for (auto _ : state) {
    double sum = 0;
    for (int i = 0; i < kValues; ++i) sum += rng.Random();
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * kValues);
}
BENCHMARK(BM_PyRandomRandom);

// Items are skipped 32-bit words.
void BM_PyRandomDiscard(benchmark::State& state) {
  contour::PyRandom rng(1);
  const uint64_t n = 1 << 20;
  for (auto _ : state) {
    rng.Discard(n);
    benchmark::DoNotOptimize(rng.NextU32());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n + 1));
}
BENCHMARK(BM_PyRandomDiscard);

// Segments of up to 2 pixels each way (a random walk on the canvas), like
// those between neighbouring ring vertices; items are lines.
void BM_PilShortLine(benchmark::State& state) {
  constexpr int kSize = 512;
  std::vector<uint8_t> canvas(kSize * kSize);
  contour::PyRandom rng(2);
  std::vector<double> xs(kValues + 1), ys(kValues + 1);
  for (int i = 0; i <= kValues; ++i) {
    xs[i] = 256 + (i == 0 ? 0 : xs[i - 1] - 256) + rng.Uniform(-2, 2);
    ys[i] = 256 + (i == 0 ? 0 : ys[i - 1] - 256) + rng.Uniform(-2, 2);
    if (xs[i] < 1 || xs[i] > kSize - 2) xs[i] = 256;
    if (ys[i] < 1 || ys[i] > kSize - 2) ys[i] = 256;
  }
  for (auto _ : state) {
    for (int i = 0; i < kValues; ++i) {
      contour::DrawPilLine(canvas.data(), kSize, kSize, xs[i], ys[i], xs[i + 1], ys[i + 1],
                           static_cast<uint8_t>(i));
    }
    benchmark::DoNotOptimize(canvas.data());
  }
  state.SetItemsProcessed(state.iterations() * kValues);
}
BENCHMARK(BM_PilShortLine);

// A closed ring of 600 vertices (radius 120, noisy) in one polyline call,
// as VisualAtom's rings are; items are segments.
void BM_PilRingPolyline(benchmark::State& state) {
  constexpr int kSize = 512, kVertices = 600;
  std::vector<uint8_t> canvas(kSize * kSize);
  contour::PyRandom rng(3);
  std::vector<double> xs(kVertices), ys(kVertices);
  const double angle = 2 * 3.141592653589793 / kVertices;
  for (int i = 0; i < kVertices; ++i) {
    xs[i] = 256 + std::cos(angle * i) * 120 + rng.Uniform(-1, 1);
    ys[i] = 256 + std::sin(angle * i) * 120 + rng.Uniform(-1, 1);
  }
  for (auto _ : state) {
    contour::DrawPilPolyline(canvas.data(), kSize, kSize, xs.data(), ys.data(), kVertices, true,
                             200);
    benchmark::DoNotOptimize(canvas.data());
  }
  state.SetItemsProcessed(state.iterations() * kVertices);
}
BENCHMARK(BM_PilRingPolyline);

// Whole images into memory through the family's renderer, as the generator
// and render: make them: the paper settings at 512 x 512, 50 categories x 2
// images (mean q K near the published mean), keyed (layout 0) or in the
// published stream of one process block walked in order (layout 1); items
// are images.
void BM_RenderContour(benchmark::State& state, const char* family, int layout) {
  recipe::Recipe r = recipe::FamilyNamed(family).Defaults();
  r.categories = 50;
  r.draws = 2;
  r.contour.reference_layout = layout;
  const recipe::Family& f = recipe::FamilyOf(r);
  const recipe::CategoryParams params = f.MakeParams(r, 1, false);
  codec::Image image;
  for (auto _ : state) {
    const std::unique_ptr<recipe::SampleRenderer> renderer = f.NewRenderer(r, params);
    for (uint32_t c = 0; c < 50; ++c) {
      for (uint32_t i = 0; i < 2; ++i) renderer->Render({c, 0, i, 0}, &image);
    }
    benchmark::DoNotOptimize(image.pixels.data());
  }
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK_CAPTURE(BM_RenderContour, visualatom_keyed, "visualatom", 0)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_RenderContour, visualatom_reference, "visualatom", 1)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_RenderContour, rcdb_keyed, "rcdb", 0)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_RenderContour, rcdb_reference, "rcdb", 1)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace synthub::bench

BENCHMARK_MAIN();
