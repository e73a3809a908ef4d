// FractalDB as a family (recipe/family.h): the published search (numpy or
// keyed), the weight-table x mask-draw x flip instances, and its presets
// fractaldb-1k ... -300k and demo. OFDB-2D (family "ofdb", presets ofdb-1k
// and ofdb-21k) is FractalDB's search and renderer with one image per
// category.
#ifndef SYNTHUB_RECIPE_FRACTALDB_H_
#define SYNTHUB_RECIPE_FRACTALDB_H_

#include "recipe/family.h"

namespace synthub::recipe {

const Family& FractalDbFamily();
const Family& OfdbFamily();

}  // namespace synthub::recipe

#endif  // SYNTHUB_RECIPE_FRACTALDB_H_
