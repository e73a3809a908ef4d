// 1p-frac as a family (recipe/family.h; ECCV 2024, SUPER-TADORY/1p-frac):
// one contractive 2-map IFS (the base) and N classes, each the base with
// every parameter of every map multiplied by its own uniform(1 - delta,
// 1 + delta) factor, redrawn until the class's image sets more than
// fill_min of its pixels. Unlike the published generator, which is unseeded,
// the base is drawn from the recipe seed and each class's factors from its
// own keyed stream; the parameter file holds the base (base.csv) and every
// class's perturbed system (NNNNN.csv). Preset: 1p-frac.
#ifndef SYNTHUB_RECIPE_ONEPFRAC_H_
#define SYNTHUB_RECIPE_ONEPFRAC_H_

#include "recipe/family.h"

namespace synthub::recipe {

const Family& OnePFracFamily();

}  // namespace synthub::recipe

#endif  // SYNTHUB_RECIPE_ONEPFRAC_H_
