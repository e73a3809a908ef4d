// 3D iterated function systems (MV-FractalDB, ExFractalDB, 3D-OFDB): the
// category search, the published weight table of instances, the chaos game
// and the normalisation of a cloud, written to reproduce the published
// Python scripts operation for operation (docs/families.md, "3D families").
//
// Every random number comes from numpy's legacy MT19937 streams
// (fractal/random.h), so an independent numpy script reproduces each one:
//   - search, kNumpy: np.random.seed(seed), categories in order (the
//     published category_search.py run with --seed);
//     kKeyed: category c draws from RandomState([seed_lo, seed_hi, c]);
//   - the cloud of (category c, table row r) from
//     RandomState([dataset_seed_lo, dataset_seed_hi, c, r]).random_sample(points).
#ifndef SYNTHUB_FRACTAL3D_IFS3D_H_
#define SYNTHUB_FRACTAL3D_IFS3D_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "fractal/random.h"
#include "fractal/search.h"

namespace synthub::fractal3d {

// x' = a x + b y + c z + j, y' = d x + e y + f z + k, z' = g x + h y + i z + l,
// chosen with probability p. m = a..i row-major, t = j, k, l.
struct Map3 {
  double m[9];
  double t[3];
  double p;
};

struct Ifs3 {
  std::vector<Map3> maps;
};

// The published instance tables weights_insN.csv: N = 1 + 24k rows
// (k = 0..6; 145 is the one the datasets use).
constexpr int kTableRows = 145;
bool ValidTableRows(int rows);
// Row `row` of the N-row table, in the published file order: 12 multipliers
// for a..l, decimals m / 10.0 (see ifs3d.cc for the order).
void WeightRow3(int table_rows, int row, double out[12]);
// The all-ones row of the N-row table (6 of 145, 0 of 1).
int IdentityRow(int table_rows);

// The published chaos game and normalisation. `uniforms` holds `points`
// values in [0, 1) (only the first points - 1 are used); the walk starts at
// the origin and yields points - 1 points, interleaved xyz. `weights` (12
// multipliers, or nullptr) scale a..l; p is kept. The cloud is then min-max
// normalised over all coordinates to [-1, 1] and centred by subtracting each
// axis's sum divided by `points` (the published divisor).
std::vector<double> PublishedCloud(const Ifs3& ifs, const double* weights,
                                   const double* uniforms, int points);

struct CloudStats {
  double var[3];  // np.var per axis (population), bit for bit; NaN when !finite
  bool finite;    // no NaN or infinity (and at least one point)
};
// Statistics of an interleaved xyz cloud, as numpy computes np.var of the
// published (3, n) array along axis 1 (pairwise sums in pieces of 8192).
CloudStats Stats(const std::vector<double>& xyz);

// The float32 N x 3 cloud of (category, table row), keyed by the dataset
// seed (the stream above).
std::vector<float> InstanceCloud(const Ifs3& ifs, int table_rows, int row, int points,
                                 uint64_t seed, uint32_t category);

struct Search3Options {
  fractal::SearchMode mode = fractal::SearchMode::kKeyed;
  uint64_t seed = 1;
  double variance = 0.05;  // accepted when every axis's variance is above
  int points = 10000;
  // A category that passes nothing in this many trials stops the search
  // with an Error (a threshold no cloud can pass must not spin).
  uint64_t max_trials_per_category = 20000;
};

// One trial of the published search drawn from `mt`: the maps (N, a..l, p)
// and the normalised cloud's statistics. Accepted when stats are finite
// and every variance exceeds the threshold. For tests and statistics.
struct Trial3 {
  Ifs3 ifs;
  CloudStats stats;
};
Trial3 DrawTrial3(fractal::Mt19937& mt, int points);

// Throws UsageError naming the flag (--variance, --points, --max-trials).
void ValidateSearch3Options(const Search3Options& options);

// Called once per accepted category with the trials it took (kNumpy: in
// category order; kKeyed: in any order, one call at a time).
using Accept3Fn = std::function<void(int category, const Ifs3& ifs, uint64_t trials)>;
// Progress: called now and then with the category being searched and the
// trials drawn for it so far. May be empty.
using Progress3Fn = std::function<void(int category, uint64_t trials)>;

// Searches categories [0, categories): kKeyed on `threads` threads (same
// result for any count), kNumpy sequentially. Returns the total trials.
// Throws Error naming --variance and --max-trials when one category passes
// nothing in max_trials_per_category trials.
uint64_t Search3(const Search3Options& options, int categories, int threads,
                 const Accept3Fn& on_accept, const Progress3Fn& progress);

// Category `category` of the keyed search (options.mode is not consulted):
// what Search3 finds for it in kKeyed mode, alone. `trials` may be null.
Ifs3 KeyedCategory(const Search3Options& options, int category, uint64_t* trials,
                   const Progress3Fn& progress);

// numpy savetxt form: one line per map, 13 columns a..l, p, "%.18e".
std::string Ifs3ToCsv(const Ifs3& ifs);
// Throws Error naming `where` (and the line) on a malformed file: a wrong
// column count, a NaN or infinite value, a negative p.
Ifs3 Ifs3FromCsv(const std::string& text, const std::string& where);

}  // namespace synthub::fractal3d

#endif  // SYNTHUB_FRACTAL3D_IFS3D_H_
