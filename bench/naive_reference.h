// A faithful, naive, single-threaded C++ transcription of the published
// Python renderer (make_fractaldb.py + ifs_function.py), the baseline the
// benchmark compares against in the same run: per mask draw it reruns the
// chaos game from np.random.seed(100) with a branchy first-match map
// choice, pastes a 3 x 3 patch per point from a fresh randrange(1, 512)
// decoded bit by bit, and writes 4 flipped RGB PNGs with libpng's default
// settings. It is already far faster than the Python it transcribes.
#ifndef SYNTHUB_BENCH_NAIVE_REFERENCE_H_
#define SYNTHUB_BENCH_NAIVE_REFERENCE_H_

#include <string>
#include <vector>

#include "fractal/ifs.h"

namespace synthub::bench {

// Renders one (weight row, draw) of a category: returns the 4 PNG files.
std::vector<std::string> NaiveRenderDraw(const fractal::Ifs& ifs, int row, int size,
                                         int points, double weight_k, unsigned mask_seed);

}  // namespace synthub::bench

#endif  // SYNTHUB_BENCH_NAIVE_REFERENCE_H_
