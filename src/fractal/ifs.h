// An iterated function system (one FractalDB category), its CSV form, and the
// chaos game + rasterisation shared by the search and the renderer, written
// to reproduce the published Python code operation for operation.
#ifndef SYNTHUB_FRACTAL_IFS_H_
#define SYNTHUB_FRACTAL_IFS_H_

#include <cstdint>
#include <string>
#include <vector>

namespace synthub::fractal {

constexpr int kMaxMaps = 16;

// x' = a*x + b*y + e, y' = c*x + d*y + f, chosen with probability p.
struct AffineMap {
  double a, b, c, d, e, f, p;
};

struct Ifs {
  std::vector<AffineMap> maps;
};

// numpy savetxt's text (np.savetxt(f, rows, delimiter=",")): one row of
// "%.18e" numbers, comma-separated, newline-terminated; exact for doubles.
std::string FormatSavetxtRow(const double* values, int n);
// Parses rows of `columns` such numbers, one map per row with p last: every
// value finite, p >= 0, 1 to kMaxMaps rows (blank lines skipped). Throws
// Error naming `where` and the line.
std::vector<std::vector<double>> ParseSavetxtRows(const std::string& text, const std::string& where,
                                                  int columns);

// numpy savetxt form: one row per map, 7 columns "%.18e", comma-separated.
std::string FormatIfsCsv(const Ifs& ifs);
// Parses the CSV form. `where` names the source in error messages
// ("params/00012.csv:3: ..."). Throws Error on a malformed file.
Ifs ParseIfsCsv(const std::string& text, const std::string& where);

// Runs the chaos game from (0, 0): xs[0] = ys[0] = 0 and, for i in
// [0, n - 1), point i + 1 = map_j(point i) with j the first map whose
// cumulative probability is >= rand[i]. `weights` (6 multipliers for a..f,
// or nullptr) scale every map as the published weight table does; p is kept.
void ChaosGame(const Ifs& ifs, const double* weights, const double* rand,
               size_t n, std::vector<double>* xs, std::vector<double>* ys);

// Pixel coordinates of a point cloud, in order; points that fall outside the
// raster (possible only for degenerate clouds) are dropped.
struct Raster {
  std::vector<uint16_t> x, y;
};

// The published rasterisation: NaN trimming (delete the 100 rows before the
// first NaN, and every NaN row; x then y), shift so min = 0 when min < 0,
// then uint16(v / (max - min) * (size - 2 * pad) + pad). Modifies xs, ys.
void Rasterize(std::vector<double>* xs, std::vector<double>* ys, int width,
               int height, int pad, Raster* out);

}  // namespace synthub::fractal

#endif  // SYNTHUB_FRACTAL_IFS_H_
