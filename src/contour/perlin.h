// One-dimensional Perlin "improved" noise, bit for bit as the `noise`
// package 1.2.3 computes noise.pnoise1 (its C extension, in single
// precision): the published contour generators (VisualAtom, RCDB) call
// noise.pnoise1(x) with the defaults on x = random.uniform(0, 10000).
//
// Python hands x to the extension as a C float (the double rounded to
// nearest: PNoise1ArgFromDouble) and gets the float result back widened to a
// double, exactly; callers do the rest of the arithmetic in double as the
// scripts do. Pure functions, thread-safe.
#ifndef SYNTHUB_CONTOUR_PERLIN_H_
#define SYNTHUB_CONTOUR_PERLIN_H_

namespace synthub::contour {

// The argument conversion of pnoise1 (PyArg_ParseTuple's "f").
inline float PNoise1ArgFromDouble(double x) { return static_cast<float>(x); }

// noise.pnoise1(x, octaves, persistence, lacunarity, repeat, base). Throws
// Error where the extension fails or would read out of bounds: octaves < 1,
// a period (repeat, or repeat * lacunarity^k for octave k) of zero, base
// outside 0..256. Float-to-int conversions of values outside int behave as
// on x86-64 (INT_MIN), as the extension's do there.
float PNoise1(float x, int octaves = 1, float persistence = 0.5f, float lacunarity = 2.0f,
              int repeat = 1024, int base = 0);

// out[i] = PNoise1(x[i]) with the defaults (octaves 1, repeat 1024, base 0),
// the same values, computed lane-parallel. x and out may be the same array.
void PNoise1Batch(const float* x, float* out, int n);

// out[i] = PNoise1(PNoise1ArgFromDouble(x[i])): the scripts' doubles.
void PNoise1Batch(const double* x, float* out, int n);

}  // namespace synthub::contour

#endif  // SYNTHUB_CONTOUR_PERLIN_H_
