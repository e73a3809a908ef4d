// A downstream project: find_package(synthub), link synthub::synthub_core,
// render one image through the installed headers.
#include <cstdio>

#include "fractal/render.h"
#include "recipe/recipe.h"

int main() {
  const synthub::recipe::Recipe r = synthub::recipe::PresetRecipe("fractaldb-1k");
  synthub::fractal::Ifs ifs;
  ifs.maps = {{0.5, 0, 0, 0.5, 0, 0, 0.5}, {0.5, 0, 0, 0.5, 0.5, 0.5, 0.5}};
  synthub::fractal::RenderOptions o;
  o.size = 64;
  o.points = 1000;
  const auto image = synthub::fractal::DrawCloud(synthub::fractal::ComputeCloud(ifs, 0, o), o, 1, 0, 0, 0);
  std::printf("%d categories; rendered %zu pixels\n", r.categories, image.size());
  return image.size() == 64 * 64 ? 0 : 1;
}
