// VisualAtom and RCDB as families (recipe/family.h): one implementation on
// the contour engine (contour/contour.h), two styles. Each family's file
// (visualatom.cc, rcdb.cc) holds its published settings and presets; this
// one the recipe keys ("contour" + "draws"), validation with flag names,
// the category parameter file (one CSV, docs/families.md) and the
// renderer, keyed or in the published scripts' reference layout.
// Thread-safe (immutable).
#ifndef SYNTHUB_RECIPE_CONTOUR_FAMILY_H_
#define SYNTHUB_RECIPE_CONTOUR_FAMILY_H_

#include <string>
#include <vector>

#include "contour/contour.h"
#include "recipe/family.h"

namespace synthub::recipe {

const Family& VisualAtomFamily();
const Family& RcdbFamily();

// What VisualAtom and RCDB share: 1,000 categories x 1,000 images at
// 512 x 512, one flip, orbits 1..200, noise 0..4, line width 0..0.1,
// ellipse 1..2, PNG level 1 in shards of 5,000. Each family sets its ranges.
Recipe ContourDefaults(const std::string& family);

struct ContourPreset {
  const char* name;
  int categories;
};

class ContourFamily final : public Family {
 public:
  // `defaults`: the paper's settings (name, categories, images, ranges).
  ContourFamily(std::string name, contour::ContourStyle style, Recipe defaults,
                std::vector<ContourPreset> presets);

  std::string name() const override { return name_; }
  std::vector<std::string> PresetNames() const override;
  bool Preset(const std::string& name, Recipe* out) const override;
  Recipe Defaults() const override { return defaults_; }

  int Rows(const Recipe&) const override { return 1; }
  int Draws(const Recipe& r) const override { return r.draws; }
  bool SequentialPlan(const Recipe& r) const override { return r.contour.reference_layout > 0; }
  void Validate(const Recipe& r) const override;
  void WriteJson(const Recipe& r, nlohmann::json* out) const override;
  void ReadJson(const nlohmann::json& in, const std::string& where, Recipe* r) const override;

  CategoryParams MakeParams(const Recipe& r, int threads, bool progress) const override;
  CategoryParams ReadParamsFolder(const std::string& dir, int categories) const override;
  std::string WriteParamsArchive(const std::string& path,
                                 const CategoryParams& params) const override;
  CategoryParams ReadParamsArchive(const std::string& path) const override;
  std::unique_ptr<SampleRenderer> NewRenderer(const Recipe& r,
                                              const CategoryParams& params) const override;

  // The engine's settings of a recipe of this family.
  contour::ContourSpec Spec(const Recipe& r) const;
  // The parameter file (categories.csv): a header, then one row per
  // category; ParseCsv throws Error naming `where` and the line.
  std::string FormatCsv(const std::vector<contour::ContourCategory>& categories) const;
  std::vector<contour::ContourCategory> ParseCsv(const std::string& text,
                                                 const std::string& where) const;

 private:
  const std::string name_;
  const contour::ContourStyle style_;
  const Recipe defaults_;
  const std::vector<ContourPreset> presets_;
};

// The member of the parameter archive, and the file a parameter folder holds.
constexpr const char* kContourParamsFile = "categories.csv";

}  // namespace synthub::recipe

#endif  // SYNTHUB_RECIPE_CONTOUR_FAMILY_H_
