// Rendering and search benchmarks, each against its baseline in the same
// run. Per-image figures are "items_per_second" (one thread: images per
// CPU-second). bench/run.sh runs these and the end-to-end measurements.
#include <benchmark/benchmark.h>

#include <vector>

#include "codec/image.h"
#include "fractal/random.h"
#include "fractal/render.h"
#include "fractal/search.h"
#include "naive_reference.h"

namespace synthub::bench {
namespace {

// Category 1 of the published FractalDB-1k (00001.csv), embedded.
fractal::Ifs Category1() {
  return fractal::ParseIfsCsv(
      "-1.668389423696419183e-01,-6.072550667959302206e-01,1.728251339013286980e-02,"
      "2.048852284657074474e-01,2.111859836446616789e-01,5.155499518698667405e-01,"
      "2.522042471796301019e-02\n"
      "-4.159289551462135304e-01,4.190396330592851548e-01,-3.485170920810727324e-01,"
      "-2.672146735447999966e-01,2.877306516523376878e-01,-2.116667333885886570e-01,"
      "2.738232818170721061e-01\n"
      "9.038574880708072357e-02,-8.118400125885090191e-01,-7.785972314428670771e-01,"
      "-2.906130900075152290e-01,-5.889521589065931373e-01,-2.652835207608081891e-01,"
      "7.009562934649647969e-01\n",
      "00001.csv");
}

// Paper settings: 362 x 362, 200k points, patch_gray, k = 0.4, 4 flips.
// One iteration = one (weight row, draw) = 4 images.
void BM_RenderNaiveReference(benchmark::State& state) {
  const fractal::Ifs ifs = Category1();
  int row = 0;
  size_t bytes = 0;
  for (auto _ : state) {
    auto files = NaiveRenderDraw(ifs, row, 362, 200000, 0.4, 1234 + row);
    for (const auto& f : files) bytes += f.size();
    row = (row + 1) % fractal::kWeightRows;
  }
  state.SetItemsProcessed(state.iterations() * 4);
  state.counters["bytes_per_image"] = static_cast<double>(bytes) / (state.iterations() * 4);
}
BENCHMARK(BM_RenderNaiveReference)->Unit(benchmark::kMillisecond)->MinTime(3.0);

// synthub's pipeline, single thread, with the point cloud recomputed for
// every draw (as in a real shard, where the draws of one weight row are
// spread over different shards).
void BM_RenderSynthub(benchmark::State& state) {
  const fractal::Ifs ifs = Category1();
  fractal::RenderOptions o;  // paper defaults
  codec::EncodeOptions enc;
  int row = 0;
  size_t bytes = 0;
  std::vector<uint8_t> flipped;
  for (auto _ : state) {
    const fractal::Raster cloud = fractal::ComputeCloud(ifs, row, o);
    const std::vector<uint8_t> canvas = fractal::DrawCloud(cloud, o, 7, 0, row, 0);
    for (int flip = 0; flip < 4; ++flip) {
      const uint8_t* img = canvas.data();
      if (flip) {
        fractal::FlipImage(canvas.data(), o.size, o.size, 1, flip, &flipped);
        img = flipped.data();
      }
      bytes += codec::EncodeImage(img, o.size, o.size, 1, enc).size();
    }
    row = (row + 1) % fractal::kWeightRows;
  }
  state.SetItemsProcessed(state.iterations() * 4);
  state.counters["bytes_per_image"] = static_cast<double>(bytes) / (state.iterations() * 4);
}
BENCHMARK(BM_RenderSynthub)->Unit(benchmark::kMillisecond)->MinTime(3.0);

// The physical floor named by the issue: chaos game + one 3 x 3 patch per
// point, nothing else (no encode), per image.
void BM_RenderChaosAndPatchOnly(benchmark::State& state) {
  const fractal::Ifs ifs = Category1();
  fractal::RenderOptions o;
  int row = 0;
  for (auto _ : state) {
    const fractal::Raster cloud = fractal::ComputeCloud(ifs, row, o);
    benchmark::DoNotOptimize(fractal::DrawCloud(cloud, o, 7, 0, row, 0).data());
    row = (row + 1) % fractal::kWeightRows;
  }
  state.SetItemsProcessed(state.iterations() * 4);
}
BENCHMARK(BM_RenderChaosAndPatchOnly)->Unit(benchmark::kMillisecond)->MinTime(2.0);

// One trial of the published search (100k points, 512 x 512), and a naive
// one (std::mt19937 word by word, same arithmetic).
void BM_SearchTrialSynthub(benchmark::State& state) {
  fractal::SearchOptions o;
  const fractal::Ifs ifs = Category1();
  fractal::Mt19937 mt(1);
  std::vector<double> rand(o.points);
  for (auto _ : state) {
    fractal::NumpyRandomFill(mt, rand.data(), rand.size());
    benchmark::DoNotOptimize(fractal::Coverage(ifs, rand.data(), o));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SearchTrialSynthub)->Unit(benchmark::kMillisecond)->MinTime(2.0);

}  // namespace
}  // namespace synthub::bench

BENCHMARK_MAIN();
