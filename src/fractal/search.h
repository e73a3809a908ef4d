// FractalDB category search: draw random IFS until one covers enough of the
// raster. Two modes:
//  - kNumpy: the published procedure, one sequential numpy-legacy MT19937
//    stream seeded once; reproduces the published FractalDB-1k CSVs bit for
//    bit. Cannot be split across processes.
//  - kKeyed: category i draws its trials from its own stream,
//    numpy RandomState([seed & 0xffffffff, seed >> 32, i]); categories are a
//    pure function of (seed, i) whatever the number of threads or processes.
#ifndef SYNTHUB_FRACTAL_SEARCH_H_
#define SYNTHUB_FRACTAL_SEARCH_H_

#include <cstdint>
#include <functional>
#include <string>

#include "fractal/ifs.h"

namespace synthub::fractal {

enum class SearchMode { kNumpy, kKeyed };
enum class MapSampler {
  kUniform,  // a..f = uniform(-range, range), p = |det| / sum (published)
  kSvd,      // contractive maps from singular values (Anderson & Farrell)
};

struct SearchOptions {
  SearchMode mode = SearchMode::kNumpy;
  uint64_t seed = 1;
  double threshold = 0.20;  // accepted when covered pixels / size^2 >= this
  int points = 100000;
  int size = 512;
  int pad = 6;
  int min_maps = 2;
  int max_maps = 7;
  double param_range = 1.0;
  MapSampler sampler = MapSampler::kUniform;
  // Gives up (Error) after this many trials for one category: a threshold
  // the raster cannot reach (points < threshold * size^2) must not spin.
  uint64_t max_trials_per_category = 1000000;
};

// Throws UsageError naming the bad field.
void ValidateSearchOptions(const SearchOptions& options);

std::string SearchModeName(SearchMode mode);
SearchMode ParseSearchMode(const std::string& name);  // throws UsageError
std::string MapSamplerName(MapSampler sampler);
MapSampler ParseMapSampler(const std::string& name);  // throws UsageError

// Called once per accepted category, in category order for kNumpy.
// `trials` is the number of trials drawn so far (kNumpy: in the whole
// stream; kKeyed: for this category).
using AcceptFn =
    std::function<void(int category, const Ifs& ifs, uint64_t trials)>;

// The sequential published search over categories [0, categories) (the
// published set: 1000). Uses `threads` threads for the chaos game (the
// stream itself stays sequential). Returns the total number of trials.
uint64_t SearchNumpy(const SearchOptions& options, int categories, int threads,
                     const AcceptFn& on_accept);

// Searches one category in keyed mode. Thread-safe (no shared state).
Ifs SearchKeyed(const SearchOptions& options, int category, uint64_t* trials);

// Fraction of the size x size raster covered by `points` chaos-game points
// driven by `rand` (points doubles). Exposed for tests and benchmarks.
double Coverage(const Ifs& ifs, const double* rand, const SearchOptions& o);

}  // namespace synthub::fractal

#endif  // SYNTHUB_FRACTAL_SEARCH_H_
