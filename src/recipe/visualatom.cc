// VisualAtom (Takashima et al., CVPR 2023): the contour engine with sine
// waves in the noise term. Settings of the published launch script
// (make_VisualAtom.sh of masora1030/CVPR2023-FDSL-on-VisualAtom): 1,000
// instances per class at 512 x 512, vertices 200..1000, orbits 1..200,
// noise coefficient uniform(0, 4), line width uniform(0, 0.1), radius
// 10..60, ellipse uniform(1, 2), centre offsets -512..512, frequencies
// 0..20, gray 0..255 on black. The published runs used 20 processes
// (--reference-layout 20 reproduces them); the presets are keyed.
#include "recipe/contour_family.h"

namespace synthub::recipe {
namespace {

Recipe VisualAtomDefaults() {
  Recipe r = ContourDefaults("visualatom");
  ContourOptions& o = r.contour;
  o.vertices = {200, 1000};
  o.frequency = {0, 20};
  o.radius = {10, 60};
  o.centre = {-512, 512};
  o.gray = {0, 255};
  return r;
}

}  // namespace

const Family& VisualAtomFamily() {
  static const ContourFamily family("visualatom", contour::ContourStyle::kVisualAtom,
                                    VisualAtomDefaults(),
                                    {{"visualatom-1k", 1000}, {"visualatom-21k", 21000}});
  return family;
}

}  // namespace synthub::recipe
