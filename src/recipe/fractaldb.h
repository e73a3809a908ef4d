// FractalDB as a family (recipe/family.h): the published search (numpy or
// keyed), the weight-table x mask-draw x flip instances, and its presets
// fractaldb-1k ... -300k and demo.
#ifndef SYNTHUB_RECIPE_FRACTALDB_H_
#define SYNTHUB_RECIPE_FRACTALDB_H_

#include "recipe/family.h"

namespace synthub::recipe {

const Family& FractalDbFamily();

}  // namespace synthub::recipe

#endif  // SYNTHUB_RECIPE_FRACTALDB_H_
