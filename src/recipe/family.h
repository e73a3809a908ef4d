// The family layer: what a formula family (FractalDB today; VisualAtom, RCDB,
// 1p-frac and the 3D families next) implements so that generate, the
// loader's render: sources, inspect and hub regeneration all work for it
// through the same code (docs/families.md).
//
// A family supplies
//   - presets: named recipes (PresetRecipe() asks every family);
//   - category parameters: made by a search or sampling from the recipe,
//     or read from the readable files a dataset carries;
//   - a per-sample renderer: pixels as a pure function of
//     (recipe, category parameters, sample id).
// The shard/sample plan (recipe/plan.h) and the recipe JSON
// (recipe/recipe.h) are shared by every family.
#ifndef SYNTHUB_RECIPE_FAMILY_H_
#define SYNTHUB_RECIPE_FAMILY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "codec/image.h"
#include "contour/contour.h"
#include "fractal/ifs.h"
#include "fractal3d/ifs3d.h"
#include "recipe/plan.h"
#include "recipe/recipe.h"

namespace synthub::recipe {

class RenderCache;  // render_cache.h

// The category parameters of one dataset, loaded once and shared read-only
// by every thread. One field per kind of family.
struct CategoryParams {
  std::vector<fractal::Ifs> ifs;  // fractaldb, ofdb: one IFS per category;
                                  // 1p-frac: each class's perturbed system
  fractal::Ifs base;              // 1p-frac: the system the classes perturb
  std::vector<contour::ContourCategory> contour;  // visualatom, rcdb
  std::vector<fractal3d::Ifs3> ifs3;              // the 3D families

  size_t size() const { return ifs.size() + contour.size() + ifs3.size(); }
};

// Renders the samples of one dataset. One per thread: it keeps that thread's
// caches (FractalDB: the last point cloud and canvas), which change the
// speed, never the pixels. Not thread-safe; the recipe and parameters given
// to Family::NewRenderer must outlive it.
class SampleRenderer {
 public:
  virtual ~SampleRenderer() = default;
  // Renders sample `id` into *out (resized and reused; channels 1 or 3).
  // Throws Error on bad parameters.
  virtual void Render(const SampleId& id, codec::Image* out) = 0;
  // Families with a segmentation variant (RCDB --masks): the class-id mask of
  // the sample last rendered, width x height, 0 for background and
  // category + 1 where the sample drew. nullptr when there is none. The
  // generator stores it as <key>.mask.png (16-bit gray).
  virtual const std::vector<uint16_t>* LastMask() const { return nullptr; }
  // Families with point clouds (the 3D families' --clouds): the float32
  // N x 3 cloud the sample last rendered carries, stored as <key>.npy;
  // nullptr when that sample carries none.
  virtual const std::vector<float>* LastCloud() const { return nullptr; }
  // False when the samples are clouds only (--clouds only): Render then
  // fills no image, and the generator writes no image member.
  virtual bool HasImage() const { return true; }
  // Shares work between the renderers of one loader (render_cache.h); the
  // cache outlives the renderer. Families without shared work ignore it.
  virtual void UseCache(RenderCache* /*cache*/) {}
};

class Family {
 public:
  virtual ~Family() = default;

  virtual std::string name() const = 0;  // "fractaldb": Recipe::family
  virtual std::vector<std::string> PresetNames() const = 0;
  // The preset `name`, or false when this family has none of that name.
  virtual bool Preset(const std::string& name, Recipe* out) const = 0;
  // The family's paper defaults (what --family NAME starts from).
  virtual Recipe Defaults() const = 0;

  // The plan's axes of a sample (recipe/plan.h): weight rows and draws per
  // category (times recipe.flips). FractalDB: 25 rows x patch draws;
  // one-axis families: 1 row x images per category.
  virtual int Rows(const Recipe& recipe) const = 0;
  virtual int Draws(const Recipe& recipe) const = 0;
  // True when the shards hold the samples in published order (category by
  // category, images in order) instead of the seeded permutation: a
  // renderer that replays one random stream then only walks forward.
  virtual bool SequentialPlan(const Recipe&) const { return false; }
  // Throws UsageError naming the flag of a bad family setting. The common
  // settings (name, categories, encode, shard size) are checked by
  // ValidateRecipe, which calls this.
  virtual void Validate(const Recipe& recipe) const = 0;
  // The family's own keys of the recipe JSON (docs/formats/recipe.md); the
  // common keys are written and read by recipe.cc. ReadJson throws Error
  // naming `where`.
  virtual void WriteJson(const Recipe& recipe, nlohmann::json* out) const = 0;
  virtual void ReadJson(const nlohmann::json& in, const std::string& where,
                        Recipe* recipe) const = 0;

  // Makes the categories of `recipe` (search or sampling) on `threads`
  // threads.
  virtual CategoryParams MakeParams(const Recipe& recipe, int threads, bool progress) const = 0;
  // The readable parameter files: a folder of one file per category (what
  // `synthub search` writes), and the archive a dataset carries. Writing
  // returns the archive's SHA-256; the archive is deterministic.
  virtual CategoryParams ReadParamsFolder(const std::string& dir, int categories) const = 0;
  virtual std::string WriteParamsArchive(const std::string& path,
                                         const CategoryParams& params) const = 0;
  virtual CategoryParams ReadParamsArchive(const std::string& path) const = 0;

  virtual std::unique_ptr<SampleRenderer> NewRenderer(const Recipe& recipe,
                                                      const CategoryParams& params) const = 0;
};

// Every family, in a fixed order.
const std::vector<const Family*>& Families();
// The family a recipe belongs to; throws UsageError for an unknown one.
const Family& FamilyOf(const Recipe& recipe);
const Family& FamilyNamed(const std::string& name);

}  // namespace synthub::recipe

#endif  // SYNTHUB_RECIPE_FAMILY_H_
