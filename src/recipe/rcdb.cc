// RCDB, the Radial Contour DataBase (Kataoka et al., CVPR 2022): the contour
// engine with per-image redraws of radius, ellipse and centre. Settings of
// the published render script (rcdb_render/RCDB_render.sh of
// masora1030/CVPR2022-Pretrained-ViT-PyTorch): 1,000 instances per class
// at 512 x 512, vertices int(expovariate(1/100)) in 3..200, orbits 1..200,
// noise coefficient uniform(0, 4), line width uniform(0, 0.1), radius
// 0..100, ellipse uniform(1, 2), centre offsets -400..400, gray
// randint(0, 512 / 2) on white (256 draws as 255). That script runs 10
// processes (--reference-layout 10; the repository's exe_scripts run 40);
// the presets are keyed. --masks adds SegRCDB-style class-id masks.
#include "recipe/contour_family.h"

namespace synthub::recipe {
namespace {

Recipe RcdbDefaults() {
  Recipe r = ContourDefaults("rcdb");
  ContourOptions& o = r.contour;
  o.vertices = {3, 200};
  o.radius = {0, 100};
  o.centre = {-400, 400};
  o.gray = {0, 256};  // the script's randint(0, image_size / 2)
  return r;
}

}  // namespace

const Family& RcdbFamily() {
  static const ContourFamily family("rcdb", contour::ContourStyle::kRcdb, RcdbDefaults(),
                                    {{"rcdb-1k", 1000}, {"rcdb-21k", 21000}, {"rcdb-50k", 50000}});
  return family;
}

}  // namespace synthub::recipe
