#include "fractal/search.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "fractal/contractive.h"
#include "fractal/random.h"
#include "synthub/error.h"
#include "util/parallel.h"

namespace synthub::fractal {
namespace {

template <class Source>
void SampleUniformMaps(Source& s, int n, double range, Ifs* ifs) {
  double sum = 0.0;
  ifs->maps.resize(n);
  for (AffineMap& m : ifs->maps) {
    m.a = NumpyUniform(s, -range, range);
    m.b = NumpyUniform(s, -range, range);
    m.c = NumpyUniform(s, -range, range);
    m.d = NumpyUniform(s, -range, range);
    m.e = NumpyUniform(s, -range, range);
    m.f = NumpyUniform(s, -range, range);
    m.p = std::fabs(m.a * m.d - m.b * m.c);
    sum += m.p;
  }
  for (AffineMap& m : ifs->maps) m.p /= sum;
}

// Anderson & Farrell's contractive maps (fractal/contractive.h) with their
// default sigma-factor range [(5 + n) / 2, (6 + n) / 2].
template <class Source>
void SampleSvdMaps(Source& s, int n, double range, Ifs* ifs) {
  double u[kContractiveUniformsPerMap * kMaxMaps];
  NumpyRandomFill(s, u, static_cast<size_t>(kContractiveUniformsPerMap) * n);
  *ifs = ContractiveMaps(n, u, 0.5 * (5 + n), 0.5 * (6 + n), range, nullptr);
}

template <class Source>
Ifs SampleIfs(Source& s, const SearchOptions& o) {
  const int n = static_cast<int>(NumpyRandInt(s, o.min_maps, o.max_maps + 1));
  Ifs ifs;
  if (o.sampler == MapSampler::kSvd) {
    SampleSvdMaps(s, n, o.param_range, &ifs);
  } else {
    SampleUniformMaps(s, n, o.param_range, &ifs);
  }
  return ifs;
}

struct Workspace {
  std::vector<double> xs, ys;
  Raster raster;
  std::vector<uint8_t> bitmap;
};

}  // namespace

void ValidateSearchOptions(const SearchOptions& o) {
  if (!(o.threshold >= 0.0 && o.threshold <= 1.0)) {
    throw UsageError("--threshold must be in [0, 1]");
  }
  if (o.points < 2) throw UsageError("--points must be >= 2");
  if (o.size < 16 || o.size > 65535) {
    throw UsageError("--search-size must be in [16, 65535]");
  }
  if (o.pad < 0 || 2 * o.pad >= o.size) {
    throw UsageError("--pad must be >= 0 and below half the size");
  }
  if (o.min_maps < 1 || o.max_maps < o.min_maps || o.max_maps > kMaxMaps) {
    throw UsageError("--maps must be a range within 1.." +
                     std::to_string(kMaxMaps));
  }
  if (o.sampler == MapSampler::kSvd && o.min_maps < 2) {
    throw UsageError("--maps: the svd sampler needs at least 2 maps (its sigma-factor "
                     "(5 + n) / 2 .. (6 + n) / 2 must stay below 3 n)");
  }
  if (static_cast<double>(o.points) < o.threshold * o.size * o.size) {
    throw UsageError("--threshold " + std::to_string(o.threshold) + " cannot be reached: " +
                     std::to_string(o.points) + " points cover at most " +
                     std::to_string(static_cast<double>(o.points) / o.size / o.size) +
                     " of a " + std::to_string(o.size) + "^2 raster");
  }
  if (!(o.param_range > 0.0 && std::isfinite(o.param_range))) {
    throw UsageError("--param-range must be > 0");
  }
}

std::string SearchModeName(SearchMode mode) {
  return mode == SearchMode::kNumpy ? "numpy" : "keyed";
}

SearchMode ParseSearchMode(const std::string& name) {
  if (name == "numpy") return SearchMode::kNumpy;
  if (name == "keyed") return SearchMode::kKeyed;
  throw UsageError("--mode: expected numpy or keyed, got '" + name + "'");
}

std::string MapSamplerName(MapSampler sampler) {
  return sampler == MapSampler::kUniform ? "uniform" : "svd";
}

MapSampler ParseMapSampler(const std::string& name) {
  if (name == "uniform") return MapSampler::kUniform;
  if (name == "svd") return MapSampler::kSvd;
  throw UsageError("--sampler: expected uniform or svd, got '" + name + "'");
}

double Coverage(const Ifs& ifs, const double* rand, const SearchOptions& o) {
  thread_local Workspace ws;
  ChaosGame(ifs, nullptr, rand, o.points, &ws.xs, &ws.ys);
  Rasterize(&ws.xs, &ws.ys, o.size, o.size, o.pad, &ws.raster);
  const size_t pixels = static_cast<size_t>(o.size) * o.size;
  ws.bitmap.assign(pixels, 0);
  uint8_t* bm = ws.bitmap.data();
  const uint16_t* px = ws.raster.x.data();
  const uint16_t* py = ws.raster.y.data();
  const size_t n = ws.raster.x.size();
  for (size_t i = 0; i < n; ++i) bm[static_cast<size_t>(py[i]) * o.size + px[i]] = 1;
  size_t covered = 0;
  for (size_t i = 0; i < pixels; ++i) covered += bm[i];
  return static_cast<double>(covered) / static_cast<double>(pixels);
}

uint64_t SearchNumpy(const SearchOptions& o, int categories, int threads,
                     const AcceptFn& on_accept) {
  ValidateSearchOptions(o);
  if (categories < 0) throw UsageError("--categories must be >= 0");
  if (categories == 0) return 0;
  threads = std::max(1, threads);
  Mt19937 mt(static_cast<uint32_t>(o.seed));
  struct Trial {
    Ifs ifs;
    std::vector<double> rand;
    double coverage = 0.0;
  };
  // The stream is sequential, but once a trial's words are drawn its chaos
  // game is independent: draw a batch, then evaluate it on all threads while
  // one of them draws the next batch (item 0 of the same ParallelFor, so the
  // drawing takes a pool thread rather than an extra one), and accept in
  // stream order. Batches only group the work: drawing ahead of the last
  // acceptance changes nothing that is reported.
  const size_t batch_size = static_cast<size_t>(std::max(16, 4 * threads));
  auto draw = [&](std::vector<Trial>* batch) {
    batch->resize(batch_size);
    for (Trial& t : *batch) {
      t.ifs = SampleIfs(mt, o);
      t.rand.resize(o.points);
      NumpyRandomFill(mt, t.rand.data(), t.rand.size());
    }
  };
  std::vector<Trial> current, next;
  draw(&current);
  uint64_t trials = 0, last_accept = 0;
  int accepted = 0;
  while (true) {
    ParallelFor(current.size() + 1, threads, [&](size_t i) {
      if (i == 0) {
        draw(&next);
      } else {
        Trial& t = current[i - 1];
        t.coverage = Coverage(t.ifs, t.rand.data(), o);
      }
    });
    for (const Trial& t : current) {
      ++trials;
      if (trials - last_accept > o.max_trials_per_category) {
        throw Error("search: no category accepted in " +
                    std::to_string(o.max_trials_per_category) + " trials (threshold " +
                    std::to_string(o.threshold) + ")");
      }
      if (t.coverage >= o.threshold) {
        on_accept(accepted, t.ifs, trials);
        last_accept = trials;
        if (++accepted == categories) return trials;
      }
    }
    std::swap(current, next);
  }
}

Ifs SearchKeyed(const SearchOptions& o, int category, uint64_t* trials) {
  ValidateSearchOptions(o);
  const uint32_t key[3] = {static_cast<uint32_t>(o.seed),
                           static_cast<uint32_t>(o.seed >> 32),
                           static_cast<uint32_t>(category)};
  Mt19937 mt(key, 3);
  std::vector<double> rand(o.points);
  for (uint64_t t = 1; t <= o.max_trials_per_category; ++t) {
    Ifs ifs = SampleIfs(mt, o);
    NumpyRandomFill(mt, rand.data(), rand.size());
    if (Coverage(ifs, rand.data(), o) >= o.threshold) {
      if (trials) *trials = t;
      return ifs;
    }
  }
  throw Error("search: category " + std::to_string(category) + ": nothing accepted in " +
              std::to_string(o.max_trials_per_category) + " trials (threshold " +
              std::to_string(o.threshold) + ")");
}

}  // namespace synthub::fractal
