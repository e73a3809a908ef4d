// The categories of a recipe, made once and kept: the category search of a
// preset (render:fractaldb-1k: 42,655 trials, about a minute and a half) is
// a pure function of its recipe, so the loader, every MPI rank and every
// resumed run read it from a cache instead of searching again.
//
// Layout: CACHE/params/<SHA-256 of the canonical recipe JSON>.ustar, the
// family's parameter archive (what a dataset carries as params.ustar).
// CACHE is $SYNTHUB_CACHE, else $XDG_CACHE_HOME/synthub, else
// ~/.cache/synthub. Read-only shared tiers ($SYNTHUB_SHARED_CACHE, folders
// separated by ':', e.g. a cluster-wide cache an admin filled) are searched
// first and never written. One process per cache folder searches: the others
// wait on an flock of CACHE/params/<hash>.lock and then read its result (file
// systems without flock: each process searches, and the atomic rename keeps
// the file whole). A cached archive that does not read back is made anew.
#ifndef SYNTHUB_RECIPE_PARAMS_CACHE_H_
#define SYNTHUB_RECIPE_PARAMS_CACHE_H_

#include <string>
#include <vector>

#include "recipe/family.h"
#include "recipe/recipe.h"

namespace synthub::recipe {

struct ParamsCacheOptions {
  std::string cache;                       // "" = the default above
  std::vector<std::string> shared_caches;  // empty = $SYNTHUB_SHARED_CACHE
  int threads = 1;                         // for the search, when it runs
  bool progress = false;
};

// $SYNTHUB_CACHE, $XDG_CACHE_HOME/synthub or ~/.cache/synthub.
std::string DefaultCacheFolder();

// The recipe's categories from a cache tier, or made (MakeParams) and
// written to the user tier. `made` (when not null) says whether this call
// searched. Throws Error when making them fails; a cache folder that
// cannot be written is warned about once and the result still returned.
CategoryParams CachedParams(const Recipe& recipe, const ParamsCacheOptions& options,
                            bool* made = nullptr);

}  // namespace synthub::recipe

#endif  // SYNTHUB_RECIPE_PARAMS_CACHE_H_
