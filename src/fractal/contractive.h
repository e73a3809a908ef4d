// Contractive affine maps from singular values: Anderson & Farrell's
// `sample_system` (WACV 2022, catalys1/fractal-pretraining; used unchanged
// by 1p-frac). Each map is U diag(s1, s2) V with U, V random rotations times
// random axis signs, s1 >= s2 >= 0, s1 <= 1, and the system's
// sigma-factor sum_i (s1_i + 2 s2_i) drawn uniform in [sigma_lo, sigma_hi]
// (`sample_svs`: the pairs one after the other, each uniform in what the
// remaining sum still allows). Translations are uniform in (-range, range);
// p = |det| / sum.
//
// The maps are a pure function of the uniforms given, so any random stream
// can drive them (the keyed FractalDB search's MT19937, 1p-frac's Philox).
// Pure functions; thread-safe.
#ifndef SYNTHUB_FRACTAL_CONTRACTIVE_H_
#define SYNTHUB_FRACTAL_CONTRACTIVE_H_

#include "fractal/ifs.h"

namespace synthub::fractal {

// Uniforms in [0, 1) consumed per map: 4 axis signs, 2 angles, 2 translations,
// and 2 for the singular values (one of them for the sigma-factor: 10 n in all).
constexpr int kContractiveUniformsPerMap = 10;

// The singular values (s[i][0] >= s[i][1]) of n maps whose weighted sum is
// `sigma_factor` (in (0, 3 n)), from the 2 n - 1 uniforms `u` in the order
// `sample_svs` draws them.
void ContractiveSingularValues(int n, double sigma_factor, const double* u, double (*s)[2]);

// n maps from u[0 .. 10 n), in the order `sample_system` draws them: the
// 4 n signs, the 2 n angles in (-pi, pi), the sigma-factor, the 2 n - 1
// singular-value draws, the 2 n translations (e, f per map). The drawn
// sigma-factor goes to *sigma_factor when not null. Needs
// 0 < sigma_lo <= sigma_hi < 3 n.
Ifs ContractiveMaps(int n, const double* u, double sigma_lo, double sigma_hi, double range,
                    double* sigma_factor);

}  // namespace synthub::fractal

#endif  // SYNTHUB_FRACTAL_CONTRACTIVE_H_
