// Naive, single-threaded C++ transcriptions of the published generators of
// the families after FractalDB, the baselines bench/families_run.sh compares
// synthub against in the same run (as naive_reference.h does for FractalDB):
//   - VisualAtom (render_VisualAtom.py) and RCDB (make_rcdb.py): one
//     process's loop of the published script, statement by statement: a
//     Python-like `random` over std::mt19937, a scalar single-precision 1-D
//     Perlin noise as the `noise` package computes it, Pillow's 1-pixel line
//     rule as a plain Bresenham loop on a 512 x 512 RGB canvas, sines and
//     cosines recomputed where the script calls math.sin/math.cos;
//   - OFDB: FractalDB's naive draw with one image (the first weight row, no
//     flip);
//   - 1p-frac (render_from_oneparam_mp.py): a fresh perturbation of the base
//     system, the 100k-point chaos game, patches at 512^2, redrawn until the
//     fill rate is over the threshold.
// The scripts save each image as an RGB PNG: NaiveEncodeRgbPng (libpng's
// defaults) is that step. Not thread-safe (each object owns its stream).
#ifndef SYNTHUB_BENCH_NAIVE_FAMILIES_H_
#define SYNTHUB_BENCH_NAIVE_FAMILIES_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "fractal/ifs.h"

namespace synthub::bench {

// CPython's random module (3.11) over std::mt19937: random.seed(n) for a
// non-negative int below 2^32, random(), randint, uniform, expovariate.
class NaivePyRandom {
 public:
  explicit NaivePyRandom(uint32_t seed);
  double Random();
  int64_t RandInt(int64_t a, int64_t b);  // randrange(a, b + 1): getrandbits rejection
  double Uniform(double a, double b) { return a + (b - a) * Random(); }
  double ExpoVariate(double lambd);
  std::mt19937* engine() { return &mt_; }

 private:
  uint32_t GetRandBits(int k);  // 1 <= k <= 32
  std::mt19937 mt_;
};

// noise.pnoise1(x) with the package's defaults (octaves 1, repeat 1024,
// base 0), in single precision as the package computes it.
double NaivePNoise1(double x);

// Pillow's ImageDraw.line((x0, y0, x1, y1), fill, width=1) on a size x size
// RGB canvas: coordinates truncated to int, Bresenham without the last
// pixel, then the last point; pixels outside the canvas skipped.
void NaiveDrawLine(std::vector<uint8_t>* rgb, int size, double x0, double y0, double x1,
                   double y1, int gray);

enum class NaiveContourFamily { kVisualAtom, kRcdb };

// What a contour image's orbits consumed, recorded when asked for: the
// benchmark's floor replays exactly these noise inputs and polylines.
struct NaiveContourOrbit {
  std::vector<double> noise_inputs;  // the 2q uniforms given to pnoise1 (x, then y)
  std::vector<double> xs, ys;        // the q vertices drawn (closed), canvas coordinates
  int gray = 0;
};

// One process of the published script at its published settings
// (make_VisualAtom.sh, RCDB_render.sh): random.seed(process + 1), then
// category after category from that one stream. Image i of a category is
// drawn by NextImage() after NextCategory(); the script's per-image redraws
// follow each image.
class NaiveContourScript {
 public:
  NaiveContourScript(NaiveContourFamily family, int process, int size);

  // The category draws at the top of the script's class loop.
  void NextCategory();
  // Renders the next image of the current category into a new RGB canvas
  // (size^2 x 3). `trace` (may be null) receives one entry per orbit.
  std::vector<uint8_t> NextImage(std::vector<NaiveContourOrbit>* trace);

  int vertices() const { return vertices_; }
  int orbits() const { return orbits_; }

 private:
  void DrawCentre();

  NaiveContourFamily family_;
  int size_;
  NaivePyRandom random_;
  int vertices_ = 0, orbits_ = 0, radius_ = 0, wave1_ = 0, wave2_ = 0;
  double noise_ = 0, line_width_ = 0, oval_x_ = 0, oval_y_ = 0;
  double centre_h_ = 0, centre_w_ = 0;
  // The script's module-level lists, cleared and refilled per image/orbit.
  std::vector<double> vertex_x_, vertex_y_, noise_x_, noise_y_;
};

// OFDB-2D's one image of a category: FractalDB's naive draw with the 6
// weights `w` (the published weight file's first row), flipped top-bottom
// once, as saved (RGB, size^2 x 3).
std::vector<uint8_t> NaiveRenderOfdb(const fractal::Ifs& ifs, const double* w, int size,
                                     int points, unsigned mask_seed);

// 1p-frac's generate_image(): each map's a..f multiplied by
// uniform(1 - delta, 1 + delta) from `random` (p kept: from the base
// system's |det|), the chaos game, patches with randrange(1, 512) from the
// same stream, redrawn until more than fill_min of the RGB bytes are set;
// flipped top-bottom, as saved (RGB). *attempts counts the draws.
std::vector<uint8_t> NaiveRenderOnePFrac(const fractal::Ifs& base, double delta,
                                         double fill_min, int size, int points,
                                         NaivePyRandom* random, int* attempts);

}  // namespace synthub::bench

#endif  // SYNTHUB_BENCH_NAIVE_FAMILIES_H_
