#include "recipe/family.h"

#include "recipe/contour_family.h"
#include "recipe/fractal3d_family.h"
#include "recipe/fractaldb.h"
#include "recipe/onepfrac.h"
#include "synthub/error.h"

namespace synthub::recipe {

const std::vector<const Family*>& Families() {
  static const std::vector<const Family*> all = {
      &FractalDbFamily(), &OfdbFamily(), &OnePFracFamily(), &VisualAtomFamily(), &RcdbFamily(),
      &MvFractalDbFamily(), &ExFractalDbFamily(), &Ofdb3dFamily(),
  };
  return all;
}

const Family& FamilyNamed(const std::string& name) {
  std::string known;
  for (const Family* f : Families()) {
    if (f->name() == name) return *f;
    known += " " + f->name();
  }
  throw UsageError("--family: unknown family '" + name + "'; known:" + known);
}

const Family& FamilyOf(const Recipe& recipe) { return FamilyNamed(recipe.family); }

std::vector<std::string> PresetNames() {
  std::vector<std::string> names;
  for (const Family* f : Families()) {
    for (std::string& n : f->PresetNames()) names.push_back(std::move(n));
  }
  return names;
}

Recipe PresetRecipe(const std::string& name) {
  Recipe r;
  for (const Family* f : Families()) {
    if (f->Preset(name, &r)) {
      r.family = f->name();
      return r;
    }
  }
  std::string all;
  for (const std::string& n : PresetNames()) all += " " + n;
  throw UsageError("--preset: unknown preset '" + name + "'; known:" + all);
}

}  // namespace synthub::recipe
