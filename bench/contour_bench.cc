// The contour families' primitives: PNoise1 (scalar and batch), PyRandom
// (Random, Discard) and Pillow-rule lines of 1-3 pixels, as VisualAtom and
// RCDB use them (inputs uniform in [0, 10000), segments a pixel or two long
// on a 512 x 512 canvas).
#include <benchmark/benchmark.h>

#include <vector>

#include "contour/perlin.h"
#include "contour/pil_line.h"
#include "contour/py_random.h"

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

}  // namespace
}  // namespace synthub::bench

BENCHMARK_MAIN();
