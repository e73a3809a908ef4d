// A faithful, naive, single-threaded C++ transcription of the published
// Python renderer (make_fractaldb.py + ifs_function.py), the baseline the
// benchmark compares against in the same run: per mask draw it reruns the
// chaos game from np.random.seed(100) with a branchy first-match map
// choice, pastes a 3 x 3 patch per point from a fresh randrange(1, 512)
// decoded bit by bit, and writes 4 flipped RGB PNGs with libpng's default
// settings. It is already far faster than the Python it transcribes.
// The pieces are exposed for the other IFS families' baselines
// (naive_families.h: OFDB, 1p-frac). Pure functions; thread-safe.
#ifndef SYNTHUB_BENCH_NAIVE_REFERENCE_H_
#define SYNTHUB_BENCH_NAIVE_REFERENCE_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "fractal/ifs.h"

namespace synthub::bench {

// Renders one (weight row, draw) of a category: returns the 4 PNG files.
std::vector<std::string> NaiveRenderDraw(const fractal::Ifs& ifs, int row, int size,
                                         int points, double weight_k, unsigned mask_seed);

// calculate(): np.random.seed(100), then `points` - 1 steps of the chaos
// game from (0, 0), each map scaled by the 6 multipliers `w` (nullptr: none),
// chosen by the first cumulative probability >= the draw.
void NaiveChaosGame(const fractal::Ifs& ifs, const double* w, int points,
                    std::vector<double>* xs, std::vector<double>* ys);

// draw_patch() in gray: a size x size RGB canvas, black, with one 3 x 3 patch
// of 127 per rasterised point at (x + 1, y + 1), its 9 bits from
// randrange(1, 512) drawn from `rng` (pasted whole: zero bits overwrite).
std::vector<uint8_t> NaiveDrawPatches(const fractal::Raster& raster, int size,
                                      std::mt19937* rng);

// An 8-bit RGB PNG with libpng's default settings.
std::string NaiveEncodeRgbPng(const std::vector<uint8_t>& rgb, int size);

}  // namespace synthub::bench

#endif  // SYNTHUB_BENCH_NAIVE_REFERENCE_H_
